/**
 * Infrastructure as code, the sanctioned way to change things: Terraform
 * plans and applies from CI (`role/deploy/terraform-apply`), and CloudFormation
 * stacks carried out by its service role (`role/deploy/cloudformation-exec`).
 * Each change here is the sanctioned twin of an event a detector watches:
 * IAM users and policies, bucket policies, ACLs and Block Public Access,
 * trail settings and SCPs.
 */
import {
  aclParams,
  aliasKeyArn,
  assumeRoleCall,
  bucketArns,
  bucketPolicyParams,
  denyInsecureTransport,
  groupGrant,
  iamResource,
  iamWrite,
  LOG_DELIVERY,
  policyJson,
  publicAccessBlockParams,
  roleInfo,
  s3Call,
  trailArn,
  userInfo,
} from "./calls.js";
import {
  ACCOUNTS,
  ALLOWED_REGIONS,
  BUCKETS,
  CFN_ROLE,
  FUNCTIONS,
  homeRegion,
  IAC_ROLE,
  ORG_ID,
  OUS,
  pickAccount,
  PROD_VPCE,
  runId,
  s3Vpce,
  SCPS,
  TABLES,
  TRAILS,
} from "./organisation.js";
import { cfnActor, ciActor, roleArn, terraformActor } from "./principals.js";
import { UPPER_ALNUM } from "./random.js";
import { CONFIG_READS, EC2_READS, IAM_READS, ORG_READS, type ReadCall, S3_READS, TRAIL_READS } from "./reads.js";
import { type Actor, type Call, type Ctx, emit, type Json } from "./records.js";
import { HOUR } from "./time.js";

/** A Terraform run, after its plan: where it applies changes, and as whom. */
export interface IacContext {
  c: Ctx;
  account: string;
  actor: Actor;
}

/** One change of an apply, in quick succession with the next. */
function apply({ c, account, actor }: IacContext, region: string, call: Call): void {
  emit(c, account, region, actor, call, 0, 1);
}

const MANAGEMENT_PLAN_READS: readonly ReadCall[] = [
  ORG_READS.describeOrganization,
  ORG_READS.listPolicies,
  ORG_READS.describePolicy,
  ORG_READS.listTargetsForPolicy,
  ORG_READS.listAccounts,
  ORG_READS.listOrganizationalUnits,
  TRAIL_READS,
  S3_READS,
];
const WORKLOAD_PLAN_READS: readonly ReadCall[] = [...IAM_READS, ...IAM_READS, S3_READS, S3_READS, S3_READS, TRAIL_READS, ...EC2_READS, ...CONFIG_READS.slice(-6)];

/** `terraform plan`: the CI role assumes terraform-apply, which reads the state of everything it manages. */
export function terraformPlan(c: Ctx, account: string, maxReads = 28): IacContext {
  const { g } = c;
  const run = runId(g);
  const region = homeRegion(account);
  const ci = ciActor(g, account, run);
  const session = `gha-payments-infra-${run}`;
  emit(c, account, region, ci, assumeRoleCall({ account, role: IAC_ROLE, session, sourceIdentity: "github-actions", durationSeconds: 3600, expires: c.t + HOUR }), 1, 3);
  const actor = terraformActor(g, account, session);
  const reads = account === ACCOUNTS.management.id ? MANAGEMENT_PLAN_READS : WORKLOAD_PLAN_READS;
  const n = g.range(Math.min(8, maxReads), maxReads);
  for (let i = 0; i < n; i++) emit(c, account, region, actor, g.pick(reads)(g, account, region), 0, 1);
  return { c, account, actor };
}

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

// ------------------------------------------------------------------ the changes

const ASSUME_LAMBDA = policyJson([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]);

