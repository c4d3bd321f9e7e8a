/**
 * Replay throughput against its floor.
 *
 *   npm run bench        (node --expose-gc dist/bench/replay-bench.js)
 *
 * 1. Generates at least 1,000,000 routine CloudTrail records of the sample
 *    organisation (scripts/samples/), with the attack story mixed in
 *    once per simulated hour so detectors fire, as gzipped `{"Records":[...]}`
 *    files of 2,500 records in CloudTrail's S3 layout, into a temporary folder
 *    (two generator processes on two cores; removed at the end).
 * 2. Measures, on the same files and in the same process, alternating:
 *    - floor:  read + gunzip + JSON.parse of each file on one thread, nothing else;
 *    - replay: `replay()` of core/replay.ts with every detector and the sample
 *              baseline (findings counted, then dropped), as `trailwarden
 *              replay` runs it: worker threads chosen by `workers: "auto"`;
 *    - replay on one thread: the same with `workers: 0` (gunzip still
 *              overlaps on libuv's thread pool), for comparison.
 *    After a warm-up of each, every mode runs BENCH_ROUNDS times (default 2);
 *    the best run of each is reported. Both replays must find the same.
 *
 * Environment: BENCH_EVENTS (routine records, default 1000000), BENCH_ROUNDS,
 * BENCH_KEEP=1 keeps the generated folder and prints its path.
 */
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { getHeapStatistics } from "node:v8";
import { gunzipSync, gzip } from "node:zlib";
import { parseBaselineText } from "../core/baseline-file.js";
import { replay } from "../core/replay.js";
import { detectors } from "../detectors/index.js";
import { sampleBaselineYaml } from "../scripts/sample-baseline.js";
import { generateAttackRecords } from "../scripts/samples/attack.js";
import { cloudTrailKey, fileWindowStart } from "../scripts/samples/layout.js";
import { Gen } from "../scripts/samples/random.js";
import { type Json, sortByTime } from "../scripts/samples/records.js";
import { generateRoutineRecords } from "../scripts/samples/routine.js";
import { HOUR } from "../scripts/samples/time.js";

const gzipAsync = promisify(gzip);

const ROUTINE_EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const RECORDS_PER_FILE = 2500;
/** Routine records per simulated hour; each hour also gets one attack story. */
const SEGMENT = 25_000;
const SEED = 0x7a11;
const EPOCH = Date.UTC(2025, 2, 3, 0, 0, 0);

// ------------------------------------------------------------------ generation (child processes)

/**
 * Generates segments `worker`, `worker + workers`, … and writes each
 * account/region's records in files of RECORDS_PER_FILE, in time order.
 * Compression runs on libuv's thread pool while the next file is built.
 */
async function generateWorker(dir: string, worker: number, workers: number, segments: number, lastSegment: number): Promise<void> {
  const buffers = new Map<string, Json[]>();
  const names = Gen.seeded(SEED * 31 + worker);
  const pending = new Set<Promise<void>>();
  let files = 0;

  const write = async (records: Json[]): Promise<void> => {
    const first = records[0]!;
    const path = join(dir, cloudTrailKey(names, first.recipientAccountId as string, first.awsRegion as string, fileWindowStart(first)));
    const text = JSON.stringify({ Records: records });
    const task = (async () => {
      const bytes = await gzipAsync(text, { level: 6 });
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bytes);
    })();
    pending.add(task);
    void task.finally(() => pending.delete(task));
    files++;
    if (pending.size >= 4) await Promise.race(pending);
  };

  for (let segment = worker; segment < segments; segment += workers) {
    const g = Gen.seeded(SEED + segment);
    const start = EPOCH + segment * HOUR;
    const count = segment === segments - 1 ? lastSegment : SEGMENT;
    const records = generateRoutineRecords(g, count, { start, end: start + HOUR });
    const attack = generateAttackRecords(g, start + g.int(HOUR / 2));
    const merged = sortByTime([...records, ...attack]);
    for (const record of merged) {
      const key = `${record.recipientAccountId as string}|${record.awsRegion as string}`;
      let buffer = buffers.get(key);
      if (!buffer) buffers.set(key, (buffer = []));
      buffer.push(record);
      if (buffer.length === RECORDS_PER_FILE) {
        buffers.set(key, []);
        await write(buffer);
      }
    }
  }
  for (const buffer of buffers.values()) if (buffer.length > 0) await write(buffer);
  await Promise.all(pending);
  process.send?.({ files });
}

