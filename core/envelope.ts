import { createHash } from "node:crypto";
import type { CloudTrailRecord, EventType } from "./cloudtrail.js";

/** The EventBridge event AWS builds from a CloudTrail record (CLOUDTRAIL.md: "Envelope"). */
export interface CloudTrailEnvelope {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: CloudTrailRecord;
}

export const DETAIL_TYPES: Record<EventType, string> = {
  AwsApiCall: "AWS API Call via CloudTrail",
  AwsConsoleSignIn: "AWS Console Sign In via CloudTrail",
  AwsServiceEvent: "AWS Service Event via CloudTrail",
  AwsConsoleAction: "AWS Console Action via CloudTrail",
};

/**
 * Both spellings of the sign-in detail-type are seen in the wild: the guide's
 * "Signin" and the events' "Sign In". Rules for console logins name both.
 */
export const SIGN_IN_DETAIL_TYPES = ["AWS Console Sign In via CloudTrail", "AWS Console Signin via CloudTrail"];

const sources = new Map<string, string>();

export function sourceOf(eventSource: string): string {
  let source = sources.get(eventSource);
  if (source === undefined) {
    source = "aws." + eventSource.replace(/\.amazonaws\.com$/, "");
    // Bounded by the number of AWS services in practice; cleared if input is hostile.
    if (sources.size > 4096) sources.clear();
    sources.set(eventSource, source);
  }
  return source;
}

/**
 * AWS gives each event a random id; locally it is derived from the record so
 * replays are reproducible. Real eventIDs are already UUIDs and serve as is,
 * which keeps hashing off the replay hot path.
 */
function envelopeId(record: CloudTrailRecord): string {
  const id = record.eventID;
  // Shape only (36 characters, hyphens in place): cheaper than the full test, and any such id is as good.
  if (id && id.length === 36 && id[8] === "-" && id[13] === "-" && id[18] === "-" && id[23] === "-") return id;
  const basis = record.eventID ?? `${record.eventSource}:${record.eventName}:${record.eventTime}:${record.recipientAccountId}`;
  const hex = createHash("sha256").update(basis).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function toEnvelope(record: CloudTrailRecord): CloudTrailEnvelope {
  return {
    version: "0",
    id: envelopeId(record),
    "detail-type": DETAIL_TYPES[record.eventType],
    source: sourceOf(record.eventSource),
    account: record.recipientAccountId,
    time: record.eventTime.length === 20 ? record.eventTime : record.eventTime.replace(/\.\d+Z$/, "Z"),
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}

/** True when a JSON value looks like an EventBridge envelope around a CloudTrail record. */
export function isEnvelope(value: Record<string, unknown>): boolean {
  return typeof value["detail-type"] === "string" && typeof value.detail === "object" && value.detail !== null;
}
