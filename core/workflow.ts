import { RETRYABLE_ERRORS } from "./remediation-errors.js";
import type { Finding } from "./finding.js";
import type { GuardrailDecision } from "./guardrails.js";
import type { Plan, RemediationResult, ResultStatus } from "./remediation.js";

/**
 * The remediation state machine (DESIGN.md): one generic definition, plain
 * ASL JSON, deployed by the stack and run by the local interpreter alike.
 *
 *   Guardrails → Plan → ChooseMode
 *     off        → RecordOff                                   → Publish (planned, mode off)
 *     not needed → NotNeeded                                   → Publish (not-needed)
 *     dry-run    → PlanOnly                                    → Publish (planned)
 *     approval   → PrepareApproval → RequestApproval (.waitForTaskToken; timeout = deny → Expired)
 *                  → ApprovalDecision → approve: RePlan → StillWanted
 *                       no longer needed / not the change approved → Publish (not-needed)
 *                       same change → AdoptReplan → Apply
 *                  → deny: Denied → Publish (denied)
 *     auto       → Apply (Retry: throttling and 5xx, backoff + jitter) → Verify (bounded re-checks) → Verified → Publish
 *   every Catch → PublishFailure (`failed`, or `refused` for GuardrailRefusedError)
 *
 * Task states call the `remediate` function with `{ step, ... }` (RemediateStep);
 * their Resource is the placeholder `${RemediateFunctionArn}`, which the stack
 * fills through DefinitionSubstitutions and the local runner replaces with a
 * plain Lambda ARN (whose result Step Functions does not wrap in `Payload`).
 *
 * Exactly once: the execution name is the finding id. On AWS, StartExecution
 * with the name and input of a running execution succeeds and returns the
 * original execution (its startDate is before the call); with a different
 * input, or once the execution has closed, it fails with
 * ExecutionAlreadyExists. Both are duplicates (`startOutcome` below); the local
 * runner keeps the set of names itself.
 */

/** The placeholder Task states name as their Resource; see `substituteFunctionArn`. */
export const REMEDIATE_FUNCTION_PLACEHOLDER = "${RemediateFunctionArn}";
export const REMEDIATE_FUNCTION_SUBSTITUTION = "RemediateFunctionArn";

export const WORKFLOW_STEPS = ["guardrails", "plan", "request-approval", "apply", "verify", "publish"] as const;
export type WorkflowStep = (typeof WORKFLOW_STEPS)[number];

/** The Task states that call the remediate function, by the step they run. */
export const TASK_STATES = {
  Guardrails: "guardrails",
  Plan: "plan",
  RequestApproval: "request-approval",
  RePlan: "plan",
  Apply: "apply",
  Verify: "verify",
  Publish: "publish",
  PublishFailure: "publish",
} as const satisfies Record<string, WorkflowStep>;
export type TaskStateName = keyof typeof TASK_STATES;

/** What a Slack (or local) approver answers, through SendTaskSuccess with this JSON as output. */
export interface ApprovalDecision {
  decision: "approve" | "deny";
  approver?: string;
  reason?: string;
}

/** A denial may also arrive as SendTaskFailure with this error name. */
export const APPROVAL_DENIED_ERROR = "ApprovalDeniedError";

/** The error a Catch records at `$.error`: AWS puts the Lambda's `{errorType, errorMessage, trace}` JSON in Cause. */
export interface CaughtError {
  Error: string;
  Cause?: string;
}

/** What the Publish states send: the whole execution state as it stands. */
export interface WorkflowState {
  finding: Finding;
  guardrails?: GuardrailDecision;
  plan?: Plan;
  approval?: ApprovalDecision;
  replan?: { plan: Plan; matchesApproved: boolean };
  verification?: { compliant: boolean; detail: string };
  outcome?: { status: ResultStatus; reason?: string };
  error?: CaughtError;
}

export type RemediateStep =
  | { step: "guardrails"; finding: Finding }
  | { step: "plan"; finding: Finding; guardrails: GuardrailDecision; approvedPlan?: Plan }
  | { step: "request-approval"; finding: Finding; guardrails: GuardrailDecision; plan: Plan; taskToken: string }
  | { step: "apply"; finding: Finding; guardrails: GuardrailDecision; plan: Plan }
  | { step: "verify"; finding: Finding; guardrails: GuardrailDecision; plan: Plan }
  | { step: "publish"; outcome: { status: ResultStatus; reason?: string }; run: WorkflowState };

