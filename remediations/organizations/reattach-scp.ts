import {
  AttachPolicyCommand,
  DescribePolicyCommand,
  ListPoliciesForTargetCommand,
  OrganizationsClient,
  type PolicySummary,
  type PolicyType,
} from "@aws-sdk/client-organizations";
import { z } from "zod";
import type { Finding } from "../../core/finding.js";
import { defineRemediation, type AwsClients, type Plan } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError, ResourceNotFoundError } from "../../core/remediation-errors.js";

/**
 * Puts back an organization policy that a DetachPolicy lifted from a root, an
 * OU or an account: AttachPolicy of the record's policyId to its targetId.
 * High risk: a guardrail reattached can deny what workloads started doing
 * since, and FullAWSAccess reattached lifts an allow-list. A DeletePolicy
 * finding has nothing to reattach (the policy is gone and must be recreated
 * from code); its detachments have findings of their own.
 */

const ID = "organizations.reattach-scp";

const Attachment = z.object({
  policyId: z.string().regex(/^p-/),
  targetId: z.string().min(1),
  policyType: z.string().min(1),
});
type Attachment = z.infer<typeof Attachment>;

/** The detachment the finding's record made, or why there is none to undo. */
function detachmentOf(finding: Finding): { policyId: string; targetId: string } | string {
  if (finding.eventName === "DeletePolicy") return "the policy was deleted, not detached: recreate it from code (its detachments have their own findings)";
  if (finding.eventName !== "DetachPolicy") return `${finding.eventName} is not a DetachPolicy`;
  const parameters = (finding.record.requestParameters ?? {}) as Record<string, unknown>;
  const { policyId, targetId } = parameters;
  if (typeof policyId !== "string" || !policyId.startsWith("p-")) return "the record names no policy id";
  if (typeof targetId !== "string" || targetId === "") return "the record names no target";
  return { policyId, targetId };
}

async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(error);
  }
}

/** Undefined when Organizations no longer knows the policy or the target. */
async function unlessGone<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await send(call);
  } catch (error) {
    if (error instanceof ResourceNotFoundError) return undefined;
    throw error;
  }
}

async function policiesOf(organizations: OrganizationsClient, targetId: string, type: PolicyType): Promise<PolicySummary[] | undefined> {
  const policies: PolicySummary[] = [];
  let token: string | undefined;
  do {
    const page = await unlessGone(() => organizations.send(new ListPoliciesForTargetCommand({ TargetId: targetId, Filter: type, NextToken: token })));
    if (!page) return undefined;
    policies.push(...(page.Policies ?? []));
    token = page.NextToken;
  } while (token);
  return policies;
}

/** Whether the policy is attached to the target now; undefined when either is gone. */
async function attachment(aws: AwsClients, region: string, policyId: string, targetId: string) {
  const organizations = aws.client(OrganizationsClient, region);
  const described = await unlessGone(() => organizations.send(new DescribePolicyCommand({ PolicyId: policyId })));
  const summary = described?.Policy?.PolicySummary;
  if (!summary?.Type) return { gone: `policy ${policyId} no longer exists` } as const;
  const policies = await policiesOf(organizations, targetId, summary.Type);
  if (!policies) return { gone: `target ${targetId} is no longer in the organization` } as const;
  return { attached: policies.some((p) => p.Id === policyId), type: summary.Type, name: summary.Name } as const;
}

export default defineRemediation({
  id: ID,
  title: "Reattach an organization policy (SCP) detached from a root, OU or account",
  risk: "high",
  permissions: [
    {
      actions: ["organizations:DescribePolicy", "organizations:ListPoliciesForTarget", "organizations:AttachPolicy"],
      resources: [
        "arn:aws:organizations::*:policy/*",
        "arn:aws:organizations::*:root/o-*/r-*",
        "arn:aws:organizations::*:ou/o-*/ou-*",
        "arn:aws:organizations::*:account/o-*/*",
      ],
    },
  ],
  undo: "aws organizations detach-policy --policy-id POLICY --target-id TARGET (only after review: it lifts the guardrail again).",

  intent(finding) {
    const detached = detachmentOf(finding);
    if (typeof detached === "string") return { summary: `Nothing to reattach: ${detached}.`, changes: [] };
    return {
      summary: `Reattach organization policy ${detached.policyId} to ${detached.targetId}.`,
      changes: [`organizations:AttachPolicy ${detached.policyId} to target ${detached.targetId}`],
    };
  },

  async plan(finding, aws): Promise<Plan> {
    const detached = detachmentOf(finding);
    const resource = finding.resources.find((r) => r.type === "AWS::Organizations::Policy") ?? finding.resources[0];
    if (!resource) throw new InvalidRequestError(`${ID}: finding ${finding.id} names no resource`);
    const base = { remediation: ID, findingId: finding.id, account: finding.account, region: finding.region, resource };
    if (typeof detached === "string") return { ...base, needed: false, summary: `Nothing to reattach: ${detached}.`, current: null, intended: null };
    const state = await attachment(aws, finding.region, detached.policyId, detached.targetId);
    if ("gone" in state) return { ...base, needed: false, summary: `Nothing to reattach: ${state.gone}.`, current: { exists: false }, intended: null };
    const current = { policyId: detached.policyId, policyName: state.name, policyType: state.type, targetId: detached.targetId, attached: state.attached };
    if (state.attached) return { ...base, needed: false, summary: `Policy ${detached.policyId} is attached to ${detached.targetId} already.`, current, intended: current };
    const intended: Attachment = { policyId: detached.policyId, targetId: detached.targetId, policyType: state.type };
    return {
      ...base,
      needed: true,
      summary: `Reattach ${state.type} ${detached.policyId} (${state.name ?? "unnamed"}) to ${detached.targetId}.`,
      current,
      intended,
    };
  },

  async apply(plan, aws) {
    const parsed = Attachment.safeParse(plan.intended);
    if (!parsed.success) throw new InvalidRequestError(`${ID}: the plan's intended change is malformed: ${parsed.error.message}`);
    const { policyId, targetId } = parsed.data;
    try {
      await aws.client(OrganizationsClient, plan.region).send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: targetId }));
    } catch (error) {
      // Attached already (by a person, or by the first apply): what apply wants. Moto accepts the duplicate silently.
      if ((error as { name?: string }).name === "DuplicatePolicyAttachmentException") return;
      throw classifyAwsError(error);
    }
  },

  async verify(finding, aws) {
    const detached = detachmentOf(finding);
    if (typeof detached === "string") return { compliant: false, detail: `Nothing was reattached: ${detached}.` };
    const state = await attachment(aws, finding.region, detached.policyId, detached.targetId);
    if ("gone" in state) return { compliant: false, detail: `Cannot reattach: ${state.gone}.` };
    return state.attached
      ? { compliant: true, detail: `Policy ${detached.policyId} is attached to ${detached.targetId}.` }
      : { compliant: false, detail: `Policy ${detached.policyId} is still detached from ${detached.targetId}.` };
  },
});
