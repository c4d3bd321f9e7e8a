import { z } from "zod";
import { SEVERITIES, type Severity } from "./severity.js";

/**
 * The baseline's `remediation` key: how each finding's remediation runs.
 *
 * ```yaml
 * remediation:
 *   defaultMode: dry-run              # off | dry-run | approval | auto
 *   modes:                            # rules; the most specific matching one wins
 *     - { severity: critical, mode: approval, approvalTimeoutSeconds: 3600 }
 *     - { detector: "s3.*", mode: auto }
 *     - { detector: "s3.*", account: "111111111111", mode: approval }
 *     - { account: "222222222222", mode: off }
 *   allowAutoHighRisk: [iam.deactivate-access-key]   # high-risk ids allowed to run in auto
 *   killSwitch: ["333333333333"]      # every remediation in these accounts is refused
 *   approval: { timeoutSeconds: 86400 }
 *   rateLimits:                       # auto remediations past these wait for approval
 *     perResource: { max: 3, windowSeconds: 3600 }
 *     global: { max: 30, windowSeconds: 3600 }
 *   remediatorRoleName: trailwarden-remediator
 *   pipelinePrincipals: ["arn:aws:iam::*:role/trailwarden-*"]
 * ```
 *
 * Precedence of the mode rules. A rule names one or more of `detector` (an id,
 * or a pattern where `*` is any run of characters), `account` and `severity`;
 * it matches a finding when everything it names matches. Among matching rules
 * the most specific wins, ranked in this order:
 *   1. a rule naming an exact detector id beats every rule that does not;
 *   2. then a rule naming a detector pattern (`s3.*`);
 *   3. then a rule naming the account;
 *   4. then a rule naming the severity;
 * and rules naming more of these beat rules naming fewer at the same rank
 * (detector + account beats detector alone; account + severity beats account
 * alone). Technically: score = 8 (exact detector) or 4 (detector pattern)
 * + 2 (account) + 1 (severity), highest wins. Equal scores are resolved in
 * favour of the more cautious mode (off, then dry-run, then approval, then
 * auto), so an ambiguous baseline never acts more than one of its rules says.
 * No matching rule: `defaultMode`, itself `dry-run` unless set.
 *
 * After the mode is chosen, two rules can only lower it: a high-risk
 * remediation runs in `auto` only when `allowAutoHighRisk` names it (else
 * `approval`), and an `auto` remediation past a rate limit waits for approval.
 */

export const REMEDIATION_MODES = ["off", "dry-run", "approval", "auto"] as const;
export type RemediationMode = (typeof REMEDIATION_MODES)[number];

export const DEFAULT_REMEDIATOR_ROLE_NAME = "trailwarden-remediator";
/** The pipeline's own roles as SST names them (`<stage>-trailwarden-...`) and as the member stack names them. */
export const DEFAULT_PIPELINE_PRINCIPALS = ["arn:aws:iam::*:role/trailwarden-*", "arn:aws:iam::*:role/*-trailwarden-*"];
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 86_400;
/** Step Functions caps a task's timeout far above this; a year is the longest a standard execution lives. */
const MAX_TIMEOUT_SECONDS = 31_536_000;

const accountId = z.string().regex(/^\d{12}$/, "a 12-digit AWS account id (quote it in YAML)");
const detectorPattern = z.string().regex(/^[a-z0-9*][a-z0-9.*-]*$/, "a detector id such as s3.public-access-block-removed, or a pattern such as s3.*");
const remediationId = z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, "a remediation id such as iam.quarantine-principal");
const principalPattern = z.string().startsWith("arn:", "an ARN or ARN pattern starting with arn:");
const timeoutSeconds = z.number().int().min(1).max(MAX_TIMEOUT_SECONDS);
const mode = z.enum(REMEDIATION_MODES);

const ModeRuleSchema = z
  .strictObject({
    detector: detectorPattern.optional(),
    account: accountId.optional(),
    severity: z.enum(SEVERITIES).optional(),
    mode,
    /** Overrides `approval.timeoutSeconds` for findings this rule decides. */
    approvalTimeoutSeconds: timeoutSeconds.optional(),
  })
  .refine((rule) => rule.detector !== undefined || rule.account !== undefined || rule.severity !== undefined, {
    message: "a mode rule must name a detector, an account or a severity (set defaultMode for everything else)",
  });

