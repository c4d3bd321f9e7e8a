import { describe, expect, it } from "vitest";
import { parseBaseline, type BaselineInput } from "./baseline.js";
import type { CloudTrailRecord } from "./cloudtrail.js";
import type { FindingResource } from "./detector.js";
import type { Finding, FindingActor } from "./finding.js";
import {
  evaluateGuardrails,
  isOwnChange,
  LOCK_MARGIN_SECONDS,
  protectedResource,
  REMEDIATION_SESSION_NAME,
  ResourceBusyError,
  resourceKey,
  staticRefusal,
} from "./guardrails.js";
import { GuardrailRefusedError } from "./remediation-errors.js";
import { memoryStores } from "./stores.js";

const ACCOUNT = "111111111111";
const NOW = new Date("2026-03-01T10:00:00Z");
const low = { id: "s3.restore-public-access-block", risk: "low" as const };
const high = { id: "iam.quarantine-principal", risk: "high" as const };

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    schemaVersion: 1,
    id: overrides.id ?? "f-1",
    detector: "s3.public-access-block-removed",
    severity: "high",
    title: "t",
    summary: "s",
    eventName: "DeleteBucketPublicAccessBlock",
    eventSource: "s3.amazonaws.com",
    account: ACCOUNT,
    region: "eu-west-1",
    time: "2026-03-01T09:59:00Z",
    actor: { type: "AssumedRole", arn: `arn:aws:sts::${ACCOUNT}:assumed-role/developer/alice`, principal: `arn:aws:iam::${ACCOUNT}:role/developer` },
    resources: [{ type: "AWS::S3::Bucket", id: "data", arn: "arn:aws:s3:::data", account: ACCOUNT }],
    mitre: { attackVersion: "v17", techniques: [] },
    stratus: [],
    remediation: low.id,
    record: {} as CloudTrailRecord,
    ...overrides,
  };
}

function baseline(input: BaselineInput = {}) {
  return parseBaseline(input);
}

const role = (id: string, extra: Partial<FindingResource> = {}): FindingResource => ({ type: "AWS::IAM::Role", id, account: ACCOUNT, ...extra });

describe("protected principals", () => {
  const b = baseline({
    principals: { breakGlass: ["arn:aws:iam::*:role/ops/break-glass", "arn:aws:iam::111111111111:user/emergency"], securityAutomation: ["arn:aws:iam::*:role/soc-*"] },
  });

  it.each<[string, FindingResource]>([
    ["a break-glass role by ARN", role("break-glass", { arn: `arn:aws:iam::${ACCOUNT}:role/ops/break-glass` })],
    ["a break-glass role named without its path, as requests name it", role("break-glass")],
    ["a break-glass user by name", { type: "AWS::IAM::User", id: "emergency", account: ACCOUNT }],
    ["a security automation role by pattern", role("soc-responder")],
    ["a session of a protected role", { type: "AWS::STS::AssumedRole", id: "x", arn: `arn:aws:sts::${ACCOUNT}:assumed-role/break-glass/bob` }],
    ["the remediator role itself", role("trailwarden-remediator")],
    ["the pipeline's own roles", role("prod-trailwarden-RemediateFunctionRole-1AB2")],
  ])("protects %s", (_what, resource) => {
    expect(protectedResource([resource], ACCOUNT, b)).toEqual(resource);
  });

  it.each<[string, FindingResource]>([
    ["an ordinary role", role("developer")],
    ["a user named like a protected role", { type: "AWS::IAM::User", id: "break-glass", account: ACCOUNT }],
    ["a protected user name in another account", { type: "AWS::IAM::User", id: "emergency", account: "222222222222" }],
    ["a bucket", { type: "AWS::S3::Bucket", id: "break-glass", arn: "arn:aws:s3:::break-glass" }],
  ])("does not protect %s", (_what, resource) => {
    expect(protectedResource([resource], ACCOUNT, b)).toBeUndefined();
  });
});

