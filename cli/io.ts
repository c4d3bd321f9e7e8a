import type { Readable } from "node:stream";

/** Where a command reads and writes; tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  stdin: Readable;
  /** stderr is a terminal: progress bars are only drawn there. */
  errIsTTY: boolean;
}

/**
 * A reader that closes the pipe early (`| head`) is not an error: stop
 * quietly, as Unix tools do, instead of dying with EPIPE and a stack trace.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(0);
      throw error;
    });
  }
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  stdin: process.stdin,
  errIsTTY: Boolean(process.stderr.isTTY),
};
