import { Logger } from "@aws-lambda-powertools/logger";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { parseBaseline, type BaselineInput } from "../core/baseline.js";
import type { CloudTrailRecord } from "../core/cloudtrail.js";
import type { FindingResource } from "../core/detector.js";
import type { Finding } from "../core/finding.js";
import type { GuardrailDecision } from "../core/guardrails.js";
import { defineRemediation, type AwsClients, type Plan, type RemediationResult } from "../core/remediation.js";
import { memoryStores } from "../core/stores.js";
import type { ApprovalRequest, WorkflowState } from "../core/workflow.js";
import { caughtError, createRemediateHandler, remediatorClients, sameChange } from "./remediate.js";

const ACCOUNT = "111111111111";

/** A fake remediation whose behaviour each test sets. */
function fake(behaviour: { plan?: (f: Finding) => Promise<Plan>; apply?: () => Promise<void>; verify?: () => Promise<{ compliant: boolean; detail: string }> } = {}) {
  const calls: string[] = [];
  const remediation = defineRemediation({
    id: "fake.fix-thing",
    title: "Fix the thing",
    risk: "low",
    permissions: [{ actions: ["fake:Fix"], resources: ["*"] }],
    intent: () => ({ summary: "fix the thing", changes: ["fake:Fix thing"] }),
    plan: async (f) => (calls.push("plan"), behaviour.plan ? behaviour.plan(f) : planFor(f)),
    apply: async () => void (calls.push("apply"), await behaviour.apply?.()),
    verify: async () => (calls.push("verify"), behaviour.verify ? behaviour.verify() : { compliant: true, detail: "fixed" }),
  });
  return { remediation, calls };
}

function planFor(f: Finding, extra: Partial<Plan> = {}): Plan {
  return { remediation: "fake.fix-thing", findingId: f.id, account: f.account, region: f.region, resource: f.resources[0]!, needed: true, summary: "thing is broken", current: "broken", intended: "fixed", ...extra };
}

const finding: Finding = {
  schemaVersion: 1,
  id: "f-1",
  detector: "fake.thing-broken",
  severity: "medium",
  title: "t",
  summary: "s",
  eventName: "BreakThing",
  eventSource: "fake.amazonaws.com",
  account: ACCOUNT,
  region: "eu-west-1",
  time: "2026-03-01T10:00:00Z",
  actor: { type: "IAMUser", arn: `arn:aws:iam::${ACCOUNT}:user/alice`, principal: `arn:aws:iam::${ACCOUNT}:user/alice` },
  resources: [{ type: "Fake::Thing", id: "thing", account: ACCOUNT }],
  mitre: { attackVersion: "v17", techniques: [] },
  stratus: [],
  remediation: "fake.fix-thing",
  record: {} as CloudTrailRecord,
};

const guardrails = (mode: GuardrailDecision["mode"], lock?: string): GuardrailDecision => ({
  remediation: "fake.fix-thing",
  risk: "low",
  mode,
  configuredMode: mode,
  modeSource: "defaultMode",
  reasons: [],
  approvalTimeoutSeconds: 60,
  ...(lock ? { lock } : {}),
});

function handlerWith(remediation = fake().remediation, baselineInput: BaselineInput = {}) {
  const results: RemediationResult[] = [];
  const approvals: ApprovalRequest[] = [];
  const clientRequests: string[] = [];
  const stores = memoryStores();
  const handler = createRemediateHandler({
    remediations: [remediation],
    baseline: parseBaseline(baselineInput),
    clients: ({ account, region }): AwsClients => (clientRequests.push(`${account}/${region}`), { client: (ctor) => new ctor({}) }),
    stores,
    sinks: [{ result: (r) => void results.push(r), approvalRequested: (r) => void approvals.push(r) }],
    now: () => new Date("2026-03-01T10:05:00Z"),
    logger: new Logger({ logLevel: "SILENT" }),
    metrics: { addDimension: () => undefined, addMetric: () => undefined, publishStoredMetrics: () => undefined } as never,
  });
  return { handler, results, approvals, clientRequests, stores };
}

describe("remediate: input", () => {
  it("rejects what is not a step input, saying which fields are wrong", async () => {
    const { handler } = handlerWith();
    await expect(handler({ step: "plan", finding: { id: "" } })).rejects.toMatchObject({ name: "InvalidStepInputError", message: expect.stringContaining("finding.") });
    await expect(handler({ step: "delete-everything" })).rejects.toMatchObject({ name: "InvalidStepInputError" });
  });
});

