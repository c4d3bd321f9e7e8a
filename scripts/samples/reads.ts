/**
 * The read-only calls people and tools make all day: describe, list and get
 * calls by service, each a function of the account and region it runs in.
 */
import { aliasKeyArn, s3Call, s3Extra, s3RequestId, trailArn } from "./calls.js";
import { BUCKETS, CLUSTERS, FUNCTIONS, INSTANCE_IDS, LOG_GROUPS, ONCALL_USER, ROOT_ID, SCPS, TABLES, TRAILS } from "./organisation.js";
import type { Gen } from "./random.js";
import type { Call, Json } from "./records.js";

export type ReadCall = (g: Gen, account: string, region: string) => Call;

/** A read-only call whose parameters may depend on the moment's choices; `global` pins it to us-east-1. */
export const simple =
  (source: string, name: string, params: (g: Gen, account: string, region: string) => Json | null = () => null, global = false): ReadCall =>
  (g, account, region) => ({ source, name, readOnly: true, params: params(g, account, region), ...(global ? { region: "us-east-1" } : {}) });

/** One of `calls`, chosen when called. */
export const anyOf =
  (calls: readonly ReadCall[]): ReadCall =>
  (g, account, region) =>
    g.pick(calls)(g, account, region);

export const EC2_READS: readonly ReadCall[] = [
  simple("ec2.amazonaws.com", "DescribeInstances", (g) => ({ instancesSet: g.chance(0.5) ? {} : { items: [{ instanceId: g.pick(INSTANCE_IDS) }] }, filterSet: {} })),
  simple("ec2.amazonaws.com", "DescribeSecurityGroups", () => ({ securityGroupSet: {}, securityGroupIdSet: {}, filterSet: {} })),
  simple("ec2.amazonaws.com", "DescribeVpcs", () => ({ vpcSet: {}, filterSet: {} })),
  simple("ec2.amazonaws.com", "DescribeSubnets", () => ({ subnetSet: {}, filterSet: {} })),
  simple("ec2.amazonaws.com", "DescribeNetworkInterfaces", () => ({ networkInterfaceIdSet: {}, filterSet: {} })),
  simple("ec2.amazonaws.com", "DescribeVolumes", () => ({ volumeSet: {}, filterSet: {} })),
  simple("ec2.amazonaws.com", "DescribeRouteTables", () => ({ routeTableIdSet: {}, filterSet: {} })),
];

