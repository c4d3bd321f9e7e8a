import type { Readable } from "node:stream";
import type { Baseline } from "./baseline.js";
import { normaliseRecord, type CloudTrailRecord } from "./cloudtrail.js";
import { Counters } from "./counters.js";
import type { Detector } from "./detector.js";
import { DetectionEngine, type SuppressedFinding } from "./engine.js";
import type { Finding } from "./finding.js";
import { describeFsError, listInputs, loadFile, type InputFile, type InputProblem } from "./inputs.js";
import { parseLogBuffer, type ParsedEvent } from "./reader.js";

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
  elapsedMs: number;
}

export interface ReplayOptions {
  paths: string[];
  detectors: readonly Detector[];
  baseline: Baseline;
  stdin?: Readable;
}

/**
 * Threshold windows further than this behind the newest event are forgotten
 * between files: logs read roughly in time order stay exact, memory stays flat.
 */
const WINDOW_LAG_MS = 24 * 3600 * 1000;

/**
 * The local pipeline: read → normalise → detect. Files are loaded one ahead
 * of the one being processed, so disk and gunzip overlap with detection
 * without holding more than two files in memory.
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
    elapsedMs: 0,
  };
  const stdin = options.stdin ?? process.stdin;
  const { files, problems } = await listInputs(options.paths);
  for (const problem of problems) await handle(problem);

  const total = files.reduce((sum, file) => sum + file.size, 0);
  let done = 0;
  hooks.onProgress?.(0, total);
  let next = files.length > 0 ? load(files[0]!) : undefined;
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const bytes = await next!;
    next = i + 1 < files.length ? load(files[i + 1]!) : undefined;
    if (bytes instanceof Error) await handle({ kind: "file-error", file: file.path, reason: bytes.message });
    else {
      const events = parseLogBuffer(displayName(file), bytes);
      if (events.some((e) => e.kind === "records")) summary.files++;
      for (const event of events) await handle(event);
    }
    done += file.size;
    hooks.onProgress?.(done, total);
    engine.forgetOldWindows(WINDOW_LAG_MS);
  }
  summary.elapsedMs = performance.now() - started;
  return summary;

  function load(file: InputFile): Promise<Buffer | Error> {
    return loadFile(file, stdin).catch((error: unknown) => new Error(describeFsError(error)));
  }

  async function handle(event: ParsedEvent | InputProblem): Promise<void> {
    switch (event.kind) {
      case "skipped":
        summary.skipped.add(event.reason);
        hooks.onSkipped?.(event.file, event.reason);
        return;
      case "file-error":
        summary.filesRejected++;
        reject({ file: event.file, reason: event.reason });
        return;
      case "record-error":
        summary.eventsRead++;
        reject({ file: event.file, at: event.at, reason: event.reason });
        return;
      case "records":
        for (const { raw, at } of event.records) {
          summary.eventsRead++;
          const normalised = normaliseRecord(raw);
          if (!normalised.ok) {
            if (normalised.unrouted) summary.notEvaluated.add(normalised.reason);
            else reject({ file: event.file, at, reason: normalised.reason });
            continue;
          }
          summary.eventsAccepted++;
          for (const warning of normalised.warnings) summary.warnings.add(warning);
          hooks.onRecord?.(normalised.record);
          const processed = engine.process(normalised.record);
          const result = processed instanceof Promise ? await processed : processed;
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
  }

  function reject(rejection: Rejection): void {
    summary.rejected++;
    // Group by the reason without its particulars, so the summary stays short.
    summary.rejections.add(rejection.reason.replace(/ \([^)]*\)$/, ""));
    hooks.onRejection?.(rejection);
  }
}

function displayName(file: InputFile): string {
  return file.path === "-" ? "<stdin>" : file.path;
}
