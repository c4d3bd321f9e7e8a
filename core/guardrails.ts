import { compileArnPattern, matchesAny, type Baseline } from "./baseline.js";
import type { FindingResource } from "./detector.js";
import type { Finding, FindingActor } from "./finding.js";
import { resolveMode, type RateLimit, type RemediationConfig, type RemediationMode } from "./remediation-config.js";
import { GuardrailRefusedError, RemediationError } from "./remediation-errors.js";
import type { RemediationRisk } from "./remediation.js";
import type { RemediationStores } from "./stores.js";

/**
 * The rules that keep remediation safe (DESIGN.md), checked before anything
 * is planned and again before anything is written. Pure apart from the
 * injected stores: no AWS calls, the clock comes in as `now`.
 */

/** The session name the remediator role is assumed with: its changes are the pipeline's own. */
export const REMEDIATION_SESSION_NAME = "trailwarden-remediation";

/** Another remediation holds the resource. Retried by the workflow, then published as a failure. */
export class ResourceBusyError extends RemediationError {
  override name = "ResourceBusyError";
}

/** A lock outlives its holder's longest wait (the approval) by this much, so a lost execution frees it. */
export const LOCK_MARGIN_SECONDS = 3600;

export interface GuardrailDecision {
  remediation: string;
  risk: RemediationRisk;
  /** The mode the workflow runs in. */
  mode: RemediationMode;
  /** The mode the baseline's rules chose, before risk and rate limits. */
  configuredMode: RemediationMode;
  /** `modes[i]` or `defaultMode`. */
  modeSource: string;
  /** Why `mode` differs from `configuredMode`, in words shown to approvers. */
  reasons: string[];
  /** The approval task's timeout, read by the state machine through TimeoutSecondsPath. */
  approvalTimeoutSeconds: number;
  /** The per-resource lock held until the result is published (approval and auto only). */
  lock?: string;
}

/** Patterns of principals no remediation may touch: break-glass, security automation, the pipeline's own roles. */
export function protectedPrincipalPatterns(baseline: Baseline): string[] {
  const config = baseline.remediation;
  return [
    ...baseline.principals.breakGlass,
    ...baseline.principals.securityAutomation,
    ...config.pipelinePrincipals,
    `arn:aws*:iam::*:role/${config.remediatorRoleName}`,
    `arn:aws*:iam::*:role/*/${config.remediatorRoleName}`,
  ];
}

const IAM_KINDS: Record<string, string> = { "AWS::IAM::Role": "role", "AWS::IAM::User": "user", "AWS::IAM::Group": "group" };
const IAM_ARN = /^arn:[^:]*:iam::([^:]*):(role|user|group)\/(.*)$/;
const ASSUMED_ROLE_ARN = /^arn:[^:]*:sts::(\d*):assumed-role\/([^/]+)\//;

/**
 * A resource named only by its IAM name (requests do not show the path) is
 * judged by kind, account and name against each pattern, ignoring the
 * pattern's path: when unsure, the guardrail refuses.
 */
function iamNameMatches(pattern: string, kind: string, account: string, name: string): boolean {
  const parsed = IAM_ARN.exec(pattern);
  if (!parsed || parsed[2] !== kind) return false;
  const patternName = parsed[3]!.slice(parsed[3]!.lastIndexOf("/") + 1);
  return compileArnPattern(parsed[1]!).test(account) && compileArnPattern(patternName).test(name);
}

function resourceIsProtected(resource: FindingResource, account: string, patterns: readonly string[]): boolean {
  const arns = [resource.arn, resource.id.startsWith("arn:") ? resource.id : undefined].filter((a): a is string => a !== undefined);
  if (arns.some((arn) => matchesAny(patterns, arn))) return true;
  for (const arn of arns) {
    const session = ASSUMED_ROLE_ARN.exec(arn);
    if (session && patterns.some((p) => iamNameMatches(p, "role", session[1]!, session[2]!))) return true;
  }
  const kind = IAM_KINDS[resource.type];
  if (kind && !resource.id.startsWith("arn:")) {
    const name = resource.id.slice(resource.id.lastIndexOf("/") + 1);
    return patterns.some((p) => iamNameMatches(p, kind, resource.account ?? account, name));
  }
  return false;
}

/** The first resource among those given that is a protected principal. */
export function protectedResource(resources: readonly FindingResource[], account: string, baseline: Baseline): FindingResource | undefined {
  const patterns = protectedPrincipalPatterns(baseline);
  return resources.find((resource) => resourceIsProtected(resource, account, patterns));
}

/** True when the change was made by the remediator role or a session named as the remediator names its sessions. */
export function isOwnChange(actor: FindingActor, roleName: string): boolean {
  const role = new RegExp(`^arn:[^:]*:iam::\\d*:role/(.*/)?${escape(roleName)}$`);
  const session = new RegExp(`^arn:[^:]*:sts::\\d*:assumed-role/([^/]+)/(.+)$`);
  if ((actor.principal && role.test(actor.principal)) || (actor.sessionIssuer && role.test(actor.sessionIssuer))) return true;
  const assumed = actor.arn ? session.exec(actor.arn) : null;
  return assumed !== null && (assumed[1] === roleName || assumed[2] === REMEDIATION_SESSION_NAME);
}

