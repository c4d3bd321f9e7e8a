import { GetRoleCommand, GetRolePolicyCommand, GetUserCommand, GetUserPolicyCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { z } from "zod";
import type { FindingResource } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import { parsePolicyDocument, statementsOf, strings } from "../../core/policy.js";
import { defineRemediation, type AwsClients, type Plan } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError, ResourceNotFoundError } from "../../core/remediation-errors.js";

/**
 * Quarantines the IAM user or role behind a finding's actor with an explicit
 * deny-all inline policy. An explicit deny wins over every allow and is
 * evaluated on each request, so it also binds sessions issued before it (role
 * sessions, a user's federation tokens): no aws:TokenIssueTime condition is
 * needed. Nothing is deleted, so the principal can be examined and released.
 * High risk: every application using the principal stops working.
 */

export const QUARANTINE_POLICY_NAME = "trailwarden-quarantine";

/** Fixed, so a finding always yields the same intent and a re-apply writes the same bytes. */
export const QUARANTINE_POLICY = {
  Version: "2012-10-17",
  Statement: [{ Sid: "TrailwardenQuarantine", Effect: "Deny", Action: "*", Resource: "*" }],
} as const;

const Principal = z.object({
  kind: z.enum(["user", "role"]),
  name: z.string().min(1),
  arn: z.string().min(1),
  account: z.string().min(1),
});
type Principal = z.infer<typeof Principal>;

const IAM_ARN = /^arn:[^:]+:iam::(\d{12}):(user|role)(\/(?:.*\/)?)([^/]+)$/;
const SESSION_ARN = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/;

function fromArn(arn: string | undefined): Principal | string | undefined {
  if (!arn) return undefined;
  const iam = IAM_ARN.exec(arn);
  if (iam) {
    const [, account = "", kind, path = "", name = ""] = iam;
    // IAM refuses inline policies on service-linked roles; AWS owns them.
    if (path.startsWith("/aws-service-role/")) return `${arn} is a service-linked role, which IAM does not let anyone change`;
    return { kind: kind === "user" ? "user" : "role", name, arn, account };
  }
  const session = SESSION_ARN.exec(arn);
  if (session) {
    const [, partition = "aws", account = "", name = ""] = session;
    // A session ARN has no path; the role's ARN is rebuilt without one, for display only (IAM is called by name).
    return { kind: "role", name, arn: `arn:${partition}:iam::${account}:role/${name}`, account };
  }
  return undefined;
}

/**
 * The user or role to quarantine: the baseline principal (the role behind an
 * assumed-role session, the IAM user), or the user behind a federated user's
 * session. The root user, services and identities of other accounts cannot be
 * quarantined from here.
 */
function principalOf(finding: Finding): Principal | string {
  const actor = finding.actor;
  const principal = fromArn(actor.principal) ?? fromArn(actor.sessionIssuer);
  if (principal === undefined) return `the actor (${actor.type} ${actor.principal ?? actor.arn ?? "without an ARN"}) is not an IAM user or role`;
  if (typeof principal === "string") return principal;
  if (principal.account !== finding.account) {
    return `${principal.arn} belongs to account ${principal.account}, not to ${finding.account} where the remediation runs`;
  }
  return principal;
}

function requirePrincipal(finding: Finding): Principal {
  const principal = principalOf(finding);
  if (typeof principal === "string") throw new InvalidRequestError(`iam.quarantine-principal: ${principal}`);
  return principal;
}

function resourceOf(principal: Principal): FindingResource {
  return { type: principal.kind === "user" ? "AWS::IAM::User" : "AWS::IAM::Role", id: principal.name, arn: principal.arn, account: principal.account };
}

async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(error);
  }
}

async function unlessGone<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await send(call);
  } catch (error) {
    if (error instanceof ResourceNotFoundError) return undefined;
    throw error;
  }
}

/** The quarantine deny: one statement denying every action on every resource, without conditions. */
function deniesEverything(document: string | undefined): boolean {
  return statementsOf(parsePolicyDocument(document)).some(
    (s) =>
      typeof s.Effect === "string" &&
      s.Effect.toLowerCase() === "deny" &&
      s.Condition === undefined &&
      strings(s.Action).some((a) => a === "*" || a === "*:*") &&
      strings(s.Resource).includes("*"),
  );
}

type State = { exists: false } | { exists: true; quarantined: boolean };

