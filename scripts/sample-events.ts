/**
 * Realistic CloudTrail records for a fictional organisation, built from a
 * seeded PRNG so that the same seed always gives the same records. Used by
 * `scripts/generate-samples.ts` (the `samples/` folder) and by the replay
 * benchmark (`bench/replay-bench.ts`).
 *
 * The organisation ("Example Payments"):
 *   111122223333  payments-prod     production   eu-west-1 (home), us-east-1, eu-central-1 (DR)
 *   444455556666  payments-staging  staging      eu-west-1, us-east-1
 *   777788889999  security          security     eu-west-1, us-east-1 (scanners, log archive, trailwarden)
 *   123456789012  org-management    shared       us-east-1 (AWS Organizations, SCPs)
 *   210987654321  an observability vendor outside the organisation (trusted, read-only)
 *
 * Everything here is synthetic: addresses come from the documentation ranges
 * (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 10.0.0.0/8), people and
 * keys are invented, and ids only look like AWS ids.
 */

export type Json = Record<string, unknown>;

// ------------------------------------------------------------------ PRNG

/** mulberry32: a tiny, fast 32-bit PRNG; good enough for synthetic data, not for secrets. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = "0123456789abcdef";
const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64ISH = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Random choices drawn from one seeded stream. */
export class Gen {
  constructor(readonly next: () => number) {}

  static seeded(seed: number): Gen {
    return new Gen(mulberry32(seed));
  }

  /** 0 ≤ n < max */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  /** min ≤ n ≤ max */
  range(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.next() * total;
    for (const [value, w] of entries) {
      r -= w;
      if (r < 0) return value;
    }
    return entries[entries.length - 1]![0];
  }