async function generate(dir: string): Promise<{ workers: number; ms: number }> {
  const started = performance.now();
  const segments = Math.ceil(ROUTINE_EVENTS / SEGMENT);
  const lastSegment = ROUTINE_EVENTS - (segments - 1) * SEGMENT;
  const workers = Math.max(1, Math.min(2, availableParallelism(), segments));
  const self = fileURLToPath(import.meta.url);
  await Promise.all(
    Array.from({ length: workers }, (_, worker) => {
      const child = fork(self, ["--generate", dir, String(worker), String(workers), String(segments), String(lastSegment)], {
        // A larger young generation: the generator allocates a lot of short-lived strings.
        execArgv: ["--max-semi-space-size=64"],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      return new Promise<void>((done, fail) => {
        child.on("exit", (code) => (code === 0 ? done() : fail(new Error(`generator ${worker} exited with code ${code}`))));
        child.on("error", fail);
      });
    }),
  );
  return { workers, ms: performance.now() - started };
}

// ------------------------------------------------------------------ measurement

async function listFiles(dir: string): Promise<{ paths: string[]; bytes: number }> {
  const paths: string[] = [];
  let bytes = 0;
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else {
        paths.push(path);
        bytes += (await stat(path)).size;
      }
    }
  };
  await walk(dir);
  return { paths, bytes };
}

