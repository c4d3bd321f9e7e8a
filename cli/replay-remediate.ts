import type { ReplayFlags } from "./replay-command.js";
/**
 * `replay --remediate`: loaded only when asked for, so plain replays and
 * --help do not pay for the AWS SDK clients and the workflow interpreter.
 */
import { Command, Option } from "commander";
import { DEFAULT_BASELINE, type Baseline } from "../core/baseline.js";
import { loadBaselineFile } from "../core/baseline-file.js";
import type { Finding } from "../core/finding.js";
import type { SuppressedFinding } from "../core/engine.js";
import { currentTime, expiredExceptions } from "../core/exceptions.js";
import { replay, type Rejection } from "../core/replay.js";
import { atLeast, SEVERITIES, type Severity } from "../core/severity.js";
import { detectors } from "../detectors/index.js";
import { EXIT, EXIT_CODES_HELP, UsageError, combineExitCodes, type ExitCode } from "./exit-codes.js";
import { Logger } from "@aws-lambda-powertools/logger";
import { denyAll, LocalWorkflow, promptApproval } from "../core/local-workflow.js";
import type { RemediationResult } from "../core/remediation.js";
import { memoryStores } from "../core/stores.js";
import type { RemediateStep } from "../core/workflow.js";
import { createRemediateHandler, type MetricsLike } from "../functions/remediate.js";
import { RemediatorCredentials } from "../remediations/credentials.js";
import { remediations } from "../remediations/registry.js";
import {
  awsClientConfig,
  callerIdentity,
  cliRegion,
  confirm,
  formatPlanBlock,
  formatPlanLine,
  formatResultLine,
  formatResultsBlock,
  planLive,
  planOffline,
  type RemediationPlanEntry,
} from "./remediate-output.js";
import { startProgress } from "./progress.js";
import { DirectorySink, JsonLinesSink, OcsfLinesSink, TableSink, type FindingSink } from "./sinks.js";
import { formatSummary, formatSuppressedTable } from "./summary.js";
import type { Io } from "./io.js";

function remediatorCredentials(baseline: Baseline): RemediatorCredentials {
  const clientConfig = awsClientConfig();
  return new RemediatorCredentials({ roleName: baseline.remediation.remediatorRoleName, clientConfig: { region: cliRegion(), ...clientConfig } });
}

/** Offline intents, or (--live) read-only plans, after the findings: indented in table format, JSON lines on stderr otherwise. */
export async function printPlans(findings: readonly Finding[], baseline: Baseline, flags: ReplayFlags, io: Io): Promise<void> {
  const byId = new Map(remediations.map((r) => [r.id, r]));
  const ordered = [...findings].sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
  const entries: RemediationPlanEntry[] = [];
  if (flags.live) {
    const credentials = remediatorCredentials(baseline);
    for (const finding of ordered) entries.push(await planLive(finding, byId, baseline, (target) => credentials.clients(target)));
  } else {
    for (const finding of ordered) entries.push(planOffline(finding, byId, baseline));
  }
  if (flags.format === "table") io.out(formatPlanBlock(entries, Boolean(flags.live)));
  else for (const entry of entries) io.err(formatPlanLine(entry));
}

const noMetrics: MetricsLike = { addDimension: () => undefined, addMetric: () => undefined, publishStoredMetrics: () => undefined } as unknown as MetricsLike;

/**
 * Runs each proposing finding through the local remediation workflow against
 * the real account. `failed` when a remediation ended failed (or its workflow
 * did): refusals, denials and dry-runs are outcomes the baseline chose.
 */
export async function applyRemediations(
  findings: readonly Finding[],
  baseline: Baseline,
  flags: ReplayFlags,
  io: Io,
  caller: string,
): Promise<{ failed: number }> {
  if (findings.length === 0) {
    io.err("trailwarden: no finding proposes a remediation: nothing to apply\n");
    return { failed: 0 };
  }
  if (!flags.yes) {
    const isTTY = Boolean((io.stdin as { isTTY?: boolean }).isTTY);
    if (!isTTY) throw new UsageError("--remediate apply asks for confirmation on a terminal; pass --yes to run without one");
    const accounts = [...new Set(findings.map((f) => f.account))].sort().join(", ");
    const question =
      `\nApply remediations for ${findings.length} finding(s) in account(s) ${accounts} as ${caller}, ` +
      `in the modes the baseline sets (approvals: ${flags.approve ?? "deny"})? [y/N] `;
    if (!(await confirm(question, io))) {
      io.err("trailwarden: not confirmed: nothing applied\n");
      return { failed: 0 };
    }
  }
  const credentials = remediatorCredentials(baseline);
  const results: RemediationResult[] = [];
  const handler = createRemediateHandler({
    remediations,
    baseline,
    clients: (target) => credentials.clients(target),
    stores: memoryStores(),
    sinks: [{ result: (result) => void results.push(result) }],
    logger: new Logger({ serviceName: "trailwarden-cli", logLevel: "SILENT" }),
    metrics: noMetrics,
  });
  const workflow = new LocalWorkflow({
    remediate: (input: RemediateStep) => handler(input),
    approve: flags.approve === "prompt" ? promptApproval({ input: io.stdin, output: process.stderr, approver: caller }) : denyAll,
  });
  const ordered = [...findings].sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
  const failures: string[] = [];
  for (const finding of ordered) {
    const outcome = await workflow.start(finding);
    if (outcome.status === "failed") failures.push(`${finding.id}: ${outcome.error}`);
  }
  if (flags.format === "table") io.out(formatResultsBlock(results));
  else for (const result of results) io.err(formatResultLine(result));
  for (const failure of failures) io.err(`trailwarden: remediation workflow failed for ${failure}\n`);
  const failed = results.filter((result) => result.status === "failed").length;
  if (failed > 0) io.err(`trailwarden: ${failed} remediation(s) failed: see their results above\n`);
  return { failed: Math.max(failed, failures.length) };
}
