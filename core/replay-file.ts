import type { Readable } from "node:stream";
import { normaliseRecord, type CloudTrailRecord } from "./cloudtrail.js";
import { Counters } from "./counters.js";
import type { DetectionEngine, DetectorMatch } from "./engine.js";
import { describeFsError, loadFile, type InputFile } from "./inputs.js";
import { gunzipFile, parseLogBuffer, recordAt, unwrapRecord, type RecordGroup } from "./reader.js";

/**
 * What one file contributes to a replay, computed without touching any
 * state shared between files: the records read and accepted, warnings, and
 * in record order the rejections and the records some detector fired on.
 * The replay applies these outcomes in file order on one thread (threshold
 * windows, finding ids, exceptions), whether they were computed there or in a
 * worker thread: the results are the same either way.
 */
export interface FileOutcome {
  /** The file held CloudTrail records (some may still be rejected). */
  hadRecords: boolean;
  eventsRead: number;
  eventsAccepted: number;
  warnings: Counters;
  /** Real records that no EventBridge rule receives, by kind. */
  notEvaluated: Counters;
  steps: FileStep[];
}

export type FileStep =
  /** The whole file was refused. */
  | { kind: "file-error"; file: string; reason: string }
  /** One record was refused (already counted in eventsRead). */
  | { kind: "rejected"; file: string; at: string; reason: string }
  /** Detectors fired on this record. */
  | { kind: "hits"; record: CloudTrailRecord; hits: DetectorMatch[] };

/** The name a file goes by in messages. */
export function displayName(file: InputFile): string {
  return file.path === "-" ? "<stdin>" : file.path;
}

/**
 * Read and gunzipped (on libuv's thread pool); an unreadable or broken file
 * comes back as its outcome. Standard input is read only where `stdin` is given.
 */
export function loadInput(file: InputFile, stdin?: Readable): Promise<Buffer | FileOutcome> {
  if (file.path === "-" && !stdin) return Promise.reject(new Error("standard input is read on the main thread only"));
  return loadFile(file, stdin!).then(
    async (bytes) => {
      const decoded = await gunzipFile(displayName(file), bytes);
      return Buffer.isBuffer(decoded) ? decoded : fileErrorOutcome(decoded.file, decoded.reason);
    },
    (error: unknown) => fileErrorOutcome(file.path, describeFsError(error)),
  );
}

export function fileErrorOutcome(file: string, reason: string): FileOutcome {
  return emptyOutcome([{ kind: "file-error", file, reason }]);
}

function emptyOutcome(steps: FileStep[] = []): FileOutcome {
  return { hadRecords: false, eventsRead: 0, eventsAccepted: 0, warnings: new Counters(), notEvaluated: new Counters(), steps };
}

/**
 * Parses gunzipped `bytes`, normalises every record and runs the stateless
 * half of detection (`engine.evaluate`). `onRecord` sees each accepted record
 * before detection.
 */
export function processFile(file: string, bytes: Buffer, engine: DetectionEngine, onRecord?: (record: CloudTrailRecord) => void): FileOutcome {
  const outcome = emptyOutcome();
  for (const event of parseLogBuffer(file, bytes, { gunzipped: true })) {
    if (event.kind === "file-error") outcome.steps.push(event);
    else if (event.kind === "record-error") {
      outcome.eventsRead++;
      outcome.steps.push({ kind: "rejected", file, at: event.at, reason: event.reason });
    } else {
      outcome.hadRecords = true;
      for (const group of event.groups) processGroup(file, group, engine, outcome, onRecord);
    }
  }
  return outcome;
}

function processGroup(file: string, group: RecordGroup, engine: DetectionEngine, outcome: FileOutcome, onRecord?: (record: CloudTrailRecord) => void): void {
  const values = group.values;
  outcome.eventsRead += values.length;
  for (let i = 0; i < values.length; i++) {
    const normalised = normaliseRecord(unwrapRecord(values[i]));
    if (!normalised.ok) {
      if (normalised.unrouted) outcome.notEvaluated.add(normalised.reason);
      else outcome.steps.push({ kind: "rejected", file, at: recordAt(group, i), reason: normalised.reason });
      continue;
    }
    outcome.eventsAccepted++;
    for (const warning of normalised.warnings) outcome.warnings.add(warning);
    onRecord?.(normalised.record);
    const hits = engine.evaluate(normalised.record);
    if (hits) outcome.steps.push({ kind: "hits", record: normalised.record, hits });
  }
}
