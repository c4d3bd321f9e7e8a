/** Shapes shared by the CloudTrail schema and its hot-path copy. */
export const EVENT_TYPES = ["AwsApiCall", "AwsServiceEvent", "AwsConsoleAction", "AwsConsoleSignIn"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Real event types that CloudTrail writes to the same log files but that have
 * no documented EventBridge detail-type (network activity events, Insights).
 * They are read and counted, not evaluated: no deployed rule would see them.
 */
export const UNROUTED_EVENT_TYPES = ["AwsVpceEvent", "AwsCloudTrailInsight"] as const;

export const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;
export const EVENT_SOURCE = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/;

/** A well-shaped time that is also a real instant: 2024-02-30 or 25:61 are refused, not rolled over. */
export function isRealUtcTime(text: string): boolean {
  // Checked field by field: this runs for every record, and Date round trips cost more than the rest of the check.
  const m = ISO_UTC.exec(text);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return day <= days;
}
