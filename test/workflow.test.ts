import { describe, expect, it } from "vitest";
import { REMEDIATION_MODES } from "../core/remediation-config.js";
import { ServiceUnavailableError, ThrottledError } from "../core/remediation-errors.js";
import type { ApprovalRequest } from "../core/workflow.js";
import { ACCOUNT, approveAll, finding, OTHER_ACCOUNT, quarantineFlag, setup, until, type Flag } from "./support/workflow-fixtures.js";

/**
 * The remediation state machine run end to end by the local ASL interpreter
 * over the fake flag remediation of ./support/workflow-fixtures.ts.
 */

describe("remediation workflow, each mode", () => {
  it("off: records the intent without a single call to the account", async () => {
    const { run, world, results } = setup({ remediation: { defaultMode: "off" } });
    const result = await run(finding());
    expect(result).toMatchObject({ status: "planned", mode: "off", plan: { summary: "turn flag-1 on", current: null } });
    expect(world.calls).toEqual([]);
    expect(results).toEqual([result]);
  });

  it("dry-run is the default: the plan is published and nothing is written", async () => {
    const { run, world } = setup();
    const result = await run(finding());
    expect(result).toMatchObject({ status: "planned", mode: "dry-run", plan: { needed: true, current: { on: false } } });
    expect(world.calls).toEqual(["get flag-1"]);
    expect(world.flags.get("flag-1")?.on).toBe(false);
  });

  it("auto: applies, verifies and publishes verified", async () => {
    const { run, world } = setup({ remediation: { defaultMode: "auto" } });
    const result = await run(finding());
    expect(result).toMatchObject({ status: "verified", mode: "auto", reason: expect.stringContaining("reads back on") });
    expect(world.calls).toEqual(["get flag-1", "put flag-1", "get flag-1"]);
    expect(world.flags.get("flag-1")?.on).toBe(true);
  });

  it("approval, approved: asks with the finding, its plan and a task token, re-plans, then applies", async () => {
    const asked: ApprovalRequest[] = [];
    const { run, world, approvals } = setup({ remediation: { defaultMode: "approval" }, approve: (request) => (asked.push(request), approveAll(request)) });
    const f = finding();
    const result = await run(f);
    expect(result).toMatchObject({ status: "verified", mode: "approval", reason: expect.stringContaining("approved by U123") });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ finding: { id: f.id }, plan: { needed: true }, taskToken: `local-task-token:${f.id}` });
    expect(approvals).toHaveLength(1);
    expect(world.calls).toEqual(["get flag-1", "get flag-1", "put flag-1", "get flag-1"]);
  });

  it("approval, denied (the local default): publishes denied and writes nothing", async () => {
    const { run, world } = setup({ remediation: { defaultMode: "approval" } });
    const result = await run(finding());
    expect(result).toMatchObject({ status: "denied", mode: "approval" });
    expect(world.writes()).toEqual([]);
  });

  it("a plan that finds nothing to do publishes not-needed in every acting mode", async () => {
    for (const mode of ["dry-run", "approval", "auto"] as const) {
      const { run, world } = setup({ remediation: { defaultMode: mode }, approve: approveAll, flags: { "flag-1": { on: true, owner: "a" } } });
      expect(await run(finding())).toMatchObject({ status: "not-needed", mode, reason: "flag-1 is already on or gone" });
      expect(world.writes()).toEqual([]);
    }
  });

  it("picks the mode of the most specific rule", async () => {
    const { run } = setup({
      flags: { "flag-1": { on: false, owner: "a" }, "flag-2": { on: false, owner: "a" } },
      remediation: {
        modes: [
          { severity: "high", mode: "approval" },
          { detector: "fake.*", mode: "auto" },
          { detector: "fake.*", account: OTHER_ACCOUNT, mode: "off" },
        ],
      },
    });
    expect(await run(finding())).toMatchObject({ mode: "auto" });
    expect(await run(finding({ account: OTHER_ACCOUNT }))).toMatchObject({ mode: "off" });
    expect(await run(finding({ detector: "other.thing", flag: "flag-2" }))).toMatchObject({ mode: "approval", status: "denied" });
  });
});

