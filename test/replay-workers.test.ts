import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Baseline } from "../core/baseline.js";
import type { Detector } from "../core/detector.js";
import type { Finding } from "../core/finding.js";
import type { Rejection, ReplayOptions, ReplayHooks, ReplaySummary } from "../core/replay.js";
import { cli } from "./support/cli.js";
import { REPO_ROOT } from "./support/fixtures.js";

/**
 * Worker threads must not change what a replay finds or reports: the same
 * findings in the same order, the same rejections in the same order, the same
 * counts. Worker threads run compiled JavaScript, so this test drives the
 * build in dist/ (`npm test` compiles first), as the CLI does.
 */

interface Dist {
  replay(options: ReplayOptions, hooks: ReplayHooks): Promise<ReplaySummary>;
  detectors: readonly Detector[];
  baseline: Baseline;
}

async function loadDist(): Promise<Dist> {
  const url = (path: string) => pathToFileURL(join(REPO_ROOT, "dist", path)).href;
  const { replay } = (await import(url("core/replay.js"))) as Pick<Dist, "replay">;
  const { detectors } = (await import(url("detectors/index.js"))) as Pick<Dist, "detectors">;
  const { loadBaselineFile } = (await import(url("core/baseline-file.js"))) as { loadBaselineFile(path: string): Baseline };
  return { replay, detectors, baseline: loadBaselineFile(join(REPO_ROOT, "samples", "baseline.yaml")) };
}

interface Observed {
  findings: Finding[];
  rejections: Rejection[];
  suppressed: string[];
  summary: Record<string, unknown>;
}

async function observe(dist: Dist, paths: string[], workers: number | "auto", detectors = dist.detectors): Promise<Observed & { workers: number }> {
  const observed: Observed = { findings: [], rejections: [], suppressed: [], summary: {} };
  const summary = await dist.replay(
    { paths, detectors, baseline: dist.baseline, workers },
    {
      onFinding: (finding) => void observed.findings.push(finding),
      onRejection: (rejection) => void observed.rejections.push(rejection),
      onSuppressed: (suppressed) => void observed.suppressed.push(suppressed.finding.id),
    },
  );
  const { elapsedMs: _elapsed, workers: used, ...counts } = summary;
  observed.summary = JSON.parse(JSON.stringify(counts)) as Record<string, unknown>;
  return { ...observed, workers: used };
}

