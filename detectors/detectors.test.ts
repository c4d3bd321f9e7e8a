import { describe, expect, it } from "vitest";
import { parseBaseline } from "../core/baseline.js";
import { canonicalJson } from "../core/canonical-json.js";
import { normaliseRecord, type CloudTrailRecord } from "../core/cloudtrail.js";
import type { Detector, DetectorExample, DetectorHit } from "../core/detector.js";
import { toEnvelope } from "../core/envelope.js";
import { matchesPattern, patternEventNames } from "../core/pattern.js";
import { detectors } from "./index.js";

// Stratus claims are checked against the technique list itself in test/docs.test.ts.

/** What the engine does with one record: normalise, envelope, pattern, then evaluate with the example's baseline. */
function run(detector: Detector, example: DetectorExample): { record: CloudTrailRecord; hit: DetectorHit | undefined } {
  const normalised = normaliseRecord(structuredClone(example.record));
  if (!normalised.ok) throw new Error(`example "${example.description}" is not a valid record: ${normalised.reason}`);
  const record = normalised.record;
  const baseline = parseBaseline(example.baseline);
  const hit = matchesPattern(detector.pattern, toEnvelope(record)) ? detector.evaluate(record, { baseline }) : undefined;
  return { record, hit };
}

const allExamples = detectors.flatMap((d) => [...d.examples.match, ...d.examples.noMatch].map((example) => ({ detector: d, example })));

/** Example-level checks; registry.test.ts holds the catalog-wide meta-tests (ids, paths, MITRE, remediations). */
describe("the detector examples", () => {
  it("gives every example its own eventID, so finding ids never collide", () => {
    const ids = allExamples.map(({ example }) => example.record.eventID);
    expect(ids.every((id) => typeof id === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe.each(detectors.map((d) => [d.id, d] as const))("%s", (_id, detector) => {
  it("keeps the event names it watches indexable by the engine", () => {
    const detail = detector.pattern.detail as Record<string, unknown> | undefined;
    if (detail?.eventName !== undefined) expect(patternEventNames(detector.pattern)).toBeDefined();
  });

  it("has at least one match example and two near misses", () => {
    expect(detector.examples.match.length).toBeGreaterThanOrEqual(1);
    expect(detector.examples.noMatch.length).toBeGreaterThanOrEqual(2);
  });

  it.each(detector.examples.match.map((e) => [e.description, e] as const))("finds: %s", (_description, example) => {
    const { hit } = run(detector, example);
    expect(hit).toBeDefined();
    expect(hit?.summary).toMatch(/^[A-Z0-9].*\.$/);
    expect(hit?.resources.length).toBeGreaterThan(0);
    for (const resource of hit?.resources ?? []) {
      expect(resource.type).toMatch(/^AWS::[A-Za-z0-9]*::[A-Za-z0-9]+$/);
      expect(resource.id).not.toBe("");
    }
  });

  it.each(detector.examples.noMatch.map((e) => [e.description, e] as const))("ignores: %s", (_description, example) => {
    expect(run(detector, example).hit).toBeUndefined();
  });

  it("says what excuses a near miss only where it can: firesUnder and excusedByRecord on noMatch examples with a baseline, never both", () => {
    for (const example of detector.examples.match) expect([example.firesUnder, example.excusedByRecord]).toEqual([undefined, undefined]);
    for (const example of detector.examples.noMatch) {
      if (example.firesUnder === undefined && example.excusedByRecord === undefined) continue;
      expect(example.baseline).toBeDefined();
      expect(example.firesUnder === undefined || example.excusedByRecord === undefined).toBe(true);
    }
  });

  // A noMatch example with a baseline of its own is excused by that baseline unless it says the record excuses itself:
  // without the excusing entry (firesUnder, by default the default baseline) the same record is a finding.
  const excused = detector.examples.noMatch.filter((e) => e.baseline !== undefined && !e.excusedByRecord);
  it.each(excused.map((e) => [e.description, e] as const))("would find, but for its baseline: %s", (_description, example) => {
    expect(run(detector, { ...example, baseline: example.firesUnder }).hit).toBeDefined();
  });

  it("evaluates without changing the record and gives the same answer twice", () => {
    for (const example of [...detector.examples.match, ...detector.examples.noMatch]) {
      const normalised = normaliseRecord(structuredClone(example.record));
      if (!normalised.ok) throw new Error(normalised.reason);
      const before = canonicalJson(normalised.record);
      const context = { baseline: parseBaseline(example.baseline) };
      const first = detector.evaluate(normalised.record, context);
      expect(detector.evaluate(normalised.record, context)).toEqual(first);
      expect(canonicalJson(normalised.record)).toBe(before);
    }
  });

});