describe("remediate: guardrails step", () => {
  it("decides the mode for a registered remediation", async () => {
    const { handler } = handlerWith(undefined, { remediation: { defaultMode: "auto" } });
    expect(await handler({ step: "guardrails", finding })).toMatchObject({ remediation: "fake.fix-thing", mode: "auto", lock: expect.stringContaining("Fake::Thing") });
  });

  it("fails with UnknownRemediationError for an id this deployment lacks, or no id at all", async () => {
    const { handler } = handlerWith();
    await expect(handler({ step: "guardrails", finding: { ...finding, remediation: "s3.nothing-like-it" } })).rejects.toMatchObject({ name: "UnknownRemediationError" });
    const { remediation: _none, ...withoutRemediation } = finding;
    await expect(handler({ step: "guardrails", finding: withoutRemediation })).rejects.toMatchObject({ name: "UnknownRemediationError", message: expect.stringContaining("proposes no remediation") });
  });
});

describe("remediate: plan step", () => {
  it("in off mode records the intent and asks for no clients", async () => {
    const { remediation, calls } = fake();
    const { handler, clientRequests } = handlerWith(remediation);
    expect(await handler({ step: "plan", finding, guardrails: guardrails("off") })).toMatchObject({ summary: "fix the thing", current: null, intended: { changes: ["fake:Fix thing"] } });
    expect(calls).toEqual([]);
    expect(clientRequests).toEqual([]);
  });

  it("plans with clients for the finding's account and region", async () => {
    const { handler, clientRequests } = handlerWith();
    expect(await handler({ step: "plan", finding, guardrails: guardrails("dry-run") })).toMatchObject({ needed: true, summary: "thing is broken" });
    expect(clientRequests).toEqual([`${ACCOUNT}/eu-west-1`]);
  });

  it("refuses when the plan would touch a protected principal the finding did not name", async () => {
    const breakGlass: FindingResource = { type: "AWS::IAM::Role", id: "break-glass", account: ACCOUNT };
    const { remediation } = fake({ plan: async (f) => planFor(f, { resource: breakGlass }) });
    const { handler } = handlerWith(remediation, { principals: { breakGlass: ["arn:aws:iam::*:role/break-glass"] } });
    await expect(handler({ step: "plan", finding, guardrails: guardrails("dry-run") })).rejects.toMatchObject({ name: "GuardrailRefusedError" });
  });

  it("re-planned after approval, says whether the change is still the one approved", async () => {
    let intended = "fixed";
    const { remediation } = fake({ plan: async (f) => planFor(f, { intended, current: Math.random() }) });
    const { handler } = handlerWith(remediation);
    const approvedPlan = planFor(finding);
    expect(await handler({ step: "plan", finding, guardrails: guardrails("approval"), approvedPlan })).toMatchObject({ matchesApproved: true });
    intended = "fixed differently";
    expect(await handler({ step: "plan", finding, guardrails: guardrails("approval"), approvedPlan })).toMatchObject({ matchesApproved: false });
  });
});

describe("remediate: apply and verify steps", () => {
  it("classifies SDK errors by name so the workflow can retry them, and leaves bugs as they are", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
    const { handler } = handlerWith(fake({ apply: async () => Promise.reject(throttled) }).remediation, { remediation: { defaultMode: "auto" } });
    const plan = planFor(finding);
    await expect(handler({ step: "apply", finding, guardrails: guardrails("auto"), plan })).rejects.toMatchObject({ name: "ThrottledError" });
    const buggy = handlerWith(fake({ apply: async () => Promise.reject(new TypeError("x is undefined")) }).remediation);
    await expect(buggy.handler({ step: "apply", finding, guardrails: guardrails("auto"), plan })).rejects.toMatchObject({ name: "TypeError" });
  });

  it("checks the kill switch again before writing: an approval may have waited for hours", async () => {
    const { remediation, calls } = fake();
    const { handler } = handlerWith(remediation, { remediation: { killSwitch: [ACCOUNT] } });
    await expect(handler({ step: "apply", finding, guardrails: guardrails("approval"), plan: planFor(finding) })).rejects.toMatchObject({ name: "GuardrailRefusedError" });
    expect(calls).toEqual([]);
  });

  it("does not write while another finding holds the resource", async () => {
    const { remediation, calls } = fake();
    const { handler, stores } = handlerWith(remediation);
    await stores.locks.acquire(`lock/${ACCOUNT}/eu-west-1/Fake::Thing/thing`, "someone-else", Date.parse("2026-03-02T00:00:00Z"), 0);
    await expect(handler({ step: "apply", finding, guardrails: guardrails("auto"), plan: planFor(finding) })).rejects.toMatchObject({ name: "ResourceBusyError" });
    expect(calls).toEqual([]);
  });

  it("fails verification with VerificationFailedError and the remediation's detail", async () => {
    const { handler } = handlerWith(fake({ verify: async () => ({ compliant: false, detail: "still broken" }) }).remediation);
    await expect(handler({ step: "verify", finding, guardrails: guardrails("auto"), plan: planFor(finding) })).rejects.toMatchObject({
      name: "VerificationFailedError",
      message: "still broken",
    });
  });
});

