import { readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import * as errors from "../core/remediation-errors.js";
import type { Remediation } from "../core/remediation.js";
import { detectors } from "../detectors/index.js";
import { REMEDIATION_IDS } from "./index.js";
import { remediations } from "./registry.js";

/** Registry meta-tests (STYLE.md) over every remediation. */

const HERE = dirname(fileURLToPath(import.meta.url));

function remediationFiles(dir = HERE): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return remediationFiles(path);
    if (dir === HERE || !entry.name.endsWith(".ts") || entry.name.endsWith(".test.ts")) return [];
    return [path];
  });
}

describe("remediation registry", () => {
  it("has one remediation per file, with the id of its path, every file registered", async () => {
    const files = remediationFiles();
    expect(files).toHaveLength(remediations.length);
    for (const file of files) {
      const module = (await import(pathToFileURL(file).href)) as { default: Remediation };
      expect(module.default.id, file).toBe(relative(HERE, file).replace(/\.ts$/, "").split("/").join("."));
      expect(remediations).toContain(module.default);
    }
  });

  it("implements every remediation a detector may propose, and at least 15", () => {
    expect(remediations.length).toBeGreaterThanOrEqual(15);
    expect(remediations.map((r) => r.id).sort()).toEqual([...REMEDIATION_IDS].sort());
    for (const detector of detectors) if (detector.remediation) expect(REMEDIATION_IDS, detector.id).toContain(detector.remediation);
  });

  it.each(remediations.map((r) => [r.id, r] as const))("%s declares least-privilege permissions: no * action, service:Action form", (_id, remediation) => {
    expect(remediation.permissions.length).toBeGreaterThan(0);
    for (const permission of remediation.permissions) {
      expect(permission.resources.length).toBeGreaterThan(0);
      for (const action of permission.actions) {
        expect(action).not.toBe("*");
        expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+\*?$/);
        expect(action.split(":")[1]).not.toBe("*");
      }
    }
  });

  it("names every error class after itself, which is what Step Functions matches", () => {
    const classes = Object.entries(errors).filter(([, value]) => typeof value === "function" && value.prototype instanceof Error) as [string, new (m: string) => Error][];
    expect(classes.length).toBeGreaterThanOrEqual(8);
    for (const [exported, ErrorClass] of classes) expect(new ErrorClass("x").name).toBe(exported);
  });
});
