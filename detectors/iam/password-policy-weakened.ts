import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector } from "../../core/detector.js";
import { accountResource, actorName, API_CALL, field, sentence } from "../common.js";
import { apiCall, assumedRole, root, USER_AGENTS } from "../examples.js";

/** CIS AWS Foundations asks for 14; IAM's own default for an omitted MinimumPasswordLength is 6. */
const MIN_LENGTH = 14;
const OMITTED_LENGTH = 6;

/** UpdateAccountPasswordPolicy replaces the whole policy: an omitted Require* is false. */
const REQUIREMENTS = [
  ["RequireUppercaseCharacters", "upper-case letters"],
  ["RequireLowercaseCharacters", "lower-case letters"],
  ["RequireNumbers", "numbers"],
  ["RequireSymbols", "symbols"],
] as const;

function flag(value: unknown): boolean {
  return value === true || (typeof value === "string" && value.toLowerCase() === "true");
}

function count(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

/** What the new policy falls short of, judged from the request alone. */
function shortfalls(record: CloudTrailRecord): string[] {
  const request = record.requestParameters ?? {};
  const found: string[] = [];
  const length = count(field(request, "MinimumPasswordLength"));
  if (length === undefined) found.push(`no minimum length (IAM then requires ${OMITTED_LENGTH} characters)`);
  else if (length < MIN_LENGTH) found.push(`a minimum length of ${length} (below ${MIN_LENGTH})`);
  const missing = REQUIREMENTS.filter(([key]) => !flag(field(request, key))).map(([, what]) => what);
  if (missing.length > 0) found.push(`no requirement for ${missing.length > 1 ? `${missing.slice(0, -1).join(", ")} or ${missing.at(-1)}` : missing[0]}`);
  return found;
}

function passwordPolicyCall(
  eventID: string,
  eventTime: string,
  eventName: "UpdateAccountPasswordPolicy" | "DeleteAccountPasswordPolicy",
  identity: Record<string, unknown>,
  requestParameters: Record<string, unknown> | null,
  options: { userAgent?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "iam.amazonaws.com",
    eventName,
    identity,
    requestParameters,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

const STRONG = {
  minimumPasswordLength: 14,
  requireSymbols: true,
  requireNumbers: true,
  requireUppercaseCharacters: true,
  requireLowercaseCharacters: true,
  allowUsersToChangePassword: true,
  passwordReusePrevention: 24,
};

const SSO_ADMIN = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a";

export default defineDetector({
  id: "iam.password-policy-weakened",
  title: "Account password policy weakened or deleted",
  severity: "medium",
  mitre: ["T1556"],
  pattern: {
    source: ["aws.iam"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["iam.amazonaws.com"],
      eventName: ["UpdateAccountPasswordPolicy", "DeleteAccountPasswordPolicy"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    if (record.eventName === "DeleteAccountPasswordPolicy") {
      return {
        summary: sentence(`${actorName(record)} deleted the account password policy of ${record.recipientAccountId}, so IAM's default password rules apply.`),
        resources: [accountResource(record)],
      };
    }
    const weak = shortfalls(record);
    if (weak.length === 0) return undefined;
    return {
      summary: sentence(`${actorName(record)} set an account password policy for ${record.recipientAccountId} with ${weak.join(" and ")}.`),
      resources: [accountResource(record)],
    };
  },
  runbook:
    "The account's rules for IAM user console passwords fell below the floor: UpdateAccountPasswordPolicy replaces the whole policy (anything omitted reverts to " +
    "IAM's default: a 6-character minimum and no character-type requirements), so it is judged from the new policy alone: a minimum length under 14 (CIS AWS " +
    "Foundations) or any of upper-case, lower-case, numbers and symbols not required. Expiry (MaxPasswordAge) is not judged: NIST SP 800-63B advises against " +
    "periodic changes and CIS no longer asks for them. DeleteAccountPasswordPolicy always is. Weak rules make guessing and spraying passwords of IAM users " +
    "easier, and an attacker may weaken them before setting an easy password on a user they took over (see iam.login-profile-for-other-user). Ask the caller " +
    "why; restore the previous policy (the last UpdateAccountPasswordPolicy in CloudTrail shows it) and look for password changes and console sign-ins of IAM " +
    "users since. Changes through infrastructure as code are judged too: a weak policy is weak whoever sets it. No remediation is proposed. A refused call " +
    "(errorCode) is not a finding here: the policy did not change.",
  examples: {
    match: [
      {
        description: "The root user sets an 8-character policy with no symbols required",
        record: passwordPolicyCall(
          "7fd61541-2e3a-4653-ad91-e63fc1fae7fc",
          "2024-07-07T19:33:02Z",
          "UpdateAccountPasswordPolicy",
          root(),
          {
            minimumPasswordLength: 8,
            requireSymbols: false,
            requireNumbers: true,
            requireUppercaseCharacters: true,
            requireLowercaseCharacters: true,
            allowUsersToChangePassword: true,
          },
          { userAgent: USER_AGENTS.console },
        ),
      },
      {
        description: "A policy that sets only the reuse rule: every other setting reverts to IAM's defaults",
        record: passwordPolicyCall("84178ca9-68ac-48d2-8b30-4c8cd7684064", "2024-07-07T19:36:45Z", "UpdateAccountPasswordPolicy", assumedRole(SSO_ADMIN, "j.doe@example.com"), {
          passwordReusePrevention: 5,
        }),
      },
      {
        description: "The account password policy deleted",
        record: passwordPolicyCall("7725a04b-0eb2-43d7-8f89-8d222a83a48f", "2024-07-07T19:40:10Z", "DeleteAccountPasswordPolicy", assumedRole(SSO_ADMIN, "j.doe@example.com"), null),
      },
    ],
    noMatch: [
      {
        description: "A strong policy: 14 characters, every character type, 24 passwords remembered",
        record: passwordPolicyCall("40cb4dbd-7d0d-41b4-be74-5e17caa166a7", "2024-07-07T19:44:29Z", "UpdateAccountPasswordPolicy", assumedRole(SSO_ADMIN, "j.doe@example.com"), {
          ...STRONG,
          maxPasswordAge: 365,
        }),
      },
      {
        description: "A strong policy without expiry: MaxPasswordAge is not judged",
        record: passwordPolicyCall("04ef7294-6aa8-4789-b624-fc53045feaa7", "2024-07-07T19:47:53Z", "UpdateAccountPasswordPolicy", root(), { ...STRONG, minimumPasswordLength: 16 }, { userAgent: USER_AGENTS.console }),
      },
      {
        description: "A weak policy that IAM refused",
        record: passwordPolicyCall(
          "32b0824d-4464-4106-9df2-2fa8327e289b",
          "2024-07-07T19:50:21Z",
          "UpdateAccountPasswordPolicy",
          assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          { minimumPasswordLength: 6 },
          {
            error: {
              code: "AccessDenied",
              message:
                "User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: iam:UpdateAccountPasswordPolicy on resource: * because no identity-based policy allows the iam:UpdateAccountPasswordPolicy action",
            },
          },
        ),
      },
    ],
  },
});
