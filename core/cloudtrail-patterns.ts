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

/** Two ASCII digits at `at` as a number, or -1. */
function digits2(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * A well-shaped time that is also a real instant: 2024-02-30 or 25:61 are
 * refused, not rolled over. Checked character by character: this runs for
 * every record, and a regular expression or a Date round trip costs more.
 */
export function isRealUtcTime(text: string): boolean {
  const n = text.length;
  if (n < 20 || text[4] !== "-" || text[7] !== "-" || text[10] !== "T" || text[13] !== ":" || text[16] !== ":" || text[n - 1] !== "Z") return false;
  if (n > 20 && !ISO_UTC.test(text)) return false; // fractions of a second: rare, take the slow path
  const century = digits2(text, 0);
  const yy = digits2(text, 2);
  const month = digits2(text, 5);
  const day = digits2(text, 8);
  const hour = digits2(text, 11);
  const minute = digits2(text, 14);
  const second = digits2(text, 17);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return false;
  }
  const year = century * 100 + yy;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
}
