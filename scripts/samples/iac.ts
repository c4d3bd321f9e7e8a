/**
 * Infrastructure as code, the sanctioned way to change things: `terraform
 * plan` from CI (`role/deploy/terraform-apply`), and the changes an apply
 * makes to IAM, S3, trails and SCPs. Each change is the sanctioned twin of an
 * event a detector watches. Network, logging and key changes are in
 * iac-platform.ts; applies and CloudFormation stacks in deploy.ts.
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
  homeRegion,
  IAC_ROLE,
  ORG_ID,
  OUS,
  PROD_VPCE,
  runId,
  s3Vpce,
  SCPS,
  TABLES,
  TRAILS,
} from "./organisation.js";
import { ciActor, roleArn, terraformActor } from "./principals.js";
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
export function apply({ c, account, actor }: IacContext, region: string, call: Call): void {
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

export const ASSUME_LAMBDA = policyJson([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]);

/** A Lambda role with a scoped managed policy and a scoped inline policy. */
export function iacRole(x: IacContext): void {
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
export function iacServiceUser(x: IacContext): void {
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
export function bucketWrite(x: IacContext, bucket: string, name: string, params: Json, bytesIn: number): void {
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

export function iacPublicAccessBlock(x: IacContext): void {
  bucketWrite(x, x.c.g.pick(BUCKETS[x.account]!), "PutBucketPublicAccessBlock", publicAccessBlockParams(true), 305);
}

/** Owner-only ACLs, or the S3 log-delivery group on a log bucket: neither is public. */
export function iacBucketAcl(x: IacContext): void {
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

export function iacStartLogging(x: IacContext): void {
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
