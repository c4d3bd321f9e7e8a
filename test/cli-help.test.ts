import { describe, expect, it } from "vitest";
import { cli } from "./support/cli.js";

describe("--help", () => {
  it.each([[[]], [["replay"]], [["detectors"]], [["detectors", "list"]]])("of `trailwarden %j` shows options and an example", (command) => {
    const run = cli([...command, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: trailwarden/);
    expect(run.stdout).toMatch(/Options:/);
    expect(run.stdout).toMatch(/\$ trailwarden /);
  });

  it("documents the exit codes on replay", () => {
    const run = cli(["replay", "--help"]);
    expect(run.stdout).toMatch(/Exit codes:[\s\S]*3\s+some input rejected/);
  });
});

describe("trailwarden detectors list", () => {
  it("lists every detector as JSON with its events and remediation", () => {
    const run = cli(["detectors", "list", "--format", "json"]);
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as { id: string; eventNames: string[]; mitre: string[] }[];
    expect(list.length).toBeGreaterThanOrEqual(12);
    expect(list.find((d) => d.id === "cloudtrail.logging-stopped")).toMatchObject({ eventNames: ["StopLogging"], mitre: ["T1562.008"] });
  });

  it("prints a table by default", () => {
    const run = cli(["detectors", "list"]);
    expect(run.stdout).toMatch(/^ID\s+SEVERITY\s+MITRE/);
    expect(run.stdout).toMatch(/\d+ detectors/);
  });
});
