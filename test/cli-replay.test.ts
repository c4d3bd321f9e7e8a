import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { cli } from "./support/cli.js";
import { FIXTURES, REPO_ROOT } from "./support/fixtures.js";

const REFERENCE = join(FIXTURES, "cloudtrail");
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tw-cli-"));
});

const record = (n: number, extra: Record<string, unknown> = {}) => ({
  eventVersion: "1.08",
  eventTime: "2024-05-01T12:00:00Z",
  eventSource: "cloudtrail.amazonaws.com",
  eventName: "DescribeTrails",
  awsRegion: "us-east-1",
  eventType: "AwsApiCall",
  recipientAccountId: "111122223333",
  eventID: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
  userIdentity: { type: "IAMUser", arn: "arn:aws:iam::111122223333:user/a", accountId: "111122223333", userName: "a" },
  ...extra,
});

const stopLogging = (n: number) => record(n, { eventName: "StopLogging", requestParameters: { name: "org-trail" } });

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function listFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe("trailwarden replay", () => {
  it("accepts all 136 reference records, warns about imperfect ones and prints findings as JSON lines", () => {
    const run = cli(["replay", REFERENCE, "--format", "jsonl"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/events read\s+136/);
    expect(run.stderr).toMatch(/rejected\s+0/);
    expect(run.stderr).toContain("eventTime taken from @timestamp: 103");
    expect(run.stderr).toContain("eventID missing: 7");
    const lines = run.stdout.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty("detector");
  });

  it.each([
    ["a binary file", "binary.json", () => Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0]), /binary content/],
    ["a truncated .json.gz", "cut.json.gz", () => gzipSync(JSON.stringify({ Records: [record(1), record(2)] })).subarray(0, 40), /truncated gzip/],
    ["JSON that is not CloudTrail", "package.json", () => '{"name":"x","dependencies":{}}', /JSON is not CloudTrail/],
    ["a 50 MB line of junk", "junk.json", () => "x".repeat(50 * 1024 * 1024), /not JSON: starts with "xxxxxxxxxxxx"/],
  ])("rejects %s with one clear line naming it, exit 3 and no stack trace", (_name, file, content, reason) => {
    const path = write(file, content());
    const run = cli(["replay", path, "--format", "jsonl"]);
    expect(run.code).toBe(3);
    const errors = run.stderr.split("\n").filter((l) => l.startsWith("trailwarden: rejected"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(path);
    expect(errors[0]).toMatch(reason);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe("");
  });

  it("rejects a missing path with exit 3, counted as a rejected file", () => {
    const run = cli(["replay", join(dir, "missing.json.gz")]);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/files rejected\s+1/);
    expect(run.stderr).toContain(`trailwarden: rejected ${join(dir, "missing.json.gz")}: no such file or directory`);
  });

  it("names the record index of a malformed record and keeps going", () => {
    const path = write("mixed.json", JSON.stringify({ Records: [stopLogging(1), { eventName: "X" }, stopLogging(3)] }));
    const run = cli(["replay", path, "--format", "jsonl"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`rejected ${path} Records[1]: eventTime is missing`);
    expect(run.stdout.trim().split("\n")).toHaveLength(2);
  });

  it("accepts a valid 50 MB single-line Records file", () => {
    const padding = "p".repeat(1000);
    const records = Array.from({ length: 50_000 }, (_, i) => record(i, { requestParameters: { padding } }));
    records.push(stopLogging(999_999));
    const text = JSON.stringify({ Records: records });
    expect(text.length).toBeGreaterThan(50 * 1024 * 1024);
    const run = cli(["replay", write("big.json", text), "--format", "jsonl"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/events read\s+50,001/);
    expect(run.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("reads CloudTrail files piped through zcat, back to back", () => {
    const files = [{ Records: [stopLogging(1)] }, { Records: [record(2), stopLogging(3)] }];
    const run = cli(["replay", "-", "--format", "jsonl"], { input: files.map((f) => JSON.stringify(f)).join("") });
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split("\n")).toHaveLength(2);
  });

  it("stops quietly when the reader of its output goes away", () => {
    const logs = write("many.json", JSON.stringify({ Records: Array.from({ length: 3000 }, (_, i) => stopLogging(i)) }));
    const run = spawnSync("bash", ["-c", `node ${JSON.stringify(join(REPO_ROOT, "dist", "cli", "main.js"))} replay ${JSON.stringify(logs)} --format jsonl | head -1`], { encoding: "utf8" });
    expect(run.stdout.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });

  it("refuses an --out that is a file before printing anything, exit 1", () => {
    const notAFolder = write("plain-file", "x");
    const run = cli(["replay", REFERENCE, "--out", notAFolder, "--format", "jsonl"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim()).toBe(`trailwarden: --out ${notAFolder}: cannot write findings there: it is a file, not a folder`);
  });

  it("writes every finding to --out, whatever --min-severity hides", () => {
    const out = join(dir, "out-all");
    const lowAndCritical = [stopLogging(1), record(2, { eventSource: "s3.amazonaws.com", eventName: "ListBuckets", userIdentity: { type: "Root", arn: "arn:aws:iam::111122223333:root", accountId: "111122223333" } })];
    const run = cli(["replay", write("sev.json", JSON.stringify({ Records: lowAndCritical })), "--out", out, "--min-severity", "critical", "--format", "jsonl"]);
    expect(run.stdout.trim().split("\n")).toHaveLength(1);
    expect(listFiles(out).filter((f) => f.includes("/findings/"))).toHaveLength(2);
  });

  it("reads stdin for -", () => {
    const run = cli(["replay", "-", "--format", "jsonl"], { input: JSON.stringify({ Records: [stopLogging(1)] }) });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ detector: "cloudtrail.logging-stopped" });
  });

  it("writes each finding once into --out, byte-identical on a second replay", () => {
    const logs = write("two.json", JSON.stringify({ Records: [stopLogging(1), stopLogging(2)] }));
    const out = join(dir, "out");
    const first = cli(["replay", logs, "--out", out, "--format", "jsonl"]);
    expect(first.code).toBe(0);
    const files = listFiles(out);
    const snapshot = files.map((f) => readFileSync(f, "utf8"));
    expect(files.filter((f) => f.includes("/findings/"))).toHaveLength(2);
    expect(files.filter((f) => f.includes("/ocsf/"))).toHaveLength(2);
    expect(files[0]).toMatch(/\/(findings|ocsf)\/year=2024\/month=05\/day=01\/[0-9a-f]{32}\.json$/);

    const second = cli(["replay", logs, "--out", out, "--format", "jsonl"]);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("(4 already present)");
    expect(listFiles(out)).toEqual(files);
    expect(files.map((f) => readFileSync(f, "utf8"))).toEqual(snapshot);
  });

  it("prints findings and a summary as a table by default", () => {
    const run = cli(["replay", write("one.json", JSON.stringify({ Records: [stopLogging(1), record(2)] }))]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/TIME\s+SEVERITY\s+DETECTOR/);
    expect(run.stdout).toContain("cloudtrail.logging-stopped");
    expect(run.stdout).toMatch(/events read\s+2/);
    expect(run.stdout).toMatch(/events matched\s+1/);
    expect(run.stdout).toMatch(/throughput\s+[\d,]+ events\/s/);
  });

  it("prints OCSF Detection Findings with --format ocsf", () => {
    const run = cli(["replay", "-", "--format", "ocsf"], { input: JSON.stringify(stopLogging(1)) });
    expect(JSON.parse(run.stdout)).toMatchObject({ class_uid: 2004 });
  });

  it("exits 2 on --fail-on, and 2 rather than 3 when input was also rejected", () => {
    const logs = write("fail.json", JSON.stringify({ Records: [stopLogging(1)] }));
    expect(cli(["replay", logs, "--fail-on", "high"]).code).toBe(2);
    expect(cli(["replay", logs, "--fail-on", "high", join(dir, "nope")]).code).toBe(2);
    expect(cli(["replay", logs, "--min-severity", "critical", "--fail-on", "info"]).code).toBe(2);
  });

  it("hides findings below --min-severity but counts them", () => {
    const rootListsBuckets = record(7, {
      eventSource: "s3.amazonaws.com",
      eventName: "ListBuckets",
      userIdentity: { type: "Root", arn: "arn:aws:iam::111122223333:root", accountId: "111122223333" },
    });
    const logs = write("min.json", JSON.stringify({ Records: [stopLogging(1), rootListsBuckets] }));
    const all = cli(["replay", logs, "--format", "jsonl"]);
    expect(all.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { severity: string }).severity).sort()).toEqual(["critical", "high"]);
    const run = cli(["replay", logs, "--min-severity", "critical", "--format", "jsonl"]);
    expect(run.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { detector: string }).detector)).toEqual(["cloudtrail.logging-stopped"]);
    expect(run.stderr).toContain("1 below --min-severity");
  });

  it("exits 1 with the file, path and expectation for an invalid baseline", () => {
    const baseline = write("bad-baseline.yaml", "regions:\n  allowed: [mars-north-1a]\n");
    const run = cli(["replay", REFERENCE, "--baseline", baseline]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `trailwarden: ${baseline}: invalid baseline: regions.allowed[0] (line 2): expected an AWS region name such as eu-west-1`,
    );
  });

  it.each([
    [["replay"], /missing required argument 'paths'/],
    [["replay", "x", "--format", "xml"], /argument 'xml' is invalid/],
    [["replay", "x", "--fail-on", "urgent"], /Allowed choices are info, low, medium, high, critical/],
    [["frobnicate"], /unknown command 'frobnicate'/],
  ])("exits 1 on a usage error: %s", (args, message) => {
    const run = cli(args);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
  });
});
