import { availableParallelism } from "node:os";
import type { Readable } from "node:stream";
import type { Baseline } from "./baseline.js";
import type { CloudTrailRecord } from "./cloudtrail.js";
import { Counters } from "./counters.js";
import type { Detector } from "./detector.js";
import { DetectionEngine, type SuppressedFinding } from "./engine.js";
import type { Finding } from "./finding.js";
import { listInputs, type InputFile } from "./inputs.js";
import { displayName, loadInput, processFile, type FileOutcome } from "./replay-file.js";
/** A rejected file or record, as the user should see it: where, and why. */
export interface Rejection {
  file: string;
  at?: string;
  reason: string;
}

export interface ReplayHooks {
  onFinding(finding: Finding): void | Promise<void>;
  /** Every accepted record, after normalisation and before detection. */
  onRecord?(record: CloudTrailRecord): void;
  onSuppressed?(suppressed: SuppressedFinding): void;
  onRejection?(rejection: Rejection): void;
  onSkipped?(file: string, reason: string): void;
  /** Called once the inputs are known, then after each file. */
  onProgress?(bytesDone: number, bytesTotal: number): void;
}

export interface ReplaySummary {
  /** Files whose content was read (some of their records may still be rejected). */
  files: number;
  /** Files or paths refused whole: missing, unreadable, not CloudTrail. */
  filesRejected: number;
  eventsRead: number;
  eventsAccepted: number;
  eventsMatched: number;
  findings: number;
  suppressed: number;
  /** Files and records refused; `rejections` says why. */
  rejected: number;
  rejections: Counters;
  /** Real records that no EventBridge rule receives (network activity events, Insights): read, not evaluated. */
  notEvaluated: Counters;
  warnings: Counters;
  skipped: Counters;
  bySeverity: Counters;
  byDetector: Counters;
  /** Worker threads that read and evaluated the files; 0 when the replay ran on the calling thread alone. */
  workers: number;
  elapsedMs: number;
}

export interface ReplayOptions {
  paths: string[];
  detectors: readonly Detector[];
  baseline: Baseline;
  stdin?: Readable;
  /**
   * Worker threads that read, parse and evaluate files in parallel (the
   * compiled build only; standard input and `onRecord` keep a replay on the
   * calling thread). `auto`: one per CPU, at most MAX_WORKERS, when the input
   * is at least PARALLEL_MIN_BYTES in two files or more. Default 0: none.
   * The results are the same whatever the number.
   */
  workers?: number | "auto";
}

/**
 * Threshold windows further than this behind the newest event are forgotten
 * between files: logs read roughly in time order stay exact, memory stays flat.
 */
const WINDOW_LAG_MS = 24 * 3600 * 1000;
export const MAX_WORKERS = 4;
/** Below this much input (as stored), starting workers costs more than it saves. */
export const PARALLEL_MIN_BYTES = 8 * 1024 * 1024;

/**
 * The local pipeline: read → normalise → detect. Each file's outcome
 * (core/replay-file.ts) is computed either on this thread, with the next file
 * loaded and gunzipped (on libuv's thread pool) while the current one is
 * processed, or by worker threads (core/replay-pool.ts); outcomes are applied
 * in file order here, so the findings are the same either way. Memory holds
 * two files per thread at most.
 */
