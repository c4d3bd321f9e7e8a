import { defineDetector } from "../../core/detector.js";
import { allowsPublicAccess, asList, parsePolicyDocument, statementsOf } from "../../core/policy.js";
import { actorName, API_CALL, bucketResource, field, isApprovedPublicBucket, param, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, bucketParams, iamUser, OUTSIDE, s3Extras, USER_AGENTS } from "../examples.js";

const REGION = "eu-west-1";
const DATA_ENGINEER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataEngineer_9b8c7d6e5f4a3b2c";

function putBucketPolicy(
  eventID: string,
  eventTime: string,
  bucket: string,
  policy: Record<string, unknown> | string,
  options: { identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "s3.amazonaws.com",
    eventName: "PutBucketPolicy",
    identity: options.identity ?? assumedRole(DATA_ENGINEER, "r.roe@example.com"),
    region: REGION,
    requestParameters: bucketParams(bucket, REGION, { bucketPolicy: policy, policy: [""] }),
    ...s3Extras(bucket),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

function policy(...statements: Record<string, unknown>[]) {
  return { Version: "2012-10-17", Statement: statements };
}

/** What a statement allows, in words: its actions, or every action but its NotAction. */
function actionsOf(statement: Record<string, unknown>): string {
  if (statement.Action !== undefined) return asList(statement.Action).map(String).join(", ");
  if (statement.NotAction !== undefined) return `every action except ${asList(statement.NotAction).map(String).join(", ")}`;
  return "access";
}

const READ_OBJECTS = (bucket: string) => ({ Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` });

export default defineDetector({
  id: "s3.bucket-policy-public",
  title: "S3 bucket policy allows public access",
  severity: "high",
  mitre: ["T1530"],
  pattern: {
    source: ["aws.s3"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["s3.amazonaws.com"],
      eventName: ["PutBucketPolicy"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    const bucket = param(record, "bucketName");
    if (!bucket || isApprovedPublicBucket(baseline, bucket, partitionOf(record.awsRegion))) return undefined;
    const document = parsePolicyDocument(record.requestParameters ? field(record.requestParameters, "bucketPolicy") : undefined);
    const open = statementsOf(document).filter(allowsPublicAccess);
    if (open.length === 0) return undefined;
    const actions = [...new Set(open.map(actionsOf))];
    const sids = open.map((s) => s.Sid).filter((sid): sid is string => typeof sid === "string" && sid !== "");
    const which = sids.length > 0 ? ` (statement ${sids.join(", ")})` : "";
    return {
      summary: sentence(`${actorName(record)} set a bucket policy on S3 bucket ${bucket} that allows ${actions.join(", ") || "access"} to anyone${which}.`),
      resources: [bucketResource(record, bucket)],
    };
  },
  remediation: "s3.remove-public-bucket-policy-statements",
  runbook:
    "A statement of the new bucket policy allows everyone (Principal \"*\", {\"AWS\": \"*\"} or NotPrincipal) with no condition tying it to a VPC, endpoint, " +
    "network, account, organisation or principal; aws:SecureTransport alone only demands TLS and restricts nobody. The policy took effect, so Block Public Access " +
    "(BlockPublicPolicy) was off for this bucket and account: check GetPublicAccessBlock too. Ask the bucket owner whether public access is intended; if it is, " +
    "add the bucket to the baseline's s3.publicBuckets; if not, remove the public statements (the proposed remediation keeps the others) and review S3 data events or " +
    "server access logs for anonymous reads since the change. A refused PutBucketPolicy (errorCode, typically AccessDenied from Block Public Access) is not a finding " +
    "here: the policy did not change. Grants to a named external account are not judged here.",
  examples: {
    match: [
      {
        description: "Anyone may read objects; the only condition demands TLS",
        record: putBucketPolicy(
          "956836ed-008c-4676-9b03-107d45afeca2",
          "2024-07-09T16:31:18Z",
          "acme-prod-invoices",
          policy({
            Sid: "PublicReadOverTls",
            Effect: "Allow",
            Principal: "*",
            ...READ_OBJECTS("acme-prod-invoices"),
            Condition: { Bool: { "aws:SecureTransport": "true" } },
          }),
        ),
      },
      {
        description: "A policy sent as JSON text granting s3:* to {\"AWS\": [\"*\"]}",
        record: putBucketPolicy(
          "406993ba-066c-4b26-9244-bfac00c3d9c1",
          "2024-07-11T02:14:56Z",
          "acme-ml-training-data",
          JSON.stringify(
            policy({
              Effect: "Allow",
              Principal: { AWS: ["*"] },
              Action: "s3:*",
              Resource: ["arn:aws:s3:::acme-ml-training-data", "arn:aws:s3:::acme-ml-training-data/*"],
            }),
          ),
          { identity: iamUser("arn:aws:iam::111122223333:user/svc-s3-browser"), userAgent: "S3 Browser/11.5.7 https://s3browser.com" },
        ),
      },
      {
        description: "An Allow with NotPrincipal, which lets everyone but the named role in",
        record: putBucketPolicy(
          "6ad6971f-0c59-400e-83ab-7ff9cb5eb669",
          "2024-07-11T02:20:31Z",
          "acme-prod-invoices",
          policy({ Sid: "AllButAdmin", Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::111122223333:role/admin" }, ...READ_OBJECTS("acme-prod-invoices") }),
        ),
      },
    ],
    noMatch: [
      {
        description: "Public reads on the website bucket the baseline approves as public",
        record: putBucketPolicy(
          "930035a5-a927-4206-9eee-6067e0051c2b",
          "2024-07-12T08:45:03Z",
          "acme-public-website",
          policy({ Sid: "PublicReadGetObject", Effect: "Allow", Principal: "*", ...READ_OBJECTS("acme-public-website") }),
        ),
        baseline: { s3: { publicBuckets: ["acme-public-website"] } },
      },
      {
        description: "Principal \"*\" restricted to one VPC endpoint with aws:SourceVpce",
        record: putBucketPolicy(
          "aafd05ff-8763-4252-ad3e-122a89257933",
          "2024-07-12T08:50:27Z",
          "acme-prod-invoices",
          policy({
            Sid: "OnlyFromVpce",
            Effect: "Allow",
            Principal: "*",
            ...READ_OBJECTS("acme-prod-invoices"),
            Condition: { StringEquals: { "aws:SourceVpce": "vpce-0a1b2c3d4e5f67890" } },
          }),
        ),
      },
      {
        description: "The common TLS guard: Deny to \"*\" without SecureTransport, and an Allow for one role",
        record: putBucketPolicy(
          "cac199b9-27c8-44d3-bdce-9a20ebc0bda2",
          "2024-07-12T08:55:41Z",
          "acme-prod-invoices",
          policy(
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: ["arn:aws:s3:::acme-prod-invoices", "arn:aws:s3:::acme-prod-invoices/*"],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            { Sid: "InvoiceService", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/app/invoice-service" }, ...READ_OBJECTS("acme-prod-invoices") },
          ),
        ),
      },
      {
        description: "Principal \"*\" limited to the organisation with aws:PrincipalOrgID",
        record: putBucketPolicy(
          "7023bd9e-efe4-44a2-bee2-ea444820674c",
          "2024-07-12T09:01:09Z",
          "acme-shared-artifacts",
          policy({
            Sid: "OrgRead",
            Effect: "Allow",
            Principal: "*",
            ...READ_OBJECTS("acme-shared-artifacts"),
            Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
          }),
        ),
      },
      {
        description: "A grant to one account outside the organisation: not public (a cross-account grant, not judged here)",
        record: putBucketPolicy(
          "47aadfe2-4600-46ab-bbae-dead51566f6f",
          "2024-07-12T09:02:15Z",
          "acme-prod-invoices",
          policy({ Sid: "PartnerRead", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OUTSIDE}:root` }, ...READ_OBJECTS("acme-prod-invoices") }),
        ),
      },
      {
        description: "A public policy refused by Block Public Access: nothing changed",
        record: putBucketPolicy(
          "466bd1ec-675e-4733-9a49-e099f9f32af3",
          "2024-07-12T09:03:44Z",
          "acme-prod-invoices",
          policy({ Effect: "Allow", Principal: "*", ...READ_OBJECTS("acme-prod-invoices") }),
          { error: { code: "AccessDenied", message: "Access Denied" }, userAgent: USER_AGENTS.s3Console },
        ),
      },
    ],
  },
});
