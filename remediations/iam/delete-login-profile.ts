import { DeleteLoginProfileCommand, GetLoginProfileCommand, IAMClient, type LoginProfile } from "@aws-sdk/client-iam";
import { z } from "zod";
import type { Finding } from "../../core/finding.js";
import { isObject } from "../../core/json.js";
import { defineRemediation, type AwsClients, type Plan } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError, ResourceNotFoundError } from "../../core/remediation-errors.js";

/**
 * Deletes the console password that iam.login-profile-for-other-user saw
 * someone set for another user. High risk: it signs the user out of the
 * console for good, including a real owner whose password was only reset;
 * access keys are untouched.
 */

const Target = z.object({ userName: z.string().min(1) });
type Target = z.infer<typeof Target>;

function userOf(finding: Finding): string | undefined {
  const request = isObject(finding.record.requestParameters) ? finding.record.requestParameters : {};
  const name = request.userName;
  return typeof name === "string" && name !== "" ? name : undefined;
}

function requireUser(finding: Finding): Target {
  const userName = userOf(finding);
  if (!userName) throw new InvalidRequestError("iam.delete-login-profile: the record names no IAM user (requestParameters.userName)");
  return { userName };
}

async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(error);
  }
}

/** The user's login profile; undefined when it, or the user, does not exist. */
async function readProfile(aws: AwsClients, userName: string): Promise<LoginProfile | undefined> {
  try {
    const response = await send(() => aws.client(IAMClient).send(new GetLoginProfileCommand({ UserName: userName })));
    return response.LoginProfile;
  } catch (error) {
    if (error instanceof ResourceNotFoundError) return undefined;
    throw error;
  }
}

export default defineRemediation({
  id: "iam.delete-login-profile",
  title: "Delete the console password set for another IAM user",
  risk: "high",
  permissions: [{ actions: ["iam:GetLoginProfile", "iam:DeleteLoginProfile"], resources: ["arn:aws:iam::*:user/*"] }],
  undo: "The owner gets a new password: aws iam create-login-profile --user-name USER --password-reset-required --password <temporary password>",

  intent(finding) {
    const userName = userOf(finding);
    if (!userName) return { summary: "Nothing to delete: the record names no IAM user.", changes: [] };
    return { summary: `Delete the console password of IAM user ${userName}.`, changes: [`iam:DeleteLoginProfile of IAM user ${userName}`] };
  },

  async plan(finding, aws): Promise<Plan> {
    const { userName } = requireUser(finding);
    const profile = await readProfile(aws, userName);
    return {
      remediation: "iam.delete-login-profile",
      findingId: finding.id,
      account: finding.account,
      region: finding.region,
      resource: finding.resources[0] ?? { type: "AWS::IAM::User", id: userName, account: finding.account },
      needed: profile !== undefined,
      summary: profile ? `Delete the console password of IAM user ${userName}.` : `Nothing to do: IAM user ${userName} has no console password.`,
      current: profile ? { loginProfile: true, createDate: profile.CreateDate?.toISOString(), passwordResetRequired: profile.PasswordResetRequired ?? false } : { loginProfile: false },
      intended: { userName },
    };
  },

  async apply(plan, aws) {
    const parsed = Target.safeParse(plan.intended);
    if (!parsed.success) throw new InvalidRequestError(`iam.delete-login-profile: the plan's intended change is malformed: ${parsed.error.message}`);
    try {
      await send(() => aws.client(IAMClient).send(new DeleteLoginProfileCommand({ UserName: parsed.data.userName })));
    } catch (error) {
      // Already deleted, or the user is gone: no password either way.
      if (!(error instanceof ResourceNotFoundError)) throw error;
    }
  },

  async verify(finding, aws) {
    const { userName } = requireUser(finding);
    const profile = await readProfile(aws, userName);
    return {
      compliant: profile === undefined,
      detail: profile ? `IAM user ${userName} still has a console password` : `IAM user ${userName} has no console password`,
    };
  },
});
