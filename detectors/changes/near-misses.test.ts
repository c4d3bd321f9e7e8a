import { describe, expect, it } from "vitest";
import { parseBaseline } from "../../core/baseline.js";
import { normaliseRecord } from "../../core/cloudtrail.js";
import type { Detector, DetectorHit } from "../../core/detector.js";
import { toEnvelope } from "../../core/envelope.js";
import { matchesPattern } from "../../core/pattern.js";
import type { NearMiss } from "../examples.js";
import activityOutsideAllowedRegions, { nearMisses as regionNearMisses } from "./activity-outside-allowed-regions.js";
import clickopsInProduction, { nearMisses as clickopsNearMisses } from "./clickops-in-production.js";
import humanCallFromOutsideNetworks, { nearMisses as networkNearMisses } from "./human-call-from-outside-networks.js";
import proxyBypassed, { nearMisses as proxyNearMisses } from "./proxy-bypassed.js";

/**
 * These detectors judge against baseline entries that the default baseline
 * leaves empty, so their near misses carry a baseline of their own and live
 * here rather than among the catalog's noMatch examples (which must fire
 * without their baseline). Same pipeline as the engine: normalise, envelope,
 * pattern, evaluate.
 */
function judge(detector: Detector, record: Record<string, unknown>, baseline?: Record<string, unknown>): DetectorHit | undefined {
  const normalised = normaliseRecord(structuredClone(record));
  if (!normalised.ok) throw new Error(normalised.reason);
  if (!matchesPattern(detector.pattern, toEnvelope(normalised.record))) return undefined;
  return detector.evaluate(normalised.record, { baseline: parseBaseline(baseline) });
}

const cases: [string, Detector, NearMiss[]][] = [
  [activityOutsideAllowedRegions.id, activityOutsideAllowedRegions, regionNearMisses],
  [clickopsInProduction.id, clickopsInProduction, clickopsNearMisses],
  [humanCallFromOutsideNetworks.id, humanCallFromOutsideNetworks, networkNearMisses],
  [proxyBypassed.id, proxyBypassed, proxyNearMisses],
];

describe.each(cases)("%s", (_id, detector, nearMisses) => {
  it("has near misses", () => expect(nearMisses.length).toBeGreaterThanOrEqual(3));

  it.each(nearMisses.map((n) => [n.description, n] as const))("ignores under its baseline: %s", (_d, nearMiss) => {
    expect(judge(detector, nearMiss.record, nearMiss.baseline)).toBeUndefined();
  });

  const excused = nearMisses.filter((n) => n.firesUnder !== undefined);
  it.each(excused.map((n) => [n.description, n] as const))("finds it once the baseline entry that excuses it is gone: %s", (_d, nearMiss) => {
    expect(judge(detector, nearMiss.record, nearMiss.firesUnder)).toBeDefined();
  });

  it.each(detector.examples.match.map((e) => [e.description, e] as const))("judges nothing under the default baseline: %s", (_d, example) => {
    expect(judge(detector, example.record)).toBeUndefined();
  });
});
