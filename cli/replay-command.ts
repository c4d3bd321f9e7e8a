import { Command, Option } from "commander";
import { refuseWorkersOnStdin, workersOption } from "./workers-option.js";
import { DEFAULT_BASELINE, type Baseline } from "../core/baseline.js";
import { loadBaselineFile } from "../core/baseline-file.js";
import type { Finding } from "../core/finding.js";
import type { SuppressedFinding } from "../core/engine.js";
import { currentTime, expiredExceptions } from "../core/exceptions.js";
import { replay, type Rejection } from "../core/replay.js";
import { atLeast, SEVERITIES, type Severity } from "../core/severity.js";
import { detectors } from "../detectors/index.js";
import { EXIT, EXIT_CODES_HELP, UsageError, combineExitCodes, type ExitCode } from "./exit-codes.js";
import { callerIdentity } from "./remediate-output.js";
import { startProgress } from "./progress.js";
import { DirectorySink, JsonLinesSink, OcsfLinesSink, TableSink, type FindingSink } from "./sinks.js";
import { formatSummary, formatSuppressedTable } from "./summary.js";
import type { Io } from "./io.js";

export interface ReplayFlags {
  baseline?: string;
  format: "table" | "jsonl" | "ocsf";
  out?: string;
  minSeverity: Severity;
  failOn?: Severity;
  showSuppressed?: boolean;
  remediate?: "plan" | "apply";
  live?: boolean;
  yes?: boolean;
  approve?: "deny" | "prompt";
  workers: number | "auto";
}

/** Past this many lines of rejections per file, the rest are only counted. */
const REJECTIONS_SHOWN_PER_FILE = 10;

export function replayCommand(io: Io, setExit: (code: ExitCode) => void): Command {
  return new Command("replay")
    .description("Replay archived CloudTrail logs through the detectors, locally, with no AWS account.")
    .argument("<paths...>", "files or folders of CloudTrail logs (.json, .json.gz, .jsonl), or - for stdin")
    .option("--baseline <file>", "security baseline YAML (default: built-in, trusts nothing)")
    .addOption(new Option("--format <format>", "output format").choices(["table", "jsonl", "ocsf"]).default("table"))
    .option("--out <dir>", "also write every finding in the bucket layout: findings/year=YYYY/month=MM/day=DD/<id>.json and ocsf/…")
    .addOption(new Option("--min-severity <severity>", "print findings at or above (--out still gets all)").choices([...SEVERITIES]).default("info"))
    .addOption(new Option("--fail-on <severity>", "exit 2 when a finding is at or above").choices([...SEVERITIES]))
    .addOption(workersOption())
    .option("--show-suppressed", "also list findings that baseline exceptions suppressed, with the exception's owner and expiry")
    .addOption(new Option("--remediate <what>", "plan: show each finding's remediation and its mode; apply: run them (needs --live)").choices(["plan", "apply"]))
    .option("--live", "with --remediate: use the real AWS account (read-only plan, or apply), through the remediator role")
    .option("--yes", "with --remediate apply: do not ask for confirmation")
    .addOption(new Option("--approve <how>", "with --remediate apply: who decides approval-mode remediations (default deny)").choices(["deny", "prompt"]))
    .addHelpText(
      "after",
      `
Formats:
  table  findings, then a summary (events read, rejected, matched, throughput)
  jsonl  one finding per line on stdout and nothing else; the summary goes to stderr
  ocsf   one OCSF Detection Finding per line on stdout; the summary goes to stderr

Remediation (--remediate):
  plan   offline (no AWS): for every finding that proposes a remediation, its
         mode from the baseline's remediation rules (off / dry-run / approval /
         auto, and the rule that chose it), the intended change from the
         finding alone, or why nothing will run (a guardrail refusal: protected
         principal, the pipeline's own change, kill switch). Rate limits and
         locks are not evaluated offline.
         With --live: the read-only plan against the account instead, through
         the remediator role (STS AssumeRole into each finding's account).
  apply  requires --live and AWS credentials from the default chain; asks for
         confirmation on a terminal unless --yes (without a terminal, --yes is
         required); runs every finding through the remediation workflow (the
         same state machine, run locally) in the mode the baseline sets;
         --approve deny (default) denies approval-mode steps, --approve prompt
         asks at the terminal.
  In table format the plans (or results) follow the findings table as
  indented lines. In jsonl and ocsf formats stdout keeps one finding per line;
  plans and results go to stderr as JSON lines with "type":
  "remediation-plan" or "remediation-result".
  TRAILWARDEN_AWS_ENDPOINT points every AWS client at another endpoint (moto).

Examples:
  $ trailwarden replay samples
  $ trailwarden replay samples --baseline samples/baseline.yaml --remediate plan
  $ trailwarden replay logs/ --baseline baseline.yaml --remediate plan --live
  $ trailwarden replay logs/ --baseline baseline.yaml --remediate apply --live --approve prompt
  $ trailwarden replay ./AWSLogs/111122223333/CloudTrail/ --baseline baseline.yaml
  $ trailwarden replay trail.json.gz --format jsonl | jq .summary
  $ zcat *.json.gz | trailwarden replay - --format jsonl
  $ trailwarden replay logs/ --out findings-out --fail-on high
  $ trailwarden replay logs/ --baseline baseline.yaml --show-suppressed

Baseline exceptions suppress findings of events before their expiry; replay
warns about exceptions that have expired by today (TRAILWARDEN_NOW=2027-01-01
pins "today").
${EXIT_CODES_HELP}`,
    )
    .action(async (paths: string[], flags: ReplayFlags) => {
      setExit(await runReplay(paths, flags, io));
    });
}