describe("the pipeline's own changes", () => {
  const actor = (a: Partial<FindingActor>): FindingActor => ({ type: "AssumedRole", ...a });

  it.each([
    ["the remediator role", actor({ principal: `arn:aws:iam::${ACCOUNT}:role/trailwarden-remediator` })],
    ["the remediator role under a path", actor({ principal: `arn:aws:iam::${ACCOUNT}:role/security/trailwarden-remediator` })],
    ["a session issued by the remediator role", actor({ sessionIssuer: `arn:aws:iam::${ACCOUNT}:role/trailwarden-remediator` })],
    ["a session named as the remediator names its sessions", actor({ arn: `arn:aws:sts::${ACCOUNT}:assumed-role/other/${REMEDIATION_SESSION_NAME}` })],
  ])("recognises %s", (_what, a) => {
    expect(isOwnChange(a, "trailwarden-remediator")).toBe(true);
  });

  it.each([
    ["a role whose name only starts like the remediator's", actor({ principal: `arn:aws:iam::${ACCOUNT}:role/trailwarden-remediator-old` })],
    ["another session of another role", actor({ arn: `arn:aws:sts::${ACCOUNT}:assumed-role/developer/trailwarden-remediation-x` })],
    ["an IAM user", { type: "IAMUser", arn: `arn:aws:iam::${ACCOUNT}:user/alice`, principal: `arn:aws:iam::${ACCOUNT}:user/alice` }],
  ])("does not mistake %s for it", (_what, a) => {
    expect(isOwnChange(a, "trailwarden-remediator")).toBe(false);
  });

  it("follows a renamed remediator role", () => {
    const renamed = actor({ principal: `arn:aws:iam::${ACCOUNT}:role/guardian` });
    expect(isOwnChange(renamed, "guardian")).toBe(true);
    expect(staticRefusal(finding({ actor: renamed }), baseline({ remediation: { remediatorRoleName: "guardian" } }))).toMatch(/its own changes/);
  });
});

describe("staticRefusal", () => {
  it("lets an ordinary finding through", () => {
    expect(staticRefusal(finding(), baseline())).toBeUndefined();
  });

  it("refuses in a killed account, whether it is the finding's or a resource's", () => {
    const b = baseline({ remediation: { killSwitch: [ACCOUNT] } });
    expect(staticRefusal(finding(), b)).toMatch(`kill switch is on for account ${ACCOUNT}`);
    const crossAccount = finding({ account: "222222222222" });
    expect(staticRefusal(crossAccount, b)).toMatch("kill switch");
    expect(staticRefusal(finding({ account: "222222222222", resources: [] }), b)).toBeUndefined();
  });

  it("refuses when a resource the plan touches is protected, even if the finding's are not", () => {
    const b = baseline({ principals: { breakGlass: ["arn:aws:iam::*:role/break-glass"] } });
    expect(staticRefusal(finding(), b, [role("break-glass")])).toMatch("protected principal");
  });
});

