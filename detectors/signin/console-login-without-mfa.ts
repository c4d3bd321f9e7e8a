import { mfaUsed } from "../../core/cloudtrail.js";
import { defineDetector } from "../../core/detector.js";
import { SIGN_IN_DETAIL_TYPES } from "../../core/envelope.js";
import { accountResource, actorName, iamResource, sentence } from "../common.js";
import { assumedRole, consoleLogin, iamUser, root } from "../examples.js";

export default defineDetector({
  id: "signin.console-login-without-mfa",
  title: "Console sign-in without MFA by an IAM user or the root user",
  severity: "medium",
  mitre: ["T1078.004"],
  stratus: ["aws.initial-access.console-login-without-mfa"],
  pattern: {
    source: ["aws.signin"],
    "detail-type": SIGN_IN_DETAIL_TYPES,
    detail: {
      eventSource: ["signin.amazonaws.com"],
      eventName: ["ConsoleLogin"],
      userIdentity: { type: ["IAMUser", "Root"] },
      responseElements: { ConsoleLogin: ["Success"] },
      additionalEventData: { MFAUsed: ["No"] },
    },
  },
  evaluate(record) {
    const identity = record.userIdentity;
    if (identity.type !== "IAMUser" && identity.type !== "Root") return undefined;
    if (record.responseElements?.ConsoleLogin !== "Success" || mfaUsed(record) !== false) return undefined;
    const from = record.sourceIPAddress ? ` from ${record.sourceIPAddress}` : "";
    const resource =
      identity.type === "Root"
        ? accountResource(record)
        : iamResource(record, "user", identity.userName ?? identity.arn ?? "(unknown)", identity.arn);
    return {
      summary: sentence(`${actorName(record)} signed in to the AWS console without MFA${from}.`),
      resources: [resource],
    };
  },
  runbook:
    "A password alone opened a console session for an IAM user or the root user, so anyone holding a phished or reused password could have done the same. " +
    "Ask the user whether it was them and from where (compare the source IP and user agent with their usual sign-ins), then enforce MFA: register a device, and " +
    "consider a policy that denies everything without aws:MultiFactorAuthPresent. If the user does not recognise it, reset the password, revoke active sessions " +
    "(an inline deny on aws:TokenIssueTime), and review what the session did. Federated and IAM Identity Center sign-ins (AssumedRole) are not reported: their " +
    "MFA happens at the identity provider, which CloudTrail cannot see, so MFAUsed is always No for them. Failed sign-ins are not findings here (ConsoleLogin " +
    "Failure, never an errorCode): no session was opened.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's console-login-without-mfa: an IAM user signs in with a password only",
        record: consoleLogin({
          eventID: "4bf84b99-7657-4540-9a49-34532de6eb96",
          eventTime: "2024-08-01T14:30:45Z",
          identity: iamUser("arn:aws:iam::111122223333:user/console-user-wgrosmao"),
          mfaUsed: "No",
        }),
      },
      {
        description: "The root user signs in without MFA; the shipper wrote MFAUsed as NO",
        record: {
          ...consoleLogin({
            eventID: "e718a288-154f-444f-8785-32ffd05c1220",
            eventTime: "2024-07-22T19:03:58Z",
            identity: root("111122223333"),
            mfaUsed: "No",
            sourceIPAddress: "203.0.113.201",
          }),
          additionalEventData: { LoginTo: "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true", MobileVersion: "No", MFAUsed: "NO" },
        },
      },
    ],
    noMatch: [
      {
        description: "An IAM user signs in with MFA",
        record: consoleLogin({
          eventID: "45ec889b-d177-428b-be20-2b26faf1a352",
          eventTime: "2024-07-22T08:11:20Z",
          identity: iamUser("arn:aws:iam::111122223333:user/engineering/alice"),
          mfaUsed: "Yes",
        }),
      },
      {
        description: "An IAM Identity Center sign-in: MFAUsed is No because MFA happened at the identity provider",
        record: consoleLogin({
          eventID: "32f412c1-75b6-458b-868a-d4d4f448d49f",
          eventTime: "2024-07-22T08:15:42Z",
          identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a", "j.doe@example.com"),
          mfaUsed: "No",
        }),
      },
      {
        description: "A failed password-only sign-in: no session was opened",
        record: consoleLogin({
          eventID: "94af2089-a570-410e-8fa6-4bb9a1b1977f",
          eventTime: "2024-07-22T08:20:09Z",
          identity: iamUser("arn:aws:iam::111122223333:user/console-user-wgrosmao"),
          mfaUsed: "No",
          result: "Failure",
        }),
      },
    ],
  },
});
