import {
  DeleteGroupPolicyCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetGroupPolicyCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  type AttachedPolicy,
} from "@aws-sdk/client-iam";
import { z } from "zod";
import type { Finding } from "../../core/finding.js";
import { grantsFullAdmin, parsePolicyDocument, statementsOf } from "../../core/policy.js";
import { defineRemediation, type Plan } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError, ResourceNotFoundError } from "../../core/remediation-errors.js";

/**
 * Undoes an admin grant found by iam.admin-policy-attached: a managed policy
 * attached with Attach{User,Group,Role}Policy is detached, an inline policy
 * put with Put{User,Group,Role}Policy is deleted by the name the record gives.
 * High risk: whatever the grantee runs may depend on the permissions.
 */

const Grant = z.object({
  kind: z.enum(["user", "group", "role"]),
  name: z.string().min(1),
  /** A managed policy to detach, or an inline policy to delete. */
  policyArn: z.string().min(1).optional(),
  policyName: z.string().min(1).optional(),
});
type Grant = z.infer<typeof Grant>;
type Kind = Grant["kind"];

const KIND_BY_EVENT: Record<string, Kind> = {
  AttachUserPolicy: "user",
  PutUserPolicy: "user",
  AttachGroupPolicy: "group",
  PutGroupPolicy: "group",
  AttachRolePolicy: "role",
  PutRolePolicy: "role",
};

function stringParam(finding: Finding, key: string): string | undefined {
  const value = (finding.record.requestParameters as Record<string, unknown> | null | undefined)?.[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The grant the finding's record made, or why there is none to undo. */
function grantOf(finding: Finding): Grant | string {
  const kind = KIND_BY_EVENT[finding.eventName];
  if (!kind) return `${finding.eventName} is not a policy attachment this remediation undoes`;
  const name = stringParam(finding, `${kind}Name`);
  if (!name) return `the record names no IAM ${kind}`;
  if (finding.eventName.startsWith("Attach")) {
    const policyArn = stringParam(finding, "policyArn");
    return policyArn ? { kind, name, policyArn } : "the record names no policy ARN";
  }
  const policyName = stringParam(finding, "policyName");
  return policyName ? { kind, name, policyName } : "the record names no inline policy";
}

function requireGrant(finding: Finding): Grant {
  const grant = grantOf(finding);
  if (typeof grant === "string") throw new InvalidRequestError(`iam.detach-admin-policy: ${grant}`);
  return grant;
}

function describe(grant: Grant): string {
  return grant.policyArn
    ? `iam:Detach${title(grant.kind)}Policy ${grant.policyArn} from IAM ${grant.kind} ${grant.name}`
    : `iam:Delete${title(grant.kind)}Policy inline policy ${grant.policyName} of IAM ${grant.kind} ${grant.name}`;
}

function title(kind: Kind): string {
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}

async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(error);
  }
}

/** Undefined when IAM answers NoSuchEntity: the identity or the policy is gone. */
async function unlessGone<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await send(call);
  } catch (error) {
    if (error instanceof ResourceNotFoundError) return undefined;
    throw error;
  }
}

async function attachedPolicies(iam: IAMClient, kind: Kind, name: string): Promise<AttachedPolicy[] | undefined> {
  const policies: AttachedPolicy[] = [];
  let marker: string | undefined;
  do {
    const page = await unlessGone(() => {
      if (kind === "user") return iam.send(new ListAttachedUserPoliciesCommand({ UserName: name, Marker: marker }));
      if (kind === "group") return iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: name, Marker: marker }));
      return iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name, Marker: marker }));
    });
    if (!page) return undefined;
    policies.push(...(page.AttachedPolicies ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return policies;
}

async function inlineDocument(iam: IAMClient, kind: Kind, name: string, policyName: string): Promise<string | undefined> {
  return unlessGone(async (): Promise<string | undefined> => {
    if (kind === "user") return (await iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: policyName }))).PolicyDocument;
    if (kind === "group") return (await iam.send(new GetGroupPolicyCommand({ GroupName: name, PolicyName: policyName }))).PolicyDocument;
    return (await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }))).PolicyDocument;
  });
}

