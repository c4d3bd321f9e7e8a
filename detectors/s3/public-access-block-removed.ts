import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector } from "../../core/detector.js";
import { actorName, API_CALL, bucketResource, field, isApprovedPublicBucket, isObject, param, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, bucketParams, s3Extras } from "../examples.js";

const FLAGS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;

function isTrue(value: unknown): boolean {
  return value === true || (typeof value === "string" && value.toLowerCase() === "true");
}

/**
 * The Block Public Access settings a request turns off. PutPublicAccessBlock
 * replaces the whole configuration and an omitted flag is false, so a missing
 * flag is a flag turned off.
 */
export function flagsTurnedOff(record: CloudTrailRecord): string[] | undefined {
  if (record.eventName === "DeleteBucketPublicAccessBlock") return [...FLAGS];
  const configuration = record.requestParameters ? field(record.requestParameters, "PublicAccessBlockConfiguration") : undefined;
  if (!isObject(configuration)) return undefined;
  const off = FLAGS.filter((flag) => !isTrue(field(configuration, flag)));
  return off.length > 0 ? off : undefined;
}

const BUCKET = "acme-prod-invoices";
const REGION = "eu-west-1";
const DATA_ENGINEER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataEngineer_9b8c7d6e5f4a3b2c";

function pabCall(eventID: string, eventTime: string, eventName: string, bucket: string, extra: Record<string, unknown>, error?: { code: string; message: string }) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "s3.amazonaws.com",
    eventName,
    identity: assumedRole(DATA_ENGINEER, "r.roe@example.com"),
    region: REGION,
    requestParameters: bucketParams(bucket, REGION, { publicAccessBlock: "", ...extra }),
    ...s3Extras(bucket),
    ...(error ? { error } : {}),
  });
}

function configuration(flags: Record<(typeof FLAGS)[number], boolean>) {
  return { PublicAccessBlockConfiguration: { xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", ...flags } };
}

export default defineDetector({
  id: "s3.public-access-block-removed",
  title: "S3 Block Public Access removed or weakened on a bucket",
  severity: "high",
  mitre: ["T1530"],
  pattern: {
    source: ["aws.s3"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["s3.amazonaws.com"],
      eventName: ["DeleteBucketPublicAccessBlock", "PutBucketPublicAccessBlock"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    const bucket = param(record, "bucketName");
    if (!bucket || isApprovedPublicBucket(baseline, bucket, partitionOf(record.awsRegion))) return undefined;
    const off = flagsTurnedOff(record);
    if (!off) return undefined;
    const change =
      record.eventName === "DeleteBucketPublicAccessBlock" ? "removed Block Public Access from" : `turned off ${off.join(", ")} on`;
    return {
      summary: sentence(`${actorName(record)} ${change} S3 bucket ${bucket}.`),
      resources: [bucketResource(record, bucket)],
    };
  },
  remediation: "s3.restore-public-access-block",
  runbook:
    "The bucket's own Block Public Access no longer stops a public policy or ACL, so the next PutBucketPolicy or PutBucketAcl can expose its data " +
    "(an account-level block, if set, still applies: check GetPublicAccessBlock for the account). Check whether the bucket is meant to be public: if so, " +
    "add it to the baseline's s3.publicBuckets with its owner's approval; if not, restore all four flags (the proposed remediation does) and look for a public " +
    "bucket policy or ACL set since, and for GetObject/ListBucket from unknown addresses in S3 data events or server access logs. " +
    "A refused call (errorCode) is not a finding here: the settings did not change.",
  examples: {
    match: [
      {
        description: "The bucket's public access block is deleted outright",
        record: pabCall("28a3f68d-77cb-437e-908c-e57df9587983", "2024-07-09T16:21:40Z", "DeleteBucketPublicAccessBlock", BUCKET, {}),
      },
      {
        description: "A new configuration turns off BlockPublicPolicy and RestrictPublicBuckets",
        record: pabCall(
          "22c3a766-ea67-4d42-ae85-6411d57904fa",
          "2024-07-09T16:25:03Z",
          "PutBucketPublicAccessBlock",
          BUCKET,
          configuration({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false }),
        ),
      },
    ],
    noMatch: [
      {
        description: "The block is removed from a bucket the baseline approves as public (the website)",
        record: pabCall("90a8d4db-e81a-4ada-93b2-f1bd87f87f55", "2024-07-10T09:00:12Z", "DeleteBucketPublicAccessBlock", "acme-public-website", {}),
        baseline: { s3: { publicBuckets: ["acme-public-website"] } },
      },
      {
        description: "A configuration that turns all four flags on, which tightens the bucket",
        record: pabCall(
          "40fac48a-51b9-4277-8279-a746166a128a",
          "2024-07-10T09:04:55Z",
          "PutBucketPublicAccessBlock",
          BUCKET,
          configuration({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true }),
        ),
      },
      {
        description: "A DeleteBucketPublicAccessBlock refused for lack of permission",
        record: pabCall("3f757b93-917d-46dd-bfc3-4bfce6f53386", "2024-07-10T09:07:31Z", "DeleteBucketPublicAccessBlock", BUCKET, {}, {
          code: "AccessDenied",
          message: "Access Denied",
        }),
      },
    ],
  },
});
