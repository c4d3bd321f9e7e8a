import type { Baseline } from "../../core/baseline.js";
import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { asList } from "../../core/policy.js";
import { actorName, API_CALL, bucketResource, field, isKnownAccount, isObject, param, sentence } from "../common.js";
import { apiCall, assumedRole, bucketParams, MANAGEMENT, OUTSIDE, s3Extras } from "../examples.js";

interface Destination {
  account: string;
  bucket: string;
  bucketArn?: string;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * Where each enabled rule of a PutBucketReplication request sends objects, when
 * the request names the destination's account: `Destination.Account` (required
 * for cross-account ownership translation), or an account id in the
 * destination bucket's ARN. Bucket ARNs usually carry no account; such rules
 * are not judged. S3 logs one rule as an object, several as a list.
 */
function destinations(record: CloudTrailRecord): Destination[] {
  const configuration = record.requestParameters ? field(record.requestParameters, "ReplicationConfiguration") : undefined;
  if (!isObject(configuration)) return [];
  const found: Destination[] = [];
  for (const rule of asList(field(configuration, "Rule")).filter(isObject)) {
    if (text(field(rule, "Status"))?.toLowerCase() === "disabled") continue;
    const destination = field(rule, "Destination");
    if (!isObject(destination)) continue;
    const bucketArn = text(field(destination, "Bucket"));
    const arnAccount = bucketArn?.split(":")[4];
    const account = text(field(destination, "Account")) ?? (arnAccount && /^\d{12}$/.test(arnAccount) ? arnAccount : undefined);
    if (!account) continue;
    const bucket = bucketArn?.startsWith("arn:") ? (bucketArn.split(":").slice(5).join(":").split("/").pop() ?? bucketArn) : (bucketArn ?? "(unnamed bucket)");
    found.push({ account, bucket, ...(bucketArn?.startsWith("arn:") ? { bucketArn } : {}) });
  }
  return found;
}

function untrusted(record: CloudTrailRecord, baseline: Baseline): Destination[] {
  const seen = new Set<string>();
  return destinations(record).filter((d) => {
    const key = `${d.account}/${d.bucket}`;
    if (seen.has(key) || isKnownAccount(baseline, d.account, record.recipientAccountId)) return false;
    seen.add(key);
    return true;
  });
}

const REGION = "eu-west-1";
const BUCKET = "acme-prod-invoices";
const DATA_ENGINEER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataEngineer_9b8c7d6e5f4a3b2c";
const REPLICATION_ROLE = "arn:aws:iam::111122223333:role/service-role/s3-replication-acme-prod-invoices";
const DR_ACCOUNT = "222233334444";
const AUDITOR = "888877776666";
const XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

function rule(id: string, destination: Record<string, unknown>, priority = 1) {
  return {
    ID: id,
    Priority: priority,
    Filter: { Prefix: "" },
    Status: "Enabled",
    DeleteMarkerReplication: { Status: "Disabled" },
    Destination: destination,
  };
}

function replicationCall(eventID: string, eventTime: string, rules: Record<string, unknown> | Record<string, unknown>[], error?: { code: string; message: string }) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "s3.amazonaws.com",
    eventName: "PutBucketReplication",
    identity: assumedRole(DATA_ENGINEER, "r.roe@example.com"),
    region: REGION,
    requestParameters: bucketParams(BUCKET, REGION, { replication: "", ReplicationConfiguration: { xmlns: XMLNS, Role: REPLICATION_ROLE, Rule: rules } }),
    ...s3Extras(BUCKET),
    ...(error ? { error } : {}),
  });
}

