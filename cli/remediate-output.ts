import { createInterface } from "node:readline/promises";
import type { Baseline } from "../core/baseline.js";
import type { Finding } from "../core/finding.js";
import { staticRefusal } from "../core/guardrails.js";
import { resolveMode, type RemediationMode } from "../core/remediation-config.js";
import type { AwsClients, Intent, Plan, Remediation, RemediationResult, RemediationRisk } from "../core/remediation.js";
import { UsageError } from "./exit-codes.js";
import type { Io } from "./io.js";

/**
 * `replay --remediate plan|apply`: what each finding's remediation would do,
 * and why nothing will run when nothing will. Offline, the change shown is
 * the remediation's `intent` (from the finding alone); with `--live` it is the
 * read-only `plan` against the account.
 */

/** What happens to one finding's remediation. */
export type PlanOutcome =
  /** The change is made without asking (auto). */
  | "would-apply"
  /** The change waits for a person's approval. */
  | "needs-approval"
  /** Only the plan is published (dry-run). */
  | "dry-run"
  /** Mode off: recorded only. */
  | "off"
  /** A guardrail refuses: protected principal, own change, kill switch. */
  | "refused"
  /** The live plan found nothing to change. */
  | "not-needed"
  /** The remediation is not in this build. */
  | "unavailable"
  /** intent or plan failed. */
  | "error";

export interface RemediationPlanEntry {
  findingId: string;
  detector: string;
  severity: string;
  account: string;
  region: string;
  remediation: string;
  risk?: RemediationRisk;
  outcome: PlanOutcome;
  mode?: RemediationMode;
  /** The mode the baseline's rules chose and the rule that chose it (`modes[i]` or `defaultMode`). */
  configuredMode?: RemediationMode;
  modeSource?: string;
  /** Why nothing runs, or why the mode was lowered. */
  reasons: string[];
  intent?: Intent;
  /** Only with --live: the read-only plan against the account. */
  plan?: Plan;
}

/** Endpoint override for every SDK client (TRAILWARDEN_AWS_ENDPOINT, e.g. a moto server). */
export function awsClientConfig(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const endpoint = env.TRAILWARDEN_AWS_ENDPOINT;
  return endpoint ? { endpoint, forcePathStyle: true } : {};
}

export function cliRegion(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1";
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]!.trim();
}

/**
 * The caller's identity from the SDK's default credential chain, or a
 * UsageError (one line, exit 1) when there are no usable credentials.
 */
export async function callerIdentity(what: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  // The SDK's notice about its future Node versions is not about this command; keep its stderr to one line.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // Loaded here, not at start-up: only --live needs the SDK.
  const { GetCallerIdentityCommand, STSClient } = await import("@aws-sdk/client-sts");
  const sts = new STSClient({ region: cliRegion(env), ...awsClientConfig(env), maxAttempts: 2 });
  try {
    const credentials = sts.config.credentials as unknown as () => Promise<unknown>;
    await credentials();
  } catch (error) {
    throw new UsageError(
      `${what} needs AWS credentials, and the default credential chain has none (environment, shared config/credentials files, SSO, container or instance role): ${firstLine(error)}`,
    );
  }
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return identity.Arn ?? "(unknown caller)";
  } catch (error) {
    throw new UsageError(`${what} needs valid AWS credentials: STS GetCallerIdentity failed: ${firstLine(error)}`);
  } finally {
    sts.destroy();
  }
}

/** The mode and refusals for one finding, without stores: rate limits and locks are not evaluated. */
export function planOffline(finding: Finding, byId: ReadonlyMap<string, Remediation>, baseline: Baseline): RemediationPlanEntry {
  const id = finding.remediation!;
  const entry: RemediationPlanEntry = {
    findingId: finding.id,
    detector: finding.detector,
    severity: finding.severity,
    account: finding.account,
    region: finding.region,
    remediation: id,
    outcome: "off",
    reasons: [],
  };
  const remediation = byId.get(id);
  if (!remediation) return { ...entry, outcome: "unavailable", reasons: [`no remediation '${id}' in this build`] };
  entry.risk = remediation.risk;
  const config = baseline.remediation;
  const chosen = resolveMode(config, { detector: finding.detector, account: finding.account, severity: finding.severity });
  entry.configuredMode = chosen.mode;
  entry.modeSource = chosen.source;
  let mode = chosen.mode;
  if (mode === "auto" && remediation.risk === "high" && !config.allowAutoHighRisk.includes(remediation.id)) {
    mode = "approval";
    entry.reasons.push(`${remediation.id} is high-risk and the baseline does not list it in allowAutoHighRisk`);
  }
  entry.mode = mode;
  const refusal = staticRefusal(finding, baseline);
  if (refusal) return { ...entry, outcome: "refused", reasons: [refusal] };
  try {
    entry.intent = remediation.intent(finding);
  } catch (error) {
    return { ...entry, outcome: "error", reasons: [`intent failed: ${firstLine(error)}`] };
  }
  entry.outcome = OUTCOME_OF_MODE[mode];
  if (mode === "off") entry.reasons.unshift(`mode off (${chosen.source}): the finding is recorded, nothing is planned or changed`);
  if (mode === "dry-run") entry.reasons.unshift(`dry-run (${chosen.source}): the plan is published, nothing is changed`);
  return entry;
}

