/**
 * Deployments: Terraform applies (a plan, then changes from iac.ts and
 * iac-platform.ts), CloudFormation stacks carried out by the CloudFormation
 * service role (`role/deploy/cloudformation-exec`, `invokedBy`
 * cloudformation.amazonaws.com), and Lambda releases from CI, which go through
 * a change set: CI never replaces function code itself.
 */
import { bucketArns, bucketPolicyParams, denyInsecureTransport, iamWrite, publicAccessBlockParams, roleInfo, s3Call, userInfo } from "./calls.js";
import {
  ASSUME_LAMBDA,
  type IacContext,
  iacBucketAcl,
  iacBucketPolicy,
  iacEventSelectors,
  iacPublicAccessBlock,
  iacRole,
  iacScp,
  iacServiceUser,
  iacStartLogging,
  terraformPlan,
} from "./iac.js";
import { iacKmsKey, iacLogGroup, iacLogLifecycle, iacSecurityGroup, iacTrustPolicy } from "./iac-platform.js";
import { ACCOUNTS, BUCKETS, CFN_ROLE, pickAccount, runId, s3Vpce } from "./organisation.js";
import { cfnActor, ciActor, roleArn } from "./principals.js";
import { UPPER_ALNUM } from "./random.js";
import { type Actor, type Call, type Ctx, emit, type Json } from "./records.js";

const TRAIL_PATTERN = JSON.stringify({ source: ["aws.cloudtrail"], "detail-type": ["AWS API Call via CloudTrail"], detail: { eventName: ["StopLogging"] } });

const cloudFormation = (name: string, readOnly: boolean, params: Json, response?: Json): Call => ({ source: "cloudformation.amazonaws.com", name, readOnly, params, response });

/** The changes IaC makes, each the sanctioned twin of something a detector watches. */
export const IAC_CHANGES: readonly (readonly [(x: IacContext) => void, number])[] = [
  [iacRole, 6],
  [iacServiceUser, 2],
  [iacBucketPolicy, 4],
  [iacPublicAccessBlock, 3],
  [iacBucketAcl, 1],
  [iacEventSelectors, 1],
  [iacStartLogging, 1],
  [iacSecurityGroup, 4],
  [iacLogGroup, 3],
  [iacKmsKey, 1],
  [iacTrustPolicy, 1],
  [iacLogLifecycle, 1],
];

const TERRAFORM_ACCOUNTS = [["prod", 4], ["staging", 4], ["security", 2], ["management", 1]] as const;

/** A plan, then one to three changes (SCP maintenance in the management account). */
export function terraformApply(c: Ctx): void {
  const { g } = c;
  const account = pickAccount(g, TERRAFORM_ACCOUNTS);
  const x = terraformPlan(c, account);
  if (account === ACCOUNTS.management.id) {
    iacScp(x);
    return;
  }
  const n = g.range(1, 3);
  for (let i = 0; i < n; i++) g.weighted(IAC_CHANGES)(x);
}

export function terraformPlanOnly(c: Ctx): void {
  terraformPlan(c, pickAccount(c.g, TERRAFORM_ACCOUNTS));
}


/**
 * A CloudFormation stack update by CI, carried out by the CloudFormation
 * service role: a Lambda function and its role, and (always with `forceAll`)
 * an IAM user and a VPC-endpoint bucket policy.
 */
