import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, field, isObject, param, sentence } from "../common.js";
import { apiCall, assumedRole, PROD, root, USER_AGENTS } from "../examples.js";

const FLAGS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;

function isTrue(value: unknown): boolean {
  return value === true || (typeof value === "string" && value.toLowerCase() === "true");
}

/**
 * The account-level Block Public Access settings a request turns off. The
 * S3 Control PutPublicAccessBlock replaces the whole configuration and an
 * omitted flag is false, so a missing flag is a flag turned off.
 */
function flagsTurnedOff(record: CloudTrailRecord): string[] | undefined {
  if (record.eventName === "DeleteAccountPublicAccessBlock") return [...FLAGS];
  const configuration = record.requestParameters ? field(record.requestParameters, "PublicAccessBlockConfiguration") : undefined;
  if (!isObject(configuration)) return undefined;
  const off = FLAGS.filter((flag) => !isTrue(field(configuration, flag)));
  return off.length > 0 ? off : undefined;
}

/**
 * The account whose settings changed: the x-amz-account-id the S3 Control API
 * requires, or the account in the `<account>.s3-control.<region>` host, or the
 * account that recorded the call.
 */
function targetAccount(record: CloudTrailRecord): string {
  const header = param(record, "x-amz-account-id") ?? param(record, "accountId");
  if (header && /^\d{12}$/.test(header)) return header;
  const host = param(record, "Host") ?? param(record, "host");
  const fromHost = host?.match(/^(\d{12})\.s3-control/)?.[1];
  return fromHost ?? record.recipientAccountId;
}

const REGION = "us-east-1";
const CLOUD_ADMIN = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a";
const XMLNS = "http://awss3control.amazonaws.com/doc/2018-08-20/";

function accountPabCall(
  eventID: string,
  eventTime: string,
  eventName: string,
  flags: Record<(typeof FLAGS)[number], boolean> | undefined,
  options: { identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "s3.amazonaws.com",
    eventName,
    identity: options.identity ?? assumedRole(CLOUD_ADMIN, "j.doe@example.com"),
    region: REGION,
    requestParameters: {
      ...(flags ? { PublicAccessBlockConfiguration: { xmlns: XMLNS, ...flags } } : {}),
      Host: `${PROD}.s3-control.${REGION}.amazonaws.com`,
    },
    additionalEventData: { SignatureVersion: "SigV4", CipherSuite: "TLS_AES_128_GCM_SHA256", bytesTransferredIn: 0, AuthenticationMethod: "AuthHeader", bytesTransferredOut: 0 },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "s3.account-public-access-block-removed",
  title: "S3 Block Public Access removed or weakened for the whole account",
  severity: "high",
  mitre: ["T1530"],
  pattern: {
    source: ["aws.s3"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["s3.amazonaws.com"],
      eventName: ["DeleteAccountPublicAccessBlock", "PutAccountPublicAccessBlock"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const off = flagsTurnedOff(record);
    if (!off) return undefined;
    const account = targetAccount(record);
    const change =
      record.eventName === "DeleteAccountPublicAccessBlock"
        ? `removed S3 Block Public Access from account ${account}`
        : `turned off ${off.join(", ")} in the S3 Block Public Access settings of account ${account}`;
    const resource: FindingResource = { type: "AWS::::Account", id: account, account };
    return {
      summary: sentence(`${actorName(record)} ${change}; every bucket there now relies on its own settings alone.`),
      resources: [resource],
    };
  },
  remediation: "s3.restore-account-public-access-block",
  runbook:
    "The account-level Block Public Access is the safety net under every bucket of the account: with it gone or weakened, any bucket whose own block " +
    "is off can be made public by the next PutBucketPolicy or PutBucketAcl, and buckets that already have public policies or ACLs become reachable at " +
    "once when RestrictPublicBuckets or IgnorePublicAcls is turned off. These S3 Control calls are logged with eventSource s3.amazonaws.com. Very few " +
    "accounts have a reason to lift it (a website hosting account, approved in writing). If the change is not approved, restore all four flags (the " +
    "proposed remediation does), then list buckets whose policy status is public (GetBucketPolicyStatus, IAM Access Analyzer) and review bucket-level " +
    "public access findings since the change. A refused call (errorCode, such as AccessDenied when an organisation-level Block Public Access policy " +
    "manages the account) is not a finding here: the settings did not change.",
  examples: {
    match: [
      {
        description: "An SSO platform administrator deletes the account's Block Public Access configuration",
        record: accountPabCall("25e0e58c-ab5e-481f-b70a-4c83d07ba802", "2024-08-08T17:30:12Z", "DeleteAccountPublicAccessBlock", undefined),
      },
      {
        description: "The root user turns off RestrictPublicBuckets and IgnorePublicAcls for the account from the console",
        record: accountPabCall(
          "12e1ef94-3817-47a5-ad38-8ceecca626f9",
          "2024-08-08T17:36:41Z",
          "PutAccountPublicAccessBlock",
          { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false },
          { identity: root(PROD), userAgent: USER_AGENTS.s3Console },
        ),
      },
    ],
    noMatch: [
      {
        description: "All four flags turned on for the account",
        record: accountPabCall("304f4e44-d712-4e27-b4e5-712f863a99ac", "2024-08-08T18:02:55Z", "PutAccountPublicAccessBlock", {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        }),
      },
      {
        description: "A DeleteAccountPublicAccessBlock refused because an organisation policy manages the account's settings",
        record: accountPabCall("5743a754-9b28-4d3c-847b-050c3dc51edd", "2024-08-08T18:05:31Z", "DeleteAccountPublicAccessBlock", undefined, {
          error: { code: "AccessDenied", message: "Access Denied" },
        }),
      },
      {
        description: "The bucket-level DeleteBucketPublicAccessBlock, which s3.public-access-block-removed reports",
        record: apiCall({
          eventID: "eede9db7-68c5-46c8-9570-3f2a55bc0113",
          eventTime: "2024-08-08T18:08:47Z",
          eventSource: "s3.amazonaws.com",
          eventName: "DeleteBucketPublicAccessBlock",
          identity: assumedRole(CLOUD_ADMIN, "j.doe@example.com"),
          region: "eu-west-1",
          requestParameters: { bucketName: "acme-prod-invoices", Host: "acme-prod-invoices.s3.eu-west-1.amazonaws.com", publicAccessBlock: "" },
        }),
      },
    ],
  },
});
