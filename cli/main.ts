#!/usr/bin/env node
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { BaselineError } from "../core/baseline-file.js";
import { baselineCommand } from "./baseline-command.js";
import { detectorsCommand } from "./detectors-command.js";
import { EXIT, EXIT_CODES_HELP, UsageError, type ExitCode } from "./exit-codes.js";
import { exitQuietlyOnClosedPipe, processIo, type Io } from "./io.js";
import { remediationsCommand } from "./remediations-command.js";
import { replayCommand } from "./replay-command.js";
import { reportCommand } from "./report-command.js";

/** Exit code for a bug in trailwarden itself, so scripts can tell it from bad input. */
const INTERNAL_ERROR = 4;

/** Our own version, from our package.json (npm_package_version would be the caller's project). */
function ownVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

export function buildProgram(io: Io, setExit: (code: ExitCode) => void): Command {
  const program = new Command("trailwarden")
    .description("Detect and remediate AWS security drift from CloudTrail, locally or deployed.")
    .version(ownVersion())
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .addHelpText(
      "after",
      `
Examples:
  $ trailwarden replay samples
  $ trailwarden replay ./AWSLogs --baseline baseline.yaml --format jsonl
  $ trailwarden report samples --baseline samples/baseline.yaml --html report.html
  $ trailwarden detectors list --format json
  $ trailwarden remediations list
  $ trailwarden replay samples --baseline samples/baseline.yaml --remediate plan
${EXIT_CODES_HELP}`,
    );
  program.addCommand(replayCommand(io, setExit));
  program.addCommand(reportCommand(io, setExit));
  program.addCommand(detectorsCommand(io));
  program.addCommand(remediationsCommand(io));
  program.addCommand(baselineCommand(io, setExit));
  program.exitOverride();
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
    for (const sub of command.commands) sub.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  }
  return program;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are exits too, but successful ones.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof BaselineError || error instanceof UsageError) {
      io.err(`trailwarden: ${error.message}\n`);
      return EXIT.usage;
    }
    io.err(`trailwarden: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.TRAILWARDEN_DEBUG) io.err(`${error instanceof Error ? error.stack : ""}\n`);
    else io.err("trailwarden: set TRAILWARDEN_DEBUG=1 to see the stack trace\n");
    return INTERNAL_ERROR;
  }
}

function isEntryPoint(): boolean {
  const invoked = process.argv[1];
  if (!invoked) return false;
  try {
    return realpathSync(invoked) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  exitQuietlyOnClosedPipe();
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
