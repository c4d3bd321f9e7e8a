import { defineDetector } from "../../core/detector.js";
import { SIGN_IN_DETAIL_TYPES } from "../../core/envelope.js";
import { accountResource, actorName, API_CALL, sentence } from "../common.js";
import { apiCall, consoleLogin, iamUser, root, USER_AGENTS } from "../examples.js";

export default defineDetector({
  id: "root.account-used",
  title: "Root user credentials used",
  severity: "high",
  mitre: ["T1078.004"],
  // Root can call any service, so the pattern names no event: every CloudTrail source, filtered on the identity.
  pattern: {
    source: [{ prefix: "aws." }],
    "detail-type": [API_CALL, "AWS Console Action via CloudTrail", ...SIGN_IN_DETAIL_TYPES],
    detail: {
      userIdentity: { type: ["Root"], invokedBy: [{ exists: false }] },
    },
  },
  readOnlyEvents: true,
  evaluate(record) {
    const identity = record.userIdentity;
    if (identity.type !== "Root" || identity.invokedBy !== undefined) return undefined;
    const from = record.sourceIPAddress ? ` from ${record.sourceIPAddress}` : "";
    let action: string;
    if (record.eventName === "ConsoleLogin") {
      // A failed sign-in proves nothing about who holds the password; brute force is counted elsewhere.
      if (record.responseElements?.ConsoleLogin !== "Success") return undefined;
      const mfa = record.additionalEventData?.MFAUsed;
      action = `signed in to the console${typeof mfa === "string" ? ` (MFA used: ${mfa})` : ""}`;
    } else {
      const service = record.eventSource.replace(/\.amazonaws\.com$/, "");
      action = `called ${service}:${record.eventName}${record.errorCode ? ` (refused: ${record.errorCode})` : ""}`;
    }
    return {
      summary: sentence(`${actorName(record)} ${action}${from} in ${record.awsRegion}.`),
      resources: [accountResource(record)],
    };
  },
  runbook:
    "The root user bypasses IAM and (in the management account) every SCP; day-to-day work never needs it, so each use should match a break-glass ticket or one of " +
    "the few tasks only root can do (closing the account, changing its contact or support plan, restoring an IAM administrator). Ask the account owner; check that MFA " +
    "was used (see signin.console-login-without-mfa) and where the source IP is. If nobody claims it, treat the account as compromised: reset the root password, " +
    "re-register its MFA device, delete any root access keys, and review every call in the session. Refused calls (errorCode) are findings: the credentials worked and " +
    "only a policy stopped the call. A failed root console login is not: the password was not proven, and repeated failures are brute force, counted elsewhere. " +
    "Calls an AWS service makes on root's behalf (invokedBy set) and AWS service events are not root use, as in the CIS root-usage metric filter.",
  examples: {
    match: [
      {
        description: "A root console sign-in, with MFA: still root use",
        record: consoleLogin({ eventID: "d838cc61-60d2-4ff4-8c51-7157c00d2cf9", eventTime: "2024-07-20T06:14:03Z", identity: root(), mfaUsed: "Yes" }),
      },
      {
        description: "Root creates an access key for itself from the console",
        record: apiCall({
          eventID: "93d95404-b3cd-4854-865c-28cdbc27888d",
          eventTime: "2024-07-20T06:19:44Z",
          eventSource: "iam.amazonaws.com",
          eventName: "CreateAccessKey",
          identity: root(),
          requestParameters: null,
          responseElements: { accessKey: { accessKeyId: "AKIARZ5BM7QWROOT7K2M", status: "Active", createDate: "Jul 20, 2024, 6:19:44 AM" } },
          userAgent: USER_AGENTS.console,
        }),
      },
      {
        description: "Root lists buckets in a member account and an SCP refuses it: the credentials still worked",
        record: apiCall({
          eventID: "b0b435fd-5527-4f8e-a313-df42205d099b",
          eventTime: "2024-07-21T01:02:37Z",
          eventSource: "s3.amazonaws.com",
          eventName: "ListBuckets",
          identity: root("111122223333"),
          region: "eu-west-1",
          readOnly: true,
          requestParameters: { Host: "s3.eu-west-1.amazonaws.com" },
          error: { code: "AccessDenied", message: "Access Denied" },
        }),
      },
    ],
    noMatch: [
      {
        description: "An IAM user who happens to be named root",
        record: apiCall({
          eventID: "b4efb7db-f62d-413c-8e7d-b32afee33c4f",
          eventTime: "2024-07-21T09:30:12Z",
          eventSource: "s3.amazonaws.com",
          eventName: "ListBuckets",
          identity: iamUser("arn:aws:iam::111122223333:user/root"),
          region: "eu-west-1",
          readOnly: true,
          requestParameters: { Host: "s3.eu-west-1.amazonaws.com" },
        }),
      },
      {
        description: "AWS Support acting on root's behalf (invokedBy set)",
        record: apiCall({
          eventID: "333cf43f-03c2-4231-b668-fd4c6268b997",
          eventTime: "2024-07-21T09:35:48Z",
          eventSource: "support.amazonaws.com",
          eventName: "DescribeTrustedAdvisorCheckSummaries",
          identity: { ...root(), invokedBy: "support.amazonaws.com" },
          readOnly: true,
          requestParameters: { checkIds: ["Qch7DwouX1", "DAvU99Dc4C"] },
        }),
      },
      {
        description: "A failed root console sign-in (wrong password)",
        record: consoleLogin({
          eventID: "1ff02b4b-b470-4601-81ee-bb880f9ad8af",
          eventTime: "2024-07-21T09:40:05Z",
          identity: root(),
          mfaUsed: "No",
          result: "Failure",
          sourceIPAddress: "203.0.113.201",
        }),
      },
    ],
  },
});
