import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { normaliseRecord } from "../core/cloudtrail.js";
import { detectors } from "../detectors/index.js";
import { UNCOVERED_REASONS } from "../scripts/coverage-reasons.js";
import { renderCatalog, renderCoverage, type StratusTechnique } from "../scripts/docs.js";
import { FIXTURES, REPO_ROOT } from "./support/fixtures.js";

const techniques = (JSON.parse(readFileSync(join(FIXTURES, "stratus", "stratus-aws-techniques.json"), "utf8")) as { techniques: StratusTechnique[] }).techniques;
const claimed = new Set(detectors.flatMap((d) => d.stratus ?? []));

describe("generated documentation", () => {
  it("docs/detectors.md is current (run `npm run docs`)", () => {
    expect(readFileSync(join(REPO_ROOT, "docs", "detectors.md"), "utf8")).toBe(renderCatalog(detectors));
  });

  it("docs/coverage.md is current (run `npm run docs`)", () => {
    expect(readFileSync(join(REPO_ROOT, "docs", "coverage.md"), "utf8")).toBe(renderCoverage(detectors, techniques, UNCOVERED_REASONS));
  });
});

describe("Stratus coverage", () => {
  it("lists the 44 AWS techniques", () => {
    expect(techniques).toHaveLength(44);
  });

  it("accounts for every technique: claimed by a detector or explained", () => {
    const unexplained = techniques.filter((t) => !claimed.has(t.id) && !UNCOVERED_REASONS[t.id]).map((t) => t.id);
    expect(unexplained).toEqual([]);
  });

  it("explains only techniques that no detector claims, and claims only real ones", () => {
    const ids = new Set(techniques.map((t) => t.id));
    expect(Object.keys(UNCOVERED_REASONS).filter((id) => claimed.has(id) || !ids.has(id))).toEqual([]);
    expect([...claimed].filter((id) => !ids.has(id))).toEqual([]);
  });

  it.each(detectors.filter((d) => d.stratus?.length).map((d) => [d.id, d] as const))(
    "%s has a match example built from the detection events of each technique it claims",
    (_id, detector) => {
      for (const techniqueId of detector.stratus ?? []) {
        const technique = techniques.find((t) => t.id === techniqueId)!;
        const wanted = new Set((technique.detectionEvents ?? []).map((e) => `${e.eventSource}:${e.eventName}`));
        if (wanted.size === 0) continue;
        const built = detector.examples.match.some((example) => {
          const normalised = normaliseRecord(structuredClone(example.record));
          return normalised.ok && wanted.has(`${normalised.record.eventSource}:${normalised.record.eventName}`);
        });
        expect(built, `${techniqueId} claims ${[...wanted].join(", ")}`).toBe(true);
      }
    },
  );
});
