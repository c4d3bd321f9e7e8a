import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Command, Option } from "commander";
import { refuseWorkersOnStdin, workersOption } from "./workers-option.js";
import { DEFAULT_BASELINE, type Baseline } from "../core/baseline.js";
import { loadBaselineFile } from "../core/baseline-file.js";
import type { Finding } from "../core/finding.js";
import { replay, type Rejection } from "../core/replay.js";
import { atLeast, SEVERITIES, type Severity } from "../core/severity.js";
import { detectors } from "../detectors/index.js";
import { EXIT, UsageError, combineExitCodes, type ExitCode } from "./exit-codes.js";
import { formatNumber } from "./format.js";
import type { Io } from "./io.js";
import { startProgress } from "./progress.js";
import { loadChartJs, renderReportHtml } from "./report/html.js";
import { buildReportModel } from "./report/model.js";

interface ReportFlags {
  html: string;
  baseline?: string;
  minSeverity: Severity;
  workers: number | "auto";
}

/** Past this many lines of rejections per file, the rest are only counted (as `replay` does). */
const REJECTIONS_SHOWN_PER_FILE = 10;

const REPORT_EXIT_CODES_HELP = `
Exit codes:
  0  ok: the report is written
  1  usage error or invalid baseline (no report is written)
  3  some input rejected (a missing path included); the report is still written and counts it
  4  internal error (a bug in trailwarden: please report it)`;

export function reportCommand(io: Io, setExit: (code: ExitCode) => void): Command {
  return new Command("report")
    .description("Replay CloudTrail logs as `replay` does and write the findings as one self-contained HTML report.")
    .argument("<paths...>", "files or folders of CloudTrail logs (.json, .json.gz, .jsonl), or - for stdin")
    .requiredOption("--html <file>", "write the report to this file (replaced if present; - for stdout)")
    .option("--baseline <file>", "security baseline YAML (default: built-in, trusts nothing)")
    .addOption(
      new Option("--min-severity <severity>", "show findings at or above (all are still counted)").choices([...SEVERITIES]).default("info"),
    )
    .addOption(workersOption())
    .addHelpText(
      "after",
      `
The report is one HTML file with everything inline (styles, Chart.js, data): it
opens offline and can be mailed or attached to a ticket. It shows a timeline of
findings stacked by severity; counts by severity, detector, account and actor;
the top actors; and every finding with its actor, resources, MITRE ATT&CK
techniques, remediation and source record. It holds no clock time, so the same
logs give the same file. A one-line summary goes to stderr.

Examples:
  $ trailwarden report samples --baseline samples/baseline.yaml --html report.html
  $ trailwarden report ./AWSLogs/111122223333/CloudTrail/ --html incident.html --min-severity high
  $ zcat *.json.gz | trailwarden report - --html report.html
${REPORT_EXIT_CODES_HELP}`,
    )
    .action(async (paths: string[], flags: ReportFlags) => {
      setExit(await runReport(paths, flags, io));
    });
}

/** Our own version, from our package.json, for the report's footer. */
function ownVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Refuses up front an --html path that cannot be written, so a long replay is not wasted. */
function checkOutput(file: string): void {
  if (file === "-") return;
  if (file === "") throw new UsageError("--html needs a file name");
  const folder = dirname(resolve(file));
  let isFolder = false;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    // reported below
  }
  if (!isFolder) throw new UsageError(`--html ${file}: folder ${folder} does not exist`);
  try {
    if (statSync(file).isDirectory()) throw new UsageError(`--html ${file}: is a folder, not a file`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
  }
}

/** Writes beside the target, then renames: a reader never sees half a report. */
function writeReport(file: string, html: string): void {
  const temporary = `${resolve(file)}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, html, "utf8");
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write --html ${file}: ${code ?? String(error)}`);
  }
}

async function runReport(paths: string[], flags: ReportFlags, io: Io): Promise<ExitCode> {
  checkOutput(flags.html);
  refuseWorkersOnStdin(paths, flags.workers);
  const baseline: Baseline = flags.baseline ? loadBaselineFile(flags.baseline) : DEFAULT_BASELINE;
  const chart = loadChartJs();

  const shown: Finding[] = [];
  let hidden = 0;
  const shownPerFile = new Map<string, number>();
  const progress = startProgress(io);

  const summary = await replay(
    { paths, detectors, baseline, stdin: io.stdin, workers: flags.workers },
    {
      onFinding(finding: Finding) {
        if (atLeast(finding.severity, flags.minSeverity)) shown.push(finding);
        else hidden++;
      },
      onRejection(rejection: Rejection) {
        const count = (shownPerFile.get(rejection.file) ?? 0) + 1;
        shownPerFile.set(rejection.file, count);
        if (count <= REJECTIONS_SHOWN_PER_FILE) {
          progress.clear();
          io.err(`trailwarden: rejected ${rejection.file}${rejection.at ? ` ${rejection.at}` : ""}: ${rejection.reason}\n`);
        }
      },
      onProgress: progress.update,
    },
  );
  progress.stop();
  for (const [file, count] of shownPerFile) {
    if (count > REJECTIONS_SHOWN_PER_FILE) {
      io.err(`trailwarden: … and ${count - REJECTIONS_SHOWN_PER_FILE} more rejected in ${file} (counted in the report)\n`);
    }
  }

  const model = buildReportModel({
    findings: shown,
    summary,
    hiddenBelowMinSeverity: hidden,
    meta: {
      trailwardenVersion: ownVersion(),
      chartLibrary: `${chart.name} ${chart.version}`,
      inputs: paths,
      baseline: flags.baseline ?? "built-in (trusts nothing)",
      minSeverity: flags.minSeverity,
    },
  });
  const html = renderReportHtml(model, chart);
  if (flags.html === "-") io.out(html);
  else writeReport(flags.html, html);

  const where = flags.html === "-" ? "stdout" : flags.html;
  const notShown = hidden > 0 ? `, ${formatNumber(hidden)} below --min-severity not shown` : "";
  io.err(
    `trailwarden: report written to ${where}: ${formatNumber(summary.eventsRead)} events read, ` +
      `${formatNumber(summary.rejected)} rejected, ${formatNumber(summary.findings)} findings${notShown}\n`,
  );
  return combineExitCodes([summary.rejected > 0 ? EXIT.rejectedInput : EXIT.ok]);
}
