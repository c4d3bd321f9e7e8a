import { Logger } from "@aws-lambda-powertools/logger";
import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
import type { STSClient } from "@aws-sdk/client-sts";
import { z } from "zod";
import { DEFAULT_BASELINE, type Baseline } from "../core/baseline.js";
import { loadBaselineFile } from "../core/baseline-file.js";
import { canonicalJson } from "../core/canonical-json.js";
import type { Finding } from "../core/finding.js";
import { assertNotRefused, evaluateGuardrails, takeLock, type GuardrailDecision } from "../core/guardrails.js";
import { resolveMode, REMEDIATION_MODES } from "../core/remediation-config.js";
import { classifyAwsError, RemediationError, VerificationFailedError } from "../core/remediation-errors.js";
import { RESULT_STATUSES, type AwsClients, type Plan, type Remediation, type RemediationResult } from "../core/remediation.js";
import { SEVERITIES } from "../core/severity.js";
import { memoryStores, type RemediationStores } from "../core/stores.js";
import type { CaughtError, RemediateStep, RemediationSink, WorkflowState } from "../core/workflow.js";
import { remediatorClients as credentialClients } from "../remediations/credentials.js";
import { remediations as registry } from "../remediations/registry.js";

/**
 * The `remediate` function: one handler for every Task state of the
 * remediation workflow, dispatched on `step` (core/workflow.ts). It finds the
 * finding's remediation in the registry and runs it with clients for the
 * finding's account and region.
 */

/** The finding names no remediation, or one this deployment does not have. Not retried. */
export class UnknownRemediationError extends RemediationError {
  override name = "UnknownRemediationError";
}

/** The state machine sent something that is not a step input. Not retried. */
export class InvalidStepInputError extends RemediationError {
  override name = "InvalidStepInputError";
}

const FindingShape = z.looseObject({
  id: z.string().min(1),
  detector: z.string().min(1),
  severity: z.enum(SEVERITIES),
  account: z.string().min(1),
  region: z.string().min(1),
  actor: z.looseObject({ type: z.string() }),
  resources: z.array(z.looseObject({ type: z.string(), id: z.string() })),
  remediation: z.string().optional(),
});
const GuardrailShape = z.looseObject({ remediation: z.string().min(1), mode: z.enum(REMEDIATION_MODES), approvalTimeoutSeconds: z.number() });
const PlanShape = z.looseObject({ remediation: z.string(), needed: z.boolean(), resource: z.looseObject({ type: z.string(), id: z.string() }) });
const Run = { finding: FindingShape, guardrails: GuardrailShape };

const StepSchema = z.discriminatedUnion("step", [
  z.object({ step: z.literal("guardrails"), finding: FindingShape }),
  z.object({ step: z.literal("plan"), ...Run, approvedPlan: PlanShape.optional() }),
  z.object({ step: z.literal("request-approval"), ...Run, plan: PlanShape, taskToken: z.string().min(1) }),
  z.object({ step: z.literal("apply"), ...Run, plan: PlanShape }),
  z.object({ step: z.literal("verify"), ...Run, plan: PlanShape }),
  z.object({
    step: z.literal("publish"),
    outcome: z.object({ status: z.enum(RESULT_STATUSES), reason: z.string().optional() }),
    run: z.looseObject({ finding: FindingShape }),
  }),
]);

export interface RemediateDependencies {
  remediations: readonly Remediation[];
  baseline: Baseline;
  /** Clients for the finding's account and region (in the cloud: the remediator role, assumed). */
  clients(target: { account: string; region: string }): AwsClients;
  stores: RemediationStores;
  sinks: readonly RemediationSink[];
  now?: () => Date;
  logger?: Logger;
  metrics?: MetricsLike;
}

/** The part of Powertools Metrics the handler uses; tests pass a no-op. */
export type MetricsLike = Pick<Metrics, "addDimension" | "addMetric" | "publishStoredMetrics">;

/** SDK errors become the classes the workflow retries or catches by name; our own errors and bugs keep theirs. */
async function classified<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RemediationError || !(error as { $metadata?: unknown } | null)?.$metadata) throw error;
    throw classifyAwsError(error);
  }
}