/** Whether the grant is still in place: the policy still attached, or the inline policy still allowing everything. */
async function stillGranted(iam: IAMClient, grant: Grant): Promise<{ granted: boolean; detail: string }> {
  if (grant.policyArn) {
    const policies = await attachedPolicies(iam, grant.kind, grant.name);
    if (!policies) return { granted: false, detail: `IAM ${grant.kind} ${grant.name} no longer exists` };
    const attached = policies.some((p) => p.PolicyArn === grant.policyArn);
    return { granted: attached, detail: `${grant.policyArn} is ${attached ? "attached to" : "not attached to"} IAM ${grant.kind} ${grant.name}` };
  }
  const document = await inlineDocument(iam, grant.kind, grant.name, grant.policyName!);
  if (document === undefined) return { granted: false, detail: `IAM ${grant.kind} ${grant.name} has no inline policy ${grant.policyName}` };
  // Replaced since by a narrower document under the same name: the grant the finding is about is gone.
  const admin = statementsOf(parsePolicyDocument(document)).some(grantsFullAdmin);
  return { granted: admin, detail: `inline policy ${grant.policyName} of IAM ${grant.kind} ${grant.name} ${admin ? "allows" : "no longer allows"} every action on every resource` };
}

export default defineRemediation({
  id: "iam.detach-admin-policy",
  title: "Detach the admin policy, or delete the admin inline policy, granted to an IAM user, group or role",
  risk: "high",
  permissions: [
    {
      actions: ["iam:ListAttachedUserPolicies", "iam:GetUserPolicy", "iam:DetachUserPolicy", "iam:DeleteUserPolicy"],
      resources: ["arn:aws:iam::*:user/*"],
    },
    {
      actions: ["iam:ListAttachedGroupPolicies", "iam:GetGroupPolicy", "iam:DetachGroupPolicy", "iam:DeleteGroupPolicy"],
      resources: ["arn:aws:iam::*:group/*"],
    },
    {
      actions: ["iam:ListAttachedRolePolicies", "iam:GetRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRolePolicy"],
      resources: ["arn:aws:iam::*:role/*"],
    },
  ],
  undo:
    "Re-grant only after review: aws iam attach-<user|group|role>-policy --<user|group|role>-name NAME --policy-arn ARN, or put-<user|group|role>-policy " +
    "with the document from the finding's record.",

  intent(finding) {
    const grant = grantOf(finding);
    if (typeof grant === "string") return { summary: `Nothing to undo: ${grant}.`, changes: [] };
    return { summary: `Take back the admin grant: ${describe(grant)}.`, changes: [describe(grant)] };
  },

  async plan(finding, aws): Promise<Plan> {
    const grant = requireGrant(finding);
    const iam = aws.client(IAMClient);
    const state = await stillGranted(iam, grant);
    return {
      remediation: "iam.detach-admin-policy",
      findingId: finding.id,
      account: finding.account,
      region: finding.region,
      resource: finding.resources[0] ?? { type: `AWS::IAM::${title(grant.kind)}`, id: grant.name, account: finding.account },
      needed: state.granted,
      summary: state.granted ? `${describe(grant)}.` : `Nothing to do: ${state.detail}.`,
      current: { granted: state.granted, detail: state.detail },
      intended: grant,
    };
  },

  async apply(plan, aws) {
    const parsed = Grant.safeParse(plan.intended);
    if (!parsed.success) throw new InvalidRequestError(`iam.detach-admin-policy: the plan's intended change is malformed: ${parsed.error.message}`);
    const { kind, name, policyArn, policyName } = parsed.data;
    const iam = aws.client(IAMClient);
    // NoSuchEntity: already detached or deleted, or the identity is gone; either way the grant is not there.
    await unlessGone(() => {
      if (policyArn) {
        if (kind === "user") return iam.send(new DetachUserPolicyCommand({ UserName: name, PolicyArn: policyArn }));
        if (kind === "group") return iam.send(new DetachGroupPolicyCommand({ GroupName: name, PolicyArn: policyArn }));
        return iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: policyArn }));
      }
      if (kind === "user") return iam.send(new DeleteUserPolicyCommand({ UserName: name, PolicyName: policyName }));
      if (kind === "group") return iam.send(new DeleteGroupPolicyCommand({ GroupName: name, PolicyName: policyName }));
      return iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policyName }));
    });
  },

  async verify(finding, aws) {
    const state = await stillGranted(aws.client(IAMClient), requireGrant(finding));
    return { compliant: !state.granted, detail: state.detail };
  },
});