/** What the approval seam receives: the finding, its plan, why it waits, and the token that resolves it. */
export interface ApprovalRequest {
  finding: Finding;
  plan: Plan;
  guardrails: GuardrailDecision;
  taskToken: string;
}

/** Where results and approval requests go: SNS, S3 and Slack in the cloud; files or memory locally. */
export interface RemediationSink {
  result(result: RemediationResult): Promise<void> | void;
  approvalRequested?(request: ApprovalRequest): Promise<void> | void;
}

/** Step Functions' own Lambda errors, retried as AWS recommends for Lambda tasks. */
const LAMBDA_SERVICE_ERRORS = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"];

export const TRANSIENT_RETRY = {
  ErrorEquals: [...RETRYABLE_ERRORS, ...LAMBDA_SERVICE_ERRORS],
  IntervalSeconds: 2,
  MaxAttempts: 5,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: "FULL",
} as const;

/** Another remediation holds the resource: wait for it (about 25 minutes in all), then fail visibly. */
export const BUSY_RETRY = {
  ErrorEquals: ["ResourceBusyError"],
  IntervalSeconds: 30,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 600,
  JitterStrategy: "FULL",
} as const;

/** Verify re-reads while the change propagates (IAM is eventually consistent): 5, 10, 20, 40 s. */
export const VERIFY_RETRY = {
  ErrorEquals: ["VerificationFailedError"],
  IntervalSeconds: 5,
  MaxAttempts: 4,
  BackoffRate: 2,
} as const;

const CATCH_ALL = [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "PublishFailure" }];

function task(step: WorkflowStep, parameters: Record<string, unknown>, rest: Record<string, unknown>) {
  return {
    Type: "Task",
    Resource: REMEDIATE_FUNCTION_PLACEHOLDER,
    Parameters: { step, ...parameters },
    ...rest,
  };
}

function outcome(status: ResultStatus, reason?: string) {
  return { Type: "Pass", Result: reason ? { status, reason } : { status }, ResultPath: "$.outcome", Next: "Publish" };
}

const RUN = { "finding.$": "$.finding", "guardrails.$": "$.guardrails" };

export type WorkflowDefinition = Record<string, unknown> & { StartAt: string; States: Record<string, Record<string, unknown>> };