export async function replay(options: ReplayOptions, hooks: ReplayHooks): Promise<ReplaySummary> {
  const started = performance.now();
  const engine = new DetectionEngine(options.detectors, { baseline: options.baseline });
  const summary: ReplaySummary = {
    files: 0,
    filesRejected: 0,
    eventsRead: 0,
    eventsAccepted: 0,
    eventsMatched: 0,
    findings: 0,
    suppressed: 0,
    rejected: 0,
    rejections: new Counters(),
    notEvaluated: new Counters(),
    warnings: engine.warnings,
    skipped: new Counters(),
    bySeverity: new Counters(),
    byDetector: new Counters(),
    workers: 0,
    elapsedMs: 0,
  };
  const { files, problems } = await listInputs(options.paths);
  for (const problem of problems) {
    if (problem.kind === "skipped") {
      summary.skipped.add(problem.reason);
      hooks.onSkipped?.(problem.file, problem.reason);
    } else {
      summary.filesRejected++;
      reject({ file: problem.file, reason: problem.reason });
    }
  }

  const total = files.reduce((sum, file) => sum + file.size, 0);
  let done = 0;
  hooks.onProgress?.(0, total);
  summary.workers = await workerCount(options, hooks, files, total);
  const outcomes =
    summary.workers > 0
      ? (await import("./replay-pool.js")).poolOutcomes(files, summary.workers, options.detectors, options.baseline)
      : inThisThread(files, engine, options.stdin ?? process.stdin, hooks.onRecord);
  let i = 0;
  for await (const outcome of outcomes) {
    await apply(outcome);
    done += files[i++]!.size;
    hooks.onProgress?.(done, total);
    engine.forgetOldWindows(WINDOW_LAG_MS);
  }
  summary.elapsedMs = performance.now() - started;
  return summary;

  async function apply(outcome: FileOutcome): Promise<void> {
    if (outcome.hadRecords) summary.files++;
    summary.eventsRead += outcome.eventsRead;
    summary.eventsAccepted += outcome.eventsAccepted;
    summary.warnings.addAll(outcome.warnings.entries());
    summary.notEvaluated.addAll(outcome.notEvaluated.entries());
    for (const step of outcome.steps) {
      if (step.kind === "file-error") {
        summary.filesRejected++;
        reject({ file: step.file, reason: step.reason });
        continue;
      }
      if (step.kind === "rejected") {
        reject({ file: step.file, at: step.at, reason: step.reason });
        continue;
      }
      const settled = engine.settle(step.record, step.hits);
      const result = settled instanceof Promise ? await settled : settled;
      if (result.findings.length + result.suppressed.length > 0) summary.eventsMatched++;
      for (const finding of result.findings) {
        summary.findings++;
        summary.bySeverity.add(finding.severity);
        summary.byDetector.add(finding.detector);
        await hooks.onFinding(finding);
      }
      for (const suppressed of result.suppressed) {
        summary.suppressed++;
        hooks.onSuppressed?.(suppressed);
      }
    }
  }

  function reject(rejection: Rejection): void {
    summary.rejected++;
    // Group by the reason without its particulars, so the summary stays short.
    summary.rejections.add(rejection.reason.replace(/ \([^)]*\)$/, ""));
    hooks.onRejection?.(rejection);
  }
}

/** File outcomes computed here, the next file loading while the current one is processed. */
async function* inThisThread(files: readonly InputFile[], engine: DetectionEngine, stdin: Readable, onRecord?: (record: CloudTrailRecord) => void): AsyncGenerator<FileOutcome> {
  let next = files.length > 0 ? loadInput(files[0]!, stdin) : undefined;
  for (let i = 0; i < files.length; i++) {
    const loaded = await next!;
    next = i + 1 < files.length ? loadInput(files[i + 1]!, stdin) : undefined;
    yield Buffer.isBuffer(loaded) ? processFile(displayName(files[i]!), loaded, engine, onRecord) : loaded;
  }
}

/** How many workers to start: 0 to stay on this thread. An explicit number that cannot be honoured is an error. */
async function workerCount(options: ReplayOptions, hooks: ReplayHooks, files: readonly InputFile[], total: number): Promise<number> {
  const asked = options.workers ?? 0;
  const auto = asked === "auto";
  let count = auto ? (total >= PARALLEL_MIN_BYTES ? Math.min(availableParallelism(), MAX_WORKERS) : 0) : Math.max(0, Math.floor(asked));
  count = Math.min(count, files.length);
  if (count <= 1 && auto) return 0;
  if (count === 0) return 0;
  const why = hooks.onRecord
    ? "onRecord needs every record on this thread"
    : files.some((f) => f.path === "-")
      ? "standard input is read on this thread"
      : (await import("./replay-pool.js")).poolUnavailable(options.detectors, options.baseline, (await import("../detectors/index.js")).detectors);
  if (why === undefined) return count;
  if (auto) return 0;
  throw new Error(`cannot replay with ${count} worker threads: ${why}`);
}
