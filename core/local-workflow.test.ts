import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CloudTrailRecord } from "./cloudtrail.js";
import type { Finding } from "./finding.js";
import type { GuardrailDecision } from "./guardrails.js";
import { denyAll, installPromiseWithResolvers, LocalWorkflow, promptApproval, type LocalExecution } from "./local-workflow.js";
import { ThrottledError } from "./remediation-errors.js";
import type { Plan } from "./remediation.js";
import { buildRemediationWorkflow, type RemediateStep } from "./workflow.js";

/** A stub step handler: the workflow's wiring, not any remediation. */
function stub(mode: GuardrailDecision["mode"], overrides: Partial<Record<RemediateStep["step"], (input: RemediateStep) => unknown>> = {}) {
  const steps: RemediateStep[] = [];
  const guardrails: GuardrailDecision = { remediation: "fake.fix", risk: "low", mode, configuredMode: mode, modeSource: "defaultMode", reasons: [], approvalTimeoutSeconds: 30 };
  const plan = { remediation: "fake.fix", findingId: "f", account: "111111111111", region: "eu-west-1", resource: { type: "Fake", id: "r" }, needed: true, summary: "fix r", current: 1, intended: 2 } satisfies Plan;
  const remediate = async (input: RemediateStep): Promise<unknown> => {
    steps.push(input);
    const override = overrides[input.step];
    if (override) return override(input);
    switch (input.step) {
      case "guardrails":
        return guardrails;
      case "plan":
        return input.approvedPlan ? { plan, matchesApproved: true } : plan;
      case "verify":
        return { compliant: true, detail: "ok" };
      case "publish":
        return { findingId: input.run.finding.id, status: input.outcome.status, mode };
      default:
        return {};
    }
  };
  return { remediate, steps, names: () => steps.map((s) => s.step) };
}

const finding = (id: string) => ({ id, account: "111111111111", region: "eu-west-1", resources: [], actor: { type: "x" }, record: {} as CloudTrailRecord }) as unknown as Finding;

describe("LocalWorkflow", () => {
  it("polyfills Promise.withResolvers, without which every Task of the interpreter fails on Node 20", () => {
    installPromiseWithResolvers();
    const { promise, resolve } = (Promise as unknown as { withResolvers<T>(): { promise: Promise<T>; resolve(v: T): void } }).withResolvers<number>();
    resolve(7);
    return expect(promise).resolves.toBe(7);
  });

  it("runs the definition's Task states through the step handler", async () => {
    const { remediate, names } = stub("auto");
    const outcome = await new LocalWorkflow({ remediate }).start(finding("a"));
    expect(outcome).toEqual({ name: "a", status: "completed", result: { findingId: "a", status: "verified", mode: "auto" } });
    expect(names()).toEqual(["guardrails", "plan", "apply", "verify", "publish"]);
  });

  it("reports a second start of a name as a duplicate to its sinks, without running it", async () => {
    const { remediate, names } = stub("dry-run");
    const seen: LocalExecution[] = [];
    const workflow = new LocalWorkflow({ remediate, sinks: [{ execution: (e) => void seen.push(e) }] });
    await workflow.start(finding("a"));
    await workflow.start(finding("a"));
    expect(seen.map((e) => e.status)).toEqual(["completed", "duplicate"]);
    expect(names().filter((s) => s === "guardrails")).toHaveLength(1);
    expect([...workflow.names]).toEqual(["a"]);
  });

  it("hands the approval callback the function's payload and a task token, after the function has asked", async () => {
    const { remediate, steps } = stub("approval");
    const asked: unknown[] = [];
    const workflow = new LocalWorkflow({ remediate, approve: (request) => (asked.push(request), "approve") });
    const outcome = await workflow.start(finding("a"));
    expect(outcome).toMatchObject({ result: { status: "verified" } });
    expect(steps.find((s) => s.step === "request-approval")).toMatchObject({ taskToken: "local-task-token:a", guardrails: { approvalTimeoutSeconds: 30 } });
    expect(asked).toEqual([expect.objectContaining({ taskToken: "local-task-token:a", plan: expect.objectContaining({ summary: "fix r" }) })]);
  });

  it("denies by default", async () => {
    const { remediate, names } = stub("approval");
    expect(await new LocalWorkflow({ remediate }).start(finding("a"))).toMatchObject({ result: { status: "denied" } });
    expect(names()).not.toContain("apply");
    expect(denyAll({} as never)).toMatchObject({ decision: "deny" });
  });

  it("uses the retry delay it is given instead of the definition's backoff", async () => {
    let failures = 3;
    const { remediate, names } = stub("auto", {
      apply: () => {
        if (failures-- > 0) throw new ThrottledError("slow down");
        return {};
      },
    });
    expect(await new LocalWorkflow({ remediate, retryDelayMs: 0 }).start(finding("a"))).toMatchObject({ result: { status: "verified" } });
    expect(names().filter((s) => s === "apply")).toHaveLength(4);
  });

  it("reports an execution that could not even publish its failure as failed", async () => {
    const { remediate } = stub("auto", {
      guardrails: () => {
        throw new Error("boom");
      },
      publish: () => {
        throw new Error("sink down");
      },
    });
    expect(await new LocalWorkflow({ remediate }).start(finding("a"))).toEqual({ name: "a", status: "failed", error: expect.stringContaining("PublishFailed") });
  });

  it("refuses an invalid definition", () => {
    const broken = buildRemediationWorkflow();
    broken.States.Plan!.Next = "Nowhere";
    expect(() => new LocalWorkflow({ remediate: async () => ({}), definition: broken })).toThrow(/invalid/i);
  });
});

describe("promptApproval", () => {
  const request = {
    finding: { id: "f-9", detector: "s3.public-access-block-removed", severity: "high", account: "111111111111", region: "eu-west-1" },
    plan: { summary: "restore the four flags on bucket data" },
    guardrails: { remediation: "s3.restore-public-access-block", reasons: ["rate limit: more than 30"] },
    taskToken: "t",
  } as never;

  function terminal(lines: string) {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = "";
    output.on("data", (chunk: Buffer) => (shown += chunk.toString()));
    input.end(lines);
    return { input, output, shown: () => shown };
  }

  it("shows the remediation, the plan and why it waits, and approves on yes", async () => {
    const t = terminal("yes\n");
    expect(await promptApproval({ input: t.input, output: t.output, approver: "alice" })(request)).toEqual({ decision: "approve", approver: "alice" });
    expect(t.shown()).toContain("s3.restore-public-access-block for finding f-9");
    expect(t.shown()).toContain("restore the four flags on bucket data");
    expect(t.shown()).toContain("why approval: rate limit");
  });

  it("denies on anything else, an empty answer included", async () => {
    for (const line of ["\n", "n\n", "yess\n"]) {
      const t = terminal(line);
      expect(await promptApproval({ input: t.input, output: t.output })(request)).toMatchObject({ decision: "deny" });
    }
  });
});
