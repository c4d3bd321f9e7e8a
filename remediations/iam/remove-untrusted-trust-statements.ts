import { GetRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { z } from "zod";
import type { Finding } from "../../core/finding.js";
import { isObject } from "../../core/json.js";
import { hasRestrictingCondition, isAllow, parsePolicyDocument, principalIsPublic, statementsOf, strings, type PolicyDocument, type PolicyStatement } from "../../core/policy.js";
import { defineRemediation, type AwsClients, type Plan } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError, ResourceNotFoundError } from "../../core/remediation-errors.js";

/**
 * Takes the untrusted parties of an iam.role-trust-untrusted-account finding
 * out of the role's current trust policy, keeping everything else.
 *
 * Who is untrusted was judged by the detector against the baseline, which a
 * remediation does not receive; the finding carries that judgement in its
 * summary ("… so that anyone … and accounts A, B, unknown to the baseline, can
 * assume it"). So the parties are the 12-digit accounts and the word "anyone"
 * of that clause, never the role's own account. Against the trust policy read
 * now (GetRole, URL-encoded JSON):
 * - an AWS principal naming an untrusted account (id, root, user, role or
 *   session ARN) is taken out of its statement; a statement left without any
 *   principal is dropped, so the Service and Federated principals beside it stay;
 * - an Allow to `"*"` is dropped when the finding says anyone and it is not
 *   pinned to the organisation or to accounts, or when it is pinned
 *   (aws:PrincipalAccount, aws:PrincipalArn) to an untrusted account.
 * Accounts approved since the finding still get removed: approving means
 * adding the account to the baseline and re-granting the trust through review.
 * High risk: whoever legitimately assumed the role from there is cut off.
 */

const ACCOUNT_ID = /\b\d{12}\b/g;
const PRINCIPAL_ARN = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/;
const ORG_AND_PRINCIPAL_KEYS = ["aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:PrincipalArn"].map((k) => k.toLowerCase());
const PRINCIPAL_KEYS = ["aws:PrincipalAccount", "aws:PrincipalArn"].map((k) => k.toLowerCase());

/** Trust policies cannot be empty: what is left when every statement went. */
const NOBODY: PolicyStatement = { Sid: "TrailwardenNoTrust", Effect: "Deny", Principal: { AWS: "*" }, Action: "sts:AssumeRole" };

const Untrusted = z.object({ accounts: z.array(z.string().regex(/^\d{12}$/)), anyone: z.boolean() });
type Untrusted = z.infer<typeof Untrusted>;
const Target = z.object({ roleName: z.string().min(1), untrusted: Untrusted });
type Target = z.infer<typeof Target>;

function roleNameOf(finding: Finding): string | undefined {
  const fromRecord = isObject(finding.record.requestParameters) ? finding.record.requestParameters.roleName : undefined;
  if (typeof fromRecord === "string" && fromRecord !== "") return fromRecord;
  return finding.resources.find((r) => r.type === "AWS::IAM::Role")?.id;
}

/** The parties the detector judged untrusted, read from its summary's "so that …" clause. */
export function untrustedParties(finding: Finding): Untrusted {
  const at = finding.summary.indexOf(" so that ");
  const clause = at < 0 ? "" : finding.summary.slice(at);
  const accounts = [...new Set(clause.match(ACCOUNT_ID) ?? [])].filter((a) => a !== finding.account);
  return { accounts, anyone: /\banyone\b/.test(clause) };
}

function targetOf(finding: Finding): Target | string {
  const roleName = roleNameOf(finding);
  if (!roleName) return "the finding names no IAM role";
  const untrusted = untrustedParties(finding);
  if (untrusted.accounts.length === 0 && !untrusted.anyone) return `the finding's summary names no untrusted account and not anyone: "${finding.summary}"`;
  return { roleName, untrusted };
}