const OUTCOME_OF_MODE: Record<RemediationMode, PlanOutcome> = { off: "off", "dry-run": "dry-run", approval: "needs-approval", auto: "would-apply" };

/** The offline entry, then (unless refused or off) the read-only plan against the account. */
export async function planLive(
  finding: Finding,
  byId: ReadonlyMap<string, Remediation>,
  baseline: Baseline,
  clients: (target: { account: string; region: string }) => AwsClients,
): Promise<RemediationPlanEntry> {
  const entry = planOffline(finding, byId, baseline);
  if (!["would-apply", "needs-approval", "dry-run"].includes(entry.outcome)) return entry;
  const remediation = byId.get(entry.remediation)!;
  try {
    const plan = await remediation.plan(finding, clients({ account: finding.account, region: finding.region }));
    entry.plan = plan;
    const refusal = staticRefusal(finding, baseline, [plan.resource]);
    if (refusal) return { ...entry, outcome: "refused", reasons: [refusal] };
    if (!plan.needed) return { ...entry, outcome: "not-needed", reasons: [plan.summary] };
  } catch (error) {
    const name = (error as { name?: string } | null)?.name;
    return { ...entry, outcome: "error", reasons: [`plan failed: ${name && name !== "Error" ? `${name}: ` : ""}${firstLine(error)}`] };
  }
  return entry;
}

const OUTCOME_TEXT: Record<PlanOutcome, string> = {
  "would-apply": "would change automatically (auto)",
  "needs-approval": "would change after approval",
  "dry-run": "plan only, nothing changes",
  off: "nothing runs",
  refused: "refused by a guardrail, nothing runs",
  "not-needed": "nothing to change",
  unavailable: "nothing runs",
  error: "nothing runs",
};

/** Indented lines for the table format, one block per finding. */
export function formatPlanBlock(entries: readonly RemediationPlanEntry[], live: boolean): string {
  const lines = [`\nRemediation plan${live ? " (live, read-only)" : " (offline: intent from the finding alone)"}: ${entries.length} finding(s) propose a remediation`];
  for (const e of entries) {
    lines.push(`  ${e.findingId}  ${e.detector} (${e.severity}, ${e.account}/${e.region})`);
    lines.push(`    ${e.remediation}${e.risk ? ` [risk ${e.risk}]` : ""}: ${OUTCOME_TEXT[e.outcome]}`);
    if (e.mode) {
      const lowered = e.configuredMode && e.configuredMode !== e.mode ? `, lowered from ${e.configuredMode}` : "";
      lines.push(`    mode: ${e.mode} (${e.modeSource}${lowered})`);
    }
    const change = e.plan ?? e.intent;
    if (change && e.outcome !== "refused" && e.outcome !== "error") {
      lines.push(`    intended change: ${change.summary}`);
      for (const line of e.intent && !e.plan ? e.intent.changes : []) lines.push(`      - ${line}`);
      if (e.plan && e.outcome !== "not-needed") lines.push(`      intended: ${JSON.stringify(e.plan.intended)}`);
    }
    for (const reason of e.reasons) lines.push(`    reason: ${reason}`);
  }
  return lines.join("\n") + "\n";
}

/** One JSON object per line (stderr in jsonl/ocsf formats). */
export function formatPlanLine(entry: RemediationPlanEntry): string {
  return JSON.stringify({ type: "remediation-plan", ...entry }) + "\n";
}

export function formatResultLine(result: RemediationResult): string {
  return JSON.stringify({ type: "remediation-result", ...result }) + "\n";
}

export function formatResultsBlock(results: readonly RemediationResult[]): string {
  const lines = [`\nRemediation results: ${results.length}`];
  for (const r of results) {
    lines.push(`  ${r.findingId}  ${r.remediation}: ${r.status} (mode ${r.mode}, ${r.account}/${r.region})`);
    if (r.reason) lines.push(`    ${r.reason}`);
  }
  return lines.join("\n") + "\n";
}

/** Asks once on the terminal; true only for y/yes. */
export async function confirm(question: string, io: Io): Promise<boolean> {
  const prompt = createInterface({ input: io.stdin, output: process.stderr, terminal: false });
  try {
    const answer = await prompt.question(question);
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    prompt.close();
  }
}