function escape(text: string): string {
  return text.replace(/[.+*?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The refusals that need no store: the pipeline's own change, a killed
 * account, a protected principal among the finding's resources (and any
 * `touched` resource, e.g. the one a plan names). Returns why, or nothing.
 */
export function staticRefusal(finding: Finding, baseline: Baseline, touched: readonly FindingResource[] = []): string | undefined {
  const config = baseline.remediation;
  if (isOwnChange(finding.actor, config.remediatorRoleName)) {
    return `the change was made by the remediator (${finding.actor.arn ?? finding.actor.principal}): trailwarden never reacts to its own changes`;
  }
  const accounts = new Set([finding.account, ...finding.resources.map((r) => r.account), ...touched.map((r) => r.account)]);
  const killed = config.killSwitch.find((account) => accounts.has(account));
  if (killed) return `the kill switch is on for account ${killed}: no remediation runs there`;
  const principal = protectedResource([...finding.resources, ...touched], finding.account, baseline);
  if (principal) return `${principal.arn ?? principal.id} is a protected principal (break-glass, security automation or trailwarden's own): never remediated`;
  return undefined;
}

/** Throws GuardrailRefusedError when a static guardrail refuses. */
export function assertNotRefused(finding: Finding, baseline: Baseline, touched: readonly FindingResource[] = []): void {
  const reason = staticRefusal(finding, baseline, touched);
  if (reason) throw new GuardrailRefusedError(reason);
}

/** The resource a remediation of this finding works on, as a store key. */
export function resourceKey(finding: Finding, resource: FindingResource | undefined = finding.resources[0]): string {
  if (!resource) return `${finding.account}/${finding.region}/finding/${finding.id}`;
  return `${resource.account ?? finding.account}/${resource.region ?? finding.region}/${resource.type}/${resource.arn ?? resource.id}`;
}

function windowKey(scope: string, limit: RateLimit, now: number): { key: string; expiresAt: number } {
  const size = limit.windowSeconds * 1000;
  const start = Math.floor(now / size) * size;
  return { key: `rate/${scope}/${limit.windowSeconds}/${start}`, expiresAt: start + size };
}

/** Records this finding against both rate limits; returns the limits it exceeds, in words. */
async function exceededRateLimits(finding: Finding, config: RemediationConfig, stores: RemediationStores, now: number): Promise<string[]> {
  const limits = [
    { scope: `resource/${resourceKey(finding)}`, limit: config.rateLimits.perResource, what: "on this resource" },
    { scope: "global", limit: config.rateLimits.global, what: "in all accounts" },
  ];
  const exceeded: string[] = [];
  for (const { scope, limit, what } of limits) {
    const window = windowKey(scope, limit, now);
    const count = await stores.rateLimits.record(window.key, finding.id, window.expiresAt);
    if (count > limit.max) exceeded.push(`rate limit: more than ${limit.max} automatic remediations ${what} within ${limit.windowSeconds} s`);
  }
  return exceeded;
}

export interface GuardrailInput {
  finding: Finding;
  remediation: { id: string; risk: RemediationRisk };
  baseline: Baseline;
  stores: RemediationStores;
  now: Date;
}

/**
 * The Guardrails step: refuses (GuardrailRefusedError), or decides the mode
 * the workflow runs in and, when it may write, takes the resource's lock
 * (ResourceBusyError while another remediation holds it).
 */
export async function evaluateGuardrails(input: GuardrailInput): Promise<GuardrailDecision> {
  const { finding, remediation, baseline, stores } = input;
  const config = baseline.remediation;
  assertNotRefused(finding, baseline);
  const chosen = resolveMode(config, { detector: finding.detector, account: finding.account, severity: finding.severity });
  const reasons: string[] = [];
  let mode = chosen.mode;
  if (mode === "auto" && remediation.risk === "high" && !config.allowAutoHighRisk.includes(remediation.id)) {
    mode = "approval";
    reasons.push(`${remediation.id} is high-risk and the baseline does not list it in allowAutoHighRisk`);
  }
  const now = input.now.getTime();
  if (mode === "auto") {
    const exceeded = await exceededRateLimits(finding, config, stores, now);
    if (exceeded.length > 0) {
      mode = "approval";
      reasons.push(...exceeded);
    }
  }
  const decision: GuardrailDecision = {
    remediation: remediation.id,
    risk: remediation.risk,
    mode,
    configuredMode: chosen.mode,
    modeSource: chosen.source,
    reasons,
    approvalTimeoutSeconds: chosen.approvalTimeoutSeconds,
  };
  if (mode === "approval" || mode === "auto") decision.lock = await takeLock(finding, decision, stores, now);
  return decision;
}

/** Takes (or re-takes, moving its expiry) the resource lock for this finding. */
export async function takeLock(finding: Finding, decision: Pick<GuardrailDecision, "mode" | "approvalTimeoutSeconds">, stores: RemediationStores, now: number): Promise<string> {
  const key = `lock/${resourceKey(finding)}`;
  const holdSeconds = (decision.mode === "approval" ? decision.approvalTimeoutSeconds : 0) + LOCK_MARGIN_SECONDS;
  const attempt = await stores.locks.acquire(key, finding.id, now + holdSeconds * 1000, now);
  if (!attempt.acquired) {
    throw new ResourceBusyError(`finding ${attempt.owner} is remediating ${resourceKey(finding)} until ${new Date(attempt.expiresAt).toISOString()} at the latest`);
  }
  return key;
}