async function readState(aws: AwsClients, principal: Principal): Promise<State> {
  const iam = aws.client(IAMClient);
  // Read the principal first: GetUserPolicy's NoSuchEntity does not say whether the user or the policy is missing.
  const found =
    principal.kind === "user"
      ? await unlessGone(() => iam.send(new GetUserCommand({ UserName: principal.name })))
      : await unlessGone(() => iam.send(new GetRoleCommand({ RoleName: principal.name })));
  if (!found) return { exists: false };
  const policy =
    principal.kind === "user"
      ? await unlessGone(() => iam.send(new GetUserPolicyCommand({ UserName: principal.name, PolicyName: QUARANTINE_POLICY_NAME })))
      : await unlessGone(() => iam.send(new GetRolePolicyCommand({ RoleName: principal.name, PolicyName: QUARANTINE_POLICY_NAME })));
  return { exists: true, quarantined: deniesEverything(policy?.PolicyDocument) };
}

function undoCommand(principal: Pick<Principal, "kind" | "name">): string {
  return `aws iam delete-${principal.kind}-policy --${principal.kind}-name ${principal.name} --policy-name ${QUARANTINE_POLICY_NAME}`;
}

function change(principal: Principal): string {
  const action = principal.kind === "user" ? "iam:PutUserPolicy" : "iam:PutRolePolicy";
  return `${action} ${QUARANTINE_POLICY_NAME} on IAM ${principal.kind} ${principal.name}: Deny * on *`;
}

export default defineRemediation({
  id: "iam.quarantine-principal",
  title: "Quarantine an IAM user or role with an explicit deny-all inline policy",
  risk: "high",
  permissions: [
    { actions: ["iam:GetUser", "iam:GetUserPolicy", "iam:PutUserPolicy"], resources: ["arn:aws:iam::*:user/*"] },
    { actions: ["iam:GetRole", "iam:GetRolePolicy", "iam:PutRolePolicy"], resources: ["arn:aws:iam::*:role/*"] },
  ],
  undo:
    `Remove the deny-all inline policy: ${undoCommand({ kind: "user", name: "USER" })} ` +
    `(for a role: ${undoCommand({ kind: "role", name: "ROLE" })}).`,

  intent(finding) {
    const principal = principalOf(finding);
    if (typeof principal === "string") return { summary: `Cannot quarantine: ${principal}.`, changes: [] };
    return {
      summary: `Quarantine IAM ${principal.kind} ${principal.name}: an inline policy denying every action. Undo: ${undoCommand(principal)}.`,
      changes: [change(principal)],
    };
  },

  async plan(finding, aws): Promise<Plan> {
    const principal = requirePrincipal(finding);
    const state = await readState(aws, principal);
    const needed = state.exists && !state.quarantined;
    const summary = !state.exists
      ? `Nothing to do: IAM ${principal.kind} ${principal.name} no longer exists.`
      : needed
        ? `Quarantine IAM ${principal.kind} ${principal.name} with inline policy ${QUARANTINE_POLICY_NAME} denying every action. Undo: ${undoCommand(principal)}.`
        : `Nothing to do: IAM ${principal.kind} ${principal.name} is already quarantined.`;
    return {
      remediation: "iam.quarantine-principal",
      findingId: finding.id,
      account: finding.account,
      region: finding.region,
      resource: resourceOf(principal),
      needed,
      summary,
      current: state,
      intended: { ...principal, policyName: QUARANTINE_POLICY_NAME, policyDocument: QUARANTINE_POLICY, undo: undoCommand(principal) },
    };
  },

  async apply(plan, aws) {
    const parsed = Principal.safeParse(plan.intended);
    if (!parsed.success) throw new InvalidRequestError(`iam.quarantine-principal: the plan's intended change is malformed: ${parsed.error.message}`);
    const { kind, name } = parsed.data;
    const iam = aws.client(IAMClient);
    const document = JSON.stringify(QUARANTINE_POLICY);
    // Putting the same document again changes nothing; a principal deleted meanwhile needs no quarantine.
    await unlessGone(() =>
      kind === "user"
        ? iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: QUARANTINE_POLICY_NAME, PolicyDocument: document }))
        : iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: QUARANTINE_POLICY_NAME, PolicyDocument: document })),
    );
  },

  async verify(finding, aws) {
    const principal = requirePrincipal(finding);
    const state = await readState(aws, principal);
    if (!state.exists) return { compliant: true, detail: `IAM ${principal.kind} ${principal.name} no longer exists` };
    return {
      compliant: state.quarantined,
      detail: state.quarantined
        ? `IAM ${principal.kind} ${principal.name} has inline policy ${QUARANTINE_POLICY_NAME} denying every action`
        : `IAM ${principal.kind} ${principal.name} has no deny-all inline policy ${QUARANTINE_POLICY_NAME}`,
    };
  },
});
