import { z } from "zod";
import { parseCidr } from "./pattern-ip.js";
import { RemediationConfigSchema } from "./remediation-config.js";

/**
 * The security baseline: what "normal" is for this organisation. It is data in
 * the repository, reviewed like code. Top-level keys are fixed here so later
 * features extend them rather than rename them.
 */

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/;

/** 2027-02-31 matches the shape but is not a day; Date would silently roll it over to March. */
function isRealDate(text: string): boolean {
  const day = text.slice(0, 10);
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === day && Number.isFinite(Date.parse(text));
}

const accountId = z.string().regex(ACCOUNT_ID, "a 12-digit AWS account id (quote it in YAML)");
const region = z.string().regex(REGION, "an AWS region name such as eu-west-1");
/** ARN patterns: `*` matches any run of characters, so `arn:aws:iam::*:role/ci-*` covers every account. */
const principalPattern = z.string().startsWith("arn:", "an ARN or ARN pattern starting with arn:");
const nonEmpty = z.string().trim().min(1, "a non-empty string");

const AccountSchema = z.strictObject({
  name: nonEmpty,
  /** Optional: `baseline learn` cannot know it; production is what change-management detectors judge. */
  environment: z.enum(["production", "staging", "development", "sandbox", "security", "shared"]).optional(),
});

const ExceptionSchema = z
  .strictObject({
    detector: nonEmpty.describe("a detector id, or a pattern such as s3.*"),
    principal: principalPattern.optional(),
    resource: nonEmpty.optional(),
    account: accountId.optional(),
    owner: nonEmpty,
    reason: nonEmpty,
    expires: z
      .string()
      .regex(DATE, "a date such as 2027-03-31 (UTC, end of that day)")
      .refine(isRealDate, "a real calendar date such as 2027-03-31 (not 2027-02-31)"),
  })
  .refine((e) => e.principal !== undefined || e.resource !== undefined || e.account !== undefined, {
    message: "an exception must name a principal, a resource or an account: a blanket exception mutes a detector",
  });

const cidr = z.string().refine((text) => parseCidr(text) !== undefined, "a CIDR block such as 203.0.113.0/24 or 2001:db8::/32");
const eventSource = z.string().regex(/^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/, "a service host such as rds.amazonaws.com");
/** `<service prefix>:<eventName>`, as IAM names actions: `iam:CreateUser`. */
const apiName = z.string().regex(/^[a-z0-9-]+:[A-Za-z0-9]+$/, "an API name such as iam:CreateUser");

const ProfileSchema = z.strictObject({
  /** Sensitive API calls (core/sensitive-apis.ts) this principal has made. */
  apis: z.array(apiName).default([]),
  regions: z.array(region).default([]),
  /** Accounts outside the organisation this principal has assumed roles in or trusted. */
  externalAccounts: z.array(accountId).default([]),
});
export type PrincipalProfile = z.infer<typeof ProfileSchema>;

export const BaselineSchema = z.strictObject({
  version: z.literal(1).default(1),
  accounts: z.record(z.string().regex(ACCOUNT_ID, "a 12-digit account id in quotes"), AccountSchema).default({}),
  regions: z.strictObject({ allowed: z.array(region).default([]) }).default({ allowed: [] }),
  principals: z
    .strictObject({
      iac: z.array(principalPattern).default([]),
      breakGlass: z.array(principalPattern).default([]),
      securityAutomation: z.array(principalPattern).default([]),
    })
    .default({ iac: [], breakGlass: [], securityAutomation: [] }),
  trust: z.strictObject({ externalAccounts: z.array(accountId).default([]) }).default({ externalAccounts: [] }),
  s3: z.strictObject({ publicBuckets: z.array(nonEmpty).default([]) }).default({ publicBuckets: [] }),
  /** Where people work from; API calls by human principals from elsewhere are findings. Empty: not judged. */
  networks: z.strictObject({ human: z.array(cidr).default([]) }).default({ human: [] }),
  /** Services whose control plane must be reached through the control-plane proxy, and the proxy's principals. */
  proxy: z
    .strictObject({ principals: z.array(principalPattern).default([]), services: z.array(eventSource).default([]) })
    .default({ principals: [], services: [] }),
  /** Customer-managed policies known to grant admin: attaching one is judged like attaching AdministratorAccess. */
  iam: z.strictObject({ privilegedPolicies: z.array(principalPattern).default([]) }).default({ privilegedPolicies: [] }),
  /**
   * Learned per-principal profiles (`trailwarden baseline learn`), keyed by
   * principal ARN (the role ARN for assumed roles). Behavioural detectors
   * report first use against them; a principal without a profile is not judged.
   */
  profiles: z.record(principalPattern, ProfileSchema).default({}),
  exceptions: z.array(ExceptionSchema).default([]),
  /** Remediation modes, guardrails and rate limits (core/remediation-config.ts documents the keys and the precedence). */
  remediation: RemediationConfigSchema.prefault({}),
});

export type Baseline = z.infer<typeof BaselineSchema>;
export type BaselineInput = z.input<typeof BaselineSchema>;
export type BaselineException = z.infer<typeof ExceptionSchema>;

/**
 * The baseline used when none is given: it trusts nothing, so every detector
 * judges against empty allow-lists (no IaC principals, no external accounts, no
 * approved public buckets) and every region is allowed.
 */
export const DEFAULT_BASELINE: Baseline = BaselineSchema.parse({});

export function parseBaseline(input: unknown): Baseline {
  return BaselineSchema.parse(input ?? {});
}

const patternCache = new Map<string, RegExp>();

/** Compiles an ARN pattern where `*` is any run of characters and `?` one character. */
export function compileArnPattern(pattern: string): RegExp {
  let compiled = patternCache.get(pattern);
  if (!compiled) {
    const body = pattern
      .split("*")
      .map((part) => part.split("?").map(escapeRegExp).join("."))
      .join(".*");
    compiled = new RegExp(`^${body}$`);
    patternCache.set(pattern, compiled);
  }
  return compiled;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\]/g, "\\$&");
}

export function matchesAny(patterns: readonly string[], value: string | undefined): boolean {
  if (value === undefined) return false;
  return patterns.some((pattern) => compileArnPattern(pattern).test(value));
}

/** End of the expiry day in UTC when only a date is given. */
export function exceptionExpiry(exception: BaselineException): Date {
  const text = /^\d{4}-\d{2}-\d{2}$/.test(exception.expires) ? `${exception.expires}T23:59:59.999Z` : exception.expires;
  return new Date(text);
}
