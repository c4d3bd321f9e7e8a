import { createInterface } from "node:readline/promises";
import { StateMachine } from "aws-local-stepfunctions";
import type { Finding } from "./finding.js";
import type { RemediationResult } from "./remediation.js";
import {
  buildRemediationWorkflow,
  substituteFunctionArn,
  TASK_STATES,
  type ApprovalDecision,
  type ApprovalRequest,
  type RemediateStep,
  type WorkflowDefinition,
} from "./workflow.js";

/**
 * Runs the remediation state machine locally, the same JSON the stack
 * deploys, with aws-local-stepfunctions. Task states call `remediate` (the
 * remediate function's step handler, built by the caller with its clients,
 * registry, stores and sinks); the approval task asks `approve`.
 *
 * Facts about the interpreter this relies on (TOOLCHAIN.md): on Node 20 it
 * needs Promise.withResolvers, polyfilled below before any run, or every Task
 * fails; `.waitForTaskToken` does not pause, so the local handler's return
 * value is the callback; it has no $$.Task.Token (we pass one in the context)
 * and no execution names (we keep them: a second start of a name is a
 * duplicate and does not run); TimeoutSeconds(Path) runs in real time.
 */

type Resolvers<T> = { promise: Promise<T>; resolve: (value: T) => void; reject: (reason?: unknown) => void };

export function installPromiseWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
  if (typeof P.withResolvers === "function") return;
  P.withResolvers = <T>() => {
    let resolve!: (value: T) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
installPromiseWithResolvers();

/** A plain Lambda ARN for the placeholder: the interpreter validates ARNs, and every Task is overridden anyway. */
export const LOCAL_FUNCTION_ARN = "arn:aws:lambda:us-east-1:000000000000:function:trailwarden-remediate";

/** `no-answer` leaves the approval pending, so the task's timeout (TimeoutSecondsPath) expires it. */
export type ApprovalAnswer = ApprovalDecision | "approve" | "deny" | "no-answer";
export type ApprovalCallback = (request: ApprovalRequest) => Promise<ApprovalAnswer> | ApprovalAnswer;

/** Nobody is asked in an unattended replay: every approval is denied. */
export const denyAll: ApprovalCallback = () => ({ decision: "deny", approver: "local", reason: "unattended local run: approvals are denied" });

/**
 * Asks a person at the terminal, one request at a time: `y` or `yes` approves,
 * anything else (an empty line included) denies.
 */
export function promptApproval(streams: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream; approver?: string } = {}): ApprovalCallback {
  const approver = streams.approver ?? "local-prompt";
  let queue: Promise<unknown> = Promise.resolve();
  return (request) => {
    const asked = queue.then(async () => {
      const prompt = createInterface({ input: streams.input ?? process.stdin, output: streams.output ?? process.stderr, terminal: false });
      try {
        const { finding, plan, guardrails } = request;
        const why = guardrails.reasons.length > 0 ? `\n  why approval: ${guardrails.reasons.join("; ")}` : "";
        const question =
          `\n${guardrails.remediation} for finding ${finding.id} (${finding.detector}, ${finding.severity}) in ${finding.account}/${finding.region}` +
          `\n  ${plan.summary}${why}\nApprove? [y/N] `;
        const answer = await prompt.question(question);
        const decision: ApprovalDecision["decision"] = /^\s*y(es)?\s*$/i.test(answer) ? "approve" : "deny";
        return { decision, approver };
      } finally {
        prompt.close();
      }
    });
    queue = asked.catch(() => undefined);
    return asked;
  };
}

export type LocalExecution =
  | { name: string; status: "duplicate" }
  | { name: string; status: "completed"; result: RemediationResult }
  /** The state machine itself failed (PublishFailed): nothing could even be published. */
  | { name: string; status: "failed"; error: string };

export interface LocalExecutionSink {
  execution(outcome: LocalExecution): Promise<void> | void;
}

export interface LocalWorkflowOptions {
  /** The remediate function's step handler. */
  remediate: (input: RemediateStep) => Promise<unknown>;
  approve?: ApprovalCallback;
  sinks?: LocalExecutionSink[];
  definition?: WorkflowDefinition;
  /** Milliseconds before each retry, instead of the definition's backoff (tests and replays use 0). */
  retryDelayMs?: number;
}

/**
 * Validating a definition (asl-validator compiles its schemas each time) takes
 * a second or two; a run takes milliseconds. Runs are independent, so one
 * validated machine per definition serves every LocalWorkflow.
 */
const machines = new Map<string, StateMachine>();

function machineFor(definition: WorkflowDefinition): StateMachine {
  const key = JSON.stringify(definition);
  let machine = machines.get(key);
  if (!machine) {
    machine = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
    machines.set(key, machine);
  }
  return machine;
}

export class LocalWorkflow {
  private readonly machine: StateMachine;
  private readonly started = new Set<string>();

  constructor(private readonly options: LocalWorkflowOptions) {
    installPromiseWithResolvers();
    this.machine = machineFor(substituteFunctionArn(options.definition ?? buildRemediationWorkflow(), LOCAL_FUNCTION_ARN));
  }

  /** Names of the executions started so far (finding ids). */
  get names(): ReadonlySet<string> {
    return this.started;
  }

  /** Starts the execution named after the finding, unless one of that name already ran. */
  async start(finding: Finding): Promise<LocalExecution> {
    const name = finding.id;
    // Claimed before any await, so two concurrent starts of one finding cannot both run.
    if (this.started.has(name)) return this.report({ name, status: "duplicate" });
    this.started.add(name);
    const execution = this.machine.run({ finding } as never, {
      overrides: { taskResourceLocalHandlers: this.handlers() as never, ...this.retryOverrides() },
      context: { Execution: { Name: name, Id: `local:${name}` }, Task: { Token: `local-task-token:${name}` } },
    });
    let outcome: LocalExecution;
    try {
      outcome = { name, status: "completed", result: (await execution.result) as unknown as RemediationResult };
    } catch (error) {
      outcome = { name, status: "failed", error: describe(error) };
    }
    return this.report(outcome);
  }

  private async report(outcome: LocalExecution): Promise<LocalExecution> {
    for (const sink of this.options.sinks ?? []) await sink.execution(outcome);
    return outcome;
  }

  private handlers(): Record<string, (input: unknown) => Promise<unknown>> {
    const { remediate } = this.options;
    const approve = this.options.approve ?? denyAll;
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const state of Object.keys(TASK_STATES)) handlers[state] = (input) => remediate(input as RemediateStep);
    handlers.RequestApproval = async (input) => {
      // The lambda:invoke integration hands the function its Payload; the callback is our return value.
      const payload = (input as { Payload: RemediateStep & { step: "request-approval" } }).Payload;
      await remediate(payload);
      const answer = await approve({ finding: payload.finding, plan: payload.plan, guardrails: payload.guardrails, taskToken: payload.taskToken });
      if (answer === "no-answer") return new Promise<never>(() => {});
      return typeof answer === "string" ? { decision: answer } : answer;
    };
    return handlers;
  }

  private retryOverrides(): { retryIntervalOverrides?: Record<string, number> } {
    const delay = this.options.retryDelayMs;
    if (delay === undefined) return {};
    return { retryIntervalOverrides: Object.fromEntries(Object.keys(TASK_STATES).map((state) => [state, delay])) };
  }
}

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { name?: string; message?: string } };
  const inner = e?.cause && typeof e.cause === "object" ? e.cause : e;
  return `${inner?.name ?? "Error"}: ${inner?.message ?? String(error)}`;
}
