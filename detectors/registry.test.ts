import { readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { Detector } from "../core/detector.js";
import { SIGN_IN_DETAIL_TYPES } from "../core/envelope.js";
import { TECHNIQUE_ID, TECHNIQUES } from "../core/mitre.js";
import { patternEventNames, validatePattern } from "../core/pattern.js";
import { SEVERITIES } from "../core/severity.js";
import { REMEDIATION_IDS } from "../remediations/index.js";
import { detectors } from "./index.js";

/** Registry meta-tests (STYLE.md): properties every detector must have, checked over the whole catalog. */

const HERE = dirname(fileURLToPath(import.meta.url));
const NOT_DETECTORS = new Set(["index.ts", "examples.ts", "common.ts"]);

function detectorFiles(dir = HERE): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return detectorFiles(path);
    if (!entry.name.endsWith(".ts") || entry.name.endsWith(".test.ts") || NOT_DETECTORS.has(entry.name)) return [];
    return dir === HERE ? [] : [path];
  });
}

/** Calls that start like reads but change something (CLOUDTRAIL.md). */
const NOT_READ_ONLY = new Set(["GetFederationToken", "GetSessionToken"]);
const looksReadOnly = (name: string) => /^(Get|List|Describe|Lookup|Search|BatchGet)/.test(name) && !NOT_READ_ONLY.has(name);

describe("detector registry", () => {
  it("has one detector per file, each with the id of its path, and every file registered", async () => {
    const files = detectorFiles();
    expect(files.length).toBe(detectors.length);
    for (const file of files) {
      const module = (await import(pathToFileURL(file).href)) as { default: Detector };
      const expectedId = relative(HERE, file).replace(/\.ts$/, "").split("/").join(".");
      expect(module.default.id, file).toBe(expectedId);
      expect(detectors, `${expectedId} is missing from detectors/index.ts`).toContain(module.default);
    }
  });

  it("has unique ids, listed in order", () => {
    const ids = detectors.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort());
  });

  describe.each(detectors.map((d) => [d.id, d] as const))("%s", (_id, detector) => {
    it("declares a title, a known severity and a runbook", () => {
      expect(detector.title.length).toBeGreaterThan(10);
      expect(SEVERITIES).toContain(detector.severity);
      expect(detector.runbook.length).toBeGreaterThan(80);
    });

    it("cites well-formed MITRE ATT&CK techniques of the pinned release", () => {
      expect(detector.mitre.length).toBeGreaterThan(0);
      for (const technique of detector.mitre) {
        expect(technique).toMatch(TECHNIQUE_ID);
        expect(TECHNIQUES, `${technique} is not in core/mitre.ts`).toHaveProperty([technique]);
      }
    });

    it("has a valid EventBridge pattern that names its event source", () => {
      expect(validatePattern(detector.pattern)).toEqual([]);
      expect(JSON.stringify(detector.pattern)).toMatch(/eventSource|"source"/);
    });

    it("proposes only remediations that exist", () => {
      if (detector.remediation) expect(REMEDIATION_IDS).toContain(detector.remediation);
    });

    it("says so when it watches read-only calls, so its rule gets the state that receives them", () => {
      const names = patternEventNames(detector.pattern)?.names ?? [];
      if (names.some(looksReadOnly)) expect(detector.readOnlyEvents).toBe(true);
    });

    it("names both sign-in detail-types when it watches console sign-ins", () => {
      const detailTypes = (detector.pattern["detail-type"] as unknown[] | undefined) ?? [];
      if (JSON.stringify(detector.pattern).includes("signin.amazonaws.com")) {
        expect(detailTypes).toEqual(expect.arrayContaining(SIGN_IN_DETAIL_TYPES));
      }
    });

    it("has at least one match and one noMatch example, each described", () => {
      expect(detector.examples.match.length).toBeGreaterThan(0);
      expect(detector.examples.noMatch.length).toBeGreaterThan(0);
      for (const example of [...detector.examples.match, ...detector.examples.noMatch]) expect(example.description).not.toBe("");
    });
  });
});
