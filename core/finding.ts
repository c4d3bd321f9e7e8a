import { canonicalJson, sha256Hex } from "./canonical-json.js";
import { mfaUsed, principalArn, type CloudTrailRecord } from "./cloudtrail.js";
import type { Detector, DetectorHit, FindingResource } from "./detector.js";
import { ATTACK_VERSION } from "./mitre.js";
import type { Severity } from "./severity.js";

export const FINDING_SCHEMA_VERSION = 1;

export interface FindingActor {
  /** The caller as CloudTrail names it (for assumed roles, the session ARN). */
  arn?: string;
  /** The principal a baseline is about: for assumed roles, the role ARN with its path. */
  principal?: string;
  type: string;
  accountId?: string;
  accessKeyId?: string;
  mfa?: boolean;
  sourceIp?: string;
  userAgent?: string;
  sessionIssuer?: string;
  invokedBy?: string;
}

/**
 * What a detector reports. It holds no wall-clock field, so a re-delivery of
 * the same event produces identical bytes.
 */
export interface Finding {
  schemaVersion: typeof FINDING_SCHEMA_VERSION;
  id: string;
  detector: string;
  severity: Severity;
  title: string;
  summary: string;
  eventId?: string;
  eventName: string;
  eventSource: string;
  account: string;
  region: string;
  /** The event's time, not the time the finding was made. */
  time: string;
  actor: FindingActor;
  resources: FindingResource[];
  mitre: { attackVersion: string; techniques: string[] };
  stratus: string[];
  remediation?: string;
  record: CloudTrailRecord;
}

export function findingIdFromEvent(detectorId: string, eventId: string): string {
  return sha256Hex(`${detectorId}:${eventId}`).slice(0, 32);
}

/** For records without a usable eventID: the whole record, canonicalised, is the identity. */
export function findingIdFromRecord(detectorId: string, record: unknown): string {
  return sha256Hex(`${detectorId}:${canonicalJson(record)}`).slice(0, 32);
}

export function actorOf(record: CloudTrailRecord): FindingActor {
  const identity = record.userIdentity;
  return dropUndefined({
    arn: identity.arn,
    principal: principalArn(record),
    type: identity.type,
    accountId: identity.accountId,
    accessKeyId: identity.accessKeyId || undefined,
    mfa: mfaUsed(record),
    sourceIp: record.sourceIPAddress,
    userAgent: record.userAgent,
    sessionIssuer: identity.sessionContext?.sessionIssuer?.arn,
    invokedBy: identity.invokedBy,
  });
}

export function buildFinding(detector: Detector, record: CloudTrailRecord, hit: DetectorHit, id: string): Finding {
  return dropUndefined({
    schemaVersion: FINDING_SCHEMA_VERSION,
    id,
    detector: detector.id,
    severity: detector.severity,
    title: detector.title,
    summary: hit.summary,
    eventId: record.eventID,
    eventName: record.eventName,
    eventSource: record.eventSource,
    account: record.recipientAccountId,
    region: record.awsRegion,
    time: record.eventTime,
    actor: actorOf(record),
    resources: hit.resources,
    mitre: { attackVersion: ATTACK_VERSION, techniques: [...detector.mitre] },
    stratus: [...(detector.stratus ?? [])],
    remediation: detector.remediation,
    record,
  });
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/** `findings/year=YYYY/month=MM/day=DD/<id>.json`, partitioned by the event's UTC date. */
export function findingKey(finding: Pick<Finding, "id" | "time">, prefix = "findings"): string {
  const [year, month, day] = finding.time.slice(0, 10).split("-");
  return `${prefix}/year=${year}/month=${month}/day=${day}/${finding.id}.json`;
}
