import { describe, expect, it } from "vitest";
import { parseBaseline } from "../../core/baseline.js";
import { normaliseRecord } from "../../core/cloudtrail.js";
import type { Detector, DetectorHit } from "../../core/detector.js";
import { toEnvelope } from "../../core/envelope.js";
import { matchesPattern } from "../../core/pattern.js";
import type { NearMiss } from "../examples.js";
import firstActivityInRegion, { nearMisses as regionNearMisses } from "./first-activity-in-region.js";
import firstSensitiveApiUse, { nearMisses as apiNearMisses } from "./first-sensitive-api-use.js";
import newExternalAccount, { nearMisses as accountNearMisses } from "./new-external-account.js";

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
  [firstActivityInRegion.id, firstActivityInRegion, regionNearMisses],
  [firstSensitiveApiUse.id, firstSensitiveApiUse, apiNearMisses],
  [newExternalAccount.id, newExternalAccount, accountNearMisses],
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
