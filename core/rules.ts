import type { Detector } from "./detector.js";
import { DETAIL_TYPES, SIGN_IN_DETAIL_TYPES, sourceOf } from "./envelope.js";
import type { EventPattern } from "./pattern.js";
import { patternEventNames } from "./pattern.js";

/**
 * The EventBridge rule each detector is deployed as. Generated from the
 * registry so the deployed pattern is the one replay matches, plus the
 * `source` and `detail-type` its events carry (DESIGN.md), which lets
 * EventBridge discard other events before they cost an invocation.
 */
export interface DetectorRule {
  name: string;
  description: string;
  eventPattern: EventPattern;
  /** Read-only calls reach a rule only in this state (CLOUDTRAIL.md: "Delivery"). */
  state: "ENABLED" | "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS";
  /** The input transformer's template: what functions/detect.ts parses. */
  inputTemplate: string;
}

export const RULE_NAME_PREFIX = "trailwarden-";

export function ruleName(detectorId: string): string {
  return RULE_NAME_PREFIX + detectorId;
}

export function ruleFor(detector: Detector): DetectorRule {
  const pattern: EventPattern = { ...detector.pattern };
  const names = patternEventNames(detector.pattern);
  if (names && pattern.source === undefined) pattern.source = [...new Set(names.sources.map(sourceOf))].sort();
  if (names && pattern["detail-type"] === undefined) {
    const signIn = names.sources.includes("signin.amazonaws.com");
    const api = names.sources.some((s) => s !== "signin.amazonaws.com");
    pattern["detail-type"] = [...(api ? [DETAIL_TYPES.AwsApiCall] : []), ...(signIn ? SIGN_IN_DETAIL_TYPES : [])];
  }
  return {
    name: ruleName(detector.id),
    description: `trailwarden detector ${detector.id}: ${detector.title}`.slice(0, 512),
    eventPattern: pattern,
    state: detector.readOnlyEvents ? "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" : "ENABLED",
    inputTemplate: `{"detectorId": ${JSON.stringify(detector.id)}, "event": <aws.events.event.json>}`,
  };
}
