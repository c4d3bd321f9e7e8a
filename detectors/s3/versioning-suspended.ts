import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector } from "../../core/detector.js";
import { actorName, API_CALL, bucketResource, field, isIacPrincipal, isObject, param, sentence } from "../common.js";
import { apiCall, assumedRole, bucketParams, PROD, root, s3Extras, USER_AGENTS } from "../examples.js";

function lower(value: unknown): string | undefined {
  return typeof value === "string" ? value.toLowerCase() : undefined;
}

/**
 * What a PutBucketVersioning request turns off: `VersioningConfiguration.Status`
 * "Suspended", and MFA delete, logged as the XML element `MfaDelete` (the SDKs
 * call it MFADelete).
 */
function weakened(record: CloudTrailRecord): { suspended: boolean; mfaDeleteOff: boolean } | undefined {
  const configuration = record.requestParameters ? field(record.requestParameters, "VersioningConfiguration") : undefined;
  if (!isObject(configuration)) return undefined;
  const suspended = lower(field(configuration, "Status")) === "suspended";
  const mfaDeleteOff = lower(field(configuration, "MfaDelete") ?? field(configuration, "MFADelete")) === "disabled";
  return suspended || mfaDeleteOff ? { suspended, mfaDeleteOff } : undefined;
}

const REGION = "eu-west-1";
const BUCKET = "acme-prod-invoices";
const DATA_ENGINEER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataEngineer_9b8c7d6e5f4a3b2c";
const STORAGE_PIPELINE = "arn:aws:iam::111122223333:role/iac/storage-deploy";
const XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

function versioningCall(
  eventID: string,
  eventTime: string,
  bucket: string,
  configuration: Record<string, unknown>,
  options: { identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "s3.amazonaws.com",
    eventName: "PutBucketVersioning",
    identity: options.identity ?? assumedRole(DATA_ENGINEER, "r.roe@example.com"),
    region: REGION,
    requestParameters: bucketParams(bucket, REGION, { versioning: "", VersioningConfiguration: { xmlns: XMLNS, ...configuration } }),
    ...s3Extras(bucket),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "s3.versioning-suspended",
  title: "S3 bucket versioning suspended or MFA delete disabled",
  severity: "medium",
  mitre: ["T1490", "T1485"],
  pattern: {
    source: ["aws.s3"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["s3.amazonaws.com"],
      eventName: ["PutBucketVersioning"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    const bucket = param(record, "bucketName");
    const off = weakened(record);
    if (!bucket || !off) return undefined;
    const changes = [off.suspended ? "suspended versioning" : undefined, off.mfaDeleteOff ? "disabled MFA delete" : undefined].filter(Boolean);
    const consequence = off.suspended
      ? "objects overwritten or deleted from now on keep no earlier version"
      : "object versions can now be deleted for good without the root user's MFA device";
    return {
      summary: sentence(`${actorName(record)} ${changes.join(" and ")} on S3 bucket ${bucket}; ${consequence}.`),
      resources: [bucketResource(record, bucket)],
    };
  },
  remediation: "s3.resume-versioning",
  runbook:
    "With versioning suspended, an overwrite or a delete replaces the object for good (no noncurrent version is kept), and without MFA delete a " +
    "principal with s3:DeleteObjectVersion can purge the versions kept so far: both are what ransomware and data-destruction playbooks do before the " +
    "deletion itself. Existing versions are still there. Ask the bucket owner whether the change is intended (cost clean-up of a scratch bucket is the " +
    "usual reason); if not, resume versioning (the proposed remediation does; MFA delete can only be turned back on by the root user with its MFA device) " +
    "and watch S3 data events for DeleteObject, DeleteObjects and PutObject bursts and lifecycle changes on the bucket. Changes by the baseline's " +
    "infrastructure-as-code principals are not reported. A refused call (errorCode, for instance InvalidBucketState on a bucket with Object Lock) is not a " +
    "finding here: versioning did not change.",
  examples: {
    match: [
      {
        description: "An SSO data engineer suspends versioning on the invoices bucket",
        record: versioningCall("eec06d9b-cf08-4403-a52b-8f0b2563947c", "2024-07-16T22:41:06Z", BUCKET, { Status: "Suspended" }),
      },
      {
        description: "The root user keeps versioning on but turns MFA delete off",
        record: versioningCall("1af9cf7f-395d-4b5a-b806-38a89fc02444", "2024-07-16T22:47:30Z", BUCKET, { Status: "Enabled", MfaDelete: "Disabled" }, {
          identity: root(PROD),
          userAgent: USER_AGENTS.cli,
        }),
      },
    ],
    noMatch: [
      {
        description: "Versioning enabled on the invoices bucket",
        record: versioningCall("3435224b-c268-4661-8d52-e90930f2e44b", "2024-07-17T08:03:12Z", BUCKET, { Status: "Enabled" }),
      },
      {
        description: "The storage pipeline suspends versioning on a scratch bucket as its code says",
        record: versioningCall("73371a3b-da38-47c3-8639-299839306445", "2024-07-17T08:06:44Z", "acme-dev-scratch", { Status: "Suspended" }, {
          identity: assumedRole(STORAGE_PIPELINE, "codebuild-storage-2304"),
          userAgent: USER_AGENTS.terraform,
        }),
        baseline: { principals: { iac: [STORAGE_PIPELINE] } },
      },
      {
        description: "Suspending versioning on a bucket with Object Lock, which S3 refuses",
        record: versioningCall("2236bbf2-e44b-48c4-8b40-262f1345800e", "2024-07-17T08:09:58Z", "acme-prod-ledger-locked", { Status: "Suspended" }, {
          error: { code: "InvalidBucketState", message: "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed." },
        }),
      },
    ],
  },
});
