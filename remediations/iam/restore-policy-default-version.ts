import { IAMClient, ListPolicyVersionsCommand, SetDefaultPolicyVersionCommand, type PolicyVersion } from "@aws-sdk/client-iam";
import { z } from "zod";
import type { Finding } from "../../core/finding.js";
import { isObject } from "../../core/json.js";
import { defineRemediation, type AwsClients, type Plan } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError, ResourceNotFoundError } from "../../core/remediation-errors.js";

/**
 * Undoes a SetDefaultPolicyVersion found by iam.policy-default-version-changed.
 *
 * The record names only the version made default, not the one it replaced,
 * and IAM keeps no history of defaults. The version restored is the newest
 * other version that existed at the time of the event (by creation date, then
 * by version number). That is the previous default in both known shapes of
 * the escalation: a rollback to an old broad version (the newest version was
 * the default), and a promotion of a staged version while the one before it
 * was the default. With several staged versions it may name a staged one; the
 * plan shows the versions, and the remediation is high risk, so a person
 * approves the choice. Nothing is done once the default has moved on from the
 * finding's version: someone has already changed it again.
 */

const Restore = z.object({ policyArn: z.string().min(1), versionId: z.string().min(1), replacing: z.string().min(1) });
type Restore = z.infer<typeof Restore>;
type Changed = { policyArn: string; versionId: string };

function changedOf(finding: Finding): Changed | string {
  const request = isObject(finding.record.requestParameters) ? finding.record.requestParameters : {};
  const policyArn = request.policyArn;
  const versionId = request.versionId;
  if (typeof policyArn !== "string" || !policyArn.startsWith("arn:")) return "the record names no policy ARN";
  if (typeof versionId !== "string" || versionId === "") return `the record names no version of ${policyArn}`;
  return { policyArn, versionId };
}

function requireChanged(finding: Finding): Changed {
  const changed = changedOf(finding);
  if (typeof changed === "string") throw new InvalidRequestError(`iam.restore-policy-default-version: ${changed}`);
  return changed;
}

async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(error);
  }
}

/** Every version of the policy; undefined when the policy is gone. */
async function versionsOf(aws: AwsClients, policyArn: string): Promise<PolicyVersion[] | undefined> {
  const iam = aws.client(IAMClient);
  const versions: PolicyVersion[] = [];
  let marker: string | undefined;
  try {
    do {
      const page = await send(() => iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn, Marker: marker })));
      versions.push(...(page.Versions ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
  } catch (error) {
    if (error instanceof ResourceNotFoundError) return undefined;
    throw error;
  }
  return versions;
}

function versionNumber(versionId: string | undefined): number {
  return Number(/^v(\d+)$/.exec(versionId ?? "")?.[1] ?? -1);
}

/** The newest version other than the finding's that existed when the event happened (CloudTrail times are whole seconds). */
export function previousDefault(versions: readonly PolicyVersion[], changed: Changed, eventTime: string): string | undefined {
  const eventSecond = Math.floor(Date.parse(eventTime) / 1000);
  const second = (v: PolicyVersion) => Math.floor((v.CreateDate?.getTime() ?? 0) / 1000);
  const candidates = versions.filter((v) => v.VersionId && v.VersionId !== changed.versionId && second(v) <= eventSecond);
  candidates.sort((a, b) => second(b) - second(a) || versionNumber(b.VersionId) - versionNumber(a.VersionId));
  return candidates[0]?.VersionId;
}

function describeVersions(versions: readonly PolicyVersion[]) {
  return versions.map((v) => ({ versionId: v.VersionId, isDefault: v.IsDefaultVersion ?? false, createDate: v.CreateDate?.toISOString() }));
}

export default defineRemediation({
  id: "iam.restore-policy-default-version",
  title: "Restore the previous default version of a customer-managed IAM policy",
  risk: "high",
  permissions: [{ actions: ["iam:ListPolicyVersions", "iam:SetDefaultPolicyVersion"], resources: ["arn:aws:iam::*:policy/*"] }],
  undo: "aws iam set-default-policy-version --policy-arn ARN --version-id <the version the finding made default>",

  intent(finding) {
    const changed = changedOf(finding);
    if (typeof changed === "string") return { summary: `Nothing to restore: ${changed}.`, changes: [] };
    return {
      summary: `Make the version that was default before ${changed.versionId} the default of ${changed.policyArn} again.`,
      changes: [`iam:SetDefaultPolicyVersion on ${changed.policyArn}: the newest version other than ${changed.versionId} as of ${finding.time}`],
    };
  },

  async plan(finding, aws): Promise<Plan> {
    const changed = requireChanged(finding);
    const versions = await versionsOf(aws, changed.policyArn);
    const base = {
      remediation: "iam.restore-policy-default-version",
      findingId: finding.id,
      account: finding.account,
      region: finding.region,
      resource: finding.resources[0] ?? { type: "AWS::IAM::ManagedPolicy", id: changed.policyArn.split("/").pop() ?? changed.policyArn, arn: changed.policyArn, account: finding.account },
    };
    if (!versions) return { ...base, needed: false, summary: `Nothing to do: policy ${changed.policyArn} no longer exists.`, current: null, intended: null };
    const current = describeVersions(versions);
    const defaultNow = versions.find((v) => v.IsDefaultVersion)?.VersionId;
    if (defaultNow !== changed.versionId) {
      const summary = `Nothing to do: the default of ${changed.policyArn} is ${defaultNow ?? "unknown"}, no longer ${changed.versionId}.`;
      return { ...base, needed: false, summary, current, intended: null };
    }
    const target = previousDefault(versions, changed, finding.time);
    if (!target) throw new InvalidRequestError(`iam.restore-policy-default-version: ${changed.policyArn} has no version other than ${changed.versionId} to restore`);
    const intended: Restore = { policyArn: changed.policyArn, versionId: target, replacing: changed.versionId };
    return { ...base, needed: true, summary: `Make ${target} the default version of ${changed.policyArn} again, replacing ${changed.versionId}.`, current, intended };
  },

  async apply(plan, aws) {
    const parsed = Restore.safeParse(plan.intended);
    if (!parsed.success) throw new InvalidRequestError(`iam.restore-policy-default-version: the plan's intended change is malformed: ${parsed.error.message}`);
    const { policyArn, versionId, replacing } = parsed.data;
    // Only while the finding's version is still the default: a later choice, or this very restore, is left alone.
    const versions = await versionsOf(aws, policyArn);
    if (!versions?.some((v) => v.IsDefaultVersion && v.VersionId === replacing)) return;
    await send(() => aws.client(IAMClient).send(new SetDefaultPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId })));
  },

  async verify(finding, aws) {
    const changed = requireChanged(finding);
    const versions = await versionsOf(aws, changed.policyArn);
    if (!versions) return { compliant: true, detail: `policy ${changed.policyArn} no longer exists` };
    const defaultNow = versions.find((v) => v.IsDefaultVersion)?.VersionId;
    return {
      compliant: defaultNow !== changed.versionId,
      detail: `the default version of ${changed.policyArn} is ${defaultNow ?? "unknown"}${defaultNow === changed.versionId ? ", the one the finding made default" : ""}`,
    };
  },
});
