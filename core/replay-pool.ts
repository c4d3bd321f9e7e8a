import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Baseline } from "./baseline.js";
import type { CloudTrailRecord } from "./cloudtrail.js";
import { Counters } from "./counters.js";
import type { Detector, DetectorHit } from "./detector.js";
import type { InputFile } from "./inputs.js";
import type { FileOutcome, FileStep } from "./replay-file.js";

/**
 * Worker threads that compute file outcomes (core/replay-file.ts) in
 * parallel, handed back in file order. Each worker reads, gunzips, parses,
 * normalises and runs the stateless half of detection for the files it is
 * given; the replay applies the outcomes in order on its own thread, so
 * threshold windows, finding ids and exceptions come out exactly as in a
 * single-threaded replay.
 */

export interface WorkerSetup {
  detectorIds: string[];
  baseline: Baseline;
}

export interface WorkerTask {
  seq: number;
  file: InputFile;
}

export type WorkerReply = { seq: number; outcome: WireOutcome } | { seq: number; error: string };

/** A FileOutcome as it crosses threads: counters as entries, detectors by id. */
export interface WireOutcome {
  hadRecords: boolean;
  eventsRead: number;
  eventsAccepted: number;
  warnings: [string, number][];
  notEvaluated: [string, number][];
  steps: WireStep[];
}

type WireStep =
  | Exclude<FileStep, { kind: "hits" }>
  | { kind: "hits"; record: CloudTrailRecord; hits: { detector: string; hit: DetectorHit }[] };

export function toWire(outcome: FileOutcome): WireOutcome {
  return {
    hadRecords: outcome.hadRecords,
    eventsRead: outcome.eventsRead,
    eventsAccepted: outcome.eventsAccepted,
    warnings: outcome.warnings.entries(),
    notEvaluated: outcome.notEvaluated.entries(),
    steps: outcome.steps.map((step) =>
      step.kind === "hits" ? { kind: "hits", record: step.record, hits: step.hits.map(({ detector, hit }) => ({ detector: detector.id, hit })) } : step,
    ),
  };
}

function fromWire(wire: WireOutcome, detectors: ReadonlyMap<string, Detector>): FileOutcome {
  const warnings = new Counters();
  warnings.addAll(wire.warnings);
  const notEvaluated = new Counters();
  notEvaluated.addAll(wire.notEvaluated);
  const steps = wire.steps.map((step): FileStep => {
    if (step.kind !== "hits") return step;
    return { kind: "hits", record: step.record, hits: step.hits.map(({ detector, hit }) => ({ detector: detectors.get(detector)!, hit })) };
  });
  return { hadRecords: wire.hadRecords, eventsRead: wire.eventsRead, eventsAccepted: wire.eventsAccepted, warnings, notEvaluated, steps };
}

const WORKER_URL = new URL("./replay-worker.js", import.meta.url);
/** Files handed to a worker before it answers: the next one loads while the current one is processed. */
const IN_FLIGHT_PER_WORKER = 2;
/** How far ahead of the file being applied the workers may run (outcomes wait on the main thread meanwhile). */
const MAX_AHEAD = 8;

/** Why `size` workers cannot replay these detectors with this baseline, or undefined when they can. */
export function poolUnavailable(detectors: readonly Detector[], baseline: Baseline, registry: readonly Detector[]): string | undefined {
  if (!existsSync(fileURLToPath(WORKER_URL))) return "the compiled worker (dist/core/replay-worker.js) is missing: run npm run build";
  const known = new Map(registry.map((d) => [d.id, d]));
  const foreign = detectors.find((d) => known.get(d.id) !== d);
  if (foreign) return `detector ${foreign.id} is not in the registry (workers load detectors/index.ts)`;
  try {
    structuredClone(baseline);
  } catch {
    return "the baseline cannot be copied to a worker thread";
  }
  return undefined;
}

interface Deferred {
  promise: Promise<FileOutcome>;
  resolve(outcome: FileOutcome): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve!: (outcome: FileOutcome) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<FileOutcome>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  // Awaited in order later; a rejection before then must not count as unhandled.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * The outcomes of `files`, in their order, computed by `size` workers.
 * Workers are stopped when the iteration ends, however it ends.
 */
export async function* poolOutcomes(files: readonly InputFile[], size: number, detectors: readonly Detector[], baseline: Baseline): AsyncGenerator<FileOutcome> {
  const byId = new Map(detectors.map((d) => [d.id, d]));
  const setup: WorkerSetup = { detectorIds: detectors.map((d) => d.id), baseline };
  const results = new Map<number, Deferred>();
  const inFlight = new Map<Worker, number>();
  let nextToSend = 0;
  let applied = 0;
  let closing = false;
  /** Once a worker has failed, every file still to come fails with it: nothing waits on a dead thread. */
  let broken: Error | undefined;

  const failAll = (error: Error) => {
    broken ??= error;
    for (const result of results.values()) result.reject(error);
  };
  const dispatch = () => {
    for (const [worker, count] of inFlight) {
      let n = count;
      while (n < IN_FLIGHT_PER_WORKER && nextToSend < files.length && nextToSend - applied < MAX_AHEAD) {
        const seq = nextToSend++;
        const result = deferred();
        results.set(seq, result);
        if (broken) {
          result.reject(broken);
          continue;
        }
        const task: WorkerTask = { seq, file: files[seq]! };
        worker.postMessage(task);
        n++;
      }
      inFlight.set(worker, n);
    }
  };

  const workers: Worker[] = [];
  try {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER_URL, { workerData: setup });
      workers.push(worker);
      inFlight.set(worker, 0);
      worker.on("message", (reply: WorkerReply) => {
        inFlight.set(worker, (inFlight.get(worker) ?? 1) - 1);
        const result = results.get(reply.seq);
        if ("error" in reply) result?.reject(new Error(`replay worker failed on ${files[reply.seq]?.path}: ${reply.error}`));
        else result?.resolve(fromWire(reply.outcome, byId));
        dispatch();
      });
      worker.on("messageerror", (error) => failAll(new Error(`replay worker sent a message that could not be read: ${error.message}`)));
      worker.on("error", (error) => failAll(new Error(`replay worker crashed: ${error.message}`)));
      worker.on("exit", (code) => {
        if (!closing) failAll(new Error(`replay worker exited unexpectedly (code ${code})`));
      });
    }
    dispatch();
    for (let seq = 0; seq < files.length; seq++) {
      const outcome = await results.get(seq)!.promise;
      results.delete(seq);
      applied = seq + 1;
      dispatch();
      yield outcome;
    }
  } finally {
    closing = true;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
