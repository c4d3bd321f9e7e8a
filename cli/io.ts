import type { Readable } from "node:stream";

/** Where a command reads and writes; tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  stdin: Readable;
  /** stderr is a terminal: progress bars are only drawn there. */
  errIsTTY: boolean;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  stdin: process.stdin,
  errIsTTY: Boolean(process.stderr.isTTY),
};
