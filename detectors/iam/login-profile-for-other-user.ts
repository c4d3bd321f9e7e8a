import { defineDetector } from "../../core/detector.js";
import { actorName, API_CALL, iamResource, isIacPrincipal, param, sentence } from "../common.js";
import { apiCall, assumedRole, iamDate, iamUser, root, USER_AGENTS } from "../examples.js";

type EventName = "CreateLoginProfile" | "UpdateLoginProfile";

/** IAM logs neither password; CreateLoginProfile answers with the profile, UpdateLoginProfile with nothing. */
function loginProfileCall(
  eventID: string,
  eventTime: string,
  eventName: EventName,
  identity: Record<string, unknown>,
  userName: string | undefined,
  options: { passwordResetRequired?: boolean; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  const requestParameters: Record<string, unknown> = {};
  if (options.passwordResetRequired !== undefined) requestParameters.passwordResetRequired = options.passwordResetRequired;
  if (userName) requestParameters.userName = userName;
  const owner = userName ?? (typeof identity.userName === "string" ? identity.userName : "unknown");
  return apiCall({
    eventID,
    eventTime,
    eventSource: "iam.amazonaws.com",
    eventName,
    identity,
    requestParameters,
    responseElements:
      eventName === "CreateLoginProfile"
        ? { loginProfile: { createDate: iamDate(eventTime), passwordResetRequired: options.passwordResetRequired ?? false, userName: owner } }
        : null,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

const OPERATOR = "arn:aws:iam::111122223333:user/christophe";
const TERRAFORM = "arn:aws:iam::111122223333:role/iac/terraform-apply";

export default defineDetector({
  id: "iam.login-profile-for-other-user",
  title: "Console password set for another IAM user",
  severity: "high",
  mitre: ["T1098.001"],
  stratus: ["aws.persistence.iam-create-user-login-profile", "aws.privilege-escalation.iam-update-user-login-profile"],
  pattern: {
    source: ["aws.iam"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["iam.amazonaws.com"],
      eventName: ["CreateLoginProfile", "UpdateLoginProfile"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    // Without userName the call is about the caller's own profile.
    const target = param(record, "userName");
    if (!target || isIacPrincipal(record, baseline)) return undefined;
    const identity = record.userIdentity;
    // IAM user names are unique regardless of case, so "Alice" setting "alice"'s password is herself.
    if (identity.type === "IAMUser" && identity.userName?.toLowerCase() === target.toLowerCase()) return undefined;
    const action = record.eventName === "CreateLoginProfile" ? "gave IAM user" : "changed the console password of IAM user";
    const what = record.eventName === "CreateLoginProfile" ? `${target} a console password` : target;
    const reset = record.requestParameters?.passwordResetRequired === true ? " (reset required at next sign-in)" : "";
    return {
      summary: sentence(`${actorName(record)} ${action} ${what}${reset}.`),
      resources: [iamResource(record, "user", target)],
    };
  },
  remediation: "iam.delete-login-profile",
  runbook:
    "Someone other than the user set its console password: CreateLoginProfile gives a user (often one meant only for programmatic access) a way into the console, " +
    "UpdateLoginProfile takes over a user that already had one, since the new password is known to the caller and not to the owner. Changes by the baseline's " +
    "infrastructure-as-code principals and a user changing her own password are not reported. Ask the user's owner and the caller whether a reset was requested " +
    "(a helpdesk reset normally sets passwordResetRequired and goes through a ticket). If not, delete the login profile (the proposed remediation does) or reset it " +
    "with a password the owner sets, check for ConsoleLogin events by the user after this time and what that session did, and review the caller's other changes " +
    "(CreateAccessKey, AttachUserPolicy, MFA changes on the same user). A refused call (errorCode) is not a finding here: no password was set; the access-denied " +
    "detectors count refusals.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's iam-create-user-login-profile: an operator gives a programmatic user a console password",
        record: loginProfileCall("ed4c77e9-960e-4406-9bd3-47ffad0ddf45", "2024-08-01T13:42:21Z", "CreateLoginProfile", iamUser(OPERATOR), "stratus-red-team-login-profile-user", {
          passwordResetRequired: false,
          userAgent: USER_AGENTS.stratus,
        }),
      },
      {
        description: "Stratus Red Team's iam-update-user-login-profile: an operator changes another user's password",
        record: loginProfileCall("36f21a62-ab85-4043-95f1-7d63f5ef0428", "2024-08-28T09:54:40Z", "UpdateLoginProfile", iamUser(OPERATOR), "stratus-red-team-update-login-profile-user", {
          userAgent: USER_AGENTS.stratus,
        }),
      },
      {
        description: "The root user resets a service user's password from the console, with a reset required",
        record: loginProfileCall("57092b97-bdbd-423c-9562-efcb8a14e2c3", "2024-07-02T16:20:05Z", "UpdateLoginProfile", root(), "svc-legacy-sftp", {
          passwordResetRequired: true,
          userAgent: USER_AGENTS.console,
        }),
      },
    ],
    noMatch: [
      {
        description: "A user changing her own console password through UpdateLoginProfile, named with other casing",
        record: loginProfileCall("7b5d8302-19f4-457a-b122-5145c2b62e4f", "2024-07-02T16:25:41Z", "UpdateLoginProfile", iamUser("arn:aws:iam::111122223333:user/engineering/Alice"), "alice", {
          passwordResetRequired: false,
        }),
      },
      {
        description: "The Terraform deploy role creating the console login of a new engineer, as reviewed code",
        record: loginProfileCall("34725ddf-8bd4-4a43-90dc-91bea3532877", "2024-07-02T16:31:12Z", "CreateLoginProfile", assumedRole(TERRAFORM, "terraform-run-8852"), "m.rossi", {
          passwordResetRequired: true,
          userAgent: USER_AGENTS.terraform,
        }),
        baseline: { principals: { iac: [TERRAFORM] } },
      },
      {
        description: "A CreateLoginProfile for another user that IAM refused",
        record: loginProfileCall(
          "604661f6-9e30-40b0-b011-b8ea14d48f81",
          "2024-07-02T16:33:50Z",
          "CreateLoginProfile",
          assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          "svc-legacy-sftp",
          {
            passwordResetRequired: false,
            error: {
              code: "AccessDenied",
              message:
                "User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: iam:CreateLoginProfile on resource: user svc-legacy-sftp because no identity-based policy allows the iam:CreateLoginProfile action",
            },
          },
        ),
      },
    ],
  },
});