describe("remediate: request-approval and publish steps", () => {
  it("hands the approval request, with its task token, to the sinks", async () => {
    const { handler, approvals } = handlerWith();
    await handler({ step: "request-approval", finding, guardrails: guardrails("approval"), plan: planFor(finding), taskToken: "token-1" });
    expect(approvals).toEqual([expect.objectContaining({ taskToken: "token-1", plan: expect.objectContaining({ summary: "thing is broken" }) })]);
  });

  it("publishes a refusal as refused, with the message AWS wraps in the Lambda error JSON", async () => {
    const { handler, results } = handlerWith(undefined, { remediation: { defaultMode: "approval" } });
    const run: WorkflowState = {
      finding,
      error: { Error: "GuardrailRefusedError", Cause: JSON.stringify({ errorType: "GuardrailRefusedError", errorMessage: "kill switch is on", trace: [] }) },
    };
    const result = await handler({ step: "publish", outcome: { status: "failed" }, run });
    expect(result).toEqual({
      findingId: "f-1",
      remediation: "fake.fix-thing",
      status: "refused",
      mode: "approval",
      account: ACCOUNT,
      region: "eu-west-1",
      error: { name: "GuardrailRefusedError", message: "kill switch is on" },
      reason: "kill switch is on",
    });
    expect(results).toEqual([result]);
  });

  it("publishes the outcome with the plan and why, and releases the resource's lock", async () => {
    const { handler, stores } = handlerWith();
    const lock = `lock/${ACCOUNT}/eu-west-1/Fake::Thing/thing`;
    await stores.locks.acquire(lock, finding.id, Date.parse("2026-03-02T00:00:00Z"), 0);
    const run: WorkflowState = {
      finding,
      guardrails: { ...guardrails("approval", lock), configuredMode: "auto", reasons: ["rate limit: more than 3"] },
      plan: planFor(finding),
      approval: { decision: "approve", approver: "U42" },
      verification: { compliant: true, detail: "fixed" },
    };
    expect(await handler({ step: "publish", outcome: { status: "verified" }, run })).toMatchObject({
      status: "verified",
      mode: "approval",
      plan: { summary: "thing is broken" },
      reason: "fixed; approved by U42; rate limit: more than 3",
    });
    expect(stores.locks.holder(lock)).toBeUndefined();
  });

  it("retries publishing when a sink is throttled", async () => {
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "Throttling", $metadata: { httpStatusCode: 429 } });
    const handler = createRemediateHandler({
      remediations: [fake().remediation],
      baseline: parseBaseline({}),
      clients: () => ({ client: (ctor) => new ctor({}) }),
      stores: memoryStores(),
      sinks: [{ result: () => Promise.reject(throttled) }],
      logger: new Logger({ logLevel: "SILENT" }),
      metrics: { addDimension: () => undefined, addMetric: () => undefined, publishStoredMetrics: () => undefined } as never,
    });
    await expect(handler({ step: "publish", outcome: { status: "planned" }, run: { finding } })).rejects.toMatchObject({ name: "ThrottledError" });
  });
});

describe("helpers", () => {
  it("caughtError reads the local interpreter's plain message and AWS's JSON cause", () => {
    expect(caughtError({ Error: "ThrottledError", Cause: "slow down" })).toEqual({ name: "ThrottledError", message: "slow down" });
    expect(caughtError({ Error: "X", Cause: '{"errorType":"X","errorMessage":"m"}' })).toEqual({ name: "X", message: "m" });
    expect(caughtError({ Error: "States.Timeout" })).toEqual({ name: "States.Timeout", message: "States.Timeout" });
  });

  it("sameChange compares the resource and the intended state, not what was read", () => {
    expect(sameChange(planFor(finding, { current: 1 }), planFor(finding, { current: 2 }))).toBe(true);
    expect(sameChange(planFor(finding), planFor(finding, { intended: "other" }))).toBe(false);
    expect(sameChange(planFor(finding), planFor(finding, { resource: { type: "Fake::Thing", id: "other" } }))).toBe(false);
  });

  it("remediatorClients assumes the remediator role in the finding's account with the session name the guardrails know", async () => {
    const sts = mockClient(STSClient);
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { AccessKeyId: "AKIA", SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + 3600_000) },
    });
    const configs: Record<string, unknown>[] = [];
    class Probe {
      constructor(config: Record<string, unknown>) {
        configs.push(config);
      }
    }
    const clients = remediatorClients("trailwarden-remediator", new STSClient({ region: "us-east-1" }))({ account: ACCOUNT, region: "cn-north-1" });
    clients.client(Probe);
    clients.client(Probe, "cn-northwest-1");
    const credentials = configs[0]!.credentials as () => Promise<{ accessKeyId: string }>;
    expect(await credentials()).toMatchObject({ accessKeyId: "AKIA" });
    await (configs[1]!.credentials as () => Promise<unknown>)();
    expect(configs.map((c) => c.region)).toEqual(["cn-north-1", "cn-northwest-1"]);
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      { RoleArn: `arn:aws-cn:iam::${ACCOUNT}:role/trailwarden-remediator`, RoleSessionName: "trailwarden-remediation", DurationSeconds: 900 },
    ]);
    sts.restore();
  });
});