/** The plan in `off` mode: the remediation's intent, from the finding alone; no call reaches the account. */
function offlinePlan(remediation: Remediation, finding: Finding): Plan {
  const intent = remediation.intent(finding);
  return {
    remediation: remediation.id,
    findingId: finding.id,
    account: finding.account,
    region: finding.region,
    resource: finding.resources[0] ?? { type: "AWS::::Account", id: finding.account, account: finding.account },
    needed: true,
    summary: intent.summary,
    current: null,
    intended: { changes: intent.changes },
  };
}

/** The same change: same resource and same intended state (what was read may differ; what is written may not). */
export function sameChange(a: Plan, b: Plan): boolean {
  return canonicalJson([a.remediation, a.resource, a.intended]) === canonicalJson([b.remediation, b.resource, b.intended]);
}

/** AWS puts the Lambda's error JSON in Cause; the local interpreter puts the message. */
export function caughtError(caught: CaughtError): { name: string; message: string } {
  try {
    const parsed = JSON.parse(caught.Cause ?? "") as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === "string") return { name: caught.Error, message: parsed.errorMessage };
  } catch {
    // Not JSON: the message itself.
  }
  return { name: caught.Error, message: caught.Cause ?? caught.Error };
}

export function createRemediateHandler(deps: RemediateDependencies) {
  const logger = deps.logger ?? new Logger({ serviceName: "trailwarden-remediate" });
  const metrics = deps.metrics ?? new Metrics({ namespace: "trailwarden", serviceName: "remediate" });
  const now = deps.now ?? (() => new Date());
  const { baseline, stores } = deps;
  const byId = new Map(deps.remediations.map((r) => [r.id, r]));

  function lookup(id: string | undefined, finding: Finding): Remediation {
    const remediation = id === undefined ? undefined : byId.get(id);
    if (!remediation) {
      throw new UnknownRemediationError(
        id === undefined ? `finding ${finding.id} (${finding.detector}) proposes no remediation` : `no remediation with id '${id}' in this deployment`,
      );
    }
    return remediation;
  }

  const aws = (finding: Finding) => deps.clients({ account: finding.account, region: finding.region });

  async function plan(finding: Finding, guardrails: GuardrailDecision, approvedPlan?: Plan) {
    const remediation = lookup(guardrails.remediation, finding);
    const planned = guardrails.mode === "off" ? offlinePlan(remediation, finding) : await classified(() => remediation.plan(finding, aws(finding)));
    assertNotRefused(finding, baseline, [planned.resource]);
    return approvedPlan ? { plan: planned, matchesApproved: sameChange(planned, approvedPlan) } : planned;
  }

  function result(outcome: { status: RemediationResult["status"]; reason?: string }, run: WorkflowState): RemediationResult {
    const { finding, guardrails } = run;
    const error = run.error ? caughtError(run.error) : undefined;
    let status = outcome.status;
    if (status === "failed" && error?.name === "GuardrailRefusedError") status = "refused";
    const plan = run.replan?.plan ?? run.plan;
    const mode = guardrails?.mode ?? resolveMode(baseline.remediation, { detector: finding.detector, account: finding.account, severity: finding.severity }).mode;
    const approver = run.approval?.approver ? `approved by ${run.approval.approver}` : undefined;
    const reasons: (string | undefined)[] = [outcome.reason, ...(guardrails?.reasons ?? [])];
    if (status === "not-needed" && !outcome.reason) reasons.unshift(plan?.summary);
    if (status === "denied") reasons.unshift(`denied${run.approval?.approver ? ` by ${run.approval.approver}` : ""}${run.approval?.reason ? `: ${run.approval.reason}` : ""}`);
    if (status === "verified") reasons.unshift(run.verification?.detail, approver);
    if ((status === "failed" || status === "refused") && error) reasons.unshift(error.message);
    const reason = reasons.filter((r): r is string => Boolean(r)).join("; ");
    return {
      findingId: finding.id,
      remediation: guardrails?.remediation ?? finding.remediation ?? "(none)",
      status,
      mode,
      account: finding.account,
      region: finding.region,
      ...(plan ? { plan } : {}),
      ...((status === "failed" || status === "refused") && error ? { error } : {}),
      ...(reason ? { reason } : {}),
    };
  }

  async function run(input: RemediateStep): Promise<unknown> {
    switch (input.step) {
      case "guardrails": {
        const { finding } = input;
        assertNotRefused(finding, baseline);
        const remediation = lookup(finding.remediation, finding);
        const decision = await evaluateGuardrails({ finding, remediation, baseline, stores, now: now() });
        logger.info("guardrails", { mode: decision.mode, configuredMode: decision.configuredMode, reasons: decision.reasons });
        return decision;
      }
      case "plan":
        return plan(input.finding, input.guardrails, input.approvedPlan);
      case "request-approval": {
        const request = { finding: input.finding, plan: input.plan, guardrails: input.guardrails, taskToken: input.taskToken };
        for (const sink of deps.sinks) await classified(async () => sink.approvalRequested?.(request));
        logger.info("approval requested", { timeoutSeconds: input.guardrails.approvalTimeoutSeconds });
        return { requested: true };
      }
      case "apply": {
        const { finding, guardrails, plan: approved } = input;
        // Checked again at the last moment: the kill switch may have been thrown while an approval waited.
        assertNotRefused(finding, baseline, [approved.resource]);
        if (!approved.needed) return { applied: false };
        await takeLock(finding, guardrails, stores, now().getTime());
        const remediation = lookup(guardrails.remediation, finding);
        await classified(() => remediation.apply(approved, aws(finding)));
        logger.info("applied", { summary: approved.summary });
        return { applied: true };
      }
      case "verify": {
        const remediation = lookup(input.guardrails.remediation, input.finding);
        const verification = await classified(() => remediation.verify(input.finding, aws(input.finding)));
        if (!verification.compliant) throw new VerificationFailedError(verification.detail);
        return verification;
      }
      case "publish": {
        const published = result(input.outcome, input.run);
        for (const sink of deps.sinks) await classified(async () => sink.result(published));
        if (input.run.guardrails?.lock) await stores.locks.release(input.run.guardrails.lock, input.run.finding.id);
        metrics.addDimension("status", published.status);
        metrics.addMetric("RemediationResults", MetricUnit.Count, 1);
        logger.info("result", { status: published.status, mode: published.mode, reason: published.reason });
        return published;
      }
    }
  }

  return async function handler(input: unknown): Promise<unknown> {
    const parsed = StepSchema.safeParse(input);
    try {
      if (!parsed.success) {
        metrics.addMetric("RejectedStepInputs", MetricUnit.Count, 1);
        const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(input)"}: ${i.message}`);
        throw new InvalidStepInputError(`not a remediate step input: ${issues.join("; ")}`);
      }
      const step = parsed.data as unknown as RemediateStep;
      const finding = step.step === "publish" ? step.run.finding : step.finding;
      logger.appendKeys({ step: step.step, findingId: finding.id, remediation: finding.remediation });
      return await run(step);
    } catch (error) {
      logger.error("step failed", error as Error);
      throw error;
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

/**
 * Clients that act as the remediator role in the finding's account, assumed
 * with the session name the guardrails recognise as the pipeline's own
 * (remediations/credentials.ts: cached per account until shortly before expiry).
 */
export function remediatorClients(roleName: string, sts?: STSClient) {
  return credentialClients({ roleName, ...(sts ? { sts } : {}) });
}

/** Results as structured logs, until the stack wires the SNS, S3 and Slack sinks. */
export function loggerSink(logger: Logger): RemediationSink {
  return {
    result: (result) => logger.info("remediation result", { result }),
    approvalRequested: (request) => logger.info("approval requested", { findingId: request.finding.id, plan: request.plan }),
  };
}

function baselineFromEnvironment(): Baseline {
  const file = process.env.TRAILWARDEN_BASELINE;
  return file ? loadBaselineFile(file) : DEFAULT_BASELINE;
}

const cloudBaseline = baselineFromEnvironment();
const cloudLogger = new Logger({ serviceName: "trailwarden-remediate" });

/**
 * The deployed handler. Its stores are in memory until the DynamoDB stores
 * land, so rate limits and locks hold per Lambda instance, not globally.
 */
export const handler = createRemediateHandler({
  remediations: registry,
  baseline: cloudBaseline,
  clients: remediatorClients(cloudBaseline.remediation.remediatorRoleName),
  stores: memoryStores(),
  sinks: [loggerSink(cloudLogger)],
  logger: cloudLogger,
});