describe("remediation workflow, retries and failures", () => {
  it("retries a throttled apply, then succeeds", async () => {
    const { run, world } = setup({ remediation: { defaultMode: "auto" } });
    world.applyFailures = [new ThrottledError("Rate exceeded"), new ServiceUnavailableError("503")];
    expect(await run(finding())).toMatchObject({ status: "verified" });
    expect(world.writes()).toEqual(["put flag-1", "put flag-1", "put flag-1"]);
  });

  it("publishes failed with the error's name and message once retries are exhausted", async () => {
    const { run, world, results } = setup({ remediation: { defaultMode: "auto" } });
    world.applyFailures = Array.from({ length: 20 }, () => new ThrottledError("ThrottlingException: Rate exceeded"));
    const result = await run(finding());
    expect(result).toMatchObject({ status: "failed", error: { name: "ThrottledError", message: "ThrottlingException: Rate exceeded" } });
    expect(world.writes()).toHaveLength(6); // the first attempt and MaxAttempts (5) retries
    expect(results).toEqual([result]);
  });

  it("re-checks a change that has not propagated yet until it reads back", async () => {
    const { run, world } = setup({ remediation: { defaultMode: "auto" } });
    world.staleReadsAfterWrite = 2;
    expect(await run(finding())).toMatchObject({ status: "verified" });
    expect(world.calls).toEqual(["get flag-1", "put flag-1", "get flag-1", "get flag-1", "get flag-1"]);
  });

  it("gives up re-checking after a bounded number of reads and publishes VerificationFailedError", async () => {
    const { run, world } = setup({ remediation: { defaultMode: "auto" } });
    world.loseWrites = true;
    const result = await run(finding());
    expect(result).toMatchObject({ status: "failed", error: { name: "VerificationFailedError", message: "the flag still reads off" } });
    expect(world.calls.filter((c) => c === "get flag-1")).toHaveLength(1 + 1 + 4); // plan, verify, four re-checks
  });
});

describe("remediation workflow, guardrails", () => {
  it("refuses to react to a change made by the remediator's own session, in every mode", async () => {
    for (const mode of REMEDIATION_MODES) {
      const { run, world } = setup({ remediation: { defaultMode: mode }, approve: approveAll });
      const ownChange = finding({
        actor: { type: "AssumedRole", arn: `arn:aws:sts::${ACCOUNT}:assumed-role/trailwarden-remediator/trailwarden-remediation`, principal: `arn:aws:iam::${ACCOUNT}:role/trailwarden-remediator` },
      });
      const result = await run(ownChange);
      expect(result).toMatchObject({ status: "refused", mode, error: { name: "GuardrailRefusedError", message: expect.stringContaining("its own changes") } });
      expect(world.calls).toEqual([]);
    }
  });

  it("never touches a protected principal, whatever the mode", async () => {
    const breakGlass = `arn:aws:iam::${ACCOUNT}:role/ops/break-glass`;
    for (const mode of REMEDIATION_MODES) {
      const { run, world } = setup({
        remediation: { defaultMode: mode, allowAutoHighRisk: [quarantineFlag.id] },
        principals: { breakGlass: ["arn:aws:iam::*:role/ops/break-glass"] },
        approve: approveAll,
        flags: { "break-glass": { on: false, owner: "security" } },
      });
      // Named the way requests name roles: no path, no ARN.
      const f = finding({ remediation: quarantineFlag.id, resources: [{ type: "AWS::IAM::Role", id: "break-glass", account: ACCOUNT }] });
      const result = await run(f);
      expect(result, mode).toMatchObject({ status: "refused", error: { name: "GuardrailRefusedError", message: expect.stringContaining("protected principal") } });
      expect(world.calls).toEqual([]);
      expect(await run(finding({ remediation: quarantineFlag.id, resources: [{ type: "AWS::IAM::Role", id: "x", arn: breakGlass, account: ACCOUNT }] }))).toMatchObject({ status: "refused" });
    }
  });

  it("the kill switch stops every remediation of its account, in every mode, and only there", async () => {
    for (const mode of REMEDIATION_MODES) {
      const { run, world } = setup({ remediation: { defaultMode: mode, killSwitch: [ACCOUNT] }, approve: approveAll });
      const result = await run(finding());
      expect(result).toMatchObject({ status: "refused", mode, reason: expect.stringContaining(`kill switch is on for account ${ACCOUNT}`) });
      expect(world.calls).toEqual([]);
      const elsewhere = await run(finding({ account: OTHER_ACCOUNT }));
      expect(elsewhere.status).not.toBe("refused");
    }
  });

  it("runs a high-risk remediation in auto only when the baseline names it; otherwise it waits for approval", async () => {
    const unnamed = setup({ remediation: { defaultMode: "auto" } });
    const waited = await unnamed.run(finding({ remediation: quarantineFlag.id }));
    expect(waited).toMatchObject({ status: "denied", mode: "approval", reason: expect.stringContaining("high-risk") });
    expect(unnamed.approvals).toHaveLength(1);
    expect(unnamed.world.writes()).toEqual([]);

    const named = setup({ remediation: { defaultMode: "auto", allowAutoHighRisk: [quarantineFlag.id] } });
    expect(await named.run(finding({ remediation: quarantineFlag.id }))).toMatchObject({ status: "verified", mode: "auto" });
  });

  it("past the global rate limit, an auto remediation waits for approval", async () => {
    const flags = { a: { on: false, owner: "x" }, b: { on: false, owner: "x" }, c: { on: false, owner: "x" } };
    const { run, approvals, world } = setup({ remediation: { defaultMode: "auto", rateLimits: { global: { max: 2, windowSeconds: 3600 } } }, flags });
    expect(await run(finding({ flag: "a" }))).toMatchObject({ status: "verified", mode: "auto" });
    expect(await run(finding({ flag: "b" }))).toMatchObject({ status: "verified", mode: "auto" });
    const third = await run(finding({ flag: "c" }));
    expect(third).toMatchObject({ status: "denied", mode: "approval", reason: expect.stringContaining("rate limit: more than 2 automatic remediations in all accounts") });
    expect(approvals.map((a) => a.finding.resources[0]!.id)).toEqual(["c"]);
    expect(world.flags.get("c")?.on).toBe(false);
  });

  it("past the per-resource rate limit, an auto remediation of that resource waits for approval", async () => {
    const { run, world } = setup({ remediation: { defaultMode: "auto", rateLimits: { perResource: { max: 1, windowSeconds: 3600 } } } });
    expect(await run(finding())).toMatchObject({ status: "verified" });
    world.flags.set("flag-1", { on: false, owner: "team-a" }); // turned off again
    expect(await run(finding())).toMatchObject({ status: "denied", mode: "approval", reason: expect.stringContaining("on this resource") });
  });

  it("runs one remediation at a time per resource: a second finding fails as ResourceBusyError while the first holds it", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { workflow, world, stores } = setup({
      remediation: { modes: [{ severity: "high", mode: "approval" }, { severity: "medium", mode: "auto" }] },
      approve: async () => (await held, { decision: "approve", approver: "U1" }),
    });
    const first = workflow.start(finding());
    await until(() => stores.locks.holder(`lock/${ACCOUNT}/eu-west-1/Fake::Flag/flag-1`) !== undefined);
    const second = await workflow.start(finding({ severity: "medium" }));
    expect(second).toMatchObject({ status: "completed", result: { status: "failed", error: { name: "ResourceBusyError" } } });
    release();
    expect(await first).toMatchObject({ result: { status: "verified" } });
    expect(world.writes()).toEqual(["put flag-1"]);
    expect(stores.locks.holder(`lock/${ACCOUNT}/eu-west-1/Fake::Flag/flag-1`)).toBeUndefined();
  });
});