  chars(alphabet: string, length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  hex(length: number): string {
    return this.chars(HEX, length);
  }

  /** 32 random bits as 8 hex digits. */
  hex32(): string {
    return (Math.floor(this.next() * 4294967296) >>> 0).toString(16).padStart(8, "0");
  }

  /** A version-4 UUID: 122 random bits, version nibble 4, variant 10xx. */
  uuid(): string {
    const a = this.hex32();
    const b = this.hex32();
    const c = this.hex32();
    const d = this.hex32();
    const variant = HEX[8 + (parseInt(c[0]!, 16) & 3)];
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
  }

  /** The 16-character suffix of CloudTrail log file names. */
  fileSuffix(): string {
    return this.chars(ALNUM, 16);
  }
}

/**
 * Ids that must stay the same for one principal across records (AROA…, AIDA…,
 * AKIA…): derived from a key with FNV-1a, not drawn from the stream.
 */
const stableCache = new Map<string, string>();
export function stableId(prefix: string, key: string, length: number, alphabet: string = BASE32): string {
  const cacheKey = `${prefix}|${length}|${key}`;
  const cached = stableCache.get(cacheKey);
  if (cached) return cached;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  const rng = mulberry32(h ^ prefix.length);
  let id = prefix;
  while (id.length < length) id += alphabet[Math.floor(rng() * alphabet.length)];
  if (stableCache.size > 50_000) stableCache.clear();
  stableCache.set(cacheKey, id);
  return id;
}

// ------------------------------------------------------------------ time

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

const DAY = 24 * HOUR;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
let cachedDay = NaN;
let cachedDayPrefix = "";

/** ISO 8601 UTC without milliseconds, as CloudTrail writes eventTime. (Hot in the benchmark: the date part is cached.) */
export function isoSeconds(ms: number): string {
  const day = Math.floor(ms / DAY);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayPrefix = new Date(day * DAY).toISOString().slice(0, 11);
  }
  const s = Math.floor((ms - day * DAY) / 1000);
  return `${cachedDayPrefix}${TWO_DIGITS[Math.floor(s / 3600)]}:${TWO_DIGITS[Math.floor(s / 60) % 60]}:${TWO_DIGITS[s % 60]}Z`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The format IAM and STS use in responseElements ("Mar 14, 2025, 1:07:12 PM"). */
export function awsDate(ms: number): string {
  const t = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  const hour = t.getUTCHours() % 12 || 12;
  return `${MONTHS[t.getUTCMonth()]} ${t.getUTCDate()}, ${t.getUTCFullYear()}, ${hour}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ${t.getUTCHours() < 12 ? "AM" : "PM"}`;
}

// ------------------------------------------------------------------ the organisation

export interface AccountInfo {
  id: string;
  name: string;
  environment: "production" | "staging" | "security" | "shared";
  regions: readonly string[];
}

export const ACCOUNTS = {
  prod: { id: "111122223333", name: "payments-prod", environment: "production", regions: ["eu-west-1", "us-east-1", "eu-central-1"] },
  staging: { id: "444455556666", name: "payments-staging", environment: "staging", regions: ["eu-west-1", "us-east-1"] },
  security: { id: "777788889999", name: "security", environment: "security", regions: ["eu-west-1", "us-east-1"] },
  management: { id: "123456789012", name: "org-management", environment: "shared", regions: ["us-east-1"] },
} as const satisfies Record<string, AccountInfo>;

export type AccountKey = keyof typeof ACCOUNTS;
export const ALLOWED_REGIONS = ["us-east-1", "eu-west-1", "eu-central-1"] as const;
export const ORG_ID = "o-k3x9q2m7tb";
export const ROOT_ID = "r-8fq2";
export const VENDOR_ACCOUNT = "210987654321";
export const VENDOR_EXTERNAL_ID = "exp-7c1e5b2a9f";
/** The S3 gateway endpoint of the production VPC: bucket policies restricted to it are not public. */
export const PROD_VPCE = "vpce-0a7c3e91d5b2f4861";
export const STAGING_VPCE = "vpce-04be8d21c6a9f7035";
/** The production VPC's interface endpoints (KMS, Secrets Manager, SSM): workload calls arrive through them. */
const PROD_INTERFACE_VPCE = "vpce-0f31e91d5b2f48a6c";
export const SSO_REGION = "eu-west-1";

/** Organizational units and SCPs of the management account. */
export const OUS = { workloads: "ou-8fq2-w0rk1o4d", prod: "ou-8fq2-pr0dw7k5", security: "ou-8fq2-secu1ty9" };
export const SCPS = {
  denyLeaveOrg: "p-3nq8x0kd7e",
  regionGuard: "p-9w2m4v7xha",
  protectLogging: "p-5c1j8r6zt2",
};

const SSO_SUFFIX: Record<string, string> = {
  Developer: "5d3a1c9e8b7f2a40",
  ReadOnly: "9b0e4f27c81d6a53",
  PlatformAdmin: "2e7f8a1b3c4d5e6f",
};

const DEVELOPERS = [
  "amara.osei",
  "ben.kowalski",
  "chen.wei",
  "dana.levi",
  "emeka.obi",
  "farah.haddad",
  "gustav.lind",
  "hana.sato",
  "ivan.petrov",
  "julia.santos",
];
const PLATFORM_ENGINEERS = ["kofi.mensah", "lena.fischer", "mateo.ruiz"];
const EMAIL_DOMAIN = "example.com";

export const OFFICE_IPS = ["203.0.113.12", "203.0.113.17", "203.0.113.23", "203.0.113.41", "203.0.113.58"];
const HOME_IPS = ["203.0.113.131", "203.0.113.164", "203.0.113.187", "203.0.113.209", "203.0.113.226"];
const NAT_IPS: Record<string, readonly string[]> = {
  "111122223333": ["198.51.100.10", "198.51.100.11"],
  "444455556666": ["198.51.100.20"],
  "777788889999": ["198.51.100.30"],
  "123456789012": ["198.51.100.40"],
};
/** The attacker's addresses: a VPN exit and a rented server. */
export const ATTACKER_IPS = { vpn: "198.51.100.77", server: "198.51.100.142" };

export const USER_AGENTS = {
  cliMac: "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/macos#23.4.0 md/arch#arm64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe",
  cliLinux: "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0-1017-azure md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython exec-env#GitHub-Actions cfg/retry-mode#standard md/installer#exe",
  cliAttacker: "aws-cli/2.13.4 Python/3.11.4 Linux/6.2.0-26-generic exe/x86_64.ubuntu.22 prompt/off",
  terraform:
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64",
  boto3Lambda:
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-224.815.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython exec-env#AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.69",
  boto3Attacker: "Boto3/1.28.40 md/Botocore#1.31.40 ua/2.0 os/linux#6.2.0-26-generic md/arch#x86_64 lang/python#3.10.12 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.31.40",
  nodeSdk: "aws-sdk-js/3.540.0 ua/2.0 os/linux#5.10.213-224.815.amzn2.x86_64 lang/js md/nodejs#20.12.0 api/kms#3.540.0",
  javaSdk: "aws-sdk-java/2.25.16 Linux/5.10.213-224.815.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.2+13-LTS Java/21.0.2 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
  goSdkVendor: "aws-sdk-go/1.51.6 (go1.22.1; linux; amd64) observability-agent/7.52.0",
  console: "AWS Internal",
  s3Console: "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.660 Linux/5.10.213-201.855.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.402-b08 java/1.8.0_402 vendor/Oracle_Corporation cfg/retry-mode/standard]",
  chromeMac: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
  firefoxLinux: "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
  chromeAttacker: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
} as const;

// ------------------------------------------------------------------ principals

/** Who made a call: builds `userIdentity` for a moment, and says where the call came from. */
export interface Actor {
  identity(time: number): Json;
  ip: string;
  userAgent: string;
  /** Console-initiated: `sessionCredentialFromConsole`. */
  console?: boolean;
  /** A service calling on the principal's behalf: source IP and user agent are the service. */
  invokedBy?: string;
  /** Calls through a VPC interface or gateway endpoint. */
  vpce?: string;
  privateIp?: string;
}

export interface RoleOptions {
  account: string;
  roleName: string;
  /** With leading and trailing slash, e.g. "/deploy/". */
  path?: string;
  session: string;
  ip: string;
  userAgent: string;
  mfa?: boolean;
  console?: boolean;
  invokedBy?: string;
  sourceIdentity?: string;
  ec2Instance?: boolean;
  vpce?: string;
  privateIp?: string;
}

export function roleArn(account: string, roleName: string, path = "/"): string {
  return `arn:aws:iam::${account}:role${path}${roleName}`;
}

/**
 * An assumed-role session: `arn` is the session ARN without the role's path;
 * the role ARN with its path is in `sessionContext.sessionIssuer.arn`.
 */
export function roleActor(o: RoleOptions): Actor {
  const path = o.path ?? "/";
  const issuerArn = roleArn(o.account, o.roleName, path);
  const roleId = stableId("AROA", issuerArn, 21);
  return {
    ip: o.invokedBy ?? o.ip,
    userAgent: o.invokedBy ?? o.userAgent,
    console: o.console,
    invokedBy: o.invokedBy,
    vpce: o.vpce,
    privateIp: o.privateIp,
    identity(time: number): Json {
      const sessionStart = Math.floor(time / HOUR) * HOUR;
      const context: Json = {
        sessionIssuer: { type: "Role", principalId: roleId, arn: issuerArn, accountId: o.account, userName: o.roleName },
        webIdFederationData: {},
        attributes: { creationDate: isoSeconds(sessionStart), mfaAuthenticated: o.mfa ? "true" : "false" },
      };
      if (o.sourceIdentity) context.sourceIdentity = o.sourceIdentity;
      if (o.ec2Instance) context.ec2RoleDelivery = "2.0";
      const identity: Json = {
        type: "AssumedRole",
        principalId: `${roleId}:${o.session}`,
        arn: `arn:aws:sts::${o.account}:assumed-role/${o.roleName}/${o.session}`,
        accountId: o.account,
        accessKeyId: stableId("ASIA", `${issuerArn}/${o.session}/${sessionStart}`, 20, UPPER_ALNUM),
        sessionContext: context,
      };
      if (o.invokedBy) identity.invokedBy = o.invokedBy;
      return identity;
    },
  };
}

export interface UserOptions {
  account: string;
  userName: string;
  path?: string;
  ip: string;
  userAgent: string;
  /** Console session (temporary ASIA key and a session context) rather than a long-term AKIA key. */
  console?: boolean;
  mfa?: boolean;
  /** A named long-term key, e.g. one the story created earlier. */
  accessKeyId?: string;
}

export function userArn(account: string, userName: string, path = "/"): string {
  return `arn:aws:iam::${account}:user${path}${userName}`;
}

export function userId(account: string, userName: string): string {
  return stableId("AIDA", `${account}/${userName}`, 21);
}

export function userActor(o: UserOptions): Actor {
  const arn = userArn(o.account, o.userName, o.path);
  return {
    ip: o.ip,
    userAgent: o.userAgent,
    console: o.console,
    identity(time: number): Json {
      const identity: Json = {
        type: "IAMUser",
        principalId: userId(o.account, o.userName),
        arn,
        accountId: o.account,
        accessKeyId: o.accessKeyId ?? stableId(o.console ? "ASIA" : "AKIA", `${arn}/${o.console ? Math.floor(time / HOUR) : "key"}`, 20, UPPER_ALNUM),
        userName: o.userName,
      };
      if (o.console || o.mfa) {
        identity.sessionContext = {
          sessionIssuer: {},
          webIdFederationData: {},
          attributes: { creationDate: isoSeconds(Math.floor(time / HOUR) * HOUR), mfaAuthenticated: o.mfa ? "true" : "false" },
        };
      }
      return identity;
    },
  };
}

export function rootActor(account: string, ip: string, userAgent: string, console = true): Actor {
  return {
    ip,
    userAgent,
    console,
    identity(time: number): Json {
      return {
        type: "Root",
        principalId: account,
        arn: `arn:aws:iam::${account}:root`,
        accountId: account,
        accessKeyId: stableId("ASIA", `root/${account}/${Math.floor(time / HOUR)}`, 20, UPPER_ALNUM),
        sessionContext: {
          sessionIssuer: {},
          webIdFederationData: {},
          attributes: { creationDate: isoSeconds(Math.floor(time / HOUR) * HOUR), mfaAuthenticated: "false" },
        },
      };
    },
  };
}

/** An AWS service acting in its own name, e.g. Lambda assuming an execution role. */
export function serviceActor(service: string): Actor {
  return { ip: service, userAgent: service, invokedBy: service, identity: () => ({ type: "AWSService", invokedBy: service }) };
}

/** A principal of another AWS account, as the callee's CloudTrail sees it. */
export function externalAccountActor(account: string, principalId: string, ip: string, userAgent: string): Actor {
  return { ip, userAgent, identity: () => ({ type: "AWSAccount", principalId, accountId: account }) };
}

// ------------------------------------------------------------------ the record

export interface Call {
  /** e.g. "iam.amazonaws.com" */
  source: string;
  name: string;
  readOnly: boolean;
  params?: Json | null;
  response?: Json | null;
  additional?: Json;
  resources?: Json[];
  error?: { code: string; message: string };
  /** Defaults: global services in us-east-1, everything else where the caller is. */
  region?: string;
  eventType?: "AwsApiCall" | "AwsServiceEvent" | "AwsConsoleSignIn";
  requestID?: string | null;
  sharedEventID?: string;
  /** Host header for tlsDetails; derived from the service and region otherwise. */
  host?: string;
  serviceEventDetails?: Json;
  /** Overrides the actor's (e.g. a cross-account caller seen from the callee's side). */
  recipient?: string;
  apiVersion?: string;
}

const GLOBAL_SOURCES = new Set(["iam.amazonaws.com", "organizations.amazonaws.com", "account.amazonaws.com", "cloudfront.amazonaws.com"]);

export function regionFor(source: string, region: string): string {
  return GLOBAL_SOURCES.has(source) ? "us-east-1" : region;
}

function hostFor(source: string, region: string): string {
  const prefix = source.slice(0, source.indexOf("."));
  switch (source) {
    case "iam.amazonaws.com":
      return "iam.amazonaws.com";
    case "organizations.amazonaws.com":
      return "organizations.us-east-1.amazonaws.com";
    case "signin.amazonaws.com":
      return "signin.aws.amazon.com";
    case "account.amazonaws.com":
      return "account.us-east-1.amazonaws.com";
    case "s3.amazonaws.com":
      return `s3.${region}.amazonaws.com`;
    default:
      return `${prefix}.${region}.amazonaws.com`;
  }
}

const TLS13 = { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256" };
const TLS12 = { tlsVersion: "TLSv1.2", cipherSuite: "ECDHE-RSA-AES128-GCM-SHA256" };

/**
 * One CloudTrail record, with the fields in the order CloudTrail writes them.
 * `account` is the account the event is recorded in (recipientAccountId).
 */
export function buildRecord(g: Gen, time: number, account: string, region: string, actor: Actor, call: Call): Json {
  const awsRegion = call.region ?? regionFor(call.source, region);
  const eventType = call.eventType ?? "AwsApiCall";
  const identity = actor.identity(time);
  if (eventType === "AwsConsoleSignIn") {
    // Sign-in happens before any session exists: no key, and no session context for users and root.
    delete identity.accessKeyId;
    if (identity.type === "IAMUser" || identity.type === "Root") delete identity.sessionContext;
    const attributes = (identity.sessionContext as Json | undefined)?.attributes as Json | undefined;
    if (attributes) attributes.creationDate = isoSeconds(time); // a federated sign-in starts its session
  }
  const r: Json = {
    eventVersion: "1.09",
    userIdentity: identity,
    eventTime: isoSeconds(time),
    eventSource: call.source,
    eventName: call.name,
    awsRegion,
    sourceIPAddress: actor.vpce && actor.privateIp ? actor.privateIp : actor.ip,
    userAgent: actor.userAgent,
  };
  if (call.error) {
    r.errorCode = call.error.code;
    r.errorMessage = call.error.message;
  }
  r.requestParameters = call.params === undefined ? null : call.params;
  r.responseElements = call.error ? null : call.response === undefined ? null : call.response;
  if (call.additional) r.additionalEventData = call.additional;
  if (call.requestID !== null && eventType !== "AwsConsoleSignIn") r.requestID = call.requestID ?? g.uuid();
  r.eventID = g.uuid();
  r.readOnly = call.readOnly;
  if (call.resources) r.resources = call.resources;
  r.eventType = eventType;
  if (call.apiVersion) r.apiVersion = call.apiVersion;
  r.managementEvent = true;
  r.recipientAccountId = call.recipient ?? account;
  if (call.sharedEventID) r.sharedEventID = call.sharedEventID;
  if (actor.vpce) {
    r.vpcEndpointId = actor.vpce;
    r.vpcEndpointAccountId = account;
  }
  if (call.serviceEventDetails) r.serviceEventDetails = call.serviceEventDetails;
  r.eventCategory = "Management";
  if (!actor.invokedBy && eventType !== "AwsServiceEvent") {
    r.tlsDetails = { ...(g.chance(0.9) ? TLS13 : TLS12), clientProvidedHostHeader: call.host ?? hostFor(call.source, awsRegion) };
  }
  if (actor.console) r.sessionCredentialFromConsole = "true";
  return r;
}

// ------------------------------------------------------------------ service-specific helpers

export function s3RequestId(g: Gen): string {
  return g.chars(UPPER_ALNUM, 16);
}

function s3Extra(g: Gen, bytesIn = 0, bytesOut = 0): Json {
  return {
    SignatureVersion: "SigV4",
    CipherSuite: "TLS_AES_128_GCM_SHA256",
    bytesTransferredIn: bytesIn,
    AuthenticationMethod: "AuthHeader",
    "x-amz-id-2": g.chars(BASE64ISH, 76),
    bytesTransferredOut: bytesOut,
  };
}

/** An S3 bucket-level call: `Host`, the sub-resource key, `additionalEventData` and the bucket in `resources`. */
export function s3Call(
  g: Gen,
  account: string,
  region: string,
  bucket: string,
  name: string,
  readOnly: boolean,
  params: Json = {},
  extra: { error?: { code: string; message: string }; bytesIn?: number; bytesOut?: number; response?: Json | null } = {},
): Call {
  const host = `${bucket}.s3.${region}.amazonaws.com`;
  return {
    source: "s3.amazonaws.com",
    name,
    readOnly,
    params: { bucketName: bucket, Host: host, ...params },
    response: extra.response ?? null,
    additional: s3Extra(g, extra.bytesIn ?? 0, extra.bytesOut ?? (readOnly ? g.range(200, 2400) : 0)),
    resources: [{ accountId: account, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${bucket}` }],
    error: extra.error,
    requestID: s3RequestId(g),
    host,
  };
}

export const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";
const XSI = "http://www.w3.org/2001/XMLSchema-instance";
export const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
export const LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery";

export function canonicalUserId(account: string): string {
  return stableId("", `canonical/${account}`, 64, HEX);
}

export function aclParams(account: string, extraGrants: Json[]): Json {
  const owner = canonicalUserId(account);
  return {
    AccessControlPolicy: {
      AccessControlList: {
        Grant: [
          { Grantee: { "xsi:type": "CanonicalUser", "xmlns:xsi": XSI, ID: owner }, Permission: "FULL_CONTROL" },
          ...extraGrants,
        ],
      },
      xmlns: S3_NS,
      Owner: { ID: owner },
    },
    acl: "",
  };
}

export function groupGrant(uri: string, permission: string): Json {
  return { Grantee: { "xsi:type": "Group", "xmlns:xsi": XSI, URI: uri }, Permission: permission };
}

export function publicAccessBlockParams(allOn: boolean): Json {
  return {
    PublicAccessBlockConfiguration: {
      xmlns: S3_NS,
      RestrictPublicBuckets: allOn,
      BlockPublicPolicy: allOn,
      BlockPublicAcls: allOn,
      IgnorePublicAcls: allOn,
    },
    publicAccessBlock: "",
  };
}

function iamResource(account: string, kind: "role" | "user" | "policy", name: string, path = "/"): Json {
  const type = kind === "role" ? "AWS::IAM::Role" : kind === "user" ? "AWS::IAM::User" : "AWS::IAM::Policy";
  return { accountId: account, type, ARN: `arn:aws:iam::${account}:${kind}${path}${name}` };
}

function kmsKeyArn(account: string, region: string, key: string): string {
  return `arn:aws:kms:${region}:${account}:key/${key}`;
}

function keyIdFor(account: string, region: string, alias: string): string {
  const h = stableId("", `kms/${account}/${region}/${alias}`, 32, HEX);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function policyJson(statements: Json[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

// ------------------------------------------------------------------ principals of the organisation

function pickIp(g: Gen, list: readonly string[]): string {
  return g.pick(list);
}

function natIp(g: Gen, account: string): string {
  return g.pick(NAT_IPS[account] ?? ["198.51.100.99"]);
}

function privateIp(g: Gen): string {
  return `10.${g.range(20, 23)}.${g.range(0, 63)}.${g.range(4, 250)}`;
}

export const IAC_ROLE = { name: "terraform-apply", path: "/deploy/" };
export const CFN_ROLE = { name: "cloudformation-exec", path: "/deploy/" };
export const CI_ROLE = { name: "github-actions-deploy", path: "/ci/" };
export const SCANNER_ROLE = { name: "posture-scanner", path: "/security/" };
export const AUDIT_ROLE = { name: "audit-readonly", path: "/security/" };
export const REMEDIATOR_ROLE = { name: "trailwarden-remediator", path: "/security/" };
export const BREAK_GLASS_ROLE = { name: "emergency-admin", path: "/break-glass/" };
export const VENDOR_ROLE = { name: "observability-readonly", path: "/integrations/" };
export const ONCALL_USER = "oncall-payments";

function ssoRoleName(set: string): string {
  return `AWSReservedSSO_${set}_${SSO_SUFFIX[set]}`;
}
const SSO_PATH = `/aws-reserved/sso.amazonaws.com/${SSO_REGION}/`;

function ssoActor(g: Gen, account: string, set: string, person: string, console: boolean): Actor {
  return roleActor({
    account,
    roleName: ssoRoleName(set),
    path: SSO_PATH,
    session: `${person}@${EMAIL_DOMAIN}`,
    ip: pickIp(g, g.chance(0.7) ? OFFICE_IPS : HOME_IPS),
    userAgent: console ? g.pick([USER_AGENTS.console, USER_AGENTS.console, USER_AGENTS.chromeMac]) : USER_AGENTS.cliMac,
    console,
  });
}

function terraformActor(g: Gen, account: string, run: string): Actor {
  return roleActor({
    account,
    roleName: IAC_ROLE.name,
    path: IAC_ROLE.path,
    session: `gha-payments-infra-${run}`,
    ip: `192.0.2.${g.range(10, 250)}`,
    userAgent: USER_AGENTS.terraform,
    sourceIdentity: "github-actions",
  });
}

function cfnActor(account: string): Actor {
  return roleActor({
    account,
    roleName: CFN_ROLE.name,
    path: CFN_ROLE.path,
    session: "AWSCloudFormation",
    ip: "cloudformation.amazonaws.com",
    userAgent: "cloudformation.amazonaws.com",
    invokedBy: "cloudformation.amazonaws.com",
  });
}

function ciActor(g: Gen, account: string, run: string): Actor {
  return roleActor({
    account,
    roleName: CI_ROLE.name,
    path: CI_ROLE.path,
    session: `gha-${run}`,
    ip: `192.0.2.${g.range(10, 250)}`,
    userAgent: USER_AGENTS.cliLinux,
  });
}

interface AppRole {
  account: string;
  role: string;
  kind: "lambda" | "ecs" | "ec2";
  session: string;
  secret?: string;
  param?: string;
}

const APP_ROLES: readonly AppRole[] = [
  { account: ACCOUNTS.prod.id, role: "payments-api-task", kind: "ecs", session: "7f3d2a9c41b84e0f9a6c5d1e2b3f4a5c", secret: "prod/payments-api/db", param: "/payments/api/feature-flags" },
  { account: ACCOUNTS.prod.id, role: "ledger-writer", kind: "lambda", session: "ledger-writer", secret: "prod/ledger/db", param: "/payments/ledger/batch-size" },
  { account: ACCOUNTS.prod.id, role: "settlement-batch", kind: "ec2", session: "i-0c4f7a2d9e81b3f56", secret: "prod/settlement/sftp", param: "/payments/settlement/cutoff" },
  { account: ACCOUNTS.prod.id, role: "reporting-export", kind: "lambda", session: "reporting-export", param: "/payments/reporting/schedule" },
  { account: ACCOUNTS.staging.id, role: "payments-api-task", kind: "ecs", session: "2b9e1f4c7d0a48e6b3c5a7d9e1f2a4b6", secret: "staging/payments-api/db", param: "/payments/api/feature-flags" },
  { account: ACCOUNTS.staging.id, role: "ledger-writer", kind: "lambda", session: "ledger-writer", secret: "staging/ledger/db" },
  { account: ACCOUNTS.security.id, role: "trailwarden-detect", kind: "lambda", session: "trailwarden-detect" },
];

function appActor(g: Gen, app: AppRole): Actor {
  const vpce = app.account === ACCOUNTS.prod.id ? PROD_INTERFACE_VPCE : undefined;
  return roleActor({
    account: app.account,
    roleName: app.role,
    path: "/app/",
    session: app.session,
    ip: natIp(g, app.account),
    userAgent: app.kind === "lambda" ? USER_AGENTS.boto3Lambda : app.kind === "ecs" ? USER_AGENTS.nodeSdk : USER_AGENTS.javaSdk,
    ec2Instance: app.kind === "ec2",
    vpce,
    privateIp: vpce ? privateIp(g) : undefined,
  });
}

const BUCKETS: Record<string, readonly string[]> = {
  [ACCOUNTS.prod.id]: [
    "payments-prod-settlement-reports",
    "payments-prod-ledger-archive",
    "payments-prod-app-artifacts",
    "payments-prod-alb-logs",
    "payments-prod-static-assets",
  ],
  [ACCOUNTS.staging.id]: ["payments-staging-app-artifacts", "payments-staging-fixtures", "payments-staging-alb-logs"],
  [ACCOUNTS.security.id]: ["security-cloudtrail-archive", "security-trailwarden-findings", "security-config-snapshots"],
  [ACCOUNTS.management.id]: ["org-management-terraform-state"],
};

const TRAILS: Record<string, readonly string[]> = {
  [ACCOUNTS.prod.id]: ["payments-prod-audit", "payments-prod-data-events"],
  [ACCOUNTS.staging.id]: ["payments-staging-audit"],
  [ACCOUNTS.security.id]: ["security-audit"],
  [ACCOUNTS.management.id]: ["org-trail"],
};

function trailArn(account: string, name: string, region = "us-east-1"): string {
  return `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;
}

function homeRegion(account: string): string {
  return account === ACCOUNTS.management.id ? "us-east-1" : "eu-west-1";
}

function regionOf(g: Gen, account: string): string {
  const info = Object.values(ACCOUNTS).find((a) => a.id === account)!;
  if (info.regions.length === 1) return info.regions[0]!;
  return g.weighted(info.regions.map((r, i) => [r, i === 0 ? 6 : i === 1 ? 3 : 1] as const));
}

/** Workloads run in eu-west-1; production keeps a warm standby in eu-central-1. */
function workloadRegion(g: Gen, account: string): string {
  return account === ACCOUNTS.prod.id && g.chance(0.12) ? "eu-central-1" : "eu-west-1";
}

// ------------------------------------------------------------------ read-only call catalogue

type ReadCall = (g: Gen, account: string, region: string) => Call;

const simple =
  (source: string, name: string, params: (g: Gen, account: string, region: string) => Json | null = () => null, global = false): ReadCall =>
  (g, account, region) => ({ source, name, readOnly: true, params: params(g, account, region), ...(global ? { region: "us-east-1" } : {}) });

const INSTANCE_IDS = ["i-0c4f7a2d9e81b3f56", "i-09d2e6b1a7c3f4e80", "i-0a5b8c1d2e3f40617", "i-0e7f6a5b4c3d21098"];
const FUNCTIONS = ["ledger-writer", "reporting-export", "webhook-dispatcher", "fx-rates-sync", "settlement-notifier"];
const LOG_GROUPS = ["/aws/lambda/ledger-writer", "/aws/lambda/webhook-dispatcher", "/ecs/payments-api", "/aws/lambda/fx-rates-sync"];
const TABLES = ["payments-idempotency", "ledger-entries", "merchant-config"];
const CLUSTERS = ["payments", "payments-batch"];

const EC2_READS: readonly ReadCall[] = [
  simple("ec2.amazonaws.com", "DescribeInstances", (g) => ({ instancesSet: g.chance(0.5) ? {} : { items: [{ instanceId: g.pick(INSTANCE_IDS) }] }, filterSet: {} })),
  simple("ec2.amazonaws.com", "DescribeSecurityGroups", () => ({ securityGroupSet: {}, securityGroupIdSet: {}, filterSet: {} })),
  simple("ec2.amazonaws.com", "DescribeVpcs", () => ({ vpcSet: {}, filterSet: {} })),
  simple("ec2.amazonaws.com", "DescribeSubnets", () => ({ subnetSet: {}, filterSet: {} })),
  simple("ec2.amazonaws.com", "DescribeNetworkInterfaces", () => ({ networkInterfaceIdSet: {}, filterSet: {} })),
  simple("ec2.amazonaws.com", "DescribeVolumes", () => ({ volumeSet: {}, filterSet: {} })),
  simple("ec2.amazonaws.com", "DescribeRouteTables", () => ({ routeTableIdSet: {}, filterSet: {} })),
];

const OBSERVE_READS: readonly ReadCall[] = [
  simple("logs.amazonaws.com", "DescribeLogGroups", () => ({ limit: 50 })),
  simple("logs.amazonaws.com", "FilterLogEvents", (g) => ({ logGroupName: g.pick(LOG_GROUPS), filterPattern: g.pick(["ERROR", "timeout", "\"status\":500", "WARN"]), interleaved: true })),
  simple("logs.amazonaws.com", "DescribeLogStreams", (g) => ({ logGroupName: g.pick(LOG_GROUPS), orderBy: "LastEventTime", descending: true, limit: 50 })),
  simple("logs.amazonaws.com", "StartQuery", (g) => ({ logGroupNames: [g.pick(LOG_GROUPS)], queryString: "fields @timestamp, @message | sort @timestamp desc | limit 200" })),
  simple("monitoring.amazonaws.com", "DescribeAlarms", () => ({ maxRecords: 100 })),
  simple("monitoring.amazonaws.com", "GetMetricData", () => null),
  simple("monitoring.amazonaws.com", "ListMetrics", (g) => ({ namespace: g.pick(["AWS/Lambda", "AWS/ECS", "AWS/ApplicationELB", "AWS/DynamoDB"]) })),
  simple("lambda.amazonaws.com", "ListFunctions20150331", () => ({ functionVersion: "ALL" })),
  simple("lambda.amazonaws.com", "GetFunction20150331v2", (g) => ({ functionName: g.pick(FUNCTIONS) })),
  simple("dynamodb.amazonaws.com", "DescribeTable", (g) => ({ tableName: g.pick(TABLES) })),
  simple("dynamodb.amazonaws.com", "ListTables", () => null),
  simple("ecs.amazonaws.com", "ListClusters", () => null),
  simple("ecs.amazonaws.com", "DescribeServices", (g) => ({ cluster: g.pick(CLUSTERS), services: ["payments-api"] })),
  simple("ecs.amazonaws.com", "DescribeTasks", (g) => ({ cluster: g.pick(CLUSTERS), tasks: [g.hex(32)] })),
  simple("elasticloadbalancing.amazonaws.com", "DescribeTargetHealth", (g) => ({
    targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/payments-api/${g.hex(16)}`,
  })),
  simple("sts.amazonaws.com", "GetCallerIdentity"),
];

const S3_READS = (g: Gen, account: string, region: string): Call => {
  const bucket = g.pick(BUCKETS[account] ?? ["unknown"]);
  const name = g.pick(["GetBucketLocation", "GetBucketPolicy", "GetBucketAcl", "GetBucketVersioning", "GetBucketEncryption", "GetBucketTagging", "ListBucket"]);
  const key: Json =
    name === "GetBucketLocation" ? { location: "" } : name === "GetBucketPolicy" ? { policy: "" } : name === "GetBucketAcl" ? { acl: "" }
      : name === "GetBucketVersioning" ? { versioning: "" } : name === "GetBucketEncryption" ? { encryption: "" } : name === "GetBucketTagging" ? { tagging: "" }
        : { "list-type": "2", prefix: "", delimiter: "/", "encoding-type": "url" };
  return s3Call(g, account, region, bucket, name, true, key);
};

const LIST_BUCKETS: ReadCall = (g, _account, region) => ({
  source: "s3.amazonaws.com",
  name: "ListBuckets",
  readOnly: true,
  params: { Host: `s3.${region}.amazonaws.com` },
  additional: s3Extra(g, 0, g.range(900, 4000)),
  requestID: s3RequestId(g),
});

const IAM_READS: readonly ReadCall[] = [
  simple("iam.amazonaws.com", "ListRoles", () => null, true),
  simple("iam.amazonaws.com", "ListUsers", () => null, true),
  simple("iam.amazonaws.com", "GetRole", (g) => ({ roleName: g.pick(["payments-api-task", "ledger-writer", "reporting-export", "settlement-batch"]) }), true),
  simple("iam.amazonaws.com", "ListAttachedRolePolicies", (g) => ({ roleName: g.pick(["payments-api-task", "ledger-writer", "reporting-export"]) }), true),
  simple("iam.amazonaws.com", "GetPolicyVersion", (g, account) => ({ policyArn: `arn:aws:iam::${account}:policy/app/${g.pick(["ledger-dynamodb-rw", "reporting-s3-read", "kms-payments-use"])}`, versionId: `v${g.range(1, 9)}` }), true),
  simple("iam.amazonaws.com", "ListAccessKeys", (g) => ({ userName: g.pick([ONCALL_USER, "svc-reporting", "svc-ledger-export"]) }), true),
  simple("iam.amazonaws.com", "GetAccountPasswordPolicy", () => null, true),
  simple("iam.amazonaws.com", "GetAccountSummary", () => null, true),
  simple("iam.amazonaws.com", "GenerateCredentialReport", () => null, true),
];

const TRAIL_READS = (g: Gen, account: string, region: string): Call => {
  const trail = trailArn(account, g.pick(TRAILS[account] ?? ["org-trail"]));
  const name = g.pick(["DescribeTrails", "GetTrailStatus", "GetEventSelectors", "ListTrails"]);
  const params = name === "DescribeTrails" ? { includeShadowTrails: true } : name === "ListTrails" ? null : name === "GetTrailStatus" ? { name: trail } : { trailName: trail };
  return { source: "cloudtrail.amazonaws.com", name, readOnly: true, params, region };
};

const CONFIG_READS: readonly ReadCall[] = [
  ...EC2_READS,
  simple("lambda.amazonaws.com", "GetFunction20150331v2", (g) => ({ functionName: g.pick(FUNCTIONS) })),
  simple("kms.amazonaws.com", "DescribeKey", (g, account, region) => ({ keyId: kmsKeyArn(account, region, keyIdFor(account, region, g.pick(["payments", "ledger", "logs"]))) })),
  simple("kms.amazonaws.com", "GetKeyRotationStatus", (g, account, region) => ({ keyId: kmsKeyArn(account, region, keyIdFor(account, region, g.pick(["payments", "ledger"]))) })),
  simple("rds.amazonaws.com", "DescribeDBInstances", () => null),
  simple("elasticloadbalancing.amazonaws.com", "DescribeLoadBalancers", () => null),
  S3_READS,
  TRAIL_READS,
];

// ------------------------------------------------------------------ scenarios

/** A scenario writes a few related records, advancing its clock between them. */
interface Ctx {
  g: Gen;
  t: number;
  out: Json[];
  /** eventTime of each record of `out`, in epoch ms, for sorting without parsing. */
  times: number[];
}

function emit(c: Ctx, account: string, region: string, actor: Actor, call: Call, stepMin = 1, stepMax = 9): Json {
  const record = buildRecord(c.g, c.t, account, region, actor, call);
  c.out.push(record);
  c.times.push(c.t);
  c.t += c.g.range(stepMin, stepMax) * 1000;
  return record;
}

function pickAccount(g: Gen, weights: readonly (readonly [AccountKey, number])[]): string {
  return ACCOUNTS[g.weighted(weights)].id;
}

const WORKLOAD_ACCOUNTS = [["prod", 5], ["staging", 4]] as const;

function runId(g: Gen): string {
  return String(g.range(8_100_000_000, 8_399_999_999));
}

/** Developers through IAM Identity Center: console browsing or CLI, read-mostly. */
function developerSession(c: Ctx): void {
  const { g } = c;
  const account = pickAccount(g, WORKLOAD_ACCOUNTS);
  const set = account === ACCOUNTS.prod.id ? "ReadOnly" : "Developer";
  const person = g.pick(DEVELOPERS);
  const console = g.chance(0.55);
  const actor = ssoActor(g, account, set, person, console);
  const region = regionOf(g, account);
  if (console && g.chance(0.25)) ssoConsoleLogin(c, account, set, person, actor.ip);
  if (!console) emit(c, account, region, actor, simple("sts.amazonaws.com", "GetCallerIdentity")(g, account, region));
  const n = g.range(2, 8);
  for (let i = 0; i < n; i++) {
    const call = g.weighted<ReadCall>([
      [(gg, a, r) => gg.pick(OBSERVE_READS)(gg, a, r), 10],
      [(gg, a, r) => gg.pick(EC2_READS)(gg, a, r), 4],
      [S3_READS, 2],
      [LIST_BUCKETS, 1],
      [(gg, a, r) => gg.pick(IAM_READS)(gg, a, r), 1],
    ])(g, account, region);
    emit(c, account, region, actor, call, 2, 40);
  }
  if (set === "Developer" && g.chance(0.3)) {
    const fn = g.pick(FUNCTIONS);
    emit(c, account, region, actor, {
      source: "lambda.amazonaws.com",
      name: g.pick(["UpdateFunctionConfiguration20150331v2", "PublishVersion20150331"]),
      readOnly: false,
      params: { functionName: fn },
      response: { functionName: fn, functionArn: `arn:aws:lambda:${region}:${account}:function:${fn}`, runtime: "python3.12", state: "Active", lastUpdateStatus: "InProgress" },
    });
  }
  if (set === "Developer" && g.chance(0.15)) {
    emit(c, account, region, actor, {
      source: "ssm.amazonaws.com",
      name: "PutParameter",
      readOnly: false,
      params: { name: "/payments/api/feature-flags", type: "String", overwrite: true, value: "HIDDEN_DUE_TO_SECURITY_REASONS" },
      response: { version: g.range(10, 90), tier: "Standard" },
    });
  }
  if (set === "ReadOnly" && g.chance(0.12)) {
    // A read-only session trying a write: refused, as it should be.
    emit(c, account, region, actor, {
      source: "ec2.amazonaws.com",
      name: "RebootInstances",
      readOnly: false,
      params: { instancesSet: { items: [{ instanceId: g.pick(INSTANCE_IDS) }] } },
      error: { code: "Client.UnauthorizedOperation", message: "You are not authorized to perform this operation. User: ... is not authorized to perform: ec2:RebootInstances" },
    });
  }
}

/**
 * Federated console sign-in through IAM Identity Center: an assumed-role
 * session, and `MFAUsed` is "No" because MFA happened at the identity
 * provider. Not an IAM user logging in without MFA.
 */
function ssoConsoleLogin(c: Ctx, account: string, set: string, person: string, ip: string): void {
  const actor = roleActor({ account, roleName: ssoRoleName(set), path: SSO_PATH, session: `${person}@${EMAIL_DOMAIN}`, ip, userAgent: USER_AGENTS.chromeMac });
  emit(c, account, "us-east-1", actor, {
    source: "signin.amazonaws.com",
    name: "ConsoleLogin",
    readOnly: false,
    eventType: "AwsConsoleSignIn",
    region: "us-east-1",
    response: { ConsoleLogin: "Success" },
    additional: {
      MobileVersion: "No",
      MFAUsed: "No",
      LoginTo: "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_7c1b9e2d4a6f8053",
      SamlProviderArn: `arn:aws:iam::${account}:saml-provider/AWSSSO_${SSO_SUFFIX[set]}_DO_NOT_DELETE`,
    },
  });
}

/** The on-call IAM user: console with MFA, CLI with an MFA session, and its own key rotation. */
function onCall(c: Ctx, forced?: "console" | "cli" | "rotate"): void {
  const { g } = c;
  const account = ACCOUNTS.prod.id;
  const ip = g.pick(HOME_IPS);
  const mode = forced ?? g.weighted([["console", 5], ["cli", 3], ["rotate", 1]] as const);
  if (mode === "console") {
    const login = userActor({ account, userName: ONCALL_USER, ip, userAgent: USER_AGENTS.firefoxLinux });
    emit(c, account, "us-east-1", login, {
      source: "signin.amazonaws.com",
      name: "ConsoleLogin",
      readOnly: false,
      eventType: "AwsConsoleSignIn",
      region: "us-east-1",
      response: { ConsoleLogin: "Success" },
      additional: {
        LoginTo: "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true",
        MobileVersion: "No",
        MFAIdentifier: `arn:aws:iam::${account}:mfa/${ONCALL_USER}-yubikey`,
        MFAUsed: "Yes",
      },
    }, 5, 30);
    const actor = userActor({ account, userName: ONCALL_USER, ip, userAgent: USER_AGENTS.console, console: true, mfa: true });
    const n = g.range(3, 9);
    for (let i = 0; i < n; i++) emit(c, account, "eu-west-1", actor, g.pick(OBSERVE_READS)(g, account, "eu-west-1"), 3, 45);
  } else {
    const actor = userActor({ account, userName: ONCALL_USER, ip, userAgent: USER_AGENTS.cliMac, mfa: true });
    if (mode === "cli") {
      const n = g.range(2, 6);
      for (let i = 0; i < n; i++) {
        const call = g.chance(0.7) ? g.pick(OBSERVE_READS)(g, account, "eu-west-1") : g.pick(EC2_READS)(g, account, "eu-west-1");
        emit(c, account, "eu-west-1", actor, call, 2, 20);
      }
      if (g.chance(0.2)) {
        emit(c, account, "eu-west-1", actor, {
          source: "ecs.amazonaws.com",
          name: "UpdateService",
          readOnly: false,
          params: { cluster: "payments", service: "payments-api", desiredCount: g.range(6, 12) },
          response: { service: { serviceName: "payments-api", status: "ACTIVE" } },
        });
      }
    } else {
      // Key rotation of its own key: CreateAccessKey naming itself is not a key for another user.
      const now = c.t;
      emit(c, account, "us-east-1", actor, { source: "iam.amazonaws.com", name: "ListAccessKeys", readOnly: true, params: { userName: ONCALL_USER } });
      const newKey = stableId("AKIA", `rotation/${now}`, 20, UPPER_ALNUM);
      emit(c, account, "us-east-1", actor, {
        source: "iam.amazonaws.com",
        name: "CreateAccessKey",
        readOnly: false,
        params: { userName: ONCALL_USER },
        response: { accessKey: { userName: ONCALL_USER, accessKeyId: newKey, status: "Active", createDate: awsDate(c.t) } },
      });
      const oldKey = stableId("AKIA", `${userArn(account, ONCALL_USER)}/key`, 20, UPPER_ALNUM);
      emit(c, account, "us-east-1", actor, { source: "iam.amazonaws.com", name: "UpdateAccessKey", readOnly: false, params: { userName: ONCALL_USER, accessKeyId: oldKey, status: "Inactive" } });
    }
  }
}

/** AWS Config's service-linked role describing resources. */
function configRecorder(c: Ctx): void {
  const { g } = c;
  const account = pickAccount(g, [["prod", 5], ["staging", 3], ["security", 2]]);
  const region = regionOf(g, account);
  const actor = roleActor({
    account,
    roleName: "AWSServiceRoleForConfig",
    path: "/aws-service-role/config.amazonaws.com/",
    session: "AWSConfig-Describe",
    ip: "config.amazonaws.com",
    userAgent: "config.amazonaws.com",
    invokedBy: "config.amazonaws.com",
  });
  const n = g.range(2, 7);
  for (let i = 0; i < n; i++) emit(c, account, region, actor, g.pick(CONFIG_READS)(g, account, region), 0, 3);
}

/**
 * The security account's posture scanner: assumes the audit role in a member
 * account (recorded on both sides with one sharedEventID) and reads the
 * settings the detectors care about.
 */
function postureScan(c: Ctx): void {
  const { g } = c;
  const target = pickAccount(g, [["prod", 4], ["staging", 3], ["management", 1]]);
  const security = ACCOUNTS.security.id;
  const region = target === ACCOUNTS.management.id ? "us-east-1" : g.pick(["eu-west-1", "eu-west-1", "us-east-1"]);
  const ip = natIp(g, security);
  const scanner = roleActor({ account: security, roleName: SCANNER_ROLE.name, path: SCANNER_ROLE.path, session: "posture-scanner", ip, userAgent: USER_AGENTS.boto3Lambda });
  const role = roleArn(target, AUDIT_ROLE.name, AUDIT_ROLE.path);
  const session = `posture-scan-${g.hex(8)}`;
  const requestID = g.uuid();
  const shared = g.uuid();
  const assume: Call = {
    source: "sts.amazonaws.com",
    name: "AssumeRole",
    readOnly: true,
    params: { roleArn: role, roleSessionName: session, durationSeconds: 900 },
    response: {
      credentials: { accessKeyId: stableId("ASIA", `${role}/${session}`, 20, UPPER_ALNUM), sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE", expiration: awsDate(c.t + 15 * MINUTE) },
      assumedRoleUser: { assumedRoleId: `${stableId("AROA", role, 21)}:${session}`, arn: `arn:aws:sts::${target}:assumed-role/${AUDIT_ROLE.name}/${session}` },
    },
    resources: [{ accountId: target, type: "AWS::IAM::Role", ARN: role }],
    requestID,
    sharedEventID: shared,
  };
  emit(c, security, region, scanner, assume, 0, 0);
  // The member account sees a caller from another account: type AWSAccount, not the caller's session.
  const scannerId = stableId("AROA", roleArn(security, SCANNER_ROLE.name, SCANNER_ROLE.path), 21);
  emit(c, target, region, externalAccountActor(security, `${scannerId}:posture-scanner`, ip, USER_AGENTS.boto3Lambda), assume, 1, 2);
  const actor = roleActor({ account: target, roleName: AUDIT_ROLE.name, path: AUDIT_ROLE.path, session, ip, userAgent: USER_AGENTS.boto3Lambda });
  const reads: readonly ReadCall[] =
    target === ACCOUNTS.management.id
      ? [
          simple("organizations.amazonaws.com", "ListPolicies", () => ({ filter: "SERVICE_CONTROL_POLICY" })),
          simple("organizations.amazonaws.com", "ListTargetsForPolicy", (gg) => ({ policyId: gg.pick(Object.values(SCPS)) })),
          simple("organizations.amazonaws.com", "DescribeOrganization"),
          simple("organizations.amazonaws.com", "ListAccounts"),
          TRAIL_READS,
          simple("iam.amazonaws.com", "GetAccountSummary", () => null, true),
        ]
      : [
          (gg, a, r) => s3Call(gg, a, r, gg.pick(BUCKETS[a]!), "GetBucketPublicAccessBlock", true, { publicAccessBlock: "" }),
          (gg, a, r) => s3Call(gg, a, r, gg.pick(BUCKETS[a]!), "GetBucketPolicyStatus", true, { policyStatus: "" }),
          (gg, a, r) => s3Call(gg, a, r, gg.pick(BUCKETS[a]!), "GetBucketAcl", true, { acl: "" }),
          LIST_BUCKETS,
          TRAIL_READS,
          TRAIL_READS,
          ...IAM_READS,
          simple("kms.amazonaws.com", "ListKeys", () => ({ limit: 1000 })),
          simple("guardduty.amazonaws.com", "ListDetectors", () => null),
          simple("config.amazonaws.com", "DescribeConfigurationRecorderStatus", () => null),
          simple("securityhub.amazonaws.com", "GetEnabledStandards", () => null),
        ];
  const n = g.range(6, 16);
  for (let i = 0; i < n; i++) emit(c, target, region, actor, g.pick(reads)(g, target, region), 0, 2);
}

/** Application runtime: KMS, Secrets Manager and SSM reads by workload roles, through VPC endpoints in prod. */
function appRuntime(c: Ctx): void {
  const { g } = c;
  const app = g.pick(APP_ROLES);
  const region = workloadRegion(g, app.account);
  const account = app.account;
  const actor = appActor(g, app);
  const keyArn = kmsKeyArn(account, region, keyIdFor(account, region, g.pick(["payments", "ledger"])));
  const n = g.range(1, 6);
  for (let i = 0; i < n; i++) {
    const kind = g.weighted([["decrypt", 6], ["datakey", 3], ["secret", app.secret ? 2 : 0], ["param", app.param ? 2 : 0]] as const);
    let call: Call;
    if (kind === "decrypt" || kind === "datakey") {
      call = {
        source: "kms.amazonaws.com",
        name: kind === "decrypt" ? "Decrypt" : "GenerateDataKey",
        readOnly: true,
        params:
          kind === "decrypt"
            ? { encryptionAlgorithm: "SYMMETRIC_DEFAULT", encryptionContext: { service: app.role } }
            : { keyId: keyArn, keySpec: "AES_256", encryptionContext: { service: app.role } },
        resources: [{ accountId: account, type: "AWS::KMS::Key", ARN: keyArn }],
      };
    } else if (kind === "secret") {
      call = { source: "secretsmanager.amazonaws.com", name: "GetSecretValue", readOnly: true, params: { secretId: app.secret } };
    } else {
      call = { source: "ssm.amazonaws.com", name: "GetParameter", readOnly: true, params: { name: app.param, withDecryption: true } };
    }
    emit(c, account, region, actor, call, 0, 4);
  }
}

/** Services assuming roles on a workload's behalf (Lambda, ECS tasks, EC2 instance profiles). */
function serviceAssumeRole(c: Ctx): void {
  const { g } = c;
  const app = g.pick(APP_ROLES);
  const service = app.kind === "lambda" ? "lambda.amazonaws.com" : app.kind === "ecs" ? "ecs-tasks.amazonaws.com" : "ec2.amazonaws.com";
  const region = workloadRegion(g, app.account);
  const role = roleArn(app.account, app.role, "/app/");
  emit(c, app.account, region, serviceActor(service), {
    source: "sts.amazonaws.com",
    name: "AssumeRole",
    readOnly: true,
    params: { roleArn: role, roleSessionName: app.session, durationSeconds: app.kind === "ec2" ? 21600 : 3600 },
    response: {
      credentials: { accessKeyId: stableId("ASIA", `${role}/${c.t}`, 20, UPPER_ALNUM), sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE", expiration: awsDate(c.t + HOUR) },
      assumedRoleUser: { assumedRoleId: `${stableId("AROA", role, 21)}:${app.session}`, arn: `arn:aws:sts::${app.account}:assumed-role/${app.role}/${app.session}` },
    },
    resources: [{ accountId: app.account, type: "AWS::IAM::Role", ARN: role }],
  });
}

/** The trusted observability vendor: cross-account AssumeRole with an external id, then metrics. */
function vendorPoll(c: Ctx): void {
  const { g } = c;
  const account = pickAccount(g, WORKLOAD_ACCOUNTS);
  const region = g.pick(["eu-west-1", "us-east-1"]);
  const ip = `192.0.2.${g.range(200, 220)}`;
  const role = roleArn(account, VENDOR_ROLE.name, VENDOR_ROLE.path);
  const session = `obs-${g.hex(12)}`;
  const caller = externalAccountActor(VENDOR_ACCOUNT, `${stableId("AROA", `vendor/${VENDOR_ACCOUNT}`, 21)}:poller`, ip, USER_AGENTS.goSdkVendor);
  emit(c, account, region, caller, {
    source: "sts.amazonaws.com",
    name: "AssumeRole",
    readOnly: true,
    params: { roleArn: role, roleSessionName: session, externalId: VENDOR_EXTERNAL_ID, durationSeconds: 3600 },
    response: {
      credentials: { accessKeyId: stableId("ASIA", `${role}/${session}`, 20, UPPER_ALNUM), sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE", expiration: awsDate(c.t + HOUR) },
      assumedRoleUser: { assumedRoleId: `${stableId("AROA", role, 21)}:${session}`, arn: `arn:aws:sts::${account}:assumed-role/${VENDOR_ROLE.name}/${session}` },
    },
    resources: [{ accountId: account, type: "AWS::IAM::Role", ARN: role }],
    sharedEventID: g.uuid(),
  }, 0, 2);
  const actor = roleActor({ account, roleName: VENDOR_ROLE.name, path: VENDOR_ROLE.path, session, ip, userAgent: USER_AGENTS.goSdkVendor });
  const n = g.range(3, 10);
  for (let i = 0; i < n; i++) {
    const call = g.weighted<ReadCall>([
      [simple("monitoring.amazonaws.com", "GetMetricData"), 6],
      [simple("monitoring.amazonaws.com", "ListMetrics", (gg) => ({ namespace: gg.pick(["AWS/Lambda", "AWS/ECS", "AWS/RDS", "AWS/SQS"]) })), 2],
      [simple("tagging.amazonaws.com", "GetResources", () => ({ resourceTypeFilters: ["ec2:instance", "lambda:function", "rds:db"] })), 1],
      [EC2_READS[0]!, 1],
    ])(g, account, region);
    emit(c, account, region, actor, call, 0, 2);
  }
}

/** GitHub Actions: OIDC web identity into the CI role, then image push and a rolling deploy. */
function ciDeploy(c: Ctx): void {
  const { g } = c;
  const account = pickAccount(g, [["prod", 2], ["staging", 5]]);
  const region = "eu-west-1";
  const run = runId(g);
  const repo = g.pick(["example-payments/payments-api", "example-payments/ledger", "example-payments/webhooks"]);
  const role = roleArn(account, CI_ROLE.name, CI_ROLE.path);
  const provider = `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;
  const subject = `repo:${repo}:ref:refs/heads/main`;
  const ip = `192.0.2.${g.range(10, 250)}`;
  const web: Actor = {
    ip,
    userAgent: USER_AGENTS.cliLinux,
    identity: () => ({ type: "WebIdentityUser", principalId: `${provider}:sts.amazonaws.com:${subject}`, userName: subject, identityProvider: provider }),
  };
  emit(c, account, region, web, {
    source: "sts.amazonaws.com",
    name: "AssumeRoleWithWebIdentity",
    readOnly: true,
    params: { roleArn: role, roleSessionName: `gha-${run}`, durationSeconds: 3600 },
    response: {
      subjectFromWebIdentityToken: subject,
      assumedRoleUser: { assumedRoleId: `${stableId("AROA", role, 21)}:gha-${run}`, arn: `arn:aws:sts::${account}:assumed-role/${CI_ROLE.name}/gha-${run}` },
      provider,
      audience: "sts.amazonaws.com",
      credentials: { accessKeyId: stableId("ASIA", `${role}/${run}`, 20, UPPER_ALNUM), sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE", expiration: awsDate(c.t + HOUR) },
    },
    resources: [{ accountId: account, type: "AWS::IAM::Role", ARN: role }],
    additional: { identityProviderConnectionVerificationMethod: "IAMTrustStore" },
  });
  const actor = ciActor(g, account, run);
  const repoName = repo.split("/")[1]!;
  const steps: Call[] = [
    { source: "ecr.amazonaws.com", name: "GetAuthorizationToken", readOnly: true, params: {} },
    { source: "ecr.amazonaws.com", name: "BatchCheckLayerAvailability", readOnly: true, params: { repositoryName: repoName, layerDigests: [`sha256:${g.hex(64)}`] } },
    { source: "ecr.amazonaws.com", name: "InitiateLayerUpload", readOnly: false, params: { repositoryName: repoName } },
    { source: "ecr.amazonaws.com", name: "CompleteLayerUpload", readOnly: false, params: { repositoryName: repoName, uploadId: g.uuid(), layerDigests: [`sha256:${g.hex(64)}`] } },
    { source: "ecr.amazonaws.com", name: "PutImage", readOnly: false, params: { repositoryName: repoName, imageTag: g.hex(7), imageManifestMediaType: "application/vnd.docker.distribution.manifest.v2+json" } },
  ];
  for (const step of steps) emit(c, account, region, actor, step, 1, 12);
  if (repoName === "payments-api") {
    emit(c, account, region, actor, { source: "ecs.amazonaws.com", name: "RegisterTaskDefinition", readOnly: false, params: { family: "payments-api", networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"] }, response: { taskDefinition: { family: "payments-api", revision: g.range(300, 400) } } });
    emit(c, account, region, actor, { source: "ecs.amazonaws.com", name: "UpdateService", readOnly: false, params: { cluster: "payments", service: "payments-api", forceNewDeployment: false } });
    for (let i = 0; i < g.range(2, 5); i++) emit(c, account, region, actor, simple("ecs.amazonaws.com", "DescribeServices", () => ({ cluster: "payments", services: ["payments-api"] }))(g, account, region), 10, 30);
  } else {
    const fn = repoName === "ledger" ? "ledger-writer" : "webhook-dispatcher";
    emit(c, account, region, actor, {
      source: "lambda.amazonaws.com",
      name: "UpdateFunctionCode20150331v2",
      readOnly: false,
      params: { functionName: fn, imageUri: `${account}.dkr.ecr.${region}.amazonaws.com/${repoName}:${g.hex(7)}`, publish: true },
      response: { functionName: fn, functionArn: `arn:aws:lambda:${region}:${account}:function:${fn}`, packageType: "Image", state: "Active", lastUpdateStatus: "InProgress" },
    });
  }
}

interface IacContext {
  c: Ctx;
  account: string;
  actor: Actor;
}

/** `terraform plan`: the CI role assumes terraform-apply, which reads the state of everything it manages. */
function terraformPlan(c: Ctx, account: string, maxReads = 28): IacContext {
  const { g } = c;
  const run = runId(g);
  const region = homeRegion(account);
  const ci = ciActor(g, account, run);
  const role = roleArn(account, IAC_ROLE.name, IAC_ROLE.path);
  const session = `gha-payments-infra-${run}`;
  emit(c, account, region, ci, {
    source: "sts.amazonaws.com",
    name: "AssumeRole",
    readOnly: true,
    params: { roleArn: role, roleSessionName: session, sourceIdentity: "github-actions", durationSeconds: 3600 },
    response: {
      credentials: { accessKeyId: stableId("ASIA", `${role}/${session}`, 20, UPPER_ALNUM), sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE", expiration: awsDate(c.t + HOUR) },
      assumedRoleUser: { assumedRoleId: `${stableId("AROA", role, 21)}:${session}`, arn: `arn:aws:sts::${account}:assumed-role/${IAC_ROLE.name}/${session}` },
      sourceIdentity: "github-actions",
    },
    resources: [{ accountId: account, type: "AWS::IAM::Role", ARN: role }],
  }, 1, 3);
  const actor = terraformActor(g, account, run);
  const reads: readonly ReadCall[] =
    account === ACCOUNTS.management.id
      ? [
          simple("organizations.amazonaws.com", "DescribeOrganization"),
          simple("organizations.amazonaws.com", "ListPolicies", () => ({ filter: "SERVICE_CONTROL_POLICY" })),
          simple("organizations.amazonaws.com", "DescribePolicy", (gg) => ({ policyId: gg.pick(Object.values(SCPS)) })),
          simple("organizations.amazonaws.com", "ListTargetsForPolicy", (gg) => ({ policyId: gg.pick(Object.values(SCPS)) })),
          simple("organizations.amazonaws.com", "ListAccounts"),
          simple("organizations.amazonaws.com", "ListOrganizationalUnitsForParent", () => ({ parentId: ROOT_ID })),
          TRAIL_READS,
          S3_READS,
        ]
      : [...IAM_READS, ...IAM_READS, S3_READS, S3_READS, S3_READS, TRAIL_READS, ...EC2_READS, ...CONFIG_READS.slice(-6)];
  const n = g.range(Math.min(8, maxReads), maxReads);
  for (let i = 0; i < n; i++) emit(c, account, region, actor, g.pick(reads)(g, account, region), 0, 1);
  return { c, account, actor };
}

/** The changes IaC makes, each the sanctioned twin of something a detector watches. */
const IAC_CHANGES: readonly (readonly [(x: IacContext) => void, number])[] = [
  [iacRole, 6],
  [iacServiceUser, 2],
  [iacBucketPolicy, 4],
  [iacPublicAccessBlock, 3],
  [iacBucketAcl, 1],
  [iacEventSelectors, 1],
  [iacStartLogging, 1],
  [iacSecurityGroup, 4],
  [iacLogGroup, 3],
];

function terraformApply(c: Ctx): void {
  const { g } = c;
  const account = pickAccount(g, [["prod", 4], ["staging", 4], ["security", 2], ["management", 1]]);
  const x = terraformPlan(c, account);
  if (account === ACCOUNTS.management.id) {
    iacScp(x);
    return;
  }
  const n = g.range(1, 3);
  for (let i = 0; i < n; i++) g.weighted(IAC_CHANGES)(x);
}

function terraformPlanOnly(c: Ctx): void {
  terraformPlan(c, pickAccount(c.g, [["prod", 4], ["staging", 4], ["security", 2], ["management", 1]]));
}

const ASSUME_LAMBDA = policyJson([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]);

function iacRole({ c, account, actor }: IacContext): void {
  const { g } = c;
  const name = `${g.pick(["fx-rates-sync", "webhook-dispatcher", "chargeback-intake", "payout-scheduler", "kyc-callback"])}-${g.hex(4)}`;
  emit(c, account, "us-east-1", actor, {
    source: "iam.amazonaws.com",
    name: "CreateRole",
    readOnly: false,
    params: { roleName: name, path: "/app/", assumeRolePolicyDocument: ASSUME_LAMBDA, maxSessionDuration: 3600, tags: [{ key: "managed-by", value: "terraform" }] },
    response: { role: { path: "/app/", roleName: name, roleId: stableId("AROA", `${account}/${name}`, 21), arn: roleArn(account, name, "/app/"), createDate: awsDate(c.t), assumeRolePolicyDocument: encodeURIComponent(ASSUME_LAMBDA) } },
    resources: [iamResource(account, "role", name, "/app/")],
  }, 0, 1);
  emit(c, account, "us-east-1", actor, {
    source: "iam.amazonaws.com",
    name: "AttachRolePolicy",
    readOnly: false,
    params: { roleName: name, policyArn: g.pick(["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"]) },
  }, 0, 1);
  emit(c, account, "us-east-1", actor, {
    source: "iam.amazonaws.com",
    name: "PutRolePolicy",
    readOnly: false,
    params: {
      roleName: name,
      policyName: "app-access",
      policyDocument: policyJson([
        { Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"], Resource: `arn:aws:dynamodb:eu-west-1:${account}:table/${g.pick(TABLES)}` },
        { Effect: "Allow", Action: "kms:Decrypt", Resource: kmsKeyArn(account, "eu-west-1", keyIdFor(account, "eu-west-1", "payments")) },
      ]),
    },
  }, 0, 1);
}

/** A service user created by IaC, with a scoped managed policy and a scoped inline policy (no admin). */
function iacServiceUser({ c, account, actor }: IacContext): void {
  const { g } = c;
  const name = `svc-${g.pick(["ledger-export", "sftp-bridge", "bank-feed", "pci-scanner"])}-${g.hex(3)}`;
  emit(c, account, "us-east-1", actor, {
    source: "iam.amazonaws.com",
    name: "CreateUser",
    readOnly: false,
    params: { userName: name, path: "/service/", tags: [{ key: "managed-by", value: "terraform" }] },
    response: { user: { path: "/service/", userName: name, userId: userId(account, name), arn: userArn(account, name, "/service/"), createDate: awsDate(c.t) } },
    resources: [iamResource(account, "user", name, "/service/")],
  }, 0, 1);
  emit(c, account, "us-east-1", actor, {
    source: "iam.amazonaws.com",
    name: "AttachUserPolicy",
    readOnly: false,
    params: { userName: name, policyArn: `arn:aws:iam::${account}:policy/app/reporting-s3-read` },
  }, 0, 1);
  emit(c, account, "us-east-1", actor, {
    source: "iam.amazonaws.com",
    name: "PutUserPolicy",
    readOnly: false,
    params: {
      userName: name,
      policyName: "deny-outside-vpc",
      policyDocument: policyJson([
        { Effect: "Deny", Action: "*", Resource: "*", Condition: { StringNotEquals: { "aws:SourceVpce": PROD_VPCE } } },
        { Effect: "Allow", Action: ["s3:GetObject"], Resource: `arn:aws:s3:::${BUCKETS[account]?.[0] ?? "unknown"}/exports/*` },
      ]),
    },
  }, 0, 1);
}

function bucketArns(bucket: string): [string, string] {
  return [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`];
}

/** Bucket policies IaC writes: TLS-only plus a named role, a VPC endpoint, CloudFront or log delivery. Never public. */
function iacBucketPolicy({ c, account, actor }: IacContext, chosen?: string): void {
  const { g } = c;
  const bucket = chosen ?? g.pick(BUCKETS[account]!);
  const [arn, objects] = bucketArns(bucket);
  const tlsOnly = { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, objects], Condition: { Bool: { "aws:SecureTransport": "false" } } };
  const kind = bucket.endsWith("alb-logs") ? "logs" : bucket.endsWith("static-assets") ? "cloudfront" : g.pick(["role", "vpce"]);
  const grant =
    kind === "logs"
      ? { Sid: "AllowAlbLogDelivery", Effect: "Allow", Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" }, Action: "s3:PutObject", Resource: `${arn}/AWSLogs/${account}/*` }
      : kind === "cloudfront"
        ? {
            Sid: "AllowCloudFrontOAC",
            Effect: "Allow",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:GetObject",
            Resource: objects,
            Condition: { StringEquals: { "AWS:SourceArn": `arn:aws:cloudfront::${account}:distribution/E2QWRUHAPOMQZL` } },
          }
        : kind === "vpce"
          ? // Principal "*" restricted to the VPC endpoint: reachable only from inside the VPC.
            { Sid: "AllowReadFromPaymentsVpce", Effect: "Allow", Principal: "*", Action: ["s3:GetObject", "s3:ListBucket"], Resource: [arn, objects], Condition: { StringEquals: { "aws:SourceVpce": account === ACCOUNTS.staging.id ? STAGING_VPCE : PROD_VPCE } } }
          : { Sid: "AllowReportingRole", Effect: "Allow", Principal: { AWS: roleArn(account, "reporting-export", "/app/") }, Action: ["s3:GetObject", "s3:PutObject"], Resource: objects };
  emit(c, account, homeRegion(account), actor, s3Call(g, account, homeRegion(account), bucket, "PutBucketPolicy", false, {
    bucketPolicy: { Version: "2012-10-17", Statement: [tlsOnly, grant] },
    policy: "",
  }, { bytesIn: g.range(400, 900) }), 0, 1);
}

function iacPublicAccessBlock({ c, account, actor }: IacContext): void {
  const { g } = c;
  const bucket = g.pick(BUCKETS[account]!);
  emit(c, account, homeRegion(account), actor, s3Call(g, account, homeRegion(account), bucket, "PutBucketPublicAccessBlock", false, publicAccessBlockParams(true), { bytesIn: 305 }), 0, 1);
}

/** Owner-only ACLs, or the S3 log-delivery group on a log bucket: neither is public. */
function iacBucketAcl({ c, account, actor }: IacContext): void {
  const { g } = c;
  const buckets = BUCKETS[account]!;
  const bucket = buckets.find((b) => b.endsWith("alb-logs")) ?? g.pick(buckets);
  const grants = bucket.endsWith("alb-logs") ? [groupGrant(LOG_DELIVERY, "WRITE"), groupGrant(LOG_DELIVERY, "READ_ACP")] : [];
  emit(c, account, homeRegion(account), actor, s3Call(g, account, homeRegion(account), bucket, "PutBucketAcl", false, aclParams(account, grants), { bytesIn: 620 }), 0, 1);
}

/** Full management events plus S3 data events: more logging, not less. */
function iacEventSelectors({ c, account, actor }: IacContext): void {
  const { g } = c;
  const trail = trailArn(account, g.pick(TRAILS[account]!));
  const bucket = BUCKETS[account]![0]!;
  const advanced = account === ACCOUNTS.security.id;
  const params: Json = advanced
    ? {
        trailName: trail,
        advancedEventSelectors: [
          { name: "Management events", fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
          {
            name: `S3 data events for ${bucket}`,
            fieldSelectors: [
              { field: "eventCategory", equals: ["Data"] },
              { field: "resources.type", equals: ["AWS::S3::Object"] },
              { field: "resources.ARN", startsWith: [`arn:aws:s3:::${bucket}/`] },
            ],
          },
        ],
      }
    : {
        trailName: trail,
        eventSelectors: [
          { readWriteType: "All", includeManagementEvents: true, dataResources: [{ type: "AWS::S3::Object", values: [`arn:aws:s3:::${bucket}/`] }], excludeManagementEventSources: [] },
        ],
      };
  const { trailName, ...selectors } = params;
  emit(c, account, "us-east-1", actor, { source: "cloudtrail.amazonaws.com", name: "PutEventSelectors", readOnly: false, region: "us-east-1", params, response: { trailARN: trailName, ...selectors } }, 0, 1);
}

function iacStartLogging({ c, account, actor }: IacContext): void {
  const trail = trailArn(account, c.g.pick(TRAILS[account]!));
  emit(c, account, "us-east-1", actor, { source: "cloudtrail.amazonaws.com", name: "UpdateTrail", readOnly: false, region: "us-east-1", params: { name: trail, isMultiRegionTrail: true, enableLogFileValidation: true, includeGlobalServiceEvents: true }, response: { name: trail.split("/")[1], trailARN: trail, isMultiRegionTrail: true, logFileValidationEnabled: true, includeGlobalServiceEvents: true, isOrganizationTrail: false } }, 0, 1);
  emit(c, account, "us-east-1", actor, { source: "cloudtrail.amazonaws.com", name: "StartLogging", readOnly: false, region: "us-east-1", params: { name: trail } }, 0, 1);
}

function iacSecurityGroup({ c, account, actor }: IacContext): void {
  const { g } = c;
  const sg = `sg-0${g.hex(16)}`;
  emit(c, account, homeRegion(account), actor, {
    source: "ec2.amazonaws.com",
    name: "AuthorizeSecurityGroupIngress",
    readOnly: false,
    params: { groupId: sg, ipPermissions: { items: [{ ipProtocol: "tcp", fromPort: 443, toPort: 443, groups: {}, ipRanges: { items: [{ cidrIp: "10.20.0.0/16", description: "payments VPC" }] }, ipv6Ranges: {}, prefixListIds: {} }] } },
    response: { requestId: g.uuid(), _return: true, securityGroupRuleSet: { items: [{ groupId: sg, securityGroupRuleId: `sgr-0${g.hex(16)}`, isEgress: false, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "10.20.0.0/16" }] } },
  }, 0, 1);
}

function iacLogGroup({ c, account, actor }: IacContext): void {
  const { g } = c;
  const group = `/aws/lambda/${g.pick(FUNCTIONS)}`;
  emit(c, account, homeRegion(account), actor, { source: "logs.amazonaws.com", name: "PutRetentionPolicy", readOnly: false, params: { logGroupName: group, retentionInDays: g.pick([30, 90, 365]) } }, 0, 1);
  emit(c, account, homeRegion(account), actor, { source: "logs.amazonaws.com", name: "TagResource", readOnly: false, params: { resourceArn: `arn:aws:logs:eu-west-1:${account}:log-group:${group}`, tags: { "managed-by": "terraform" } } }, 0, 1);
}

/** SCP maintenance in the management account: updates and attachments, never a detach. */
function iacScp({ c, account, actor }: IacContext, forced?: "update" | "attach"): void {
  const { g } = c;
  const policyId = g.pick(Object.values(SCPS));
  if (forced ? forced === "update" : g.chance(0.6)) {
    emit(c, account, "us-east-1", actor, {
      source: "organizations.amazonaws.com",
      name: "UpdatePolicy",
      readOnly: false,
      params: {
        policyId,
        content: policyJson([
          {
            Sid: "DenyOutsideAllowedRegions",
            Effect: "Deny",
            NotAction: ["iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*", "route53:*"],
            Resource: "*",
            Condition: { StringNotEquals: { "aws:RequestedRegion": [...ALLOWED_REGIONS] } },
          },
        ]),
      },
      response: { policy: { policySummary: { id: policyId, arn: `arn:aws:organizations::${account}:policy/${ORG_ID}/service_control_policy/${policyId}`, type: "SERVICE_CONTROL_POLICY", awsManaged: false } } },
    }, 0, 1);
  } else {
    emit(c, account, "us-east-1", actor, {
      source: "organizations.amazonaws.com",
      name: "AttachPolicy",
      readOnly: false,
      params: { policyId, targetId: g.pick(Object.values(OUS)) },
      // Terraform re-applying an attachment that exists is refused, harmlessly.
      error: !forced && g.chance(0.5) ? { code: "DuplicatePolicyAttachmentException", message: "The selected policy is already attached to the specified target." } : undefined,
    }, 0, 1);
  }
}

/** A CloudFormation stack update by CI, carried out by the CloudFormation service role. */
function cfnDeploy(c: Ctx, forceAll = false): void {
  const { g } = c;
  const account = pickAccount(g, [["prod", 1], ["staging", 2], ["security", 1]]);
  const region = "eu-west-1";
  const run = runId(g);
  const ci = ciActor(g, account, run);
  const stack = g.pick(["payments-webhooks", "fx-rates", "trailwarden-member", "chargebacks"]);
  const stackId = `arn:aws:cloudformation:${region}:${account}:stack/${stack}/${g.uuid()}`;
  const changeSet = `deploy-${run}`;
  emit(c, account, region, ci, { source: "cloudformation.amazonaws.com", name: "CreateChangeSet", readOnly: false, params: { stackName: stack, changeSetName: changeSet, changeSetType: "UPDATE", capabilities: ["CAPABILITY_NAMED_IAM"], roleARN: roleArn(account, CFN_ROLE.name, CFN_ROLE.path) }, response: { id: `arn:aws:cloudformation:${region}:${account}:changeSet/${changeSet}/${g.uuid()}`, stackId } });
  emit(c, account, region, ci, { source: "cloudformation.amazonaws.com", name: "DescribeChangeSet", readOnly: true, params: { changeSetName: changeSet, stackName: stack } }, 3, 10);
  emit(c, account, region, ci, { source: "cloudformation.amazonaws.com", name: "ExecuteChangeSet", readOnly: false, params: { changeSetName: changeSet, stackName: stack } });
  const cfn = cfnActor(account);
  const fn = `${stack}-handler`;
  const roleName = `${stack}-HandlerRole-${g.chars(UPPER_ALNUM, 12)}`;
  emit(c, account, "us-east-1", cfn, {
    source: "iam.amazonaws.com",
    name: "CreateRole",
    readOnly: false,
    params: { roleName, path: "/", assumeRolePolicyDocument: ASSUME_LAMBDA, tags: [{ key: "aws:cloudformation:stack-name", value: stack }] },
    response: { role: { path: "/", roleName, roleId: stableId("AROA", `${account}/${roleName}`, 21), arn: roleArn(account, roleName), createDate: awsDate(c.t) } },
  }, 1, 4);
  emit(c, account, "us-east-1", cfn, { source: "iam.amazonaws.com", name: "AttachRolePolicy", readOnly: false, params: { roleName, policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" } }, 1, 4);
  emit(c, account, region, cfn, { source: "logs.amazonaws.com", name: "CreateLogGroup", readOnly: false, params: { logGroupName: `/aws/lambda/${fn}` } }, 1, 4);
  emit(c, account, region, cfn, {
    source: "lambda.amazonaws.com",
    name: g.chance(0.5) ? "CreateFunction20150331" : "UpdateFunctionConfiguration20150331v2",
    readOnly: false,
    params: { functionName: fn, runtime: "nodejs20.x", handler: "index.handler", role: roleArn(account, roleName), timeout: 30, memorySize: 512 },
    response: { functionName: fn, functionArn: `arn:aws:lambda:${region}:${account}:function:${fn}`, runtime: "nodejs20.x", state: "Pending" },
  }, 1, 4);
  if (forceAll || g.chance(0.35)) {
    // A CloudFormation-managed IAM user for a partner SFTP integration: created by IaC.
    const userName = `${stack}-partner-${g.hex(4)}`;
    emit(c, account, "us-east-1", cfn, {
      source: "iam.amazonaws.com",
      name: "CreateUser",
      readOnly: false,
      params: { userName, path: "/service/", tags: [{ key: "aws:cloudformation:stack-name", value: stack }] },
      response: { user: { path: "/service/", userName, userId: userId(account, userName), arn: userArn(account, userName, "/service/"), createDate: awsDate(c.t) } },
    }, 1, 4);
  }
  if (forceAll || g.chance(0.35)) {
    const bucket = g.pick(BUCKETS[account]!);
    const [arn, objects] = bucketArns(bucket);
    emit(c, account, region, cfn, s3Call(g, account, region, bucket, "PutBucketPolicy", false, {
      bucketPolicy: {
        Version: "2012-10-17",
        Statement: [
          { Sid: "AllowVpceOnly", Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: objects, Condition: { StringEquals: { "aws:SourceVpce": account === ACCOUNTS.staging.id ? STAGING_VPCE : PROD_VPCE } } },
          { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, objects], Condition: { Bool: { "aws:SecureTransport": "false" } } },
        ],
      },
      policy: "",
    }, { bytesIn: 512 }), 1, 4);
    emit(c, account, region, cfn, s3Call(g, account, region, bucket, "PutBucketPublicAccessBlock", false, publicAccessBlockParams(true), { bytesIn: 305 }), 1, 4);
  }
  emit(c, account, region, ci, { source: "cloudformation.amazonaws.com", name: "DescribeStacks", readOnly: true, params: { stackName: stack } }, 5, 20);
}

/** KMS rotating a key on schedule: a service event, whose identity has no `type` (as in real logs). */
function kmsRotation(c: Ctx): void {
  const { g } = c;
  const account = pickAccount(g, [["prod", 3], ["staging", 2], ["security", 1]]);
  const region = regionOf(g, account);
  const keyId = keyIdFor(account, region, g.pick(["payments", "ledger", "logs"]));
  const actor: Actor = { ip: "AWS Internal", userAgent: "AWS Internal", invokedBy: "AWS Internal", identity: () => ({ accountId: account, invokedBy: "AWS Internal" }) };
  emit(c, account, region, actor, {
    source: "kms.amazonaws.com",
    name: "RotateKey",
    readOnly: false,
    eventType: "AwsServiceEvent",
    requestID: null,
    resources: [{ ARN: kmsKeyArn(account, region, keyId), accountId: account, type: "AWS::KMS::Key" }],
    serviceEventDetails: { keyId },
  });
}

/** The trailwarden pipeline itself, from the security account: reads findings context, reads buckets. */
function securityAccountOps(c: Ctx): void {
  const { g } = c;
  const account = ACCOUNTS.security.id;
  const region = regionOf(g, account);
  const person = g.pick(PLATFORM_ENGINEERS);
  const actor = ssoActor(g, account, "PlatformAdmin", person, g.chance(0.5));
  const n = g.range(2, 6);
  for (let i = 0; i < n; i++) {
    const call = g.weighted<ReadCall>([
      [simple("securityhub.amazonaws.com", "GetFindings", () => ({ maxResults: 100 })), 3],
      [simple("guardduty.amazonaws.com", "ListFindings", () => ({ detectorId: "a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1", maxResults: 50 })), 2],
      [simple("athena.amazonaws.com", "StartQueryExecution", () => ({ queryString: "SELECT eventname, count(*) FROM cloudtrail_logs WHERE ... GROUP BY 1", workGroup: "security" })), 1],
      [(gg, a, r) => gg.pick(OBSERVE_READS)(gg, a, r), 3],
      [S3_READS, 2],
    ])(g, account, region);
    emit(c, account, region, actor, call, 2, 30);
  }
}

export type Scenario = (c: Ctx) => void;

/** Routine activity: what a normal working day of this organisation looks like in CloudTrail. */
export const ROUTINE_SCENARIOS: readonly (readonly [Scenario, number])[] = [
  [appRuntime, 34],
  [serviceAssumeRole, 10],
  [configRecorder, 9],
  [developerSession, 12],
  [postureScan, 2],
  [vendorPoll, 4],
  [ciDeploy, 2],
  [terraformPlanOnly, 1.2],
  [terraformApply, 1],
  [cfnDeploy, 0.8],
  [onCall, 1.5],
  [securityAccountOps, 2],
  [kmsRotation, 0.15],
];

/**
 * Every sanctioned twin of a detector's event, once at least, at random
 * times between `start` and `end`: IaC applying each kind of change in turn
 * (with short plans), SCP maintenance, a CloudFormation stack that creates a
 * user and a VPC-endpoint bucket policy, the on-call user's key rotation and
 * MFA sign-in, and an Identity Center console sign-in. Random routine
 * activity has them too, but too rarely to rely on in a small sample.
 */
export function generateSanctionedChanges(g: Gen, start: number, end: number): Json[] {
  const out: Json[] = [];
  const times: number[] = [];
  const at = (): Ctx => ({ g, t: start + Math.floor((g.next() * (end - start)) / 1000) * 1000, out, times });
  const workloads = [ACCOUNTS.prod.id, ACCOUNTS.staging.id, ACCOUNTS.security.id];
  IAC_CHANGES.forEach(([change], i) => change(terraformPlan(at(), workloads[i % workloads.length]!, 10)));
  // Basic event selectors in production (the loop above wrote advanced ones in the security account).
  iacEventSelectors(terraformPlan(at(), ACCOUNTS.prod.id, 10));
  // The CloudFront and log-delivery bucket policies live on particular buckets: write those too.
  for (const bucket of ["payments-prod-static-assets", "payments-prod-alb-logs"]) {
    iacBucketPolicy(terraformPlan(at(), ACCOUNTS.prod.id, 10), bucket);
  }
  iacScp(terraformPlan(at(), ACCOUNTS.management.id, 10), "update");
  iacScp(terraformPlan(at(), ACCOUNTS.management.id, 10), "attach");
  cfnDeploy(at(), true);
  onCall(at(), "rotate");
  onCall(at(), "console");
  const c = at();
  ssoConsoleLogin(c, ACCOUNTS.staging.id, "Developer", c.g.pick(DEVELOPERS), c.g.pick(OFFICE_IPS));
  return sortByTimes(out, times);
}

export interface RoutineOptions {
  /** Inclusive start and exclusive end of the period, in epoch ms; scenarios start inside it. */
  start: number;
  end: number;
}

/**
 * `count` records of routine activity between `start` and `end`, sorted by
 * eventTime. Scenarios that start near `end` may run a few minutes past it.
 */
export function generateRoutineRecords(g: Gen, count: number, options: RoutineOptions): Json[] {
  const out: Json[] = [];
  const times: number[] = [];
  const span = options.end - options.start;
  while (out.length < count) {
    const scenario = g.weighted(ROUTINE_SCENARIOS);
    const t = options.start + Math.floor((g.next() * span) / 1000) * 1000;
    scenario({ g, t, out, times });
  }
  out.length = count;
  times.length = count;
  return sortByTimes(out, times);
}

/** Stable sort of records by their numeric times. */
function sortByTimes(records: Json[], times: number[]): Json[] {
  const order = Array.from(records.keys()).sort((a, b) => times[a]! - times[b]! || a - b);
  return order.map((i) => records[i]!);
}

export function sortByTime(records: Json[]): Json[] {
  return records.sort((a, b) => {
    const x = a.eventTime as string;
    const y = b.eventTime as string;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

// ------------------------------------------------------------------ the attack

export const ATTACK = {
  phishedUser: "l.moreau",
  otherUser: "svc-reporting",
  createdUser: "aws-support-sync",
  bucket: "payments-prod-settlement-reports",
  reducedTrail: "payments-prod-audit",
  deletedTrail: "payments-prod-eu-audit",
  secret: "ops/org-automation-credentials",
  managementUser: "org-automation",
  scp: SCPS.protectLogging,
  scpTarget: OUS.prod,
} as const;

/** What each step of the story is expected to trip, for the README and the checks. */
export interface AttackStep {
  offsetSeconds: number;
  record: Json;
}

/**
 * The attack story, about an hour long, starting at `start`:
 *
 * 1. A phished legacy IAM user (l.moreau, console password, no MFA device)
 *    signs in to payments-prod from a VPN exit: one failed attempt, then
 *    success without MFA.
 * 2. From the console it looks around, then creates an access key for the
 *    service user svc-reporting, whose legacy policy allows IAM writes.
 * 3. With that key (aws-cli, same VPN): creates user aws-support-sync,
 *    attaches AdministratorAccess to it, gives it a key and a console
 *    password, and adds an inline "*"/"*" policy to svc-reporting.
 * 4. As aws-support-sync (Boto3, a rented server): removes the bucket's
 *    Block Public Access, writes a public bucket policy and a public-read
 *    ACL on payments-prod-settlement-reports, and reads a secret holding an
 *    access key of the management account.
 * 5. Covers tracks: the account trail stops logging management events
 *    (event selectors), then stops logging, and the EU trail is deleted.
 *    The organisation trail, out of its reach, keeps recording.
 * 6. With the management account's org-automation key: detaches the SCP that
 *    protects logging from the production OU, then deletes it.
 * 7. Through the phished mailbox, resets the production root password and
 *    signs in as root, changing the account's security contact.
 */
export function generateAttackRecords(g: Gen, start: number): Json[] {
  const out: Json[] = [];
  const prod = ACCOUNTS.prod.id;
  const mgmt = ACCOUNTS.management.id;
  const at = (offsetSeconds: number, account: string, region: string, actor: Actor, call: Call) => {
    out.push(buildRecord(g, start + offsetSeconds * 1000, account, region, actor, call));
  };
  const A = ATTACK;
  const loginExtra = (mfa: "No") => ({
    LoginTo: "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_a81f0c3e6d2b9475",
    MobileVersion: "No",
    MFAUsed: mfa,
  });
  const vpn = ATTACKER_IPS.vpn;

  // 1. Initial access.
  const login = userActor({ account: prod, userName: A.phishedUser, ip: vpn, userAgent: USER_AGENTS.chromeAttacker });
  at(0, prod, "us-east-1", login, {
    source: "signin.amazonaws.com", name: "ConsoleLogin", readOnly: false, eventType: "AwsConsoleSignIn", region: "us-east-1",
    error: { code: "", message: "Failed authentication" }, additional: loginExtra("No"),
  });
  // A failed console login has errorMessage but no errorCode, and still a ConsoleLogin response.
  const failed = out[out.length - 1]!;
  delete failed.errorCode;
  failed.responseElements = { ConsoleLogin: "Failure" };
  at(31, prod, "us-east-1", login, {
    source: "signin.amazonaws.com", name: "ConsoleLogin", readOnly: false, eventType: "AwsConsoleSignIn", region: "us-east-1",
    response: { ConsoleLogin: "Success" }, additional: loginExtra("No"),
  });

  // 2. Console reconnaissance and a key for another user.
  const web = userActor({ account: prod, userName: A.phishedUser, ip: vpn, userAgent: USER_AGENTS.console, console: true });
  const recon: [number, Call][] = [
    [74, { source: "iam.amazonaws.com", name: "GetAccountSummary", readOnly: true }],
    [88, { source: "iam.amazonaws.com", name: "ListUsers", readOnly: true, params: { maxItems: 100 } }],
    [95, { source: "iam.amazonaws.com", name: "ListRoles", readOnly: true, params: { maxItems: 100 } }],
    [131, { source: "iam.amazonaws.com", name: "ListAttachedUserPolicies", readOnly: true, params: { userName: A.phishedUser } }],
    [140, { source: "iam.amazonaws.com", name: "ListGroupsForUser", readOnly: true, params: { userName: A.phishedUser } }],
    [188, LIST_BUCKETS(g, prod, "eu-west-1")],
    [236, { source: "cloudtrail.amazonaws.com", name: "DescribeTrails", readOnly: true, params: { includeShadowTrails: true }, region: "eu-west-1" }],
    [251, { source: "organizations.amazonaws.com", name: "ListAccounts", readOnly: true, error: { code: "AccessDeniedException", message: "You don't have permissions to access this resource." } }],
    [302, { source: "iam.amazonaws.com", name: "ListAttachedUserPolicies", readOnly: true, params: { userName: A.otherUser } }],
    [318, { source: "iam.amazonaws.com", name: "GetPolicyVersion", readOnly: true, params: { policyArn: `arn:aws:iam::${prod}:policy/legacy/reporting-iam-sync`, versionId: "v3" } }],
    [420, { source: "iam.amazonaws.com", name: "ListAccessKeys", readOnly: true, params: { userName: A.otherUser } }],
  ];
  for (const [offset, call] of recon) at(offset, prod, "eu-west-1", web, call);
  const otherKey = stableId("AKIA", `attack/${A.otherUser}/${start}`, 20, UPPER_ALNUM);
  at(455, prod, "eu-west-1", web, {
    source: "iam.amazonaws.com", name: "CreateAccessKey", readOnly: false, params: { userName: A.otherUser },
    response: { accessKey: { userName: A.otherUser, accessKeyId: otherKey, status: "Active", createDate: awsDate(start + 455_000) } },
  });

  // 3. Persistence and privilege escalation with the other user's key.
  const svc = userActor({ account: prod, userName: A.otherUser, ip: vpn, userAgent: USER_AGENTS.cliAttacker, accessKeyId: otherKey });
  at(610, prod, "us-east-1", svc, { source: "sts.amazonaws.com", name: "GetCallerIdentity", readOnly: true, region: "us-east-1" });
  at(641, prod, "us-east-1", svc, { source: "iam.amazonaws.com", name: "ListAttachedUserPolicies", readOnly: true, params: { userName: A.otherUser } });
  at(700, prod, "us-east-1", svc, {
    source: "iam.amazonaws.com", name: "CreateUser", readOnly: false, params: { userName: A.createdUser },
    response: { user: { path: "/", userName: A.createdUser, userId: userId(prod, A.createdUser), arn: userArn(prod, A.createdUser), createDate: awsDate(start + 700_000) } },
    resources: [iamResource(prod, "user", A.createdUser)],
  });
  at(712, prod, "us-east-1", svc, {
    source: "iam.amazonaws.com", name: "AttachUserPolicy", readOnly: false,
    params: { userName: A.createdUser, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
  });
  const createdKey = stableId("AKIA", `attack/${A.createdUser}/${start}`, 20, UPPER_ALNUM);
  at(725, prod, "us-east-1", svc, {
    source: "iam.amazonaws.com", name: "CreateAccessKey", readOnly: false, params: { userName: A.createdUser },
    response: { accessKey: { userName: A.createdUser, accessKeyId: createdKey, status: "Active", createDate: awsDate(start + 725_000) } },
  });
  at(741, prod, "us-east-1", svc, {
    source: "iam.amazonaws.com", name: "PutUserPolicy", readOnly: false,
    params: { userName: A.otherUser, policyName: "ReportingBackfill", policyDocument: policyJson([{ Effect: "Allow", Action: "*", Resource: "*" }]) },
  });
  at(763, prod, "us-east-1", svc, {
    source: "iam.amazonaws.com", name: "CreateLoginProfile", readOnly: false, params: { userName: A.createdUser, passwordResetRequired: false },
    response: { loginProfile: { userName: A.createdUser, createDate: awsDate(start + 763_000), passwordResetRequired: false } },
  });

  // 4. Collection: the settlement reports bucket made public three ways, and a secret read.
  const admin = userActor({ account: prod, userName: A.createdUser, ip: ATTACKER_IPS.server, userAgent: USER_AGENTS.boto3Attacker, accessKeyId: createdKey });
  const euw1 = "eu-west-1";
  at(902, prod, euw1, admin, { source: "sts.amazonaws.com", name: "GetCallerIdentity", readOnly: true });
  at(915, prod, euw1, admin, LIST_BUCKETS(g, prod, euw1));
  at(931, prod, euw1, admin, s3Call(g, prod, euw1, A.bucket, "GetBucketPolicy", true, { policy: "" }, { error: { code: "NoSuchBucketPolicy", message: "The bucket policy does not exist" } }));
  at(937, prod, euw1, admin, s3Call(g, prod, euw1, A.bucket, "GetBucketAcl", true, { acl: "" }));
  at(944, prod, euw1, admin, s3Call(g, prod, euw1, A.bucket, "GetBucketPublicAccessBlock", true, { publicAccessBlock: "" }));
  at(1010, prod, euw1, admin, s3Call(g, prod, euw1, A.bucket, "DeleteBucketPublicAccessBlock", false, { publicAccessBlock: "" }));
  at(1025, prod, euw1, admin, s3Call(g, prod, euw1, A.bucket, "PutBucketPolicy", false, {
    bucketPolicy: { Version: "2012-10-17", Statement: [{ Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${A.bucket}/*` }] },
    policy: "",
  }, { bytesIn: 164 }));
  at(1040, prod, euw1, admin, s3Call(g, prod, euw1, A.bucket, "PutBucketAcl", false, aclParams(prod, [groupGrant(ALL_USERS, "READ")]), { bytesIn: 587 }));
  at(1102, prod, euw1, admin, s3Call(g, prod, euw1, A.bucket, "GetBucketPolicyStatus", true, { policyStatus: "" }));
  at(1300, prod, euw1, admin, { source: "secretsmanager.amazonaws.com", name: "ListSecrets", readOnly: true, params: { maxResults: 100 } });
  at(1331, prod, euw1, admin, { source: "secretsmanager.amazonaws.com", name: "GetSecretValue", readOnly: true, params: { secretId: A.secret } });

  // 5. Defence evasion on the account's own trails.
  const reduced = trailArn(prod, A.reducedTrail);
  at(1502, prod, "us-east-1", admin, { source: "cloudtrail.amazonaws.com", name: "DescribeTrails", readOnly: true, params: { includeShadowTrails: false }, region: "us-east-1" });
  at(1517, prod, "us-east-1", admin, { source: "cloudtrail.amazonaws.com", name: "GetEventSelectors", readOnly: true, params: { trailName: reduced }, region: "us-east-1" });
  at(1523, prod, "us-east-1", admin, { source: "cloudtrail.amazonaws.com", name: "GetTrailStatus", readOnly: true, params: { name: reduced }, region: "us-east-1" });
  const selectors = [{ readWriteType: "ReadOnly", includeManagementEvents: false, dataResources: [{ type: "AWS::S3::Object", values: [] }], excludeManagementEventSources: [] }];
  at(1561, prod, "us-east-1", admin, {
    source: "cloudtrail.amazonaws.com", name: "PutEventSelectors", readOnly: false, region: "us-east-1",
    params: { trailName: reduced, eventSelectors: selectors }, response: { trailARN: reduced, eventSelectors: selectors },
  });
  at(1600, prod, "us-east-1", admin, { source: "cloudtrail.amazonaws.com", name: "StopLogging", readOnly: false, region: "us-east-1", params: { name: reduced } });
  at(1652, prod, euw1, admin, { source: "cloudtrail.amazonaws.com", name: "DeleteTrail", readOnly: false, params: { name: trailArn(prod, A.deletedTrail, euw1) } });

  // 6. The management account, with the key found in the secret.
  const org = userActor({ account: mgmt, userName: A.managementUser, path: "/automation/", ip: ATTACKER_IPS.server, userAgent: USER_AGENTS.boto3Attacker });
  const orgCalls: [number, Call][] = [
    [2104, { source: "sts.amazonaws.com", name: "GetCallerIdentity", readOnly: true }],
    [2119, { source: "organizations.amazonaws.com", name: "DescribeOrganization", readOnly: true }],
    [2131, { source: "organizations.amazonaws.com", name: "ListRoots", readOnly: true }],
    [2150, { source: "organizations.amazonaws.com", name: "ListPolicies", readOnly: true, params: { filter: "SERVICE_CONTROL_POLICY" } }],
    [2172, { source: "organizations.amazonaws.com", name: "DescribePolicy", readOnly: true, params: { policyId: A.scp } }],
    [2190, { source: "organizations.amazonaws.com", name: "ListTargetsForPolicy", readOnly: true, params: { policyId: A.scp } }],
    [2301, { source: "organizations.amazonaws.com", name: "DetachPolicy", readOnly: false, params: { policyId: A.scp, targetId: A.scpTarget } }],
    [2334, { source: "organizations.amazonaws.com", name: "DeletePolicy", readOnly: false, params: { policyId: A.scp } }],
  ];
  for (const [offset, call] of orgCalls) at(offset, mgmt, "us-east-1", org, call);

  // 7. Root of production, through the phished mailbox.
  const rootSignin = rootActor(prod, vpn, USER_AGENTS.chromeAttacker, false);
  at(3002, prod, "us-east-1", rootSignin, {
    source: "signin.amazonaws.com", name: "PasswordRecoveryRequested", readOnly: false, eventType: "AwsConsoleSignIn", region: "us-east-1",
    response: { PasswordRecoveryRequested: "Success" }, additional: { MobileVersion: "No" },
  });
  at(3241, prod, "us-east-1", rootSignin, {
    source: "signin.amazonaws.com", name: "PasswordRecoveryCompleted", readOnly: false, eventType: "AwsConsoleSignIn", region: "us-east-1",
    response: { PasswordRecoveryCompleted: "Success" }, additional: { MobileVersion: "No" },
  });
  at(3302, prod, "us-east-1", rootSignin, {
    source: "signin.amazonaws.com", name: "ConsoleLogin", readOnly: false, eventType: "AwsConsoleSignIn", region: "us-east-1",
    response: { ConsoleLogin: "Success" }, additional: loginExtra("No"),
  });
  const rootConsole = rootActor(prod, vpn, USER_AGENTS.console, true);
  at(3361, prod, "us-east-1", rootConsole, { source: "iam.amazonaws.com", name: "GetAccountSummary", readOnly: true });
  at(3377, prod, "us-east-1", rootConsole, { source: "iam.amazonaws.com", name: "ListMFADevices", readOnly: true });
  at(3420, prod, "us-east-1", rootConsole, {
    source: "account.amazonaws.com", name: "PutAlternateContact", readOnly: false,
    params: { alternateContactType: "SECURITY", emailAddress: "HIDDEN_DUE_TO_SECURITY_REASONS", name: "HIDDEN_DUE_TO_SECURITY_REASONS", phoneNumber: "HIDDEN_DUE_TO_SECURITY_REASONS", title: "HIDDEN_DUE_TO_SECURITY_REASONS" },
  });
  return sortByTime(out);
}

/** Detector ids the attack story must trip, at least once each. */
export const ATTACK_DETECTORS = [
  "signin.console-login-without-mfa",
  "iam.access-key-created-for-other-user",
  "iam.user-created-outside-iac",
  "iam.admin-policy-attached",
  "s3.public-access-block-removed",
  "s3.bucket-policy-public",
  "s3.bucket-acl-public",
  "cloudtrail.event-selectors-changed",
  "cloudtrail.logging-stopped",
  "cloudtrail.trail-deleted",
  "organizations.scp-detached-or-deleted",
  "root.account-used",
] as const;

// ------------------------------------------------------------------ CloudTrail's S3 layout

export const FILE_WINDOW_MS = 5 * MINUTE;

/**
 * `AWSLogs/<account>/CloudTrail/<region>/<YYYY>/<MM>/<DD>/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 alnum>.json.gz`,
 * dated by delivery: the end of the file's five-minute window.
 */
export function cloudTrailKey(g: Gen, account: string, region: string, windowStart: number): string {
  const delivered = new Date(windowStart + FILE_WINDOW_MS);
  const iso = delivered.toISOString();
  const [yyyy, mm, dd] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const stamp = `${yyyy}${mm}${dd}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
  return `AWSLogs/${account}/CloudTrail/${region}/${yyyy}/${mm}/${dd}/${account}_CloudTrail_${region}_${stamp}_${g.fileSuffix()}.json.gz`;
}

/** Groups records into CloudTrail log files: one per account, region and five minutes; keys sorted. */
export function groupIntoFiles(records: readonly Json[]): { account: string; region: string; windowStart: number; records: Json[] }[] {
  const groups = new Map<string, { account: string; region: string; windowStart: number; records: Json[] }>();
  for (const r of records) {
    const account = r.recipientAccountId as string;
    const region = r.awsRegion as string;
    const windowStart = Math.floor(Date.parse(r.eventTime as string) / FILE_WINDOW_MS) * FILE_WINDOW_MS;
    const key = `${account}|${region}|${String(windowStart).padStart(15, "0")}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { account, region, windowStart, records: [] }));
    group.records.push(r);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
}