/** Peak heap, sampled after every file and every 10 ms the event loop is free. */
class HeapPeak {
  peak = 0;
  private timer: NodeJS.Timeout | undefined;
  start(): void {
    this.peak = getHeapStatistics().used_heap_size;
    this.timer = setInterval(() => this.sample(), 10);
  }
  sample(): void {
    const used = getHeapStatistics().used_heap_size;
    if (used > this.peak) this.peak = used;
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

interface Run {
  events: number;
  ms: number;
  heapPeak: number;
  findings: number;
  jsonBytes: number;
  summary?: Awaited<ReturnType<typeof replay>>;
}

async function runFloor(paths: readonly string[]): Promise<Run> {
  collect();
  const heap = new HeapPeak();
  heap.start();
  const started = performance.now();
  let events = 0;
  let jsonBytes = 0;
  for (const path of paths) {
    const text = gunzipSync(await readFile(path)).toString("utf8");
    jsonBytes += text.length;
    const document = JSON.parse(text) as { Records: unknown[] };
    events += document.Records.length;
    heap.sample();
  }
  const ms = performance.now() - started;
  return { events, ms, heapPeak: heap.stop(), findings: 0, jsonBytes };
}

const baseline = parseBaselineText(sampleBaselineYaml(), "samples/baseline.yaml");

async function runReplay(paths: readonly string[], workers: "auto" | 0): Promise<Run> {
  collect();
  const heap = new HeapPeak();
  heap.start();
  const started = performance.now();
  let findings = 0;
  const summary = await replay(
    { paths: [...paths], detectors, baseline, workers },
    {
      onFinding() {
        findings++;
      },
      onProgress() {
        heap.sample();
      },
    },
  );
  const ms = performance.now() - started;
  return { events: summary.eventsRead, ms, heapPeak: heap.stop(), findings, jsonBytes: 0, summary };
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

// ------------------------------------------------------------------ report

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (run: Run) => (run.events / run.ms) * 1000;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("   ")).join("\n");
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "trailwarden-bench-"));
  const keep = process.env.BENCH_KEEP === "1";
  try {
    process.stdout.write(`generating ${int(ROUTINE_EVENTS)} routine events (+ one attack story per simulated hour) in ${dir} …\n`);
    const generation = await generate(dir);
    const { paths, bytes } = await listFiles(dir);

    // Warm-up: both code paths, on a slice of the files.
    const slice = paths.slice(0, Math.max(1, Math.ceil(paths.length / 10)));
    await runFloor(slice);
    await runReplay(slice, "auto");
    await runReplay(slice, 0);

    const floors: Run[] = [];
    const replays: Run[] = [];
    const singles: Run[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      floors.push(await runFloor(paths));
      replays.push(await runReplay(paths, "auto"));
      singles.push(await runReplay(paths, 0));
    }
    const best = (runs: Run[]) => runs.reduce((a, b) => (rate(b) > rate(a) ? b : a));
    const bestFloor = best(floors);
    const bestReplay = best(replays);
    const bestSingle = best(singles);
    const ratio = rate(bestReplay) / rate(bestFloor);
    const summary = bestReplay.summary!;
    const workers = summary.workers;
    const maxRss = process.resourceUsage().maxRSS * 1024;

    const header = ["", ...floors.map((_, i) => `run ${i + 1}`), "best", "events/s", "peak heapUsed, main thread"];
    const row = (name: string, runs: Run[], best: Run) => [
      name,
      ...runs.map((r) => secs(r.ms)),
      secs(best.ms),
      int(rate(best)),
      mb(Math.max(...runs.map((r) => r.heapPeak))),
    ];
    const out = [
      "",
      "trailwarden replay benchmark",
      `  input      ${int(bestFloor.events)} events in ${int(paths.length)} files (≤ ${int(RECORDS_PER_FILE)} records each), ${mb(bytes)} gzipped, ${mb(bestFloor.jsonBytes)} of JSON`,
      `  generated  in ${secs(generation.ms)} by ${generation.workers} process(es)`,
      `  runtime    node ${process.version}, ${availableParallelism()} CPUs, ${detectors.length} detectors, sample baseline, ${ROUNDS} rounds after a warm-up`,
      "",
      table([
        header,
        row("floor  (read + gunzip + JSON.parse)", floors, bestFloor),
        row(`replay (read → normalise → detect), ${workers} worker threads`, replays, bestReplay),
        row("replay on this thread only (workers: 0)", singles, bestSingle),
      ]),
      "",
      `  ratio replay/floor   ${ratio.toFixed(2)}   (target ≥ 0.50: ${ratio >= 0.5 ? "met" : "NOT met"}; the floor runs on one thread)`,
      `  one thread only      ${(rate(bestSingle) / rate(bestFloor)).toFixed(2)}`,
      `  findings             ${int(bestReplay.findings)} from ${summary.byDetector.entries().length} detectors; ${int(summary.eventsMatched)} events matched, ${int(summary.rejected)} rejected, ${int(summary.suppressed)} suppressed`,
      `  warnings             ${[...summary.warnings.entries()].map(([k, v]) => `${k}: ${int(v)}`).join("; ") || "none"}`,
      `  peak memory          maxRSS ${mb(maxRss)} (whole process: worker threads included, all runs; generation ran in child processes)`,
      keep ? `  kept                 ${dir}` : "",
      "",
    ];
    process.stdout.write(out.join("\n"));
    const all = [...replays, ...singles];
    if (all.some((r) => r.events !== bestFloor.events)) {
      process.stderr.write(`warning: replay read ${all.map((r) => r.events).join("/")} events, the floor ${bestFloor.events}\n`);
    }
    if (all.some((r) => r.findings !== bestReplay.findings)) {
      process.stderr.write(`warning: replays found ${all.map((r) => r.findings).join("/")} findings: threads must not change the result\n`);
      process.exitCode = 1;
    }
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
if (argv[0] === "--generate") {
  const [, dir, worker, workers, segments, last] = argv;
  generateWorker(resolve(dir!), Number(worker), Number(workers), Number(segments), Number(last)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  });
}
