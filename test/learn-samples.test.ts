import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cli } from "./support/cli.js";

/** The bar for learned baselines, on the bundled samples. */
let learned: string;

function detectorsFired(args: string[]): string[] {
  const run = cli(["replay", ...args, "--format", "jsonl"]);
  expect(run.code).toBe(0);
  return [...new Set(run.stdout.split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { detector: string }).detector))].sort();
}

beforeAll(() => {
  learned = join(mkdtempSync(join(tmpdir(), "tw-learn-")), "learned.yaml");
  const run = cli(["baseline", "learn", "samples/routine", "--out", learned]);
  expect(run.code).toBe(0);
  expect(run.stderr).toMatch(/learned from 3,000 events/);
});

describe("a baseline learned from the routine samples", () => {
  it("leaves the routine logs without findings", () => {
    expect(detectorsFired(["samples/routine", "--baseline", learned])).toEqual([]);
  });

  it("still lets every detector that fires on the attack under the default baseline fire", () => {
    const underDefault = detectorsFired(["samples/attack"]);
    expect(underDefault.length).toBeGreaterThanOrEqual(12);
    expect(detectorsFired(["samples/attack", "--baseline", learned])).toEqual(expect.arrayContaining(underDefault));
  });
});
