import type { Baseline } from "../../core/baseline.js";
import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector } from "../../core/detector.js";
import { asList, isAllow, parsePolicyDocument, statementsOf, strings, type PolicyStatement } from "../../core/policy.js";
import { actorName, API_CALL, bucketResource, field, isKnownAccount, isObject, param, sentence } from "../common.js";
import { apiCall, assumedRole, bucketParams, iamUser, OUTSIDE, s3Extras, USER_AGENTS } from "../examples.js";

/**
 * The account an AWS principal names: a bare account id, or the account field
 * of an IAM or STS ARN (`arn:aws:iam::123456789012:root`, `…:role/x`,
 * `arn:aws:sts::123456789012:assumed-role/x/y`). `"*"`, unique ids and ARNs
 * with a wildcard account name nobody in particular.
 */
function accountOf(principal: string): string | undefined {
  const text = principal.trim();
  if (/^\d{12}$/.test(text)) return text;
  const [prefix, , service, , account] = text.split(":");
  if (prefix !== "arn" || (service !== "iam" && service !== "sts")) return undefined;
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** The AWS principals of a statement (`Principal.AWS`); a public `"*"` principal is bucket-policy-public's business. */
function awsPrincipals(statement: PolicyStatement): string[] {
  const principal = statement.Principal;
  return isObject(principal) ? strings(principal.AWS) : [];
}

interface Grant {
  accounts: string[];
  actions: string;
  sid?: string;
}

function grantsOutside(record: CloudTrailRecord, baseline: Baseline): Grant[] {
  const document = parsePolicyDocument(record.requestParameters ? field(record.requestParameters, "bucketPolicy") : undefined);
  const grants: Grant[] = [];
  for (const statement of statementsOf(document).filter(isAllow)) {
    const accounts = [
      ...new Set(
        awsPrincipals(statement)
          .map(accountOf)
          .filter((a): a is string => a !== undefined && !isKnownAccount(baseline, a, record.recipientAccountId)),
      ),
    ];
    if (accounts.length === 0) continue;
    const actions =
      statement.Action !== undefined
        ? asList(statement.Action).map(String).join(", ")
        : statement.NotAction !== undefined
          ? `every action except ${asList(statement.NotAction).map(String).join(", ")}`
          : "access";
    const sid = typeof statement.Sid === "string" && statement.Sid !== "" ? statement.Sid : undefined;
    grants.push({ accounts, actions, ...(sid ? { sid } : {}) });
  }
  return grants;
}

const REGION = "eu-west-1";
const BUCKET = "acme-prod-invoices";
const DATA_ENGINEER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataEngineer_9b8c7d6e5f4a3b2c";
const ANALYTICS = "222233334444";
const AUDITOR = "888877776666";

function putBucketPolicy(
  eventID: string,
  eventTime: string,
  bucket: string,
  policy: Record<string, unknown> | string,
  options: { identity?: Record<string, unknown>; userAgent?: string; region?: string; error?: { code: string; message: string } } = {},
) {
  const region = options.region ?? REGION;
  return apiCall({
    eventID,
    eventTime,
    eventSource: "s3.amazonaws.com",
    eventName: "PutBucketPolicy",
    identity: options.identity ?? assumedRole(DATA_ENGINEER, "r.roe@example.com"),
    region,
    requestParameters: bucketParams(bucket, region, { bucketPolicy: policy, policy: "" }),
    ...s3Extras(bucket),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

function policy(...statements: Record<string, unknown>[]) {
  return { Version: "2012-10-17", Statement: statements };
}

function readBucket(bucket: string) {
  return { Action: ["s3:GetObject", "s3:ListBucket"], Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] };
}

const STRATUS_BUCKET = "stratus-red-team-bdbp-ypyjcgrxup";

export default defineDetector({
  id: "s3.bucket-policy-grants-untrusted-account",
  title: "S3 bucket policy grants access to an account outside the organisation",
  severity: "high",
  mitre: ["T1537", "T1530"],
  stratus: ["aws.exfiltration.s3-backdoor-bucket-policy"],
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
    if (!bucket) return undefined;
    const grants = grantsOutside(record, baseline);
    if (grants.length === 0) return undefined;
    const accounts = [...new Set(grants.flatMap((g) => g.accounts))];
    const actions = [...new Set(grants.map((g) => g.actions))];
    const sids = grants.map((g) => g.sid).filter((s): s is string => s !== undefined);
    const which = sids.length > 0 ? ` (statement ${sids.join(", ")})` : "";
    const whom = `${accounts.length === 1 ? "account" : "accounts"} ${accounts.join(", ")}`;
    return {
      summary: sentence(
        `${actorName(record)} set a bucket policy on S3 bucket ${bucket} that allows ${actions.join("; ")} to ${whom} outside the organisation${which}.`,
      ),
      resources: [bucketResource(record, bucket)],
    };
  },
  runbook:
    "An Allow statement of the new bucket policy names an AWS account (by id, root ARN, or a role or user ARN in it) that is neither the bucket's own " +
    "account, nor one of the baseline's accounts, nor in trust.externalAccounts: principals of that account can use the granted actions with their own " +
    "credentials, which is how a bucket is backdoored for exfiltration without touching IAM in this account. Ask the bucket owner whether the account is " +
    "a partner that should have this access; if so, add it to trust.externalAccounts. If not, remove the statement (PutBucketPolicy with the approved " +
    "policy, or DeleteBucketPolicy) and look in S3 data events or server access logs for requests from that account since the change. Conditions on the " +
    "statement are not weighed: a grant to an outside account is reported even with a VPC or IP condition. Public statements (Principal \"*\") are " +
    "s3.bucket-policy-public's finding. A refused PutBucketPolicy (errorCode) is not a finding here: the policy did not change.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's s3-backdoor-bucket-policy: an IAM user lets a fictitious outside account read and list the bucket",
        record: putBucketPolicy(
          "11cac09c-a90f-4d0d-90ed-e9f55dfeec1b",
          "2024-08-06T07:42:48Z",
          STRATUS_BUCKET,
          policy({
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::193672423079:root" },
            Action: ["s3:GetObject", "s3:GetBucketLocation", "s3:ListBucket"],
            Resource: [`arn:aws:s3:::${STRATUS_BUCKET}/*`, `arn:aws:s3:::${STRATUS_BUCKET}`],
          }),
          { identity: iamUser("arn:aws:iam::111122223333:user/christophe"), userAgent: `[${USER_AGENTS.stratus}]`, region: "ap-southeast-2" },
        ),
      },
      {
        description: "A policy sent as JSON text that grants a role in an outside account, beside a grant to the organisation's analytics account",
        record: putBucketPolicy(
          "25ba4d0c-d65d-4980-996d-eb7be184058f",
          "2024-08-06T09:15:33Z",
          BUCKET,
          JSON.stringify(
            policy(
              { Sid: "AnalyticsRead", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ANALYTICS}:role/athena-reader` }, ...readBucket(BUCKET) },
              { Sid: "SyncRole", Effect: "Allow", Principal: { AWS: [`arn:aws:iam::${OUTSIDE}:role/sync`] }, ...readBucket(BUCKET) },
            ),
          ),
        ),
        baseline: { accounts: { [ANALYTICS]: { name: "analytics", environment: "production" } } },
      },
    ],
    noMatch: [
      {
        description: "Read access for the organisation's analytics account",
        record: putBucketPolicy(
          "f4bbee60-9b39-456d-b375-694004e6e7ea",
          "2024-08-06T10:02:17Z",
          BUCKET,
          policy({ Sid: "AnalyticsRead", Effect: "Allow", Principal: { AWS: ANALYTICS }, ...readBucket(BUCKET) }),
        ),
        baseline: { accounts: { [ANALYTICS]: { name: "analytics", environment: "production" } } },
      },
      {
        description: "Read access for the external auditor the baseline trusts",
        record: putBucketPolicy(
          "4c5a94b1-fc7d-491d-9471-a471eb1bb096",
          "2024-08-06T10:05:49Z",
          BUCKET,
          policy({ Sid: "AuditorRead", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${AUDITOR}:root` }, ...readBucket(BUCKET) }),
        ),
        baseline: { trust: { externalAccounts: [AUDITOR] } },
      },
      {
        description: "A public statement (Principal \"*\"): s3.bucket-policy-public reports it, not this detector",
        record: putBucketPolicy(
          "deb18f9f-2a6d-4094-8e43-9c9940ee2d90",
          "2024-08-06T10:09:02Z",
          "acme-public-website",
          policy({ Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::acme-public-website/*" }),
        ),
      },
      {
        description: "A Deny that names an outside account, and an Allow for a role of the bucket's own account",
        record: putBucketPolicy(
          "d164ed85-2edf-4446-b784-d363a3b9574e",
          "2024-08-06T10:12:40Z",
          BUCKET,
          policy(
            { Sid: "DenyFormerVendor", Effect: "Deny", Principal: { AWS: `arn:aws:iam::${OUTSIDE}:root` }, Action: "s3:*", Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] },
            { Sid: "InvoiceService", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/app/invoice-service" }, ...readBucket(BUCKET) },
          ),
        ),
      },
      {
        description: "The Stratus backdoor policy refused by the bucket's permissions",
        record: putBucketPolicy(
          "8fae81df-772b-45ff-8c18-2c0fdd788505",
          "2024-08-06T10:15:58Z",
          BUCKET,
          policy({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::193672423079:root" }, ...readBucket(BUCKET) }),
          { identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"), error: { code: "AccessDenied", message: "Access Denied" } },
        ),
      },
    ],
  },
});