export default defineDetector({
  id: "s3.replication-to-untrusted-account",
  title: "S3 bucket replicates to an account outside the organisation",
  severity: "high",
  mitre: ["T1537"],
  pattern: {
    source: ["aws.s3"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["s3.amazonaws.com"],
      eventName: ["PutBucketReplication"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    const bucket = param(record, "bucketName");
    if (!bucket) return undefined;
    const outside = untrusted(record, baseline);
    if (outside.length === 0) return undefined;
    const targets = outside.map((d) => `bucket ${d.bucket} in account ${d.account}`).join(", ");
    const resources: FindingResource[] = [
      bucketResource(record, bucket),
      ...outside.map((d): FindingResource => ({ type: "AWS::S3::Bucket", id: d.bucket, ...(d.bucketArn ? { arn: d.bucketArn } : {}), account: d.account })),
    ];
    return {
      summary: sentence(`${actorName(record)} set replication on S3 bucket ${bucket} to copy its objects to ${targets}, outside the organisation's accounts.`),
      resources,
    };
  },
  runbook:
    "Replication copies every new object (and, with S3 Batch Replication, existing ones) to the destination without any further call from the caller: " +
    "an attacker who sets it up exfiltrates the bucket for as long as the rule stays, and the copies in their account are out of reach. The destination " +
    "account is neither one of the baseline's accounts nor in trust.externalAccounts. Confirm with the bucket owner; a partner or backup provider that " +
    "really receives this data belongs in trust.externalAccounts. If not approved, remove the rule (DeleteBucketReplication, or PutBucketReplication with " +
    "the approved rules only) at once, check the replication role's trust and policy, and look for S3 Batch Operations jobs (CreateJob) that replicate " +
    "existing objects. Rules that do not name the destination's account (no Destination.Account, an ARN without account) cannot be judged from the " +
    "record: they are not reported. A refused call (errorCode) is not a finding here: no rule was set.",
  examples: {
    match: [
      {
        description: "A replication rule to a bucket in an account outside the organisation, handing the replicas' ownership to it",
        record: replicationCall(
          "ac23d836-9b75-40e5-a28b-f078dd47c342",
          "2024-07-20T01:17:45Z",
          rule("backup-all", { Bucket: "arn:aws:s3:::invoices-archive-7731", Account: OUTSIDE, AccessControlTranslation: { Owner: "Destination" } }),
        ),
      },
      {
        description: "Two rules, the second of which sends one prefix to an outside account",
        record: replicationCall("8cf4481d-e826-424f-9c22-00d9ada80a52", "2024-07-20T01:25:12Z", [
          rule("dr-copy", { Bucket: "arn:aws:s3:::acme-prod-invoices-dr", Account: DR_ACCOUNT }, 1),
          { ...rule("export", { Bucket: "arn:aws:s3:::partner-drop-eu", Account: OUTSIDE }, 2), Filter: { Prefix: "2024/" } },
        ]),
        baseline: { accounts: { [DR_ACCOUNT]: { name: "disaster-recovery", environment: "production" } } },
      },
    ],
    noMatch: [
      {
        description: "Replication to the organisation's disaster-recovery account",
        record: replicationCall(
          "2ed5a96c-2ba3-4142-a258-72e0a5acb5ed",
          "2024-07-20T09:02:38Z",
          rule("dr-copy", { Bucket: "arn:aws:s3:::acme-prod-invoices-dr", Account: DR_ACCOUNT, StorageClass: "STANDARD_IA" }),
        ),
        baseline: { accounts: { [DR_ACCOUNT]: { name: "disaster-recovery", environment: "production" }, [MANAGEMENT]: { name: "management", environment: "shared" } } },
      },
      {
        description: "Replication to the external auditor's account the baseline trusts",
        record: replicationCall(
          "def76d16-4c4b-4202-8786-f77e5f23a440",
          "2024-07-20T09:06:19Z",
          rule("audit-export", { Bucket: "arn:aws:s3:::auditor-evidence-acme", Account: AUDITOR, AccessControlTranslation: { Owner: "Destination" } }),
        ),
        baseline: { trust: { externalAccounts: [AUDITOR] } },
      },
      {
        description: "Same-account replication to another region: the rule names no account",
        record: replicationCall("715c4e51-5ddb-497d-a9ab-ee07b424452e", "2024-07-20T09:09:47Z", rule("crr-us", { Bucket: "arn:aws:s3:::acme-prod-invoices-us-east-1" })),
      },
      {
        description: "A replication rule to an outside account, refused because the replication role cannot be passed",
        record: replicationCall(
          "c15b67b7-dc73-4457-a93d-2b57060d6ac5",
          "2024-07-20T09:13:26Z",
          rule("backup-all", { Bucket: "arn:aws:s3:::invoices-archive-7731", Account: OUTSIDE }),
          { code: "AccessDenied", message: "Access Denied" },
        ),
      },
    ],
  },
});
