import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { cli, type CliRun } from "./support/cli.js";
import { REPO_ROOT } from "./support/fixtures.js";

/** The CLI with a controlled environment: no AWS credentials unless given. */
function cliWithEnv(args: string[], env: Record<string, string>): CliRun {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("AWS_") && !key.startsWith("TRAILWARDEN_")));
  const result = spawnSync(process.execPath, [join(REPO_ROOT, "dist", "cli", "main.js"), ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: { ...clean, ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dir: string;
let noCredentials: Record<string, string>;
let proposing: { id: string; remediation: string }[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tw-remediate-"));
  writeFileSync(join(dir, "config"), "");
  writeFileSync(join(dir, "credentials"), "");
  noCredentials = {
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_REGION: "us-east-1",
  };
  const run = cli(["replay", "samples", "--baseline", "samples/baseline.yaml", "--format", "jsonl"]);
  proposing = run.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: string; remediation?: string })
    .filter((f): f is { id: string; remediation: string } => typeof f.remediation === "string");
});

/** The indented block under one finding in the table output's remediation plan. */
function blockOf(stdout: string, findingId: string): string {
  const plan = stdout.slice(stdout.indexOf("Remediation plan"));
  const start = plan.indexOf(`  ${findingId}  `);
  if (start < 0) return "";
  const rest = plan.slice(start + 1);
  const end = rest.search(/\n {2}[0-9a-f]{32} {2}|\n\n/);
  return end < 0 ? rest : rest.slice(0, end);
}

