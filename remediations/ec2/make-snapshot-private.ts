import { DescribeSnapshotAttributeCommand, EC2Client, ModifySnapshotAttributeCommand, type CreateVolumePermission } from "@aws-sdk/client-ec2";
import { z } from "zod";
import type { FindingResource } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import { defineRemediation, type AwsClients, type Plan } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError, ResourceNotFoundError } from "../../core/remediation-errors.js";

/**
 * Takes an EBS snapshot's create-volume permission back from everyone (group
 * all) and from the accounts the finding's record shared it with that the
 * baseline does not know (ec2.snapshot-shared). Shares with the baseline's own
 * or trusted accounts, made in the same call, stay.
 *
 * The baseline is not an input of a remediation, so which accounts were
 * unknown is read from the finding: the detector names them in its summary
 * ("shared it with account(s) A, B, which the baseline does not list"), and
 * only accounts the record itself added count. A test pins that wording.
 */

const ID = "ec2.make-snapshot-private";

const Removal = z.object({ snapshotId: z.string().regex(/^snap-/), everyone: z.boolean(), accounts: z.array(z.string().regex(/^\d{12}$/)) });
type Removal = z.infer<typeof Removal>;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

function field(object: unknown, name: string): unknown {
  if (!isObject(object)) return undefined;
  if (name in object) return object[name];
  return object[name.charAt(0).toUpperCase() + name.slice(1)];
}

/** The accounts `createVolumePermission.add.items[].userId` of the record. */
function addedAccounts(finding: Finding): string[] {
  const add = field(field(finding.record.requestParameters, "createVolumePermission"), "add");
  const list = field(add, "items");
  const items = Array.isArray(list) ? list : isObject(list) ? [list] : [];
  return items.map((item) => field(item, "userId")).filter((id): id is string => typeof id === "string" && /^\d{12}$/.test(id.trim())).map((id) => id.trim());
}

/** The record's added accounts that the detector reported as unknown to the baseline. */
function unknownAccounts(finding: Finding): string[] {
  const reported = /shared it with accounts? (.+?), which the baseline does not list/.exec(finding.summary)?.[1] ?? "";
  const named = new Set(reported.match(/\d{12}/g) ?? []);
  return [...new Set(addedAccounts(finding).filter((account) => named.has(account)))];
}

function snapshotOf(finding: Finding): FindingResource | undefined {
  return finding.resources.find((r) => r.type === "AWS::EC2::Snapshot");
}

function describeRemoval(r: Pick<Removal, "everyone" | "accounts">): string[] {
  return [...(r.everyone ? ["group all (public)"] : []), ...r.accounts.map((account) => `account ${account}`)];
}

/** The snapshot's create-volume permissions, or undefined when the snapshot is gone. */
async function permissionsOf(aws: AwsClients, region: string, snapshotId: string): Promise<CreateVolumePermission[] | undefined> {
  try {
    const response = await aws.client(EC2Client, region).send(new DescribeSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: "createVolumePermission" }));
    return response.CreateVolumePermissions ?? [];
  } catch (error) {
    const classified = classifyAwsError(error);
    if (classified instanceof ResourceNotFoundError) return undefined;
    throw classified;
  }
}

/** Which of the permissions the finding is about the snapshot still grants. */
function stillShared(permissions: CreateVolumePermission[], accounts: string[]): Pick<Removal, "everyone" | "accounts"> {
  return {
    everyone: permissions.some((p) => p.Group === "all"),
    accounts: accounts.filter((account) => permissions.some((p) => p.UserId === account)),
  };
}

export default defineRemediation({
  id: ID,
  title: "Make an EBS snapshot private again: remove public and unknown-account create-volume permissions",
  risk: "low",
  permissions: [
    // EC2 Describe calls are granted on "*".
    { actions: ["ec2:DescribeSnapshotAttribute"], resources: ["*"] },
    { actions: ["ec2:ModifySnapshotAttribute"], resources: ["arn:aws:ec2:*::snapshot/*"] },
  ],
  undo: "aws ec2 modify-snapshot-attribute --snapshot-id SNAPSHOT --attribute createVolumePermission --operation-type add --user-ids ACCOUNT (never --group-names all).",

  intent(finding) {
    const snapshot = snapshotOf(finding);
    if (!snapshot) return { summary: "Nothing to make private: the finding names no EBS snapshot.", changes: [] };
    const removal = { everyone: true, accounts: unknownAccounts(finding) };
    return {
      summary: `Make EBS snapshot ${snapshot.id} private: remove ${describeRemoval(removal).join(", ")} from its create-volume permission.`,
      changes: describeRemoval(removal).map((who) => `ec2:ModifySnapshotAttribute on ${snapshot.id}: remove createVolumePermission for ${who}`),
    };
  },

  async plan(finding, aws): Promise<Plan> {
    const resource = snapshotOf(finding);
    if (!resource) throw new InvalidRequestError(`${ID}: finding ${finding.id} names no EBS snapshot`);
    const region = resource.region ?? finding.region;
    const base = { remediation: ID, findingId: finding.id, account: finding.account, region, resource };
    const permissions = await permissionsOf(aws, region, resource.id);
    if (!permissions) return { ...base, needed: false, summary: `EBS snapshot ${resource.id} no longer exists.`, current: { exists: false }, intended: null };
    const current = { createVolumePermissions: permissions.map((p) => (p.Group ? { group: p.Group } : { userId: p.UserId })) };
    const shared = stillShared(permissions, unknownAccounts(finding));
    if (!shared.everyone && shared.accounts.length === 0) {
      return { ...base, needed: false, summary: `EBS snapshot ${resource.id} is neither public nor shared with the accounts the finding named.`, current, intended: current };
    }
    const intended: Removal = { snapshotId: resource.id, ...shared };
    return { ...base, needed: true, summary: `Remove from EBS snapshot ${resource.id}'s create-volume permission: ${describeRemoval(shared).join(", ")}.`, current, intended };
  },

  async apply(plan, aws) {
    const parsed = Removal.safeParse(plan.intended);
    if (!parsed.success) throw new InvalidRequestError(`${ID}: the plan's intended change is malformed: ${parsed.error.message}`);
    const { snapshotId, everyone, accounts } = parsed.data;
    const ec2 = aws.client(EC2Client, plan.region);
    // The OperationType form (moto knows no other); removing a permission that is not there changes nothing, so a repeat is harmless.
    const removals = [...(everyone ? [{ GroupNames: ["all" as const] }] : []), ...(accounts.length > 0 ? [{ UserIds: accounts }] : [])];
    for (const who of removals) {
      try {
        await ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: "createVolumePermission", OperationType: "remove", ...who }));
      } catch (error) {
        const classified = classifyAwsError(error);
        if (classified instanceof ResourceNotFoundError) return; // The snapshot is gone: nobody can use it.
        throw classified;
      }
    }
  },

  async verify(finding, aws) {
    const resource = snapshotOf(finding);
    if (!resource) return { compliant: false, detail: "The finding names no EBS snapshot." };
    const permissions = await permissionsOf(aws, resource.region ?? finding.region, resource.id);
    if (!permissions) return { compliant: true, detail: `EBS snapshot ${resource.id} no longer exists: nobody can create a volume from it.` };
    const shared = stillShared(permissions, unknownAccounts(finding));
    const left = describeRemoval(shared);
    return left.length === 0
      ? { compliant: true, detail: `EBS snapshot ${resource.id} is private to the accounts the baseline knows.` }
      : { compliant: false, detail: `EBS snapshot ${resource.id} still grants create-volume to ${left.join(", ")}.` };
  },
});
