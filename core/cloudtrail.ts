import { z } from "zod";
import { passesFastCheck } from "./cloudtrail-fast-check.js";
import { isObject } from "./json.js";
import { EVENT_SOURCE, EVENT_TYPES, isRealUtcTime, UNROUTED_EVENT_TYPES, type EventType } from "./cloudtrail-patterns.js";

export { EVENT_TYPES, type EventType };

/**
 * The CloudTrail record as detectors see it. Lenient on fields nobody relies on
 * (unknown keys pass through untouched), strict on the ones detectors read.
 * Records are normalised first (see `normaliseRecord`), so the schema can insist
 * on fields that imperfect sources omit.
 */


export const IDENTITY_TYPES = [
  "Root",
  "IAMUser",
  "AssumedRole",
  "Role",
  "FederatedUser",
  "AWSService",
  "AWSAccount",
  "IdentityCenterUser",
  "SAMLUser",
  "WebIdentityUser",
  "Directory",
  "Unknown",
] as const;

const json = z.record(z.string(), z.unknown());

const SessionIssuerSchema = z.looseObject({
  type: z.string().optional(),
  principalId: z.string().optional(),
  arn: z.string().optional(),
  accountId: z.string().optional(),
  userName: z.string().optional(),
});

export const UserIdentitySchema = z.looseObject({
  type: z.string(),
  principalId: z.string().optional(),
  arn: z.string().optional(),
  accountId: z.string().optional(),
  accessKeyId: z.string().optional(),
  userName: z.string().optional(),
  invokedBy: z.string().optional(),
  sessionContext: z
    .looseObject({
      sessionIssuer: SessionIssuerSchema.optional(),
      attributes: z
        .looseObject({ mfaAuthenticated: z.string().optional(), creationDate: z.string().optional() })
        .optional(),
      ec2RoleDelivery: z.string().optional(),
      sourceIdentity: z.string().optional(),
    })
    .optional(),
});


export const CloudTrailRecordSchema = z.looseObject({
  eventVersion: z.string().optional(),
  eventTime: z.string().refine(isRealUtcTime, "a real ISO 8601 UTC time such as 2024-05-01T12:00:00Z"),
  eventSource: z.string().regex(EVENT_SOURCE, "a service host such as iam.amazonaws.com"),
  eventName: z.string().min(1),
  awsRegion: z.string().min(1),
  eventType: z.enum(EVENT_TYPES),
  recipientAccountId: z.string().min(1),
  userIdentity: UserIdentitySchema,
  eventID: z.string().min(1).optional(),
  sourceIPAddress: z.string().optional(),
  userAgent: z.string().optional(),
  requestParameters: json.nullable().optional(),
  responseElements: json.nullable().optional(),
  additionalEventData: json.nullable().optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  readOnly: z.boolean().optional(),
  resources: z
    .array(z.looseObject({ ARN: z.string().optional(), accountId: z.string().optional(), type: z.string().optional() }))
    .optional(),
});

export type CloudTrailRecord = z.infer<typeof CloudTrailRecordSchema>;
export type UserIdentity = z.infer<typeof UserIdentitySchema>;

/** Kinds of fallback applied to imperfect records; each is counted as a warning. */
export type NormaliseWarning =
  | "eventTime taken from @timestamp"
  | "eventType inferred"
  | "eventType casing"
  | "recipientAccountId taken from userIdentity.accountId"
  | "userIdentity.type inferred"
  | "userIdentity.type casing"
  | "MFAUsed casing"
  | "eventID missing";

/** `unrouted`: a real record that no EventBridge rule receives; read and counted, not evaluated. */
export type NormaliseResult =
  | { ok: true; record: CloudTrailRecord; warnings: NormaliseWarning[] }
  | { ok: false; reason: string; unrouted?: boolean };

const UNROUTED = new Set<unknown>(UNROUTED_EVENT_TYPES);

const KNOWN_EVENT_TYPES = new Set<string>(EVENT_TYPES);
const KNOWN_IDENTITY_TYPES = new Set<string>(IDENTITY_TYPES);
const EVENT_TYPE_BY_LOWER = new Map(EVENT_TYPES.map((t) => [t.toLowerCase(), t]));
const IDENTITY_TYPE_BY_LOWER = new Map(IDENTITY_TYPES.map((t) => [t.toLowerCase(), t]));

