import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../test/support/fixtures.js";
import { ResourceBusyError } from "./guardrails.js";
import * as errors from "./remediation-errors.js";
import { RETRYABLE_ERRORS } from "./remediation-errors.js";
import {
  APPROVAL_DENIED_ERROR,
  buildRemediationWorkflow,
  REMEDIATE_FUNCTION_PLACEHOLDER,
  renderRemediationWorkflow,
  startOutcome,
  substituteFunctionArn,
  TASK_STATES,
  WORKFLOW_STEPS,
} from "./workflow.js";

type Validator = (definition: unknown, options?: { checkArn?: boolean; checkPaths?: boolean }) => { isValid: boolean; errorsText(separator?: string): string };
const aslValidator = createRequire(import.meta.url)("asl-validator") as Validator;

const GENERATED = join(REPO_ROOT, "docs", "remediation-workflow.asl.json");
const FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:trailwarden-remediate";

type State = Record<string, unknown> & {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Retry?: { ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number; JitterStrategy?: string }[];
};
const definition = buildRemediationWorkflow();
const states = definition.States as Record<string, State>;

function successors(state: State): string[] {
  return [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next), ...(state.Catch ?? []).map((c) => c.Next)].filter(
    (n): n is string => n !== undefined,
  );
}

describe("remediation workflow definition", () => {
  it("is valid ASL once the stack has substituted the function ARN", () => {
    const result = aslValidator(substituteFunctionArn(definition, FUNCTION_ARN), { checkArn: true, checkPaths: true });
    expect(result.errorsText("\n")).toBe("");
    expect(result.isValid).toBe(true);
  });

  it("leaves no placeholder behind after substitution, and names it in every Task before", () => {
    expect(JSON.stringify(substituteFunctionArn(definition, FUNCTION_ARN))).not.toContain("${");
    for (const [name, state] of Object.entries(states).filter(([, s]) => s.Type === "Task")) {
      expect(JSON.stringify(state), name).toContain(REMEDIATE_FUNCTION_PLACEHOLDER);
    }
  });

  it("calls the remediate function with the step each Task state is listed under", () => {
    const tasks = Object.entries(states).filter(([, s]) => s.Type === "Task");
    expect(tasks.map(([name]) => name).sort()).toEqual(Object.keys(TASK_STATES).sort());
    for (const [name, state] of tasks) {
      const parameters = state.Parameters as { step?: string; Payload?: { step?: string } };
      expect(parameters.step ?? parameters.Payload?.step, name).toBe(TASK_STATES[name as keyof typeof TASK_STATES]);
    }
    expect(new Set(Object.values(TASK_STATES))).toEqual(new Set(WORKFLOW_STEPS));
  });

  it("reaches every state from the start", () => {
    const seen = new Set<string>();
    const queue = [definition.StartAt];
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (seen.has(name)) continue;
      seen.add(name);
      queue.push(...successors(states[name]!));
    }
    expect([...seen].sort()).toEqual(Object.keys(states).sort());
  });

  it("ends every path by publishing: the only terminal states are Publish, PublishFailure and the Fail behind them", () => {
    const terminal = Object.entries(states).filter(([, s]) => s.End === true || s.Type === "Fail" || s.Type === "Succeed");
    expect(terminal.map(([name]) => name).sort()).toEqual(["Publish", "PublishFailed", "PublishFailure"]);
  });

  it("catches every error of every Task and sends it to PublishFailure (which itself can only fail loudly)", () => {
    for (const [name, state] of Object.entries(states).filter(([, s]) => s.Type === "Task")) {
      const last = state.Catch?.at(-1);
      expect(last?.ErrorEquals, name).toEqual(["States.ALL"]);
      expect(last?.Next, name).toBe(name === "PublishFailure" ? "PublishFailed" : "PublishFailure");
    }
  });

  it("retries throttling and 5xx on every Task, with exponential backoff and full jitter", () => {
    for (const [name, state] of Object.entries(states).filter(([, s]) => s.Type === "Task")) {
      const transient = state.Retry?.find((r) => RETRYABLE_ERRORS.every((e) => r.ErrorEquals.includes(e)));
      expect(transient, name).toMatchObject({ BackoffRate: 2, JitterStrategy: "FULL" });
      expect(transient!.MaxAttempts).toBeGreaterThanOrEqual(3);
    }
  });

  it("re-checks Verify a bounded number of times and never retries a refusal", () => {
    expect(states.Verify!.Retry!.find((r) => r.ErrorEquals.includes("VerificationFailedError"))).toMatchObject({ MaxAttempts: 4 });
    const retried = Object.values(states).flatMap((s) => s.Retry ?? []).flatMap((r) => r.ErrorEquals);
    expect(retried).not.toContain("GuardrailRefusedError");
    expect(retried).not.toContain("States.ALL");
    expect(retried).not.toContain("AccessDeniedError");
  });

  it("matches only error names the code defines", () => {
    const classes = [...Object.values(errors), ResourceBusyError].filter((value) => typeof value === "function" && value.prototype instanceof Error);
    const named = new Set(classes.map((value) => new (value as new (m: string) => Error)("x").name));
    const used = Object.values(states).flatMap((s) => [...(s.Retry ?? []), ...(s.Catch ?? [])].flatMap((r) => r.ErrorEquals));
    const ours = used.filter((e) => !e.startsWith("States.") && !e.startsWith("Lambda."));
    expect(named.has("ResourceBusyError")).toBe(true);
    expect(ours.filter((e) => !named.has(e) && e !== APPROVAL_DENIED_ERROR)).toEqual([]);
  });

  it("waits for approval with a task token, a per-finding timeout that expires the request, and a denial path", () => {
    const approval = states.RequestApproval!;
    expect(approval.Resource).toBe("arn:aws:states:::lambda:invoke.waitForTaskToken");
    expect(approval.Parameters).toMatchObject({
      FunctionName: REMEDIATE_FUNCTION_PLACEHOLDER,
      Payload: { step: "request-approval", "finding.$": "$.finding", "plan.$": "$.plan", "taskToken.$": "$$.Task.Token" },
    });
    expect(approval.TimeoutSecondsPath).toBe("$.Payload.guardrails.approvalTimeoutSeconds");
    expect(approval.TimeoutSeconds).toBeUndefined();
    expect(approval.Catch?.find((c) => c.ErrorEquals.includes("States.Timeout"))?.Next).toBe("Expired");
    expect(approval.Catch?.find((c) => c.ErrorEquals.includes(APPROVAL_DENIED_ERROR))?.Next).toBe("Denied");
    expect(states.ApprovalDecision).toMatchObject({ Choices: [{ Variable: "$.approval.decision", StringEquals: "approve", Next: "RePlan" }], Default: "Denied" });
  });

  it(`docs/remediation-workflow.asl.json is current (regenerate: UPDATE_GENERATED=1 npx vitest run core/workflow)`, () => {
    if (process.env.UPDATE_GENERATED === "1") writeFileSync(GENERATED, renderRemediationWorkflow());
    expect(readFileSync(GENERATED, "utf8")).toBe(renderRemediationWorkflow());
  });
});

describe("startOutcome (StartExecution named after the finding)", () => {
  const calledAt = new Date("2026-03-01T10:00:10Z");

  it("is a duplicate when AWS answers ExecutionAlreadyExists", () => {
    const error = Object.assign(new Error("Execution Already Exists"), { name: "ExecutionAlreadyExists" });
    expect(startOutcome({ error }, calledAt)).toBe("duplicate");
  });

  it("is a duplicate when AWS returns a running execution that started before the call", () => {
    expect(startOutcome({ startDate: new Date("2026-03-01T10:00:00Z") }, calledAt)).toBe("duplicate");
  });

  it("is started when the execution started with this call", () => {
    expect(startOutcome({ startDate: new Date("2026-03-01T10:00:10.200Z") }, calledAt)).toBe("started");
  });

  it("rethrows any other error", () => {
    const error = Object.assign(new Error("slow down"), { name: "ThrottlingException" });
    expect(() => startOutcome({ error }, calledAt)).toThrow("slow down");
  });
});