/** The state machine definition, with the `${RemediateFunctionArn}` placeholder in every Task. */
export function buildRemediationWorkflow(): WorkflowDefinition {
  return {
    Comment: "trailwarden remediation: guardrails, plan, then off | dry-run | approval | auto; every outcome is published. Generated by core/workflow.ts.",
    StartAt: "Guardrails",
    States: {
      Guardrails: task("guardrails", { "finding.$": "$.finding" }, {
        ResultPath: "$.guardrails",
        Retry: [TRANSIENT_RETRY, BUSY_RETRY],
        Catch: CATCH_ALL,
        Next: "Plan",
      }),
      Plan: task("plan", RUN, { ResultPath: "$.plan", Retry: [TRANSIENT_RETRY], Catch: CATCH_ALL, Next: "ChooseMode" }),
      ChooseMode: {
        Type: "Choice",
        Choices: [
          { Variable: "$.guardrails.mode", StringEquals: "off", Next: "RecordOff" },
          { Variable: "$.plan.needed", BooleanEquals: false, Next: "NotNeeded" },
          { Variable: "$.guardrails.mode", StringEquals: "dry-run", Next: "PlanOnly" },
          { Variable: "$.guardrails.mode", StringEquals: "approval", Next: "PrepareApproval" },
          { Variable: "$.guardrails.mode", StringEquals: "auto", Next: "Apply" },
        ],
        Default: "PlanOnly",
      },
      RecordOff: outcome("planned", "remediation mode is off for this finding: recorded only, nothing read or changed"),
      NotNeeded: outcome("not-needed"),
      PlanOnly: outcome("planned", "dry-run: the plan is published, nothing is changed"),
      PrepareApproval: {
        Type: "Pass",
        Comment:
          "Copies the timeout to $.Payload.guardrails, a path that resolves both in the state input (AWS) and in the Parameters output (the local interpreter reads TimeoutSecondsPath there).",
        Parameters: { guardrails: { "approvalTimeoutSeconds.$": "$.guardrails.approvalTimeoutSeconds" } },
        ResultPath: "$.Payload",
        Next: "RequestApproval",
      },
      RequestApproval: {
        Type: "Task",
        Comment: "The approval seam (Slack): the function is given the finding, its plan and a task token; SendTaskSuccess with an ApprovalDecision resumes it.",
        Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
        Parameters: {
          FunctionName: REMEDIATE_FUNCTION_PLACEHOLDER,
          Payload: { step: "request-approval", ...RUN, "plan.$": "$.plan", "taskToken.$": "$$.Task.Token" },
        },
        TimeoutSecondsPath: "$.Payload.guardrails.approvalTimeoutSeconds",
        ResultPath: "$.approval",
        Retry: [TRANSIENT_RETRY],
        Catch: [
          { ErrorEquals: ["States.Timeout"], ResultPath: "$.error", Next: "Expired" },
          { ErrorEquals: [APPROVAL_DENIED_ERROR], ResultPath: "$.error", Next: "Denied" },
          ...CATCH_ALL,
        ],
        Next: "ApprovalDecision",
      },
      ApprovalDecision: {
        Type: "Choice",
        Choices: [{ Variable: "$.approval.decision", StringEquals: "approve", Next: "RePlan" }],
        Default: "Denied",
      },
      Expired: outcome("expired", "no approver answered before the approval timed out: treated as a denial"),
      Denied: outcome("denied"),
      RePlan: task("plan", { ...RUN, "approvedPlan.$": "$.plan" }, { ResultPath: "$.replan", Retry: [TRANSIENT_RETRY], Catch: CATCH_ALL, Next: "StillWanted" }),
      StillWanted: {
        Type: "Choice",
        Choices: [
          { Variable: "$.replan.plan.needed", BooleanEquals: false, Next: "NoLongerNeeded" },
          { Variable: "$.replan.matchesApproved", BooleanEquals: false, Next: "ChangedSinceApproval" },
        ],
        Default: "AdoptReplan",
      },
      NoLongerNeeded: outcome("not-needed", "approved, but by then the resource no longer needed the change"),
      ChangedSinceApproval: outcome("not-needed", "approved, but the change needed now is not the one approved: nothing applied; a new finding will ask again"),
      AdoptReplan: { Type: "Pass", InputPath: "$.replan.plan", ResultPath: "$.plan", Next: "Apply" },
      Apply: task("apply", { ...RUN, "plan.$": "$.plan" }, { ResultPath: "$.applied", Retry: [TRANSIENT_RETRY], Catch: CATCH_ALL, Next: "Verify" }),
      Verify: task("verify", { ...RUN, "plan.$": "$.plan" }, {
        ResultPath: "$.verification",
        Retry: [TRANSIENT_RETRY, VERIFY_RETRY],
        Catch: CATCH_ALL,
        Next: "Verified",
      }),
      Verified: outcome("verified"),
      Publish: task("publish", { "outcome.$": "$.outcome", "run.$": "$" }, { Retry: [TRANSIENT_RETRY], Catch: CATCH_ALL, End: true }),
      PublishFailure: task("publish", { outcome: { status: "failed" }, "run.$": "$" }, {
        Retry: [TRANSIENT_RETRY],
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.publishError", Next: "PublishFailed" }],
        End: true,
      }),
      PublishFailed: { Type: "Fail", Error: "PublishFailed", Cause: "the failure of this remediation could not be published: see the execution history" },
    },
  };
}

/** The definition with the placeholder replaced, as CloudFormation's DefinitionSubstitutions does. */
export function substituteFunctionArn(definition: WorkflowDefinition, functionArn: string): WorkflowDefinition {
  return JSON.parse(JSON.stringify(definition).split(REMEDIATE_FUNCTION_PLACEHOLDER).join(functionArn)) as WorkflowDefinition;
}

/** The checked-in copy (docs/remediation-workflow.asl.json): stable JSON, placeholder kept. */
export function renderRemediationWorkflow(): string {
  return `${JSON.stringify(buildRemediationWorkflow(), null, 2)}\n`;
}

/**
 * How a StartExecution named after the finding went: `started`, or `duplicate`
 * when AWS answered ExecutionAlreadyExists, or returned an execution that
 * started before this call (a running one with the same name and input).
 */
export function startOutcome(answer: { error: unknown } | { startDate: Date }, calledAt: Date): "started" | "duplicate" {
  if ("error" in answer) {
    const name = (answer.error as { name?: string } | null)?.name;
    if (name === "ExecutionAlreadyExists") return "duplicate";
    throw answer.error;
  }
  // Step Functions reports startDate in milliseconds; a second of slack covers clock skew between us and AWS.
  return answer.startDate.getTime() < calledAt.getTime() - 1000 ? "duplicate" : "started";
}