describe("trailwarden remediations list", () => {
  it("lists every remediation with risk, permissions and the detectors that propose it", () => {
    const run = cli(["remediations", "list", "--format", "json"]);
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as { id: string; title: string; risk: string; permissions: string[]; detectors: string[] }[];
    expect(list.length).toBeGreaterThanOrEqual(15);
    for (const r of list) {
      expect(r.title).not.toBe("");
      expect(["low", "high"]).toContain(r.risk);
      expect(r.permissions.length).toBeGreaterThan(0);
      for (const action of r.permissions) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
    }
    expect(list.find((r) => r.id === "s3.restore-public-access-block")?.detectors).toContain("s3.public-access-block-removed");
  });

  it("prints a table and has help with examples", () => {
    const table = cli(["remediations", "list"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+RISK\s+PERMISSIONS\s+PROPOSED BY\s+TITLE/);
    expect(table.stdout).toMatch(/\d+ remediations/);
    const help = cli(["remediations", "list", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Examples:");
    expect(help.stdout).toContain("trailwarden remediations list --format json");
  });
});

describe("trailwarden replay --remediate plan (offline)", () => {
  it("prints, under every finding that proposes a remediation, its intended change or a reason, with its mode", () => {
    expect(proposing.length).toBeGreaterThan(5);
    const run = cli(["replay", "samples", "--baseline", "samples/baseline.yaml", "--remediate", "plan"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Remediation plan (offline: intent from the finding alone): ${proposing.length} finding(s)`);
    // After the findings table, before the summary.
    const plan = run.stdout.indexOf("Remediation plan");
    expect(run.stdout.indexOf("SEVERITY  DETECTOR")).toBeLessThan(plan);
    expect(run.stdout.lastIndexOf(proposing[0]!.id)).toBeGreaterThan(plan);
    for (const finding of proposing) {
      const block = blockOf(run.stdout, finding.id);
      expect(block, finding.id).toContain(finding.remediation);
      expect(block, finding.id).toMatch(/mode: (off|dry-run|approval|auto) \((defaultMode|modes\[\d+\])/);
      expect(block, finding.id).toMatch(/intended change: |reason: /);
    }
  });

  it("shows the rule that chose the mode, the high-risk lowering and guardrail refusals", () => {
    const baseline = join(dir, "baseline.yaml");
    writeFileSync(
      baseline,
      readFileSync(join(REPO_ROOT, "samples", "baseline.yaml"), "utf8") +
        `
remediation:
  defaultMode: auto
  modes:
    - { detector: "s3.*", mode: off }
  killSwitch: ["999999999999"]
`,
    );
    const run = cli(["replay", "samples", "--baseline", baseline, "--remediate", "plan", "--format", "jsonl"]);
    expect(run.code).toBe(0);
    // stdout keeps one finding per line; the plans are JSON lines on stderr.
    const findings = run.stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(findings.every((f) => typeof f.detector === "string" && f.type === undefined)).toBe(true);
    const plans = run.stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { type: string; findingId: string; detector: string; outcome: string; mode?: string; modeSource?: string; risk?: string; reasons: string[] });
    expect(plans.every((p) => p.type === "remediation-plan")).toBe(true);
    expect(plans.map((p) => p.findingId).sort()).toEqual(proposing.map((f) => f.id).sort());
    for (const p of plans) {
      if (p.outcome === "refused") {
        expect(p.reasons.join(" ")).toMatch(/protected principal|own changes|kill switch/);
        continue;
      }
      if (p.detector.startsWith("s3.")) {
        expect(p).toMatchObject({ mode: "off", modeSource: "modes[0]", outcome: "off" });
        expect(p.reasons[0]).toMatch(/^mode off \(modes\[0\]\)/);
      } else if (p.risk === "high") {
        expect(p).toMatchObject({ mode: "approval", modeSource: "defaultMode", outcome: "needs-approval" });
        expect(p.reasons.join(" ")).toContain("allowAutoHighRisk");
      } else {
        expect(p).toMatchObject({ mode: "auto", outcome: "would-apply" });
      }
    }
  });

  it("reports a kill-switch refusal as the reason nothing runs", () => {
    const baseline = join(dir, "killed.yaml");
    writeFileSync(baseline, readFileSync(join(REPO_ROOT, "samples", "baseline.yaml"), "utf8") + `\nremediation:\n  killSwitch: ["111122223333"]\n`);
    const run = cli(["replay", "samples", "--baseline", baseline, "--remediate", "plan"]);
    expect(run.code).toBe(0);
    const refused = proposing.filter((f) => blockOf(run.stdout, f.id).includes("refused by a guardrail"));
    expect(refused.length).toBeGreaterThan(0);
    for (const f of refused) expect(blockOf(run.stdout, f.id)).toMatch(/reason: .*(kill switch is on for account 111122223333|protected principal|own changes)/);
  });
});

describe("trailwarden replay --remediate apply", () => {
  it("refuses without --live: exit 1, one line, nothing replayed or changed", () => {
    const run = cliWithEnv(["replay", "samples", "--baseline", "samples/baseline.yaml", "--remediate", "apply"], noCredentials);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^trailwarden: --remediate apply .*needs --live/);
  });

  it("refuses with --live but no AWS credentials: exit 1, a clear message, no stack trace", () => {
    const run = cliWithEnv(["replay", "samples", "--baseline", "samples/baseline.yaml", "--remediate", "apply", "--live", "--yes"], noCredentials);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^trailwarden: --remediate apply --live needs AWS credentials/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr).not.toContain("internal error");
  });

  it("rejects the apply-only flags without --remediate", () => {
    const run = cli(["replay", "samples", "--live"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--live only go with --remediate");
  });
});

describe("trailwarden replay --remediate plan --live (moto)", () => {
  it("plans read-only through the remediator role against the endpoint, with a change or a reason for every finding", () => {
    const run = cliWithEnv(["replay", "samples", "--baseline", "samples/baseline.yaml", "--remediate", "plan", "--live"], {
      ...noCredentials,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      TRAILWARDEN_AWS_ENDPOINT: inject("motoEndpoint"),
    });
    expect(run.stderr).not.toContain("internal error");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Remediation plan (live, read-only)");
    for (const finding of proposing) expect(blockOf(run.stdout, finding.id), finding.id).toMatch(/intended change: |reason: /);
  });
});
