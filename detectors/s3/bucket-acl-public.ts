import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector } from "../../core/detector.js";
import { asList, strings } from "../../core/policy.js";
import { actorName, API_CALL, bucketResource, field, isApprovedPublicBucket, isObject, param, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, bucketParams, iamUser, s3Extras, USER_AGENTS } from "../examples.js";

const PUBLIC_CANNED_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);
const PUBLIC_GROUPS = { AllUsers: "everyone", AuthenticatedUsers: "any AWS account" } as const;
const GRANT_HEADERS = ["x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp", "x-amz-grant-write-acp", "x-amz-grant-full-control"];
const OWNER_ID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";

/** The public group an ACL grantee URI names (http or https, any casing), if any. */
function publicGroup(uri: string): keyof typeof PUBLIC_GROUPS | undefined {
  const match = /^https?:\/\/acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)$/i.exec(uri.trim());
  if (!match?.[1]) return undefined;
  return match[1].toLowerCase() === "allusers" ? "AllUsers" : "AuthenticatedUsers";
}

/** How the request opens the bucket to the public, in words; empty when it does not. */
export function publicGrants(record: CloudTrailRecord): string[] {
  const request = record.requestParameters;
  if (!request) return [];
  const grants: string[] = [];
  for (const acl of strings(request["x-amz-acl"])) {
    if (PUBLIC_CANNED_ACLS.has(acl.trim().toLowerCase())) grants.push(`the canned ACL ${acl.trim()}`);
  }
  for (const header of GRANT_HEADERS) {
    // e.g. uri="http://acs.amazonaws.com/groups/global/AllUsers", id="..."
    for (const value of strings(request[header])) {
      for (const [, uri] of value.matchAll(/uri\s*=\s*"?([^",]+)"?/gi)) {
        const group = uri ? publicGroup(uri) : undefined;
        if (group) grants.push(`${header.slice("x-amz-grant-".length).toUpperCase().replace("-", "_")} to ${group}`);
      }
    }
  }
  const policy = field(request, "AccessControlPolicy");
  const list = isObject(policy) ? field(policy, "AccessControlList") : undefined;
  const entries = isObject(list) ? asList(field(list, "Grant")).filter(isObject) : [];
  for (const grant of entries) {
    const grantee = field(grant, "Grantee");
    const uri = isObject(grantee) ? field(grantee, "URI") : undefined;
    const group = typeof uri === "string" ? publicGroup(uri) : undefined;
    if (group) grants.push(`${String(field(grant, "Permission") ?? "access")} to ${group}`);
  }
  return grants;
}

const REGION = "eu-west-1";
const DATA_ENGINEER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataEngineer_9b8c7d6e5f4a3b2c";

function bucketCall(
  eventID: string,
  eventTime: string,
  eventName: "PutBucketAcl" | "CreateBucket",
  bucket: string,
  extra: Record<string, unknown>,
  options: { identity?: Record<string, unknown>; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "s3.amazonaws.com",
    eventName,
    identity: options.identity ?? assumedRole(DATA_ENGINEER, "r.roe@example.com"),
    region: REGION,
    requestParameters: bucketParams(bucket, REGION, eventName === "PutBucketAcl" ? { acl: "", ...extra } : extra),
    ...s3Extras(bucket),
    userAgent: USER_AGENTS.s3Console,
    ...(options.error ? { error: options.error } : {}),
  });
}

function aclBody(...grants: Record<string, unknown>[]) {
  return {
    AccessControlPolicy: {
      AccessControlList: { Grant: grants },
      xmlns: "http://s3.amazonaws.com/doc/2006-03-01/",
      Owner: { ID: OWNER_ID },
    },
  };
}

const XSI = "http://www.w3.org/2001/XMLSchema-instance";
const OWNER_FULL_CONTROL = { Grantee: { "xsi:type": "CanonicalUser", "xmlns:xsi": XSI, ID: OWNER_ID }, Permission: "FULL_CONTROL" };
const groupGrant = (uri: string, permission: string) => ({ Grantee: { "xsi:type": "Group", "xmlns:xsi": XSI, URI: uri }, Permission: permission });

