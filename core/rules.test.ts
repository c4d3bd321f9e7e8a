import { describe, expect, it } from "vitest";
import { detectors } from "../detectors/index.js";
import { normaliseRecord } from "./cloudtrail.js";
import { defineDetector } from "./detector.js";
import { SIGN_IN_DETAIL_TYPES, toEnvelope } from "./envelope.js";
import { matchesPattern, validatePattern } from "./pattern.js";
import { ruleFor } from "./rules.js";

const rules = detectors.map((d) => [d, ruleFor(d)] as const);

describe("detector rules", () => {
  it("have unique names EventBridge accepts", () => {
    const names = rules.map(([, r]) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[.\-_A-Za-z0-9]{1,64}$/);
  });

  it.each(rules.map(([d, r]) => [d.id, d, r] as const))("%s still matches its examples as deployed", (_id, detector, rule) => {
    expect(validatePattern(rule.eventPattern)).toEqual([]);
    for (const example of detector.examples.match) {
      const normalised = normaliseRecord(structuredClone(example.record));
      if (!normalised.ok) throw new Error(normalised.reason);
      expect(matchesPattern(rule.eventPattern, toEnvelope(normalised.record)), example.description).toBe(true);
    }
  });

  it("sends the detector id and the whole event through the input transformer", () => {
    const [, rule] = rules[0]!;
    const filled = rule.inputTemplate.replace("<aws.events.event.json>", JSON.stringify({ id: "e" }));
    expect(JSON.parse(filled)).toEqual({ detectorId: rules[0]![0].id, event: { id: "e" } });
  });

  it("adds the source and both sign-in detail-types to a sign-in pattern that lacks them", () => {
    const bare = defineDetector({
      id: "signin.x",
      title: "t",
      severity: "low",
      mitre: [],
      pattern: { detail: { eventSource: ["signin.amazonaws.com"], eventName: ["ConsoleLogin"] } },
      evaluate: () => undefined,
      runbook: "",
      examples: { match: [], noMatch: [] },
    });
    expect(ruleFor(bare).eventPattern).toMatchObject({ source: ["aws.signin"], "detail-type": SIGN_IN_DETAIL_TYPES });
    expect(ruleFor({ ...bare, readOnlyEvents: true }).state).toBe("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS");
    expect(ruleFor(bare).state).toBe("ENABLED");
  });
});