function requireTarget(finding: Finding): Target {
  const target = targetOf(finding);
  if (typeof target === "string") throw new InvalidRequestError(`iam.remove-untrusted-trust-statements: ${target}`);
  return target;
}

function parties(untrusted: Untrusted): string {
  return [...(untrusted.anyone ? ["anyone"] : []), ...untrusted.accounts.map((a) => `account ${a}`)].join(", ");
}

function accountOf(principal: string): string | undefined {
  const text = principal.trim();
  return /^\d{12}$/.test(text) ? text : PRINCIPAL_ARN.exec(text)?.[1];
}

/** The statement's Condition cut down to the given keys, in whatever operator block they sit. */
function withConditionKeys(statement: PolicyStatement, keys: readonly string[]): PolicyStatement {
  const condition = isObject(statement.Condition) ? statement.Condition : {};
  const kept: Record<string, unknown> = {};
  for (const [operator, block] of Object.entries(condition)) {
    if (!isObject(block)) continue;
    const entries = Object.entries(block).filter(([key]) => keys.includes(key.toLowerCase()));
    if (entries.length > 0) kept[operator] = Object.fromEntries(entries);
  }
  return { ...statement, Condition: kept };
}

function pinnedAccounts(statement: PolicyStatement): string[] {
  const condition = isObject(statement.Condition) ? statement.Condition : {};
  return Object.values(condition)
    .filter(isObject)
    .flatMap((block) => Object.entries(block).filter(([key]) => PRINCIPAL_KEYS.includes(key.toLowerCase())))
    .flatMap(([, values]) => strings(values).map(accountOf))
    .filter((a): a is string => a !== undefined);
}

/** The statement without the untrusted parties, or undefined when nothing of it may stay. */
function pruneStatement(statement: PolicyStatement, untrusted: Untrusted, ownAccounts: ReadonlySet<string>): PolicyStatement | undefined {
  if (!isAllow(statement)) return statement;
  const bad = (account: string | undefined) => account !== undefined && !ownAccounts.has(account) && untrusted.accounts.includes(account);
  const principal = statement.Principal;
  if (principalIsPublic(principal)) {
    const pinned = hasRestrictingCondition(withConditionKeys(statement, ORG_AND_PRINCIPAL_KEYS));
    if (!pinned && untrusted.anyone) return undefined;
    if (pinnedAccounts(statement).some(bad)) return undefined;
    return statement;
  }
  if (!isObject(principal) || principal.AWS === undefined) return statement;
  const values = strings(principal.AWS);
  const kept = values.filter((value) => !bad(accountOf(value)));
  if (kept.length === values.length) return statement;
  const rest: Record<string, unknown> = { ...principal };
  delete rest.AWS;
  if (kept.length > 0) rest.AWS = kept.length === 1 ? kept[0] : kept;
  if (Object.keys(rest).length === 0) return undefined;
  return { ...statement, Principal: rest };
}

/** The trust policy without the untrusted parties; `changed` false when none of them is in it. */
export function pruneTrustPolicy(document: PolicyDocument, untrusted: Untrusted, ownAccounts: ReadonlySet<string>): { document: PolicyDocument; changed: boolean } {
  const statements = statementsOf(document);
  const kept = statements.map((s) => pruneStatement(s, untrusted, ownAccounts)).filter((s): s is PolicyStatement => s !== undefined);
  const changed = kept.length !== statements.length || kept.some((s, i) => s !== statements[i]);
  if (!changed) return { document, changed: false };
  return { document: { ...document, Statement: kept.length > 0 ? kept : [NOBODY] }, changed: true };
}

async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(error);
  }
}

interface TrustState {
  exists: boolean;
  current?: PolicyDocument;
  pruned?: PolicyDocument;
  changed: boolean;
}

