/**
 * A replay worker thread (core/replay-pool.ts): computes the outcome of each
 * file it is sent with the same code as a single-threaded replay.
 */
import { parentPort, workerData } from "node:worker_threads";
import { detectors as registry } from "../detectors/index.js";
import { DetectionEngine } from "./engine.js";
import { displayName, loadInput, processFile } from "./replay-file.js";
import { toWire, type WorkerReply, type WorkerSetup, type WorkerTask } from "./replay-pool.js";

const setup = workerData as WorkerSetup;
const byId = new Map(registry.map((d) => [d.id, d]));
const engine = new DetectionEngine(
  setup.detectorIds.map((id) => byId.get(id)!),
  { baseline: setup.baseline },
);
const port = parentPort!;

port.on("message", (task: WorkerTask) => {
  // Loading starts at once, so the next file reads and gunzips while this thread processes the current one.
  void loadInput(task.file)
    .then((loaded) => {
      const outcome = Buffer.isBuffer(loaded) ? processFile(displayName(task.file), loaded, engine) : loaded;
      port.postMessage({ seq: task.seq, outcome: toWire(outcome) } satisfies WorkerReply);
    })
    .catch((error: unknown) => {
      port.postMessage({ seq: task.seq, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies WorkerReply);
    });
});