export const OBSERVE_READS: readonly ReadCall[] = [
  simple("logs.amazonaws.com", "DescribeLogGroups", () => ({ limit: 50 })),
  simple("logs.amazonaws.com", "FilterLogEvents", (g) => ({ logGroupName: g.pick(LOG_GROUPS), filterPattern: g.pick(["ERROR", "timeout", "\"status\":500", "WARN"]), interleaved: true })),
  simple("logs.amazonaws.com", "DescribeLogStreams", (g) => ({ logGroupName: g.pick(LOG_GROUPS), orderBy: "LastEventTime", descending: true, limit: 50 })),
  simple("logs.amazonaws.com", "StartQuery", (g) => ({ logGroupNames: [g.pick(LOG_GROUPS)], queryString: "fields @timestamp, @message | sort @timestamp desc | limit 200" })),
  simple("monitoring.amazonaws.com", "DescribeAlarms", () => ({ maxRecords: 100 })),
  simple("monitoring.amazonaws.com", "GetMetricData", () => null),
  simple("monitoring.amazonaws.com", "ListMetrics", (g) => ({ namespace: g.pick(["AWS/Lambda", "AWS/ECS", "AWS/ApplicationELB", "AWS/DynamoDB"]) })),
  simple("lambda.amazonaws.com", "ListFunctions20150331", () => ({ functionVersion: "ALL" })),
  simple("lambda.amazonaws.com", "GetFunction20150331v2", (g) => ({ functionName: g.pick(FUNCTIONS) })),
  simple("dynamodb.amazonaws.com", "DescribeTable", (g) => ({ tableName: g.pick(TABLES) })),
  simple("dynamodb.amazonaws.com", "ListTables", () => null),
  simple("ecs.amazonaws.com", "ListClusters", () => null),
  simple("ecs.amazonaws.com", "DescribeServices", (g) => ({ cluster: g.pick(CLUSTERS), services: ["payments-api"] })),
  simple("ecs.amazonaws.com", "DescribeTasks", (g) => ({ cluster: g.pick(CLUSTERS), tasks: [g.hex(32)] })),
  simple("elasticloadbalancing.amazonaws.com", "DescribeTargetHealth", (g) => ({
    targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/payments-api/${g.hex(16)}`,
  })),
  simple("sts.amazonaws.com", "GetCallerIdentity"),
];

export const S3_READS: ReadCall = (g, account, region) => {
  const bucket = g.pick(BUCKETS[account] ?? ["unknown"]);
  const name = g.pick(["GetBucketLocation", "GetBucketPolicy", "GetBucketAcl", "GetBucketVersioning", "GetBucketEncryption", "GetBucketTagging", "ListBucket"]);
  const key: Json =
    name === "GetBucketLocation" ? { location: "" } : name === "GetBucketPolicy" ? { policy: "" } : name === "GetBucketAcl" ? { acl: "" }
      : name === "GetBucketVersioning" ? { versioning: "" } : name === "GetBucketEncryption" ? { encryption: "" } : name === "GetBucketTagging" ? { tagging: "" }
        : { "list-type": "2", prefix: "", delimiter: "/", "encoding-type": "url" };
  return s3Call(g, account, region, bucket, name, true, key);
};

export const LIST_BUCKETS: ReadCall = (g, _account, region) => ({
  source: "s3.amazonaws.com",
  name: "ListBuckets",
  readOnly: true,
  params: { Host: `s3.${region}.amazonaws.com` },
  additional: s3Extra(g, 0, g.range(900, 4000)),
  requestID: s3RequestId(g),
});

export const IAM_READS: readonly ReadCall[] = [
  simple("iam.amazonaws.com", "ListRoles", () => null, true),
  simple("iam.amazonaws.com", "ListUsers", () => null, true),
  simple("iam.amazonaws.com", "GetRole", (g) => ({ roleName: g.pick(["payments-api-task", "ledger-writer", "reporting-export", "settlement-batch"]) }), true),
  simple("iam.amazonaws.com", "ListAttachedRolePolicies", (g) => ({ roleName: g.pick(["payments-api-task", "ledger-writer", "reporting-export"]) }), true),
  simple("iam.amazonaws.com", "GetPolicyVersion", (g, account) => ({ policyArn: `arn:aws:iam::${account}:policy/app/${g.pick(["ledger-dynamodb-rw", "reporting-s3-read", "kms-payments-use"])}`, versionId: `v${g.range(1, 9)}` }), true),
  simple("iam.amazonaws.com", "ListAccessKeys", (g) => ({ userName: g.pick([ONCALL_USER, "svc-reporting", "svc-ledger-export"]) }), true),
  simple("iam.amazonaws.com", "GetAccountPasswordPolicy", () => null, true),
  simple("iam.amazonaws.com", "GetAccountSummary", () => null, true),
  simple("iam.amazonaws.com", "GenerateCredentialReport", () => null, true),
];

export const TRAIL_READS: ReadCall = (g, account, region) => {
  const trail = trailArn(account, g.pick(TRAILS[account] ?? ["org-trail"]));
  const name = g.pick(["DescribeTrails", "GetTrailStatus", "GetEventSelectors", "ListTrails"]);
  const params = name === "DescribeTrails" ? { includeShadowTrails: true } : name === "ListTrails" ? null : name === "GetTrailStatus" ? { name: trail } : { trailName: trail };
  return { source: "cloudtrail.amazonaws.com", name, readOnly: true, params, region };
};

/** What AWS Config describes. */
export const CONFIG_READS: readonly ReadCall[] = [
  ...EC2_READS,
  simple("lambda.amazonaws.com", "GetFunction20150331v2", (g) => ({ functionName: g.pick(FUNCTIONS) })),
  simple("kms.amazonaws.com", "DescribeKey", (g, account, region) => ({ keyId: aliasKeyArn(account, region, g.pick(["payments", "ledger", "logs"])) })),
  simple("kms.amazonaws.com", "GetKeyRotationStatus", (g, account, region) => ({ keyId: aliasKeyArn(account, region, g.pick(["payments", "ledger"])) })),
  simple("rds.amazonaws.com", "DescribeDBInstances", () => null),
  simple("elasticloadbalancing.amazonaws.com", "DescribeLoadBalancers", () => null),
  S3_READS,
  TRAIL_READS,
];

const ORGANIZATIONS = "organizations.amazonaws.com";
const someScp = (g: Gen) => ({ policyId: g.pick(Object.values(SCPS)) });

/** Reads of AWS Organizations and its SCPs, in the management account. */
export const ORG_READS = {
  describeOrganization: simple(ORGANIZATIONS, "DescribeOrganization"),
  listPolicies: simple(ORGANIZATIONS, "ListPolicies", () => ({ filter: "SERVICE_CONTROL_POLICY" })),
  describePolicy: simple(ORGANIZATIONS, "DescribePolicy", someScp),
  listTargetsForPolicy: simple(ORGANIZATIONS, "ListTargetsForPolicy", someScp),
  listAccounts: simple(ORGANIZATIONS, "ListAccounts"),
  listOrganizationalUnits: simple(ORGANIZATIONS, "ListOrganizationalUnitsForParent", () => ({ parentId: ROOT_ID })),
};