/** A Lambda role with a scoped managed policy and a scoped inline policy. */
function iacRole(x: IacContext): void {
  const { c, account } = x;
  const { g } = c;
  const name = `${g.pick(["fx-rates-sync", "webhook-dispatcher", "chargeback-intake", "payout-scheduler", "kyc-callback"])}-${g.hex(4)}`;
  apply(x, "us-east-1", iamWrite("CreateRole", { roleName: name, path: "/app/", assumeRolePolicyDocument: ASSUME_LAMBDA, maxSessionDuration: 3600, tags: [{ key: "managed-by", value: "terraform" }] }, {
    response: { role: { ...roleInfo(account, name, "/app/", c.t), assumeRolePolicyDocument: encodeURIComponent(ASSUME_LAMBDA) } },
    resources: [iamResource(account, "role", name, "/app/")],
  }));
  apply(x, "us-east-1", iamWrite("AttachRolePolicy", {
    roleName: name,
    policyArn: g.pick(["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"]),
  }));
  apply(x, "us-east-1", iamWrite("PutRolePolicy", {
    roleName: name,
    policyName: "app-access",
    policyDocument: policyJson([
      { Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"], Resource: `arn:aws:dynamodb:eu-west-1:${account}:table/${g.pick(TABLES)}` },
      { Effect: "Allow", Action: "kms:Decrypt", Resource: aliasKeyArn(account, "eu-west-1", "payments") },
    ]),
  }));
}

/** A service user created by IaC, with a scoped managed policy and a scoped inline policy (no admin). */
function iacServiceUser(x: IacContext): void {
  const { c, account } = x;
  const name = `svc-${c.g.pick(["ledger-export", "sftp-bridge", "bank-feed", "pci-scanner"])}-${c.g.hex(3)}`;
  apply(x, "us-east-1", iamWrite("CreateUser", { userName: name, path: "/service/", tags: [{ key: "managed-by", value: "terraform" }] }, {
    response: { user: userInfo(account, name, "/service/", c.t) },
    resources: [iamResource(account, "user", name, "/service/")],
  }));
  apply(x, "us-east-1", iamWrite("AttachUserPolicy", { userName: name, policyArn: `arn:aws:iam::${account}:policy/app/reporting-s3-read` }));
  apply(x, "us-east-1", iamWrite("PutUserPolicy", {
    userName: name,
    policyName: "deny-outside-vpc",
    policyDocument: policyJson([
      { Effect: "Deny", Action: "*", Resource: "*", Condition: { StringNotEquals: { "aws:SourceVpce": PROD_VPCE } } },
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: `arn:aws:s3:::${BUCKETS[account]?.[0] ?? "unknown"}/exports/*` },
    ]),
  }));
}

/** A bucket-level S3 write in the account's home region. */
function bucketWrite(x: IacContext, bucket: string, name: string, params: Json, bytesIn: number): void {
  const region = homeRegion(x.account);
  apply(x, region, s3Call(x.c.g, x.account, region, bucket, name, false, params, { bytesIn }));
}

/** Bucket policies IaC writes: TLS-only plus a named role, a VPC endpoint, CloudFront or log delivery. Never public. */
export function iacBucketPolicy(x: IacContext, chosen?: string): void {
  const { c, account } = x;
  const { g } = c;
  const bucket = chosen ?? g.pick(BUCKETS[account]!);
  const [arn, objects] = bucketArns(bucket);
  const tlsOnly = denyInsecureTransport(bucket);
  const kind = bucket.endsWith("alb-logs") ? "logs" : bucket.endsWith("static-assets") ? "cloudfront" : g.pick(["role", "vpce"]);
  const grant =
    kind === "logs"
      ? { Sid: "AllowAlbLogDelivery", Effect: "Allow", Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, Action: "s3:PutObject", Resource: `${arn}/AWSLogs/${account}/*` }
      : kind === "cloudfront"
        ? {
            Sid: "AllowCloudFrontOAC",
            Effect: "Allow",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:GetObject",
            Resource: objects,
            Condition: { StringEquals: { "AWS:SourceArn": `arn:aws:cloudfront::${account}:distribution/E2QWRUHAPOMQZL` } },
          }
        : kind === "vpce"
          ? // Principal "*" restricted to the VPC endpoint: reachable only from inside the VPC.
            { Sid: "AllowReadFromPaymentsVpce", Effect: "Allow", Principal: "*", Action: ["s3:GetObject", "s3:ListBucket"], Resource: [arn, objects], Condition: { StringEquals: { "aws:SourceVpce": s3Vpce(account) } } }
          : { Sid: "AllowReportingRole", Effect: "Allow", Principal: { AWS: roleArn(account, "reporting-export", "/app/") }, Action: ["s3:GetObject", "s3:PutObject"], Resource: objects };
  bucketWrite(x, bucket, "PutBucketPolicy", bucketPolicyParams([tlsOnly, grant]), g.range(400, 900));
}

function iacPublicAccessBlock(x: IacContext): void {
  bucketWrite(x, x.c.g.pick(BUCKETS[x.account]!), "PutBucketPublicAccessBlock", publicAccessBlockParams(true), 305);
}

/** Owner-only ACLs, or the S3 log-delivery group on a log bucket: neither is public. */
function iacBucketAcl(x: IacContext): void {
  const buckets = BUCKETS[x.account]!;
  const bucket = buckets.find((b) => b.endsWith("alb-logs")) ?? x.c.g.pick(buckets);
  const grants = bucket.endsWith("alb-logs") ? [groupGrant(LOG_DELIVERY, "WRITE"), groupGrant(LOG_DELIVERY, "READ_ACP")] : [];
  bucketWrite(x, bucket, "PutBucketAcl", aclParams(x.account, grants), 620);
}

function trailCall(name: string, params: Json, response?: Json): Call {
  return { source: "cloudtrail.amazonaws.com", name, readOnly: false, region: "us-east-1", params, response };
}