/** The role's trust policy now and without the untrusted parties; a missing role has nothing to change. */
async function readTrust(aws: AwsClients, target: Target, findingAccount: string): Promise<TrustState> {
  let role;
  try {
    role = (await send(() => aws.client(IAMClient).send(new GetRoleCommand({ RoleName: target.roleName })))).Role;
  } catch (error) {
    if (error instanceof ResourceNotFoundError) return { exists: false, changed: false };
    throw error;
  }
  const current = parsePolicyDocument(role?.AssumeRolePolicyDocument);
  if (!current) throw new InvalidRequestError(`iam.remove-untrusted-trust-statements: the trust policy of role ${target.roleName} cannot be parsed`);
  const own = new Set([findingAccount, ...(role?.Arn ? [accountOf(role.Arn)] : [])].filter((a): a is string => a !== undefined));
  const { document: pruned, changed } = pruneTrustPolicy(current, target.untrusted, own);
  return { exists: true, current, pruned, changed };
}

export default defineRemediation({
  id: "iam.remove-untrusted-trust-statements",
  title: "Remove untrusted accounts and anyone from an IAM role's trust policy",
  risk: "high",
  permissions: [{ actions: ["iam:GetRole", "iam:UpdateAssumeRolePolicy"], resources: ["arn:aws:iam::*:role/*"] }],
  undo: "Restore the trust policy shown as the plan's `current`: aws iam update-assume-role-policy --role-name ROLE --policy-document file://previous.json",

  intent(finding) {
    const target = targetOf(finding);
    if (typeof target === "string") return { summary: `Nothing to remove: ${target}.`, changes: [] };
    const change = `iam:UpdateAssumeRolePolicy on role ${target.roleName}: without the trust of ${parties(target.untrusted)}`;
    return { summary: `Stop ${parties(target.untrusted)} from assuming role ${target.roleName}, keeping the rest of its trust policy.`, changes: [change] };
  },

  async plan(finding, aws): Promise<Plan> {
    const target = requireTarget(finding);
    const state = await readTrust(aws, target, finding.account);
    const summary = !state.exists
      ? `Nothing to do: role ${target.roleName} no longer exists.`
      : state.changed
        ? `Remove the trust of ${parties(target.untrusted)} from role ${target.roleName}.`
        : `Nothing to do: the trust policy of role ${target.roleName} no longer trusts ${parties(target.untrusted)}.`;
    return {
      remediation: "iam.remove-untrusted-trust-statements",
      findingId: finding.id,
      account: finding.account,
      region: finding.region,
      resource: finding.resources.find((r) => r.type === "AWS::IAM::Role") ?? { type: "AWS::IAM::Role", id: target.roleName, account: finding.account },
      needed: state.changed,
      summary,
      current: state.current ?? null,
      intended: { ...target, trustPolicy: state.pruned ?? null },
    };
  },

  async apply(plan, aws) {
    const parsed = Target.safeParse(plan.intended);
    if (!parsed.success) throw new InvalidRequestError(`iam.remove-untrusted-trust-statements: the plan's intended change is malformed: ${parsed.error.message}`);
    // Pruned again from what is there now, so a change made since the plan is kept, and a second apply writes nothing.
    const state = await readTrust(aws, parsed.data, plan.account);
    if (!state.changed || !state.pruned) return;
    const document = JSON.stringify(state.pruned);
    try {
      await send(() => aws.client(IAMClient).send(new UpdateAssumeRolePolicyCommand({ RoleName: parsed.data.roleName, PolicyDocument: document })));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundError)) throw error;
    }
  },

  async verify(finding, aws) {
    const target = requireTarget(finding);
    const state = await readTrust(aws, target, finding.account);
    if (!state.exists) return { compliant: true, detail: `role ${target.roleName} no longer exists` };
    return {
      compliant: !state.changed,
      detail: state.changed
        ? `the trust policy of role ${target.roleName} still trusts ${parties(target.untrusted)}`
        : `the trust policy of role ${target.roleName} trusts none of ${parties(target.untrusted)}`,
    };
  },
});