function checkRemediateFlags(paths: string[], flags: ReplayFlags): void {
  refuseWorkersOnStdin(paths, flags.workers);
  if (!flags.remediate) {
    const stray = [flags.live && "--live", flags.yes && "--yes", flags.approve && "--approve"].filter(Boolean);
    if (stray.length > 0) throw new UsageError(`${stray.join(", ")} only go with --remediate`);
    return;
  }
  if (flags.remediate === "apply" && !flags.live) {
    throw new UsageError("--remediate apply changes real resources and needs --live (try --remediate plan to see what it would do)");
  }
  if (flags.remediate === "plan" && (flags.yes || flags.approve)) throw new UsageError("--yes and --approve only go with --remediate apply");
  if (flags.approve === "prompt" && paths.includes("-")) throw new UsageError("--approve prompt reads answers from stdin, so logs cannot come from stdin (-)");
}

async function runReplay(paths: string[], flags: ReplayFlags, io: Io): Promise<ExitCode> {
  checkRemediateFlags(paths, flags);
  const baseline: Baseline = flags.baseline ? loadBaselineFile(flags.baseline) : DEFAULT_BASELINE;
  const caller = flags.live ? await callerIdentity(`--remediate ${flags.remediate} --live`) : undefined;
  const proposing: Finding[] = [];
  for (const { index, exception } of expiredExceptions(baseline, currentTime())) {
    io.err(
      `trailwarden: warning: exception ${index} (${exception.detector}, owner ${exception.owner}) expired on ${exception.expires}: ` +
        "it suppresses only events before that date; renew or remove it\n",
    );
  }
  const suppressed: SuppressedFinding[] = [];
  const printed: FindingSink =
    flags.format === "jsonl" ? new JsonLinesSink(io.out) : flags.format === "ocsf" ? new OcsfLinesSink(io.out) : new TableSink(io.out);
  const directory = flags.out ? await DirectorySink.open(flags.out) : undefined;

  let hidden = 0;
  let failing = 0;
  const shownPerFile = new Map<string, number>();
  const progress = startProgress(io);

  const summary = await replay(
    { paths, detectors, baseline, stdin: io.stdin, workers: flags.workers },
    {
      async onFinding(finding: Finding) {
        if (flags.failOn && atLeast(finding.severity, flags.failOn)) failing++;
        // The folder mirrors the findings bucket, which holds every finding; --min-severity is about what is shown.
        await directory?.write(finding);
        if (!atLeast(finding.severity, flags.minSeverity)) {
          hidden++;
          return;
        }
        await printed.write(finding);
        if (flags.remediate && finding.remediation) proposing.push(finding);
      },
      onRejection(rejection: Rejection) {
        const shown = (shownPerFile.get(rejection.file) ?? 0) + 1;
        shownPerFile.set(rejection.file, shown);
        if (shown <= REJECTIONS_SHOWN_PER_FILE) {
          progress.clear();
          io.err(`trailwarden: rejected ${rejection.file}${rejection.at ? ` ${rejection.at}` : ""}: ${rejection.reason}\n`);
        }
      },
      onSuppressed: (entry) => void (flags.showSuppressed && suppressed.push(entry)),
      onProgress: progress.update,
    },
  );
  progress.stop();
  for (const [file, count] of shownPerFile) {
    if (count > REJECTIONS_SHOWN_PER_FILE) {
      io.err(`trailwarden: … and ${count - REJECTIONS_SHOWN_PER_FILE} more rejected in ${file} (counted in the summary)\n`);
    }
  }
  await printed.close();
  if (flags.showSuppressed) printSuppressed(suppressed, flags.format, io);
  let remediationsFailed = 0;
  if (flags.remediate) {
    const { applyRemediations, printPlans } = await import("./replay-remediate.js");
    if (flags.remediate === "plan") await printPlans(proposing, baseline, flags, io);
    else remediationsFailed = (await applyRemediations(proposing, baseline, flags, io, caller!)).failed;
  }

  const text = formatSummary(summary, {
    hiddenBelowMinSeverity: hidden,
    written: directory && {
      root: flags.out!,
      written: directory.written,
      alreadyPresent: directory.alreadyPresent,
      differing: directory.differing.length,
    },
  });
  if (flags.format === "table") io.out(text + "\n");
  else io.err(text.trimStart() + "\n");

  return combineExitCodes([
    failing > 0 ? EXIT.findings : EXIT.ok,
    summary.rejected > 0 ? EXIT.rejectedInput : EXIT.ok,
    remediationsFailed > 0 ? EXIT.remediationFailed : EXIT.ok,
  ]);
}

/** In table format a second table on stdout; otherwise on stderr, so stdout keeps only active findings. */
function printSuppressed(entries: SuppressedFinding[], format: ReplayFlags["format"], io: Io): void {
  if (format === "table") {
    io.out(`\nSuppressed by baseline exceptions (${entries.length})\n${formatSuppressedTable(entries)}\n`);
    return;
  }
  for (const { finding, exception } of entries) {
    io.err(`trailwarden: suppressed ${finding.id} ${finding.detector} at ${finding.time}: exception of ${exception.owner} until ${exception.expires} (${exception.reason})\n`);
  }
}
