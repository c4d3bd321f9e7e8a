/**
 * Builders for the CloudTrail records in detector examples, so an example
 * states only what matters to its detector and the rest looks like a real
 * record (field order, ids, user agents, TLS details). Every example passes
 * its own fixed eventID, so finding ids are the same on every run.
 *
 * Accounts: 111122223333 is production, 444455556666 the organisation's
 * management account, 999988887777 an account outside the organisation.
 */
import { createHash } from "node:crypto";

export const PROD = "111122223333";
export const MANAGEMENT = "444455556666";
export const OUTSIDE = "999988887777";

export const USER_AGENTS = {
  cli: "aws-cli/2.15.30 Python/3.11.8 Darwin/23.4.0 exe/x86_64 prompt/off",
  terraform:
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.0",
  console: "AWS Internal",
  s3Console: "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10.215-181.850.amzn2int.x86_64]",
  browser: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
  boto3: "Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#6.1.82 md/arch#x86_64 lang/python#3.12.2 cfg/retry-mode#legacy Botocore/1.34.84",
  stratus: "stratus-red-team_6bf00313-712c-4fd2-9bdd-88f48a4b1282",
} as const;

export type Identity = Record<string, unknown>;
export type ExampleRecord = Record<string, unknown>;

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** An IAM-style unique id (AIDA…, AROA…, AKIA…), derived from a seed so it never changes. */
function uniqueId(prefix: string, seed: string, length: number): string {
  const digest = createHash("sha256").update(`${prefix}:${seed}`).digest();
  let id = prefix;
  for (let i = 0; id.length < length; i++) id += BASE32[(digest[i] ?? 0) % 32];
  return id;
}

function accountOf(arn: string): string {
  return arn.split(":")[4] ?? PROD;
}

function lastSegment(arn: string): string {
  return arn.split("/").pop() ?? arn;
}

/** An IAM user calling with a long-term access key (or, with `console`, from a console session). */
export function iamUser(userArn: string, options: { console?: boolean } = {}): Identity {
  const identity: Identity = {
    type: "IAMUser",
    principalId: uniqueId("AIDA", userArn, 21),
    arn: userArn,
    accountId: accountOf(userArn),
    accessKeyId: uniqueId(options.console ? "ASIA" : "AKIA", userArn, 20),
    userName: lastSegment(userArn),
  };
  if (options.console) identity.sessionContext = { sessionIssuer: {}, webIdFederationData: {}, attributes: { mfaAuthenticated: "true" } };
  return identity;
}