export function cfnDeploy(c: Ctx, forceAll = false): void {
  const { g } = c;
  const account = pickAccount(g, [["prod", 1], ["staging", 2], ["security", 1]]);
  const region = "eu-west-1";
  const run = runId(g);
  const ci = ciActor(g, account, run);
  const stack = g.pick(["payments-webhooks", "fx-rates", "trailwarden-member", "chargebacks"]);
  const stackId = `arn:aws:cloudformation:${region}:${account}:stack/${stack}/${g.uuid()}`;
  const changeSet = `deploy-${run}`;
  emit(c, account, region, ci, cloudFormation("CreateChangeSet", false, { stackName: stack, changeSetName: changeSet, changeSetType: "UPDATE", capabilities: ["CAPABILITY_NAMED_IAM"], roleARN: roleArn(account, CFN_ROLE.name, CFN_ROLE.path) }, { id: `arn:aws:cloudformation:${region}:${account}:changeSet/${changeSet}/${g.uuid()}`, stackId }));
  emit(c, account, region, ci, cloudFormation("DescribeChangeSet", true, { changeSetName: changeSet, stackName: stack }), 3, 10);
  emit(c, account, region, ci, cloudFormation("ExecuteChangeSet", false, { changeSetName: changeSet, stackName: stack }));
  const cfn = cfnActor(account);
  const step = (region: string, call: Call) => emit(c, account, region, cfn, call, 1, 4);
  const stackTags = [{ key: "aws:cloudformation:stack-name", value: stack }];
  const fn = `${stack}-handler`;
  const roleName = `${stack}-HandlerRole-${g.chars(UPPER_ALNUM, 12)}`;
  step("us-east-1", iamWrite("CreateRole", { roleName, path: "/", assumeRolePolicyDocument: ASSUME_LAMBDA, tags: stackTags }, { response: { role: roleInfo(account, roleName, "/", c.t) } }));
  step("us-east-1", iamWrite("AttachRolePolicy", { roleName, policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" }));
  step(region, { source: "logs.amazonaws.com", name: "CreateLogGroup", readOnly: false, params: { logGroupName: `/aws/lambda/${fn}` } });
  step(region, {
    source: "lambda.amazonaws.com",
    name: g.chance(0.5) ? "CreateFunction20150331" : "UpdateFunctionConfiguration20150331v2",
    readOnly: false,
    params: { functionName: fn, runtime: "nodejs20.x", handler: "index.handler", role: roleArn(account, roleName), timeout: 30, memorySize: 512 },
    response: { functionName: fn, functionArn: `arn:aws:lambda:${region}:${account}:function:${fn}`, runtime: "nodejs20.x", state: "Pending" },
  });
  if (stack === "trailwarden-member") {
    // trailwarden's own forwarding rules, re-applied enabled: not tampering.
    const rule = "trailwarden-cloudtrail.logging-stopped";
    step(region, { source: "events.amazonaws.com", name: "PutRule", readOnly: false, params: { name: rule, eventPattern: TRAIL_PATTERN, state: "ENABLED", eventBusName: "default" }, response: { ruleArn: `arn:aws:events:${region}:${account}:rule/${rule}` } });
    step(region, { source: "events.amazonaws.com", name: "PutTargets", readOnly: false, params: { rule, targets: [{ id: "security-bus", arn: `arn:aws:events:${region}:${ACCOUNTS.security.id}:event-bus/trailwarden` }] }, response: { failedEntryCount: 0, failedEntries: [] } });
  }
  if (forceAll || g.chance(0.35)) {
    // A CloudFormation-managed IAM user for a partner SFTP integration: created by IaC.
    const userName = `${stack}-partner-${g.hex(4)}`;
    step("us-east-1", iamWrite("CreateUser", { userName, path: "/service/", tags: stackTags }, { response: { user: userInfo(account, userName, "/service/", c.t) } }));
  }
  if (forceAll || g.chance(0.35)) {
    const bucket = g.pick(BUCKETS[account]!);
    const [, objects] = bucketArns(bucket);
    const vpceOnly = { Sid: "AllowVpceOnly", Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: objects, Condition: { StringEquals: { "aws:SourceVpce": s3Vpce(account) } } };
    step(region, s3Call(g, account, region, bucket, "PutBucketPolicy", false, bucketPolicyParams([vpceOnly, denyInsecureTransport(bucket)]), { bytesIn: 512 }));
    step(region, s3Call(g, account, region, bucket, "PutBucketPublicAccessBlock", false, publicAccessBlockParams(true), { bytesIn: 305 }));
  }
  emit(c, account, region, ci, cloudFormation("DescribeStacks", true, { stackName: stack }), 5, 20);
}

/**
 * A Lambda release from CI: a change set on the function's stack, whose
 * execution by the CloudFormation service role replaces the code.
 */
export function cfnLambdaRelease(c: Ctx, account: string, ci: Actor, stack: string, fn: string, imageUri: string): void {
  const { g } = c;
  const region = "eu-west-1";
  const stackId = `arn:aws:cloudformation:${region}:${account}:stack/${stack}/${g.uuid()}`;
  const changeSet = `release-${g.hex(7)}`;
  emit(c, account, region, ci, cloudFormation("CreateChangeSet", false, { stackName: stack, changeSetName: changeSet, changeSetType: "UPDATE", roleARN: roleArn(account, CFN_ROLE.name, CFN_ROLE.path) }, { id: `arn:aws:cloudformation:${region}:${account}:changeSet/${changeSet}/${g.uuid()}`, stackId }));
  emit(c, account, region, ci, cloudFormation("ExecuteChangeSet", false, { changeSetName: changeSet, stackName: stack }), 3, 10);
  emit(c, account, region, cfnActor(account), {
    source: "lambda.amazonaws.com",
    name: "UpdateFunctionCode20150331v2",
    readOnly: false,
    params: { functionName: fn, imageUri, publish: true },
    response: { functionName: fn, functionArn: `arn:aws:lambda:${region}:${account}:function:${fn}`, packageType: "Image", state: "Active", lastUpdateStatus: "InProgress" },
  }, 2, 8);
  emit(c, account, region, ci, cloudFormation("DescribeStacks", true, { stackName: stack }), 5, 20);
}
