import { describe, expect, it } from "vitest";
import { cli } from "./support/cli.js";

describe("trailwarden baseline learn", () => {
  it("prints a reviewable baseline with evidence comments to stdout", () => {
    const run = cli(["baseline", "learn", "samples/routine"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^# Baseline proposed by `trailwarden baseline learn`/);
    expect(run.stdout).toMatch(/iac:\n\s+- "arn:aws:iam::\*:role\/deploy\/[^"]+"  # \d+ events, first 20\d\d-/);
  });

  it("exits 3 when input was rejected, and 1 without paths", () => {
    expect(cli(["baseline", "learn", "no/such/dir"]).code).toBe(3);
    expect(cli(["baseline", "learn"]).code).toBe(1);
  });

  it("has help with an example", () => {
    expect(cli(["baseline", "learn", "--help"]).stdout).toMatch(/\$ trailwarden baseline learn samples\/routine --out baseline.yaml/);
  });
});