/** A session of a role, given by its ARN with path: `userIdentity.arn` is the session ARN, without the path. */
export function assumedRole(roleArn: string, session: string, options: { mfa?: boolean } = {}): Identity {
  const account = accountOf(roleArn);
  const roleName = lastSegment(roleArn);
  const roleId = uniqueId("AROA", roleArn, 21);
  return {
    type: "AssumedRole",
    principalId: `${roleId}:${session}`,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${session}`,
    accountId: account,
    accessKeyId: uniqueId("ASIA", `${roleArn}/${session}`, 20),
    sessionContext: {
      sessionIssuer: { type: "Role", principalId: roleId, arn: roleArn, accountId: account, userName: roleName },
      webIdFederationData: {},
      attributes: { mfaAuthenticated: String(options.mfa ?? false) },
    },
  };
}

export function root(account: string = PROD): Identity {
  return {
    type: "Root",
    principalId: account,
    arn: `arn:aws:iam::${account}:root`,
    accountId: account,
    accessKeyId: uniqueId("ASIA", `root:${account}`, 20),
    sessionContext: { sessionIssuer: {}, webIdFederationData: {}, attributes: { mfaAuthenticated: "false" } },
  };
}

/** The same principal, with CloudFormation making the call on its behalf. */
export function viaCloudFormation(identity: Identity): Identity {
  return { ...identity, invokedBy: "cloudformation.amazonaws.com" };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A time as IAM writes it in responseElements ("Aug 1, 2024, 1:33:28 PM"). */
export function iamDate(eventTime: string): string {
  const t = new Date(eventTime);
  const hour = t.getUTCHours() % 12 || 12;
  const pad = (n: number) => String(n).padStart(2, "0");
  const half = t.getUTCHours() < 12 ? "AM" : "PM";
  return `${MONTHS[t.getUTCMonth()]} ${t.getUTCDate()}, ${t.getUTCFullYear()}, ${hour}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ${half}`;
}

export interface ApiCallOptions {
  eventID: string;
  eventTime: string;
  eventSource: string;
  eventName: string;
  identity: Identity;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  /** Defaults to us-east-1, where IAM, Organizations and other global services record. */
  region?: string;
  /** recipientAccountId; defaults to the caller's account. */
  account?: string;
  /** A refused call: errorCode and errorMessage, and no responseElements. */
  error?: { code: string; message: string };
  userAgent?: string;
  sourceIPAddress?: string;
  readOnly?: boolean;
  resources?: { ARN: string; accountId?: string; type: string }[];
}

function requestIdFor(eventID: string, eventSource: string): string {
  const hex = createHash("sha256").update(`request:${eventID}`).digest("hex");
  if (eventSource === "s3.amazonaws.com") return hex.slice(0, 16).toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const GLOBAL_SERVICES = new Set(["iam.amazonaws.com", "organizations.amazonaws.com", "sts.amazonaws.com"]);

function hostOf(eventSource: string, region: string): string {
  if (GLOBAL_SERVICES.has(eventSource)) return eventSource;
  return eventSource.replace(/\.amazonaws\.com$/, `.${region}.amazonaws.com`);
}

/** Session attributes carry the session's start; a few minutes before the call reads true. */
function withSessionStart(identity: Identity, eventTime: string): Identity {
  const context = identity.sessionContext as { attributes?: Record<string, unknown> } | undefined;
  if (!context?.attributes || context.attributes.creationDate !== undefined) return identity;
  const start = new Date(Date.parse(eventTime) - 7 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  return { ...identity, sessionContext: { ...context, attributes: { ...context.attributes, creationDate: start } } };
}

/** A management-event API call ("AWS API Call via CloudTrail"). */
export function apiCall(options: ApiCallOptions): ExampleRecord {
  const region = options.region ?? "us-east-1";
  const identity = withSessionStart(options.identity, options.eventTime);
  const invokedBy = typeof identity.invokedBy === "string" ? identity.invokedBy : undefined;
  const account = options.account ?? (typeof identity.accountId === "string" ? identity.accountId : PROD);
  const record: ExampleRecord = {
    eventVersion: "1.08",
    userIdentity: identity,
    eventTime: options.eventTime,
    eventSource: options.eventSource,
    eventName: options.eventName,
    awsRegion: region,
    sourceIPAddress: options.sourceIPAddress ?? invokedBy ?? "198.51.100.73",
    userAgent: options.userAgent ?? invokedBy ?? USER_AGENTS.cli,
  };
  if (options.error) {
    record.errorCode = options.error.code;
    record.errorMessage = options.error.message;
  }
  record.requestParameters = options.requestParameters ?? null;
  record.responseElements = options.error ? null : (options.responseElements ?? null);
  if (options.additionalEventData) record.additionalEventData = options.additionalEventData;
  record.requestID = requestIdFor(options.eventID, options.eventSource);
  record.eventID = options.eventID;
  record.readOnly = options.readOnly ?? false;
  if (options.resources) record.resources = options.resources;
  record.eventType = "AwsApiCall";
  record.managementEvent = true;
  record.recipientAccountId = account;
  record.eventCategory = "Management";
  if (!invokedBy) {
    record.tlsDetails = {
      tlsVersion: "TLSv1.3",
      cipherSuite: "TLS_AES_128_GCM_SHA256",
      clientProvidedHostHeader: hostOf(options.eventSource, region),
    };
  }
  return record;
}

/** Request parameters of an S3 bucket-level call: the bucket name and the Host header S3 logs with it. */
export function bucketParams(bucket: string, region: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { bucketName: bucket, Host: `${bucket}.s3.${region}.amazonaws.com`, ...extra };
}

/** What S3 adds to every bucket-level management event. */
export function s3Extras(bucket: string, account: string = PROD): Pick<ApiCallOptions, "additionalEventData" | "resources"> {
  return {
    additionalEventData: {
      SignatureVersion: "SigV4",
      CipherSuite: "TLS_AES_128_GCM_SHA256",
      bytesTransferredIn: 0,
      AuthenticationMethod: "AuthHeader",
      "x-amz-id-2": createHash("sha256").update(bucket).digest("base64"),
      bytesTransferredOut: 0,
    },
    resources: [{ accountId: account, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${bucket}` }],
  };
}

export interface ConsoleLoginOptions {
  eventID: string;
  eventTime: string;
  identity: Identity;
  mfaUsed: "Yes" | "No";
  result?: "Success" | "Failure";
  region?: string;
  sourceIPAddress?: string;
}

/** A console sign-in ("AWS Console Sign In via CloudTrail"); a failure has an errorMessage, never an errorCode. */
export function consoleLogin(options: ConsoleLoginOptions): ExampleRecord {
  const result = options.result ?? "Success";
  const { sessionContext: _session, accessKeyId: _key, ...identity } = options.identity;
  const account = typeof identity.accountId === "string" ? identity.accountId : PROD;
  const record: ExampleRecord = {
    eventVersion: "1.08",
    userIdentity: { ...identity, accessKeyId: "" },
    eventTime: options.eventTime,
    eventSource: "signin.amazonaws.com",
    eventName: "ConsoleLogin",
    awsRegion: options.region ?? "us-east-1",
    sourceIPAddress: options.sourceIPAddress ?? "198.51.100.73",
    userAgent: USER_AGENTS.browser,
  };
  if (result === "Failure") record.errorMessage = "Failed authentication";
  Object.assign(record, {
    requestParameters: null,
    responseElements: { ConsoleLogin: result },
    additionalEventData: {
      LoginTo: "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
      MobileVersion: "No",
      MFAUsed: options.mfaUsed,
    },
    eventID: options.eventID,
    readOnly: false,
    eventType: "AwsConsoleSignIn",
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: "Management",
    tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: "signin.aws.amazon.com" },
  });
  return record;
}