export default defineDetector({
  id: "s3.bucket-acl-public",
  title: "S3 bucket ACL grants access to all users or all AWS accounts",
  severity: "high",
  mitre: ["T1530"],
  pattern: {
    source: ["aws.s3"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["s3.amazonaws.com"],
      eventName: ["PutBucketAcl", "CreateBucket"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    const bucket = param(record, "bucketName");
    if (!bucket || isApprovedPublicBucket(baseline, bucket, partitionOf(record.awsRegion))) return undefined;
    const grants = publicGrants(record);
    if (grants.length === 0) return undefined;
    const verb = record.eventName === "CreateBucket" ? "created S3 bucket" : "changed the ACL of S3 bucket";
    return {
      summary: sentence(`${actorName(record)} ${verb} ${bucket} with ${grants.join(", ")}.`),
      resources: [bucketResource(record, bucket)],
    };
  },
  remediation: "s3.make-bucket-acl-private",
  runbook:
    "The bucket ACL now grants the AllUsers group (anyone, unsigned) or AuthenticatedUsers (anyone with any AWS account, not only this organisation's). " +
    "The call succeeded, so neither bucket- nor account-level BlockPublicAcls was on and the bucket does not enforce bucket-owner object ownership. Ask the owner " +
    "whether public access is intended; if so add the bucket to the baseline's s3.publicBuckets, otherwise reset the ACL to private (the proposed remediation does), " +
    "turn Block Public Access on, and review S3 data events or server access logs for anonymous requests since the change. Grants to the LogDelivery group " +
    "(log-delivery-write) are not public. A refused call (errorCode, such as AccessDenied from Block Public Access) is not a finding here: the ACL did not change.",
  examples: {
    match: [
      {
        description: "An ACL body that adds READ for AllUsers next to the owner's FULL_CONTROL",
        record: bucketCall(
          "a27188d1-e4fa-45d1-a006-95b28a58762d",
          "2024-07-15T11:02:45Z",
          "PutBucketAcl",
          "acme-prod-invoices",
          aclBody(OWNER_FULL_CONTROL, groupGrant("http://acs.amazonaws.com/groups/global/AllUsers", "READ")),
        ),
      },
      {
        description: "The canned ACL authenticated-read, sent as a header",
        record: bucketCall("c9c38a84-5101-4929-a5a1-2007c8bc61be", "2024-07-15T11:06:20Z", "PutBucketAcl", "acme-ml-training-data", {
          "x-amz-acl": ["authenticated-read"],
        }),
      },
      {
        description: "A bucket created public-read before S3 blocked public ACLs on new buckets by default",
        record: bucketCall(
          "69d2d578-f8df-41f8-ba5f-f3208e46276e",
          "2022-11-03T15:40:12Z",
          "CreateBucket",
          "acme-campaign-assets-2022",
          { "x-amz-acl": ["public-read"], CreateBucketConfiguration: { LocationConstraint: REGION, xmlns: "http://s3.amazonaws.com/doc/2006-03-01/" } },
          { identity: iamUser("arn:aws:iam::111122223333:user/marketing-uploader") },
        ),
      },
    ],
    noMatch: [
      {
        description: "The canned ACL log-delivery-write on the access-log bucket: the grantee is the LogDelivery group",
        record: bucketCall("391be69c-6543-43af-a045-ee1af72e33ba", "2024-07-15T11:10:09Z", "PutBucketAcl", "acme-s3-access-logs", {
          "x-amz-acl": ["log-delivery-write"],
        }),
      },
      {
        description: "An ACL body granting WRITE to the LogDelivery group",
        record: bucketCall(
          "0314a3c7-4403-41c5-ace7-844d579ca38c",
          "2024-07-15T11:12:51Z",
          "PutBucketAcl",
          "acme-s3-access-logs",
          aclBody(OWNER_FULL_CONTROL, groupGrant("http://acs.amazonaws.com/groups/s3/LogDelivery", "WRITE"), groupGrant("http://acs.amazonaws.com/groups/s3/LogDelivery", "READ_ACP")),
        ),
      },
      {
        description: "public-read on the website bucket the baseline approves as public",
        record: bucketCall("23e70b84-326a-4e95-a026-53379cfd072f", "2024-07-15T11:15:37Z", "PutBucketAcl", "acme-public-website", {
          "x-amz-acl": ["public-read"],
        }),
        baseline: { s3: { publicBuckets: ["acme-public-website"] } },
      },
      {
        description: "A public-read CreateBucket refused because new buckets block public ACLs",
        record: bucketCall(
          "4c7995ea-9d91-410c-9153-e5105f7116f4",
          "2024-07-15T11:18:02Z",
          "CreateBucket",
          "acme-campaign-assets-2024",
          { "x-amz-acl": ["public-read"], CreateBucketConfiguration: { LocationConstraint: REGION, xmlns: "http://s3.amazonaws.com/doc/2006-03-01/" } },
          { error: { code: "InvalidBucketAclWithObjectOwnership", message: "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting" } },
        ),
      },
    ],
  },
});
