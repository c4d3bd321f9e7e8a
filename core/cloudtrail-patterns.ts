/** Shapes shared by the CloudTrail schema and its hot-path copy. */
export const EVENT_TYPES = ["AwsApiCall", "AwsServiceEvent", "AwsConsoleAction", "AwsConsoleSignIn"] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
export const EVENT_SOURCE = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/;