/** Shippers such as Logstash keep only `@timestamp`, with milliseconds. */
function timestampToEventTime(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function inferIdentityType(identity: Record<string, unknown>): string {
  const arn = typeof identity.arn === "string" ? identity.arn : "";
  if (/:root$/.test(arn)) return "Root";
  if (arn.includes(":assumed-role/")) return "AssumedRole";
  if (arn.includes(":federated-user/")) return "FederatedUser";
  if (arn.includes(":user/")) return "IAMUser";
  if (!arn && typeof identity.invokedBy === "string") return "AWSService";
  if (!arn && typeof identity.accountId === "string") return "AWSAccount";
  return "Unknown";
}

function inferEventType(raw: Record<string, unknown>): EventType {
  return raw.eventSource === "signin.amazonaws.com" ? "AwsConsoleSignIn" : "AwsApiCall";
}

/**
 * Applies the documented fallbacks to a raw record in place (CLOUDTRAIL.md:
 * "Imperfect records"), then validates it. Mutating avoids copying every
 * record on the replay hot path; the caller owns the raw object.
 */
export function normaliseRecord(raw: unknown): NormaliseResult {
  if (!isObject(raw)) return { ok: false, reason: `expected a CloudTrail record object, got ${describe(raw)}` };
  const warnings: NormaliseWarning[] = [];

  if (raw.eventTime === undefined && raw["@timestamp"] !== undefined) {
    const time = timestampToEventTime(raw["@timestamp"]);
    if (time) {
      raw.eventTime = time;
      warnings.push("eventTime taken from @timestamp");
    }
  }

  if (UNROUTED.has(raw.eventType)) {
    return { ok: false, unrouted: true, reason: `eventType ${String(raw.eventType)} is not delivered to EventBridge rules` };
  }
  if (raw.eventType === undefined) {
    raw.eventType = inferEventType(raw);
    warnings.push("eventType inferred");
  } else if (typeof raw.eventType === "string" && !KNOWN_EVENT_TYPES.has(raw.eventType)) {
    const canonical = EVENT_TYPE_BY_LOWER.get(raw.eventType.toLowerCase());
    if (canonical) {
      raw.eventType = canonical;
      warnings.push("eventType casing");
    }
  }

  const identity = raw.userIdentity;
  if (isObject(identity)) {
    if (raw.recipientAccountId === undefined && typeof identity.accountId === "string") {
      raw.recipientAccountId = identity.accountId;
      warnings.push("recipientAccountId taken from userIdentity.accountId");
    }
    if (identity.type === undefined) {
      identity.type = inferIdentityType(identity);
      warnings.push("userIdentity.type inferred");
    } else if (typeof identity.type === "string" && !KNOWN_IDENTITY_TYPES.has(identity.type)) {
      const canonical = IDENTITY_TYPE_BY_LOWER.get(identity.type.toLowerCase());
      if (canonical) {
        identity.type = canonical;
        warnings.push("userIdentity.type casing");
      }
    }
  }

  const extra = raw.additionalEventData;
  if (isObject(extra) && typeof extra.MFAUsed === "string" && extra.MFAUsed !== "Yes" && extra.MFAUsed !== "No") {
    const lower = extra.MFAUsed.toLowerCase();
    if (lower === "yes" || lower === "no") {
      extra.MFAUsed = lower === "yes" ? "Yes" : "No";
      warnings.push("MFAUsed casing");
    }
  }

  if (raw.eventID === undefined) warnings.push("eventID missing");
  if (passesFastCheck(raw)) return { ok: true, record: raw as CloudTrailRecord, warnings };
  // reportInput: so a wrong type is told apart from a missing field.
  const parsed = CloudTrailRecordSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, reason: explainIssues(parsed.error) };
  return { ok: true, record: parsed.data, warnings };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? "a string" : `a ${typeof value}`;
}

/** One line: the first problems, by path, in the words a responder understands. */
export function explainIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.join(".") || "(record)";
    if (issue.code === "invalid_type" && issue.input === undefined) return `${path} is missing`;
    if (issue.code === "invalid_type") return `${path}: expected ${issue.expected}, got ${describe(issue.input)}`;
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : "";
  return parts.join("; ") + more;
}

/** The principal a baseline is about: the role (with its path) behind an assumed-role session. */
export function principalArn(record: CloudTrailRecord): string | undefined {
  const identity = record.userIdentity;
  if (identity.type === "AssumedRole") return identity.sessionContext?.sessionIssuer?.arn ?? identity.arn;
  return identity.arn;
}

/** Whether the caller had MFA: console sign-in records say so differently from API calls. */
export function mfaUsed(record: CloudTrailRecord): boolean | undefined {
  const extra = record.additionalEventData;
  if (extra && typeof extra.MFAUsed === "string") return extra.MFAUsed === "Yes";
  const flag = record.userIdentity.sessionContext?.attributes?.mfaAuthenticated;
  return flag === undefined ? undefined : flag === "true";
}