/** Full management events plus S3 data events: more logging, not less. */
export function iacEventSelectors(x: IacContext): void {
  const { c, account } = x;
  const trail = trailArn(account, c.g.pick(TRAILS[account]!));
  const bucket = BUCKETS[account]![0]!;
  const advanced = account === ACCOUNTS.security.id;
  const params: Json = advanced
    ? {
        trailName: trail,
        advancedEventSelectors: [
          { name: "Management events", fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
          {
            name: `S3 data events for ${bucket}`,
            fieldSelectors: [
              { field: "eventCategory", equals: ["Data"] },
              { field: "resources.type", equals: ["AWS::S3::Object"] },
              { field: "resources.ARN", startsWith: [`arn:aws:s3:::${bucket}/`] },
            ],
          },
        ],
      }
    : {
        trailName: trail,
        eventSelectors: [
          { readWriteType: "All", includeManagementEvents: true, dataResources: [{ type: "AWS::S3::Object", values: [`arn:aws:s3:::${bucket}/`] }], excludeManagementEventSources: [] },
        ],
      };
  const { trailName, ...selectors } = params;
  apply(x, "us-east-1", trailCall("PutEventSelectors", params, { trailARN: trailName, ...selectors }));
}

function iacStartLogging(x: IacContext): void {
  const trail = trailArn(x.account, x.c.g.pick(TRAILS[x.account]!));
  apply(x, "us-east-1", trailCall("UpdateTrail", { name: trail, isMultiRegionTrail: true, enableLogFileValidation: true, includeGlobalServiceEvents: true }, {
    name: trail.split("/")[1],
    trailARN: trail,
    isMultiRegionTrail: true,
    logFileValidationEnabled: true,
    includeGlobalServiceEvents: true,
    isOrganizationTrail: false,
  }));
  apply(x, "us-east-1", trailCall("StartLogging", { name: trail }));
}

function iacSecurityGroup(x: IacContext): void {
  const { g } = x.c;
  const sg = `sg-0${g.hex(16)}`;
  apply(x, homeRegion(x.account), {
    source: "ec2.amazonaws.com",
    name: "AuthorizeSecurityGroupIngress",
    readOnly: false,
    params: { groupId: sg, ipPermissions: { items: [{ ipProtocol: "tcp", fromPort: 443, toPort: 443, groups: {}, ipRanges: { items: [{ cidrIp: "10.20.0.0/16", description: "payments VPC" }] }, ipv6Ranges: {}, prefixListIds: {} }] } },
    response: { requestId: g.uuid(), _return: true, securityGroupRuleSet: { items: [{ groupId: sg, securityGroupRuleId: `sgr-0${g.hex(16)}`, isEgress: false, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "10.20.0.0/16" }] } },
  });
}

function iacLogGroup(x: IacContext): void {
  const { g } = x.c;
  const group = `/aws/lambda/${g.pick(FUNCTIONS)}`;
  const region = homeRegion(x.account);
  apply(x, region, { source: "logs.amazonaws.com", name: "PutRetentionPolicy", readOnly: false, params: { logGroupName: group, retentionInDays: g.pick([30, 90, 365]) } });
  apply(x, region, { source: "logs.amazonaws.com", name: "TagResource", readOnly: false, params: { resourceArn: `arn:aws:logs:eu-west-1:${x.account}:log-group:${group}`, tags: { "managed-by": "terraform" } } });
}

/** SCP maintenance in the management account: updates and attachments, never a detach. */
export function iacScp(x: IacContext, forced?: "update" | "attach"): void {
  const { g } = x.c;
  const policyId = g.pick(Object.values(SCPS));
  if (forced ? forced === "update" : g.chance(0.6)) {
    apply(x, "us-east-1", {
      source: "organizations.amazonaws.com",
      name: "UpdatePolicy",
      readOnly: false,
      params: {
        policyId,
        content: policyJson([
          {
            Sid: "DenyOutsideAllowedRegions",
            Effect: "Deny",
            NotAction: ["iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*", "route53:*"],
            Resource: "*",
            Condition: { StringNotEquals: { "aws:RequestedRegion": [...ALLOWED_REGIONS] } },
          },
        ]),
      },
      response: { policy: { policySummary: { id: policyId, arn: `arn:aws:organizations::${x.account}:policy/${ORG_ID}/service_control_policy/${policyId}`, type: "SERVICE_CONTROL_POLICY", awsManaged: false } } },
    });
  } else {
    apply(x, "us-east-1", {
      source: "organizations.amazonaws.com",
      name: "AttachPolicy",
      readOnly: false,
      params: { policyId, targetId: g.pick(Object.values(OUS)) },
      // Terraform re-applying an attachment that exists is refused, harmlessly.
      error: !forced && g.chance(0.5) ? { code: "DuplicatePolicyAttachmentException", message: "The selected policy is already attached to the specified target." } : undefined,
    });
  }
}

// ------------------------------------------------------------------ CloudFormation

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
  const cloudFormation = (name: string, readOnly: boolean, params: Json, response?: Json): Call => ({ source: "cloudformation.amazonaws.com", name, readOnly, params, response });
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

