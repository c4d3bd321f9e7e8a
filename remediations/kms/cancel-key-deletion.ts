import { CancelKeyDeletionCommand, DescribeKeyCommand, KMSClient, type KeyMetadata } from "@aws-sdk/client-kms";
import type { FindingResource } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import { defineRemediation, type AwsClients, type Plan } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError, ResourceNotFoundError } from "../../core/remediation-errors.js";

/**
 * Rescues a KMS key from a scheduled deletion. CancelKeyDeletion leaves the
 * key Disabled, on AWS as on moto, and this remediation keeps it that way:
 * ScheduleKeyDeletion accepts an Enabled or a Disabled key and its record does
 * not say which this one was, so re-enabling could switch on a key its owner
 * had retired on purpose. The key stops counting down; whether it should be
 * used again is the owner's decision (the plan says so, and `undo` says how).
 */

const ID = "kms.cancel-key-deletion";
const PENDING = new Set(["PendingDeletion", "PendingReplicaDeletion"]);

function findKey(finding: Finding): { resource: FindingResource; keyId: string; region: string } | undefined {
  const resource = finding.resources.find((r) => r.type === "AWS::KMS::Key");
  if (!resource) return undefined;
  return { resource, keyId: resource.arn ?? resource.id, region: resource.region ?? finding.region };
}

function keyOf(finding: Finding): { resource: FindingResource; keyId: string; region: string } {
  const key = findKey(finding);
  if (!key) throw new InvalidRequestError(`${ID}: finding ${finding.id} names no KMS key`);
  return key;
}

/** The key's metadata, or undefined when KMS no longer knows it (the deletion already happened). */
async function describeKey(aws: AwsClients, region: string, keyId: string): Promise<KeyMetadata | undefined> {
  try {
    return (await aws.client(KMSClient, region).send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  } catch (error) {
    const classified = classifyAwsError(error);
    if (classified instanceof ResourceNotFoundError) return undefined;
    throw classified;
  }
}

export default defineRemediation({
  id: ID,
  title: "Cancel the scheduled deletion of a KMS key (the key stays Disabled)",
  risk: "low",
  permissions: [{ actions: ["kms:DescribeKey", "kms:CancelKeyDeletion"], resources: ["arn:aws:kms:*:*:key/*"] }],
  undo: "The key is left Disabled on purpose. Once its owner confirms it is still in use: aws kms enable-key --key-id KEY. To retire it after all: aws kms schedule-key-deletion.",

  intent(finding) {
    const key = findKey(finding);
    if (!key) return { summary: "Nothing to cancel: the finding names no KMS key.", changes: [] };
    return {
      summary: `Cancel the deletion of KMS key ${key.resource.id}; it stays Disabled until its owner re-enables it.`,
      changes: [`kms:CancelKeyDeletion on key ${key.keyId} in ${key.region} (the key comes back Disabled and is not re-enabled)`],
    };
  },

  async plan(finding, aws): Promise<Plan> {
    const { resource, keyId, region } = keyOf(finding);
    const base = { remediation: ID, findingId: finding.id, account: finding.account, region, resource };
    const key = await describeKey(aws, region, keyId);
    if (!key) return { ...base, needed: false, summary: `KMS key ${resource.id} no longer exists: it cannot be rescued.`, current: { exists: false }, intended: null };
    const current = { keyState: key.KeyState, deletionDate: key.DeletionDate?.toISOString() };
    if (!PENDING.has(key.KeyState ?? "")) {
      return { ...base, needed: false, summary: `KMS key ${resource.id} is not pending deletion (${key.KeyState}).`, current, intended: current };
    }
    return {
      ...base,
      needed: true,
      summary:
        `KMS key ${resource.id} is ${key.KeyState}${current.deletionDate ? ` until ${current.deletionDate}` : ""}: cancel the deletion. ` +
        "The key comes back Disabled and stays so: re-enable it (EnableKey) only once its owner confirms it is still in use.",
      current,
      intended: { keyState: "Disabled", keyId: key.KeyId ?? keyId },
    };
  },

  async apply(plan, aws) {
    const keyId = plan.resource.arn ?? plan.resource.id;
    // Read first: CancelKeyDeletion on a key that is no longer pending fails on AWS (KMSInvalidStateException) and on moto
    // would disable an enabled key, so a second apply must send nothing.
    const key = await describeKey(aws, plan.region, keyId);
    if (!key || !PENDING.has(key.KeyState ?? "")) return;
    try {
      // By key id: moto resolves CancelKeyDeletion by id only; AWS accepts either.
      await aws.client(KMSClient, plan.region).send(new CancelKeyDeletionCommand({ KeyId: key.KeyId ?? keyId }));
    } catch (error) {
      throw classifyAwsError(error);
    }
  },

  async verify(finding, aws) {
    const { resource, keyId, region } = keyOf(finding);
    const key = await describeKey(aws, region, keyId);
    if (!key) return { compliant: false, detail: `KMS key ${resource.id} no longer exists: its deletion went through.` };
    if (PENDING.has(key.KeyState ?? "")) return { compliant: false, detail: `KMS key ${resource.id} is still ${key.KeyState}.` };
    return { compliant: true, detail: `KMS key ${resource.id} is no longer pending deletion (${key.KeyState}).` };
  },
});
