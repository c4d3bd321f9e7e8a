/** Shapes shared by the CloudTrail schema and its hot-path copy. */
export const EVENT_TYPES = ["AwsApiCall", "AwsServiceEvent", "AwsConsoleAction", "AwsConsoleSignIn"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Real event types that CloudTrail writes to the same log files but that have
 * no documented EventBridge detail-type (network activity events, Insights).
 * They are read and counted, not evaluated: no deployed rule would see them.
 */
export const UNROUTED_EVENT_TYPES = ["AwsVpceEvent", "AwsCloudTrailInsight"] as const;

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
export const EVENT_SOURCE = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/;

/** A well-shaped time that is also a real instant: 2024-02-30 or 25:61 are refused, not rolled over. */
export function isRealUtcTime(text: string): boolean {
  if (!ISO_UTC.test(text)) return false;
  const ms = Date.parse(text);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 19) === text.slice(0, 19);
}
