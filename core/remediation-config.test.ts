import { describe, expect, it } from "vitest";
import { parseBaseline } from "./baseline.js";
import {
  DEFAULT_APPROVAL_TIMEOUT_SECONDS,
  DEFAULT_REMEDIATION_CONFIG,
  DEFAULT_REMEDIATOR_ROLE_NAME,
  RemediationConfigSchema,
  resolveMode,
  ruleSpecificity,
  type ModeSubject,
  type RemediationConfigInput,
} from "./remediation-config.js";

const subject: ModeSubject = { detector: "s3.public-access-block-removed", account: "111111111111", severity: "high" };

function config(input: RemediationConfigInput) {
  return RemediationConfigSchema.parse(input);
}

describe("remediation config defaults", () => {
  it("runs everything in dry-run, with no kill switch, no high-risk auto and the standard remediator role", () => {
    expect(DEFAULT_REMEDIATION_CONFIG).toMatchObject({
      defaultMode: "dry-run",
      modes: [],
      allowAutoHighRisk: [],
      killSwitch: [],
      approval: { timeoutSeconds: DEFAULT_APPROVAL_TIMEOUT_SECONDS },
      rateLimits: { perResource: { max: 3, windowSeconds: 3600 }, global: { max: 30, windowSeconds: 3600 } },
      remediatorRoleName: DEFAULT_REMEDIATOR_ROLE_NAME,
    });
    expect(resolveMode(DEFAULT_REMEDIATION_CONFIG, subject)).toEqual({ mode: "dry-run", approvalTimeoutSeconds: 86_400, source: "defaultMode" });
  });

  it("is the baseline's remediation key, filled with defaults when absent or partial", () => {
    expect(parseBaseline({}).remediation).toEqual(DEFAULT_REMEDIATION_CONFIG);
    const partial = parseBaseline({ remediation: { rateLimits: { global: { max: 5, windowSeconds: 60 } }, approval: {} } }).remediation;
    expect(partial.rateLimits).toEqual({ perResource: { max: 3, windowSeconds: 3600 }, global: { max: 5, windowSeconds: 60 } });
    expect(partial.approval.timeoutSeconds).toBe(DEFAULT_APPROVAL_TIMEOUT_SECONDS);
  });
});

describe("remediation config validation", () => {
  it.each([
    ["an unknown mode", { defaultMode: "yolo" }],
    ["an unknown key (a typo must not silently mean the default)", { killswitch: ["111111111111"] }],
    ["a rule that names nothing", { modes: [{ mode: "auto" }] }],
    ["an unquoted, shortened account id", { killSwitch: ["11111111111"] }],
    ["a zero rate limit", { rateLimits: { global: { max: 0, windowSeconds: 60 } } }],
    ["a fractional approval timeout", { approval: { timeoutSeconds: 1.5 } }],
    ["a remediation id that is not <service>.<verb-object>", { allowAutoHighRisk: ["quarantine"] }],
    ["two rules with the same selector", { modes: [{ severity: "high", mode: "auto" }, { severity: "high", mode: "off" }] }],
    ["a pipeline principal that is not an ARN", { pipelinePrincipals: ["trailwarden-*"] }],
  ])("rejects %s", (_what, input) => {
    expect(RemediationConfigSchema.safeParse(input).success).toBe(false);
  });

  it("says which rule repeats which", () => {
    const result = RemediationConfigSchema.safeParse({ modes: [{ account: "111111111111", mode: "auto" }, { account: "111111111111", mode: "off" }] });
    expect(result.error?.issues[0]).toMatchObject({ path: ["modes", 1], message: expect.stringContaining("modes[0]") });
  });
});

describe("mode precedence: the most specific matching rule wins", () => {
  it("ranks exact detector > detector pattern > account > severity, and more named fields above fewer", () => {
    const score = (rule: Parameters<typeof ruleSpecificity>[0]) => ruleSpecificity(rule);
    expect(score({ detector: "s3.x", mode: "auto" })).toBeGreaterThan(score({ detector: "s3.*", account: "111111111111", severity: "high", mode: "auto" }));
    expect(score({ detector: "s3.*", mode: "auto" })).toBeGreaterThan(score({ account: "111111111111", severity: "high", mode: "auto" }));
    expect(score({ account: "111111111111", mode: "auto" })).toBeGreaterThan(score({ severity: "high", mode: "auto" }));
    expect(score({ detector: "s3.x", account: "111111111111", mode: "auto" })).toBeGreaterThan(score({ detector: "s3.x", mode: "auto" }));
  });

  it("a detector rule beats an account rule, which beats a severity rule", () => {
    const modes = [
      { severity: "high", mode: "off" },
      { account: "111111111111", mode: "approval" },
      { detector: "s3.public-access-block-removed", mode: "auto" },
    ] as const;
    expect(resolveMode(config({ modes: [...modes] }), subject)).toMatchObject({ mode: "auto", source: "modes[2]" });
    expect(resolveMode(config({ modes: [modes[0], modes[1]] }), subject)).toMatchObject({ mode: "approval", source: "modes[1]" });
    expect(resolveMode(config({ modes: [modes[0]] }), subject)).toMatchObject({ mode: "off" });
  });

  it("an exact detector id beats a pattern, and a pattern scoped to an account beats the bare pattern", () => {
    const modes = [
      { detector: "s3.*", mode: "auto" },
      { detector: "s3.*", account: "111111111111", mode: "approval" },
    ] as const;
    expect(resolveMode(config({ modes: [...modes] }), subject).mode).toBe("approval");
    expect(resolveMode(config({ modes: [...modes] }), { ...subject, account: "222222222222" }).mode).toBe("auto");
    expect(resolveMode(config({ modes: [...modes, { detector: subject.detector, mode: "off" }] }), subject).mode).toBe("off");
  });

  it("ignores rules that do not match every field they name", () => {
    const c = config({ modes: [{ detector: "iam.*", mode: "auto" }, { account: "111111111111", severity: "low", mode: "auto" }], defaultMode: "off" });
    expect(resolveMode(c, subject)).toMatchObject({ mode: "off", source: "defaultMode" });
  });

  it("resolves equally specific matching rules in favour of the more cautious mode, whatever their order", () => {
    const modes = [
      { detector: "s3.*", mode: "auto" },
      { detector: "*.public-access-block-removed", mode: "dry-run" },
    ] as const;
    expect(resolveMode(config({ modes: [...modes] }), subject).mode).toBe("dry-run");
    expect(resolveMode(config({ modes: [modes[1], modes[0]] }), subject).mode).toBe("dry-run");
  });

  it("takes the approval timeout from the deciding rule, else the default", () => {
    const c = config({ approval: { timeoutSeconds: 600 }, modes: [{ severity: "critical", mode: "approval", approvalTimeoutSeconds: 60 }] });
    expect(resolveMode(c, { ...subject, severity: "critical" }).approvalTimeoutSeconds).toBe(60);
    expect(resolveMode(c, subject).approvalTimeoutSeconds).toBe(600);
  });

  it("treats dots in detector patterns literally", () => {
    expect(resolveMode(config({ modes: [{ detector: "s3.public*", mode: "auto" }] }), { ...subject, detector: "s3xpublic-thing" }).mode).toBe("dry-run");
  });
});
