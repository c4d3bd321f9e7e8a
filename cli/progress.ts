import { SingleBar } from "cli-progress";
import type { Io } from "./io.js";

/** Below this much input a replay finishes before a bar would be worth drawing. */
const LARGE_INPUT_BYTES = 20 * 1024 * 1024;

export interface Progress {
  update(done: number, total: number): void;
  /** Removes the bar for a moment so a log line can be printed cleanly. */
  clear(): void;
  stop(): void;
}

export function startProgress(io: Io): Progress {
  let bar: SingleBar | undefined;
  return {
    update(done, total) {
      if (!io.errIsTTY || total < LARGE_INPUT_BYTES) return;
      if (!bar) {
        bar = new SingleBar({
          stream: process.stderr,
          format: "replaying [{bar}] {percentage}% | {value}/{total} MB | eta {eta}s",
          hideCursor: true,
          clearOnComplete: true,
        });
        bar.start(Math.ceil(total / 1048576), 0);
      }
      bar.update(Math.floor(done / 1048576));
    },
    clear() {
      if (bar) process.stderr.write("\r\x1b[K");
    },
    stop() {
      bar?.stop();
    },
  };
}