describe("remediation workflow, approvals", () => {
  it("an approval nobody answers expires (a denial) and nothing is applied", async () => {
    const { run, world, approvals } = setup({ remediation: { defaultMode: "approval", approval: { timeoutSeconds: 1 } }, approve: () => "no-answer" });
    const result = await run(finding());
    expect(result).toMatchObject({ status: "expired", mode: "approval" });
    expect(approvals[0]?.guardrails.approvalTimeoutSeconds).toBe(1);
    expect(world.writes()).toEqual([]);
  });

  it("approved, but no longer needed by the time it runs: not-needed, nothing applied", async () => {
    const { run, world } = setup({
      remediation: { defaultMode: "approval" },
      approve: () => {
        world.flags.set("flag-1", { on: true, owner: "team-a" }); // someone fixed it meanwhile
        return "approve";
      },
    });
    expect(await run(finding())).toMatchObject({ status: "not-needed", reason: expect.stringContaining("no longer needed") });
    expect(world.writes()).toEqual([]);
  });

  it("approved, but the change needed now is not the one approved: not-needed, nothing applied", async () => {
    const { run, world } = setup({
      remediation: { defaultMode: "approval" },
      approve: () => {
        world.flags.set("flag-1", { on: false, owner: "team-b" }); // the resource changed hands meanwhile
        return "approve";
      },
    });
    const result = await run(finding());
    expect(result).toMatchObject({ status: "not-needed", reason: expect.stringContaining("not the one approved"), plan: { intended: { owner: "team-b" } } });
    expect(world.writes()).toEqual([]);
  });
});

describe("remediation workflow, exactly once", () => {
  it("reports a second start of the same finding as a duplicate and never runs it twice", async () => {
    const { workflow, world, results, executions } = setup({ remediation: { defaultMode: "auto" } });
    const f = finding();
    expect(await workflow.start(f)).toMatchObject({ status: "completed", result: { status: "verified" } });
    world.flags.set("flag-1", { on: false, owner: "team-a" });
    expect(await workflow.start(structuredClone(f))).toEqual({ name: f.id, status: "duplicate" });
    expect(world.writes()).toEqual(["put flag-1"]);
    expect(results).toHaveLength(1);
    expect(executions.map((e) => e.status)).toEqual(["completed", "duplicate"]);
  });

  it("runs one of two concurrent starts of the same finding", async () => {
    const { workflow, world } = setup({ remediation: { defaultMode: "auto" } });
    const f = finding();
    const outcomes = await Promise.all([workflow.start(f), workflow.start(f)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["completed", "duplicate"]);
    expect(world.writes()).toEqual(["put flag-1"]);
  });
});
