import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector } from "../../core/detector.js";
import { actorName, API_CALL, bucketResource, field, isIacPrincipal, isObject, param, sentence } from "../common.js";
import { apiCall, assumedRole, bucketParams, s3Extras, USER_AGENTS } from "../examples.js";

/**
 * Whether a PutBucketLogging request turns server access logging off: S3 logs
 * the request body as `BucketLoggingStatus`, and an empty status (only its
 * xmlns) is how the API disables logging.
 */
function disablesLogging(record: CloudTrailRecord): boolean {
  const status = record.requestParameters ? field(record.requestParameters, "BucketLoggingStatus") : undefined;
  if (!isObject(status)) return false;
  const enabled = field(status, "LoggingEnabled");
  return enabled === undefined || enabled === null || (isObject(enabled) && Object.keys(enabled).length === 0);
}

const REGION = "eu-west-1";
const BUCKET = "acme-prod-invoices";
const DATA_ENGINEER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataEngineer_9b8c7d6e5f4a3b2c";
const STORAGE_PIPELINE = "arn:aws:iam::111122223333:role/iac/storage-deploy";
const XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

function loggingCall(
  eventID: string,
  eventTime: string,
  bucket: string,
  status: Record<string, unknown>,
  options: { identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "s3.amazonaws.com",
    eventName: "PutBucketLogging",
    identity: options.identity ?? assumedRole(DATA_ENGINEER, "r.roe@example.com"),
    region: REGION,
    requestParameters: bucketParams(bucket, REGION, { logging: "", BucketLoggingStatus: { xmlns: XMLNS, ...status } }),
    ...s3Extras(bucket),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "s3.access-logging-disabled",
  title: "S3 server access logging disabled on a bucket",
  severity: "medium",
  mitre: ["T1562.008"],
  pattern: {
    source: ["aws.s3"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["s3.amazonaws.com"],
      eventName: ["PutBucketLogging"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    const bucket = param(record, "bucketName");
    if (!bucket || !disablesLogging(record)) return undefined;
    return {
      summary: sentence(`${actorName(record)} turned off server access logging on S3 bucket ${bucket}.`),
      resources: [bucketResource(record, bucket)],
    };
  },
  runbook:
    "Server access logs record every request to the bucket, including the object reads that CloudTrail only sees when S3 data events are on: without " +
    "them, reads and deletes in the bucket may leave no trace. Turning them off just before touching a bucket is a classic way to hide collection. The " +
    "record does not say whether logging was on before: check the bucket's logging in code or in AWS Config history. If the change is not approved, turn " +
    "logging back on with the previous target bucket and prefix, and look at CloudTrail data events (if enabled) for GetObject, DeleteObject and " +
    "ListObjects on the bucket since the change. Changes by the baseline's infrastructure-as-code principals are not reported. A refused call " +
    "(errorCode) is not a finding here: logging did not change.",
  examples: {
    match: [
      {
        description: "An SSO data engineer sends an empty BucketLoggingStatus, which disables logging",
        record: loggingCall("17adce56-05cf-4629-9e43-0c43c4ae6cd2", "2024-07-18T03:12:44Z", BUCKET, {}),
      },
    ],
    noMatch: [
      {
        description: "Logging enabled to the central access-log bucket",
        record: loggingCall("13d07ef4-4176-4133-a4e0-740eb6df28eb", "2024-07-18T09:20:31Z", BUCKET, {
          LoggingEnabled: { TargetBucket: "acme-s3-access-logs-eu-west-1", TargetPrefix: `${BUCKET}/` },
        }),
      },
      {
        description: "The storage pipeline removes logging from a bucket it is about to delete",
        record: loggingCall("9f1df5f2-3c7d-4d26-8ee7-4a3b0991e7e4", "2024-07-18T09:24:05Z", "acme-dev-scratch", {}, {
          identity: assumedRole(STORAGE_PIPELINE, "codebuild-storage-2311"),
          userAgent: USER_AGENTS.terraform,
        }),
        baseline: { principals: { iac: [STORAGE_PIPELINE] } },
      },
      {
        description: "A PutBucketLogging that disables logging, refused for lack of permission",
        record: loggingCall("51276901-12ca-4a39-a92a-d8a1cc2ad2c9", "2024-07-18T09:27:50Z", BUCKET, {}, {
          error: { code: "AccessDenied", message: "Access Denied" },
        }),
      },
    ],
  },
});
