/**
 * Service-specific pieces of calls: S3 bucket calls and their documents
 * (ACLs, Block Public Access, bucket policies), IAM policies and resources,
 * KMS keys, trails, STS AssumeRole and console sign-in events.
 */
import type { RoleRef } from "./organisation.js";
import { roleArn, roleId, sessionArn, userArn, userId } from "./principals.js";
import { accessKeyId, BASE64ISH, type Gen, HEX, stableId, UPPER_ALNUM } from "./random.js";
import type { Call, Json } from "./records.js";
import { awsDate } from "./time.js";

// ------------------------------------------------------------------ S3

export function s3RequestId(g: Gen): string {
  return g.chars(UPPER_ALNUM, 16);
}

export function s3Extra(g: Gen, bytesIn = 0, bytesOut = 0): Json {
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

const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";
const XSI = "http://www.w3.org/2001/XMLSchema-instance";
export const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
export const LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery";

function canonicalUserId(account: string): string {
  return stableId("", `canonical/${account}`, 64, HEX);
}

/** `PutBucketAcl` parameters: the owner's full control plus `extraGrants`. */
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

/** The bucket's ARN and the ARN of its objects. */
export function bucketArns(bucket: string): [string, string] {
  return [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`];
}

/** The usual first statement of a bucket policy: no plain HTTP. */
export function denyInsecureTransport(bucket: string): Json {
  return { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: bucketArns(bucket), Condition: { Bool: { "aws:SecureTransport": "false" } } };
}

/** `PutBucketPolicy` parameters (CloudTrail records the policy as an object). */
export function bucketPolicyParams(statements: Json[]): Json {
  return { bucketPolicy: policyDocument(statements), policy: "" };
}

// ------------------------------------------------------------------ IAM, KMS, CloudTrail

function policyDocument(statements: Json[]): Json {
  return { Version: "2012-10-17", Statement: statements };
}

/** A policy document as IAM and Organizations parameters carry it: a JSON string. */
export function policyJson(statements: Json[]): string {
  return JSON.stringify(policyDocument(statements));
}

export function iamResource(account: string, kind: "role" | "user" | "policy", name: string, path = "/"): Json {
  const type = kind === "role" ? "AWS::IAM::Role" : kind === "user" ? "AWS::IAM::User" : "AWS::IAM::Policy";
  return { accountId: account, type, ARN: `arn:aws:iam::${account}:${kind}${path}${name}` };
}

/** An IAM read (IAM is global: CloudTrail records it in us-east-1). */
export function iamRead(name: string, params?: Json): Call {
  return { source: "iam.amazonaws.com", name, readOnly: true, params };
}

export function iamWrite(name: string, params: Json, more: Partial<Call> = {}): Call {
  return { source: "iam.amazonaws.com", name, readOnly: false, params, ...more };
}

/** `responseElements.role` of CreateRole. */
export function roleInfo(account: string, roleName: string, path: string, created: number): Json {
  return { path, roleName, roleId: stableId("AROA", `${account}/${roleName}`, 21), arn: roleArn(account, roleName, path), createDate: awsDate(created) };
}

/** `responseElements.user` of CreateUser. */
export function userInfo(account: string, userName: string, path: string, created: number): Json {
  return { path, userName, userId: userId(account, userName), arn: userArn(account, userName, path), createDate: awsDate(created) };
}

/** `responseElements` of CreateAccessKey. */
export function accessKeyCreated(userName: string, keyId: string, created: number): Json {
  return { accessKey: { userName, accessKeyId: keyId, status: "Active", createDate: awsDate(created) } };
}

export function kmsKeyArn(account: string, region: string, key: string): string {
  return `arn:aws:kms:${region}:${account}:key/${key}`;
}

/** The key id behind one of the account's key aliases in a region. */
export function keyIdFor(account: string, region: string, alias: string): string {
  const h = stableId("", `kms/${account}/${region}/${alias}`, 32, HEX);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The ARN of the key behind an alias. */
export function aliasKeyArn(account: string, region: string, alias: string): string {
  return kmsKeyArn(account, region, keyIdFor(account, region, alias));
}

export function trailArn(account: string, name: string, region = "us-east-1"): string {
  return `arn:aws:cloudtrail:${region}:${account}:trail/${name}`;
}

// ------------------------------------------------------------------ STS

/** Temporary credentials in a response: a key id stable for `keyFrom`, and a placeholder token. */
export function temporaryCredentials(keyFrom: string, expires: number): Json {
  return { accessKeyId: accessKeyId("ASIA", keyFrom), sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE", expiration: awsDate(expires) };
}

export function assumedRoleUser(account: string, role: RoleRef, session: string): Json {
  return { assumedRoleId: `${roleId(roleArn(account, role.name, role.path))}:${session}`, arn: sessionArn(account, role.name, session) };
}

export interface AssumeRole {
  /** The role's account. */
  account: string;
  role: RoleRef;
  session: string;
  durationSeconds: number;
  /** When the credentials expire, in epoch ms. */
  expires: number;
  /** The temporary key id derives from the role ARN and this (default: the session name). */
  keySuffix?: string;
  externalId?: string;
  sourceIdentity?: string;
}

/** `sts:AssumeRole`, as recorded in the role's account (and, with a `sharedEventID`, in the caller's). */
export function assumeRoleCall(a: AssumeRole): Call {
  const arn = roleArn(a.account, a.role.name, a.role.path);
  const params: Json = { roleArn: arn, roleSessionName: a.session };
  if (a.externalId) params.externalId = a.externalId;
  if (a.sourceIdentity) params.sourceIdentity = a.sourceIdentity;
  params.durationSeconds = a.durationSeconds;
  const response: Json = {
    credentials: temporaryCredentials(`${arn}/${a.keySuffix ?? a.session}`, a.expires),
    assumedRoleUser: assumedRoleUser(a.account, a.role, a.session),
  };
  if (a.sourceIdentity) response.sourceIdentity = a.sourceIdentity;
  return { source: "sts.amazonaws.com", name: "AssumeRole", readOnly: true, params, response, resources: [iamResource(a.account, "role", a.role.name, a.role.path)] };
}

// ------------------------------------------------------------------ console sign-in

/** A console sign-in event (`ConsoleLogin`, `PasswordRecoveryRequested`, …) that succeeded. */
export function signInCall(name: string, additional: Json): Call {
  return { source: "signin.amazonaws.com", name, readOnly: false, eventType: "AwsConsoleSignIn", region: "us-east-1", response: { [name]: "Success" }, additional };
}
