import { InvalidArgumentError, Option } from "commander";
import { UsageError } from "./exit-codes.js";
import { MAX_WORKERS, PARALLEL_MIN_BYTES } from "../core/replay.js";

/** `--workers auto|N`, shared by the commands that replay logs. */
export function workersOption(): Option {
  return new Option(
    "--workers <n>",
    `worker threads that read and evaluate files: auto = one per CPU (at most ${MAX_WORKERS}) when the input is ` +
      `${PARALLEL_MIN_BYTES / 1048576} MB or more; 0 = this thread only. Findings are the same either way`,
  )
    .default("auto")
    .argParser(parseWorkers);
}

export function parseWorkers(value: string): number | "auto" {
  if (value === "auto") return "auto";
  if (!/^\d+$/.test(value) || Number(value) > 64) throw new InvalidArgumentError("expected auto or a whole number from 0 to 64");
  return Number(value);
}

/** Worker threads cannot read standard input: an explicit count with `-` is a usage error (auto stays on one thread). */
export function refuseWorkersOnStdin(paths: readonly string[], workers: number | "auto"): void {
  if (typeof workers === "number" && workers > 0 && paths.includes("-")) {
    throw new UsageError(`--workers ${workers}: standard input is read on one thread (use --workers 0 or auto)`);
  }
}
