import { IAMClient, ListAccessKeysCommand, UpdateAccessKeyCommand, type AccessKeyMetadata } from "@aws-sdk/client-iam";
import { z } from "zod";
import type { Finding } from "../../core/finding.js";
import { isObject } from "../../core/json.js";
import { defineRemediation, type AwsClients, type Plan } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError, ResourceNotFoundError } from "../../core/remediation-errors.js";

/**
 * Deactivates the access key that iam.access-key-created-for-other-user saw
 * being made: the one in the record's responseElements.accessKey. Deactivated,
 * not deleted, so the key's last use stays readable as evidence and the owner
 * can turn it back on. Low risk: the key is minutes old and made by someone
 * other than its user.
 */

const Key = z.object({ userName: z.string().min(1), accessKeyId: z.string().min(1) });
type Key = z.infer<typeof Key>;

/** The user and the key the record created, or why the record names none. */
function keyOf(finding: Finding): Key | string {
  const request = isObject(finding.record.requestParameters) ? finding.record.requestParameters : {};
  const created = isObject(finding.record.responseElements) && isObject(finding.record.responseElements.accessKey) ? finding.record.responseElements.accessKey : {};
  const userName = typeof request.userName === "string" && request.userName !== "" ? request.userName : created.userName;
  const accessKeyId = created.accessKeyId;
  if (typeof accessKeyId !== "string" || accessKeyId === "") return "the record names no created access key (responseElements.accessKey.accessKeyId)";
  if (typeof userName !== "string" || userName === "") return `the record names no user for access key ${accessKeyId}`;
  return { userName, accessKeyId };
}

function requireKey(finding: Finding): Key {
  const key = keyOf(finding);
  if (typeof key === "string") throw new InvalidRequestError(`iam.deactivate-access-key: ${key}`);
  return key;
}

async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(error);
  }
}

/** The key's metadata; undefined when the key or its user is gone. */
async function readKey(aws: AwsClients, key: Key): Promise<AccessKeyMetadata | undefined> {
  const iam = aws.client(IAMClient);
  let marker: string | undefined;
  try {
    do {
      const page = await send(() => iam.send(new ListAccessKeysCommand({ UserName: key.userName, Marker: marker })));
      const found = page.AccessKeyMetadata?.find((k) => k.AccessKeyId === key.accessKeyId);
      if (found) return found;
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return undefined;
  } catch (error) {
    if (error instanceof ResourceNotFoundError) return undefined;
    throw error;
  }
}

function stateOf(metadata: AccessKeyMetadata | undefined, key: Key): { active: boolean; detail: string } {
  if (!metadata) return { active: false, detail: `access key ${key.accessKeyId} of IAM user ${key.userName} no longer exists` };
  const active = metadata.Status === "Active";
  return { active, detail: `access key ${key.accessKeyId} of IAM user ${key.userName} is ${metadata.Status ?? "of unknown status"}` };
}

export default defineRemediation({
  id: "iam.deactivate-access-key",
  title: "Deactivate an access key created for another IAM user",
  risk: "low",
  permissions: [{ actions: ["iam:ListAccessKeys", "iam:UpdateAccessKey"], resources: ["arn:aws:iam::*:user/*"] }],
  undo: "aws iam update-access-key --user-name USER --access-key-id KEY --status Active",

  intent(finding) {
    const key = keyOf(finding);
    if (typeof key === "string") return { summary: `Nothing to deactivate: ${key}.`, changes: [] };
    const change = `iam:UpdateAccessKey ${key.accessKeyId} of IAM user ${key.userName}: Status Inactive`;
    return { summary: `Deactivate access key ${key.accessKeyId} of IAM user ${key.userName}.`, changes: [change] };
  },

  async plan(finding, aws): Promise<Plan> {
    const key = requireKey(finding);
    const state = stateOf(await readKey(aws, key), key);
    return {
      remediation: "iam.deactivate-access-key",
      findingId: finding.id,
      account: finding.account,
      region: finding.region,
      resource: finding.resources.find((r) => r.type === "AWS::IAM::AccessKey") ?? { type: "AWS::IAM::AccessKey", id: key.accessKeyId, account: finding.account },
      needed: state.active,
      summary: state.active ? `Deactivate access key ${key.accessKeyId} of IAM user ${key.userName}.` : `Nothing to do: ${state.detail}.`,
      current: { detail: state.detail, active: state.active },
      intended: { ...key, status: "Inactive" },
    };
  },

  async apply(plan, aws) {
    const parsed = Key.safeParse(plan.intended);
    if (!parsed.success) throw new InvalidRequestError(`iam.deactivate-access-key: the plan's intended change is malformed: ${parsed.error.message}`);
    const { userName, accessKeyId } = parsed.data;
    const iam = aws.client(IAMClient);
    try {
      await send(() => iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: "Inactive" })));
    } catch (error) {
      // A deleted key (or user) cannot be used either.
      if (!(error instanceof ResourceNotFoundError)) throw error;
    }
  },

  async verify(finding, aws) {
    const key = requireKey(finding);
    const state = stateOf(await readKey(aws, key), key);
    return { compliant: !state.active, detail: state.detail };
  },
});