describe("evaluateGuardrails", () => {
  async function decide(input: { baseline?: BaselineInput; finding?: Finding; remediation?: { id: string; risk: "low" | "high" }; stores?: ReturnType<typeof memoryStores>; now?: Date } = {}) {
    return evaluateGuardrails({
      finding: input.finding ?? finding(),
      remediation: input.remediation ?? low,
      baseline: baseline(input.baseline),
      stores: input.stores ?? memoryStores(),
      now: input.now ?? NOW,
    });
  }

  it("decides dry-run by default, and takes no lock for a mode that never writes", async () => {
    const stores = memoryStores();
    expect(await decide({ stores })).toEqual({
      remediation: low.id,
      risk: "low",
      mode: "dry-run",
      configuredMode: "dry-run",
      modeSource: "defaultMode",
      reasons: [],
      approvalTimeoutSeconds: 86_400,
    });
    expect(stores.locks.holder(`lock/${resourceKey(finding())}`)).toBeUndefined();
  });

  it("throws GuardrailRefusedError for a refusal", async () => {
    await expect(decide({ baseline: { remediation: { killSwitch: [ACCOUNT] } } })).rejects.toBeInstanceOf(GuardrailRefusedError);
  });

  it("turns auto into approval for a high-risk remediation the baseline does not name", async () => {
    expect(await decide({ baseline: { remediation: { defaultMode: "auto" } }, remediation: high })).toMatchObject({
      mode: "approval",
      configuredMode: "auto",
      reasons: [expect.stringContaining("allowAutoHighRisk")],
    });
    expect(await decide({ baseline: { remediation: { defaultMode: "auto", allowAutoHighRisk: [high.id] } }, remediation: high })).toMatchObject({ mode: "auto" });
  });

  it("leaves a configured approval or dry-run alone for a high-risk remediation", async () => {
    expect(await decide({ baseline: { remediation: { defaultMode: "dry-run" } }, remediation: high })).toMatchObject({ mode: "dry-run", reasons: [] });
  });

  it("sends auto remediations past the global limit to approval, counting each finding once", async () => {
    const stores = memoryStores();
    const b = { remediation: { defaultMode: "auto" as const, rateLimits: { global: { max: 2, windowSeconds: 3600 } } } };
    const resources = (n: number) => [{ type: "AWS::S3::Bucket", id: `b${n}`, account: ACCOUNT }];
    for (const n of [1, 2]) expect(await decide({ baseline: b, stores, finding: finding({ id: `f${n}`, resources: resources(n) }) })).toMatchObject({ mode: "auto" });
    // A retried Guardrails step for f2 still fits.
    expect(await decide({ baseline: b, stores, finding: finding({ id: "f2", resources: resources(2) }) })).toMatchObject({ mode: "auto" });
    expect(await decide({ baseline: b, stores, finding: finding({ id: "f3", resources: resources(3) }) })).toMatchObject({
      mode: "approval",
      reasons: ["rate limit: more than 2 automatic remediations in all accounts within 3600 s"],
    });
    // The next window starts afresh.
    const later = new Date(NOW.getTime() + 3600_000);
    expect(await decide({ baseline: b, stores, now: later, finding: finding({ id: "f4", resources: resources(4) }) })).toMatchObject({ mode: "auto" });
  });

  it("sends repeated auto remediations of one resource past the per-resource limit to approval", async () => {
    const stores = memoryStores();
    const b = { remediation: { defaultMode: "auto" as const, rateLimits: { perResource: { max: 1, windowSeconds: 3600 } } } };
    const first = await decide({ baseline: b, stores, finding: finding({ id: "f1" }) });
    await stores.locks.release(first.lock!, "f1");
    expect(await decide({ baseline: b, stores, finding: finding({ id: "f2" }) })).toMatchObject({ mode: "approval", reasons: [expect.stringContaining("on this resource")] });
    expect(await decide({ baseline: b, stores, finding: finding({ id: "f3", resources: [{ type: "AWS::S3::Bucket", id: "other" }] }) })).toMatchObject({ mode: "auto" });
  });

  it("holds the resource for an approval as long as the approval can wait, plus a margin", async () => {
    const stores = memoryStores();
    const decision = await decide({ baseline: { remediation: { defaultMode: "approval", approval: { timeoutSeconds: 600 } } }, stores });
    expect(decision.lock).toBe(`lock/${ACCOUNT}/eu-west-1/AWS::S3::Bucket/arn:aws:s3:::data`);
    const justBefore = NOW.getTime() + (600 + LOCK_MARGIN_SECONDS) * 1000 - 1;
    expect(await stores.locks.acquire(decision.lock!, "other", justBefore + 10, justBefore)).toMatchObject({ acquired: false });
    expect(await stores.locks.acquire(decision.lock!, "other", justBefore + 10, justBefore + 1)).toEqual({ acquired: true });
  });

  it("throws ResourceBusyError while another finding holds the resource, and lets the holder in again", async () => {
    const stores = memoryStores();
    const b = { remediation: { defaultMode: "auto" as const } };
    await decide({ baseline: b, stores, finding: finding({ id: "f1" }) });
    await expect(decide({ baseline: b, stores, finding: finding({ id: "f2" }) })).rejects.toBeInstanceOf(ResourceBusyError);
    expect(await decide({ baseline: b, stores, finding: finding({ id: "f1" }) })).toMatchObject({ mode: "auto" });
  });
});
