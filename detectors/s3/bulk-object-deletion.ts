import { defineDetector } from "../../core/detector.js";
import { actorName, API_CALL, bucketResource, isIacPrincipal, param, sentence } from "../common.js";
import { apiCall, assumedRole, bucketParams, iamUser, PROD, s3Extras, USER_AGENTS, type ApiCallOptions, type ExampleRecord } from "../examples.js";

/**
 * Fifty successful deletion calls by one principal in a 5-minute window.
 * Applications delete the odd object; emptying a bucket one object at a time
 * (Stratus Red Team deletes 51) or in thousands of DeleteObjects batches is
 * destruction or ransomware. A DeleteObjects call removes up to 1,000 objects
 * and its record does not say how many, so one batch counts as one call: a
 * single batch emptying a small bucket stays below the count.
 */
const COUNT = 50;
const WINDOW_SECONDS = 300;

const REGION = "eu-west-1";
const BUCKET = "acme-prod-invoices";

/** An S3 object-level call: a data event, logged only when the trail selects S3 data events. */
function s3DataEvent(options: Omit<ApiCallOptions, "eventSource" | "region"> & { bucket: string; key?: string; extra?: Record<string, unknown> }): ExampleRecord {
  const { bucket, key, extra, ...call } = options;
  const record = apiCall({
    ...call,
    eventSource: "s3.amazonaws.com",
    region: REGION,
    requestParameters: bucketParams(bucket, REGION, { ...(key ? { key } : {}), ...extra }),
    ...s3Extras(bucket),
  });
  const objects = key ? { type: "AWS::S3::Object", ARN: `arn:aws:s3:::${bucket}/${key}` } : { type: "AWS::S3::Object", ARNPrefix: `arn:aws:s3:::${bucket}/` };
  return {
    ...record,
    resources: [objects, { accountId: PROD, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${bucket}` }],
    managementEvent: false,
    eventCategory: "Data",
  };
}

export default defineDetector({
  id: "s3.bulk-object-deletion",
  title: "Mass deletion of S3 objects by one principal",
  severity: "critical",
  mitre: ["T1485"],
  stratus: ["aws.impact.s3-ransomware-individual-deletion"],
  pattern: {
    source: ["aws.s3"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["s3.amazonaws.com"],
      eventName: ["DeleteObject", "DeleteObjects"],
      errorCode: [{ exists: false }],
    },
  },
  threshold: { count: COUNT, windowSeconds: WINDOW_SECONDS, groupBy: "principal" },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    const bucket = param(record, "bucketName");
    if (!bucket) return undefined;
    const key = param(record, "key");
    const version = param(record, "versionId");
    const what =
      record.eventName === "DeleteObjects"
        ? `a batch of objects (up to 1,000) from S3 bucket ${bucket}`
        : `${version ? `version ${version} of ` : ""}object ${key ?? "(unknown key)"} from S3 bucket ${bucket}`;
    return {
      summary: sentence(`${actorName(record)} deleted ${what}, reaching ${COUNT} deletion calls in one ${WINDOW_SECONDS / 60}-minute window.`),
      resources: [bucketResource(record, bucket)],
    };
  },
  remediation: "iam.quarantine-principal",
  runbook:
    "One principal made many successful DeleteObject or DeleteObjects calls within minutes: a bucket is being emptied. Deleting versions (versionId in " +
    "the request) destroys data even where versioning is on, and ransomware crews download the objects first (GetObject) and leave a ransom note " +
    "(PutObject) afterwards. This rule sees object-level calls only if the trail logs S3 data events for the bucket (write events at least); without " +
    "them it is blind. Quarantine the principal at once unless its owner confirms a planned clean-up, then check which buckets and versions are gone " +
    "(ListObjectVersions, S3 Inventory), restore from versions, replication or AWS Backup, and turn on Object Lock or MFA delete for the buckets that " +
    "matter. Lifecycle expirations are not API calls and never count; refused deletions change nothing and are left to the access-denied detector; " +
    "IaC principals are not judged. Stratus Red Team's batch-deletion variant (one DeleteObjects for 51 objects) stays below the count, and its " +
    "client-side-encryption variant overwrites objects with CopyObject rather than deleting them.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's s3-ransomware-individual-deletion: an IAM user deletes an object version one by one",
        record: s3DataEvent({
          eventID: "6bb469d4-dc39-4608-8f68-3d72cac2d2ab",
          eventTime: "2024-11-19T22:04:13Z",
          eventName: "DeleteObject",
          identity: iamUser("arn:aws:iam::111122223333:user/stratus-red-team"),
          bucket: "stratus-red-team-ransomware-bucket-qxkfzv",
          key: "liable_donated.sql",
          extra: { versionId: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", "x-id": "DeleteObject" },
          userAgent: USER_AGENTS.stratus,
          sourceIPAddress: "203.0.113.201",
        }),
      },
      {
        description: "A stolen role session empties a production bucket with `aws s3 rm --recursive`, one DeleteObjects batch per 1,000 keys",
        record: s3DataEvent({
          eventID: "d078c729-4ffa-47ad-b5f3-e26d3a872f9c",
          eventTime: "2024-11-20T03:31:57Z",
          eventName: "DeleteObjects",
          identity: assumedRole("arn:aws:iam::111122223333:role/app/invoice-service", "botocore-session-1732073412"),
          bucket: BUCKET,
          extra: { delete: "", "x-id": "DeleteObjects" },
          userAgent: "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2024 prompt/off command/s3.rm",
          sourceIPAddress: "193.32.162.77",
        }),
      },
    ],
    noMatch: [
      {
        description: "A deletion S3 refused: nothing was removed",
        record: s3DataEvent({
          eventID: "92df5c37-af5e-4427-9926-0ecb238a2066",
          eventTime: "2024-11-20T03:29:40Z",
          eventName: "DeleteObject",
          identity: assumedRole("arn:aws:iam::111122223333:role/app/reporting", "reporting-worker"),
          bucket: BUCKET,
          key: "2024/11/invoices.csv",
          extra: { "x-id": "DeleteObject" },
          error: { code: "AccessDenied", message: "Access Denied" },
        }),
      },
      {
        description: "Terraform destroying a temporary bucket's objects as part of a planned teardown",
        baseline: { principals: { iac: ["arn:aws:iam::111122223333:role/ci/terraform-deployer"] } },
        record: s3DataEvent({
          eventID: "6795b683-3c9d-4e2e-8d36-978da9308f3d",
          eventTime: "2024-11-20T11:08:26Z",
          eventName: "DeleteObjects",
          identity: assumedRole("arn:aws:iam::111122223333:role/ci/terraform-deployer", "github-actions-5120"),
          bucket: "acme-preview-pr-4821-assets",
          extra: { delete: "", "x-id": "DeleteObjects" },
          userAgent: USER_AGENTS.terraform,
        }),
      },
      {
        description: "Uploading an object: a data event on the same bucket, not a deletion",
        record: s3DataEvent({
          eventID: "58bf0dfe-9977-4008-b711-b483f07a826f",
          eventTime: "2024-11-20T11:10:02Z",
          eventName: "PutObject",
          identity: assumedRole("arn:aws:iam::111122223333:role/app/invoice-service", "invoice-worker"),
          bucket: BUCKET,
          key: "2024/11/20/invoice-88412.pdf",
          extra: { "x-id": "PutObject" },
          userAgent: USER_AGENTS.boto3,
        }),
      },
    ],
  },
});