const RateLimitSchema = z.strictObject({
  max: z.number().int().min(1),
  windowSeconds: z.number().int().min(1).max(MAX_TIMEOUT_SECONDS),
});

export const RemediationConfigSchema = z
  .strictObject({
    defaultMode: mode.default("dry-run"),
    modes: z.array(ModeRuleSchema).default([]),
    allowAutoHighRisk: z.array(remediationId).default([]),
    killSwitch: z.array(accountId).default([]),
    approval: z.strictObject({ timeoutSeconds: timeoutSeconds.default(DEFAULT_APPROVAL_TIMEOUT_SECONDS) }).prefault({}),
    rateLimits: z
      .strictObject({
        perResource: RateLimitSchema.default({ max: 3, windowSeconds: 3600 }),
        global: RateLimitSchema.default({ max: 30, windowSeconds: 3600 }),
      })
      .prefault({}),
    /** The role remediations assume in member accounts; its changes are never reacted to. */
    remediatorRoleName: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, "an IAM role name")
      .default(DEFAULT_REMEDIATOR_ROLE_NAME),
    /** The pipeline's own roles: never remediated, like break-glass and security automation. */
    pipelinePrincipals: z.array(principalPattern).default(DEFAULT_PIPELINE_PRINCIPALS),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.modes.forEach((rule, index) => {
      const key = JSON.stringify([rule.detector ?? null, rule.account ?? null, rule.severity ?? null]);
      const first = seen.get(key);
      if (first !== undefined) ctx.addIssue({ code: "custom", path: ["modes", index], message: `the same selector as modes[${first}]: keep one of them` });
      else seen.set(key, index);
    });
  });

export type RemediationConfig = z.infer<typeof RemediationConfigSchema>;
export type RemediationConfigInput = z.input<typeof RemediationConfigSchema>;
export type ModeRule = RemediationConfig["modes"][number];
export type RateLimit = z.infer<typeof RateLimitSchema>;

export const DEFAULT_REMEDIATION_CONFIG: RemediationConfig = RemediationConfigSchema.parse({});

export interface ModeSubject {
  detector: string;
  account: string;
  severity: Severity;
}

export interface ModeChoice {
  mode: RemediationMode;
  approvalTimeoutSeconds: number;
  /** Which rule decided, for the record: `modes[2]` or `defaultMode`. */
  source: string;
}

/** How far a mode acts; lower is more cautious. */
export function modeRank(value: RemediationMode): number {
  return REMEDIATION_MODES.indexOf(value);
}

function isPattern(detector: string): boolean {
  return detector.includes("*");
}

function globMatches(pattern: string, value: string): boolean {
  if (!isPattern(pattern)) return pattern === value;
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`).test(value);
}

export function ruleMatches(rule: ModeRule, subject: ModeSubject): boolean {
  return (
    (rule.detector === undefined || globMatches(rule.detector, subject.detector)) &&
    (rule.account === undefined || rule.account === subject.account) &&
    (rule.severity === undefined || rule.severity === subject.severity)
  );
}

/** The specificity score documented at the top of this file. */
export function ruleSpecificity(rule: ModeRule): number {
  const detector = rule.detector === undefined ? 0 : isPattern(rule.detector) ? 4 : 8;
  return detector + (rule.account === undefined ? 0 : 2) + (rule.severity === undefined ? 0 : 1);
}

/** The mode the baseline sets for a finding, before risk and rate limits are applied. */
export function resolveMode(config: RemediationConfig, subject: ModeSubject): ModeChoice {
  let best: { rule: ModeRule; index: number; score: number } | undefined;
  config.modes.forEach((rule, index) => {
    if (!ruleMatches(rule, subject)) return;
    const score = ruleSpecificity(rule);
    if (!best || score > best.score || (score === best.score && modeRank(rule.mode) < modeRank(best.rule.mode))) best = { rule, index, score };
  });
  if (!best) return { mode: config.defaultMode, approvalTimeoutSeconds: config.approval.timeoutSeconds, source: "defaultMode" };
  return {
    mode: best.rule.mode,
    approvalTimeoutSeconds: best.rule.approvalTimeoutSeconds ?? config.approval.timeoutSeconds,
    source: `modes[${best.index}]`,
  };
}
