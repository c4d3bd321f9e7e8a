import { defineDetector } from "../../core/detector.js";
import { actorName, API_CALL, bucketResource, isIacPrincipal, param, sentence } from "../common.js";
import { apiCall, assumedRole, bucketParams, s3Extras, USER_AGENTS } from "../examples.js";

const REGION = "eu-west-1";
const BUCKET = "acme-prod-invoices";
const DATA_ENGINEER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataEngineer_9b8c7d6e5f4a3b2c";
const STORAGE_PIPELINE = "arn:aws:iam::111122223333:role/iac/storage-deploy";

function encryptionCall(
  eventID: string,
  eventTime: string,
  eventName: string,
  options: { identity?: Record<string, unknown>; extra?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "s3.amazonaws.com",
    eventName,
    identity: options.identity ?? assumedRole(DATA_ENGINEER, "r.roe@example.com"),
    region: REGION,
    requestParameters: bucketParams(BUCKET, REGION, { encryption: "", ...options.extra }),
    ...s3Extras(BUCKET),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "s3.default-encryption-removed",
  title: "S3 bucket default encryption configuration deleted",
  severity: "medium",
  mitre: ["T1530"],
  pattern: {
    source: ["aws.s3"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["s3.amazonaws.com"],
      eventName: ["DeleteBucketEncryption"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    const bucket = param(record, "bucketName");
    if (!bucket) return undefined;
    return {
      summary: sentence(`${actorName(record)} deleted the default encryption configuration of S3 bucket ${bucket}; new objects fall back to SSE-S3.`),
      resources: [bucketResource(record, bucket)],
    };
  },
  remediation: "s3.restore-default-encryption",
  runbook:
    "DeleteBucketEncryption drops the bucket's default encryption rule. Since January 2023 S3 still encrypts new objects with SSE-S3, so the loss is the " +
    "customer-managed KMS key: new objects no longer need kms:Decrypt to be read (anyone with s3:GetObject reads them), KMS no longer logs each read, and " +
    "a bucket key or a key policy no longer limits who can decrypt. Existing objects keep the key they were written with. Check with the bucket owner " +
    "whether the change is intended; if not, restore the default encryption (the proposed remediation does; use the key the bucket's code names) " +
    "and look for PutBucketPolicy, PutBucketAcl and unusual GetObject since the change. Changes by the baseline's " +
    "infrastructure-as-code principals are not reported. A refused call (errorCode) is not a finding here: the configuration did not change.",
  examples: {
    match: [
      {
        description: "An SSO data engineer deletes the SSE-KMS default encryption of the invoices bucket",
        record: encryptionCall("f8250afe-3007-4404-af53-fb63f7af3a90", "2024-07-15T11:02:39Z", "DeleteBucketEncryption"),
      },
    ],
    noMatch: [
      {
        description: "The storage pipeline removes the encryption resource while it replaces the bucket's configuration",
        record: encryptionCall("2345497a-2107-48de-9cc9-cef4ec86cef0", "2024-07-15T11:10:04Z", "DeleteBucketEncryption", {
          identity: assumedRole(STORAGE_PIPELINE, "codebuild-storage-2291"),
          userAgent: USER_AGENTS.terraform,
        }),
        baseline: { principals: { iac: [STORAGE_PIPELINE] } },
      },
      {
        description: "PutBucketEncryption, which sets default encryption with a KMS key",
        record: encryptionCall("e1334a90-a8cf-47ab-9334-ae4de80c4572", "2024-07-15T11:14:51Z", "PutBucketEncryption", {
          extra: {
            ServerSideEncryptionConfiguration: {
              xmlns: "http://s3.amazonaws.com/doc/2006-03-01/",
              Rule: {
                ApplyServerSideEncryptionByDefault: {
                  SSEAlgorithm: "aws:kms",
                  KMSMasterKeyID: "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-4697-8877-665544332211",
                },
                BucketKeyEnabled: true,
              },
            },
          },
        }),
      },
      {
        description: "A DeleteBucketEncryption refused for lack of permission",
        record: encryptionCall("1c33935b-c36f-4e45-b0db-c84d311037b5", "2024-07-15T11:18:27Z", "DeleteBucketEncryption", {
          error: { code: "AccessDenied", message: "Access Denied" },
        }),
      },
    ],
  },
});