describe("replay with worker threads", () => {
  let dist: Dist;
  let dir: string;

  beforeAll(async () => {
    dist = await loadDist();
    dir = mkdtempSync(join(tmpdir(), "trailwarden-workers-"));
    // The samples twice (a re-delivered copy: duplicates across files), and input that must be rejected, in order.
    cpSync(join(REPO_ROOT, "samples"), join(dir, "a"), { recursive: true });
    cpSync(join(REPO_ROOT, "samples", "attack"), join(dir, "b-copy"), { recursive: true });
    const record = JSON.parse(readFileSync(join(REPO_ROOT, "test", "fixtures", "cloudtrail", "otrf-ec2-proxy-s3-exfiltration.jsonl"), "utf8").split("\n")[0]!) as object;
    writeFileSync(join(dir, "c-truncated.json.gz"), gzipSync(JSON.stringify({ Records: [record] })).subarray(0, 40));
    writeFileSync(join(dir, "d-binary.json"), Buffer.from([0, 1, 2, 3, 0, 255]));
    writeFileSync(join(dir, "e-lines.jsonl"), [JSON.stringify(record), "{broken", JSON.stringify({ eventName: "NoSource" }), JSON.stringify(record)].join("\n"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("finds and reports exactly what one thread does, in the same order", async () => {
    const single = await observe(dist, [dir], 0);
    const parallel = await observe(dist, [dir], 2);

    expect(single.workers).toBe(0);
    expect(parallel.workers).toBe(2);
    expect(single.findings.length).toBeGreaterThan(200);
    expect(single.rejections.length).toBeGreaterThanOrEqual(4);
    expect(parallel.findings).toEqual(single.findings);
    expect(parallel.rejections).toEqual(single.rejections);
    expect(parallel.suppressed).toEqual(single.suppressed);
    expect(parallel.summary).toEqual(single.summary);
    // The re-delivered copy was noticed as duplicates by both, not found twice.
    expect((single.summary.warnings as Record<string, number>)["duplicate event (same record seen before; no second finding)"]).toBeGreaterThan(0);
  });

  it("stays on this thread for small input when left to decide", async () => {
    expect((await observe(dist, [join(REPO_ROOT, "samples", "attack")], "auto")).workers).toBe(0);
  });

  it("starts one worker per CPU (at most 4, at most one per file) for 8 MB of input or more when left to decide", async () => {
    const big = mkdtempSync(join(tmpdir(), "trailwarden-workers-big-"));
    try {
      // Every sample record as plain JSON, in two files of over 4 MB each.
      const records = readdirSync(join(REPO_ROOT, "samples"), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith(".json.gz"))
        .flatMap((entry) => (JSON.parse(gunzipSync(readFileSync(join(entry.parentPath, entry.name))).toString("utf8")) as { Records: unknown[] }).Records);
      const text = JSON.stringify({ Records: records });
      expect(text.length).toBeGreaterThan(4 * 1024 * 1024);
      writeFileSync(join(big, "one.json"), text);
      writeFileSync(join(big, "two.json"), text);
      const expected = Math.min(availableParallelism(), 4, 2);
      expect((await observe(dist, [big], "auto")).workers).toBe(expected > 1 ? expected : 0);
    } finally {
      rmSync(big, { recursive: true, force: true });
    }
  });

  it("refuses an explicit worker count for detectors the workers cannot load, and falls back when left to decide", async () => {
    const custom: Detector = { ...dist.detectors[0]!, id: "custom.not-in-registry" };
    const paths = [join(REPO_ROOT, "samples", "attack")];
    await expect(observe(dist, paths, 2, [custom])).rejects.toThrow(/cannot replay with 2 worker threads: detector custom.not-in-registry is not in the registry/);
    expect((await observe(dist, paths, "auto", [custom])).workers).toBe(0);
  });

  it("a detector that throws in a worker fails the replay with the file named, instead of hanging", async () => {
    // A baseline no schema would accept (profiles: null) makes the profile lookup throw on the first record it judges.
    const broken = { ...dist.baseline, profiles: null } as unknown as Baseline;
    const paths = [join(REPO_ROOT, "samples", "attack")];
    const run = (workers: number) => dist.replay({ paths, detectors: dist.detectors, baseline: broken, workers }, { onFinding: () => undefined });
    await expect(run(0)).rejects.toThrow(TypeError);
    await expect(run(2)).rejects.toThrow(/^replay worker failed on .*samples\/attack\/.*: TypeError/);
  });

  it("the CLI prints the same findings with --workers 2 as with --workers 0, and says how many threads ran", () => {
    const args = ["replay", "samples", "--baseline", "samples/baseline.yaml", "--format", "jsonl"];
    const single = cli([...args, "--workers", "0"]);
    const parallel = cli([...args, "--workers", "2"]);
    expect(single.code).toBe(0);
    expect(parallel.code).toBe(0);
    expect(parallel.stdout).toBe(single.stdout);
    expect(parallel.stderr).toMatch(/events\/s \([\d.]+ s, 2 worker threads\)/);
    expect(single.stderr).not.toMatch(/worker threads/);
  });

  it("the CLI refuses a bad --workers value, and worker threads for standard input, with exit 1", () => {
    const bad = cli(["replay", "samples", "--workers", "many"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--workers.*expected auto or a whole number from 0 to 64/);
    const stdin = cli(["replay", "-", "--workers", "2"], { input: "" });
    expect(stdin.code).toBe(1);
    expect(stdin.stderr).toMatch(/--workers 2: standard input is read on one thread/);
  });
});
