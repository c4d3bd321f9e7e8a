/**
 * The generic CloudTrail record builder: who (`Actor`) made which call
 * (`Call`) when, written with the fields in the order CloudTrail writes them.
 */
import type { Gen } from "./random.js";
import { isoSeconds } from "./time.js";

export type Json = Record<string, unknown>;

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

function regionFor(source: string, region: string): string {
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

/** Stable sort of records by their numeric times (epoch ms, one per record). */
export function sortByTimes(records: Json[], times: number[]): Json[] {
  const order = Array.from(records.keys()).sort((a, b) => times[a]! - times[b]! || a - b);
  return order.map((i) => records[i]!);
}

/** Sorts records in place by eventTime. */
export function sortByTime(records: Json[]): Json[] {
  return records.sort((a, b) => {
    const x = a.eventTime as string;
    const y = b.eventTime as string;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

// ------------------------------------------------------------------ scenarios

/** A scenario writes a few related records, advancing its clock between them. */
export interface Ctx {
  g: Gen;
  t: number;
  out: Json[];
  /** eventTime of each record of `out`, in epoch ms, for sorting without parsing. */
  times: number[];
}

export type Scenario = (c: Ctx) => void;

/** Appends a record at the scenario's clock, then moves the clock on by stepMin to stepMax seconds. */
export function emit(c: Ctx, account: string, region: string, actor: Actor, call: Call, stepMin = 1, stepMax = 9): Json {
  const record = buildRecord(c.g, c.t, account, region, actor, call);
  c.out.push(record);
  c.times.push(c.t);
  c.t += c.g.range(stepMin, stepMax) * 1000;
  return record;
}
