import type { BaselineInput } from "../../core/baseline.js";
import { createHash } from "node:crypto";
import { defineDetector } from "../../core/detector.js";
import { actorName, API_CALL, isKnownAccount, isServiceActivity, param, principalResource, profileFor, sentence } from "../common.js";
import { apiCall, assumedRole, MANAGEMENT, OUTSIDE, PROD, USER_AGENTS } from "../examples.js";

/** `arn:aws:iam::ACCOUNT:role/PATH/NAME`: the account and the role's name. */
const ROLE_ARN = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

const VENDOR = "210987654321";
const PARTNER = "555566667777";
const EXPORTER = `arn:aws:iam::${PROD}:role/app/report-exporter`;
const PLATFORM_ADMIN = `arn:aws:iam::${PROD}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a`;

const BASELINE = {
  accounts: {
    [PROD]: { name: "payments-prod", environment: "production" },
    [MANAGEMENT]: { name: "org-management", environment: "shared" },
  },
  trust: { externalAccounts: [VENDOR] },
  profiles: { [EXPORTER]: { apis: [], regions: ["eu-west-1"], externalAccounts: [PARTNER] } },
} satisfies BaselineInput;

/**
 * AssumeRole as the caller's account records it: a cross-account assumption is
 * recorded in both accounts with one sharedEventID, and the caller's copy is the
 * one a trail of the organisation sees when the role is outside it.
 */
function assume(eventID: string, eventTime: string, identity: Record<string, unknown>, roleArn: string, session: string, options: { error?: { code: string; message: string }; account?: string } = {}) {
  const [, roleAccount = "", roleName = ""] = ROLE_ARN.exec(roleArn) ?? [];
  const record = apiCall({
    eventID,
    eventTime,
    eventSource: "sts.amazonaws.com",
    eventName: "AssumeRole",
    identity,
    region: "eu-west-1",
    ...(options.account ? { account: options.account } : {}),
    userAgent: USER_AGENTS.boto3,
    readOnly: true,
    requestParameters: { roleArn, roleSessionName: session, durationSeconds: 3600 },
    responseElements: {
      credentials: { accessKeyId: "ASIAQXMPL4V7N2B8K5DT", sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE", expiration: "Apr 8, 2025, 2:41:03 PM" },
      assumedRoleUser: { assumedRoleId: `AROAQXMPL6J3W8Y2P4RS:${session}`, arn: `arn:aws:sts::${roleAccount}:assumed-role/${roleName}/${session}` },
    },
    resources: [{ accountId: roleAccount, type: "AWS::IAM::Role", ARN: roleArn }],
    ...(options.error ? { error: options.error } : {}),
  });
  return { ...record, sharedEventID: sharedEventIdFor(eventID) };
}

/** A fixed sharedEventID per example, in the UUID v4 shape CloudTrail gives it. */
function sharedEventIdFor(eventID: string): string {
  const hex = createHash("sha256").update(`shared:${eventID}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export default defineDetector({
  id: "behaviour.new-external-account",
  title: "Principal assumes a role in an account outside the organisation and its trusted accounts",
  severity: "medium",
  mitre: ["T1199", "T1537"],
  pattern: {
    source: ["aws.sts"],
    "detail-type": [API_CALL],
    detail: { eventSource: ["sts.amazonaws.com"], eventName: ["AssumeRole"], errorCode: [{ exists: false }] },
  },
  // Real AssumeRole records have readOnly: true, so only a rule with the all-management-events state receives them.
  readOnlyEvents: true,
  evaluate(record, { baseline }) {
    if (Object.keys(baseline.accounts).length === 0 || isServiceActivity(record)) return undefined;
    const roleArn = param(record, "roleArn");
    const [, account, roleName] = (roleArn && ROLE_ARN.exec(roleArn)) || [];
    if (!roleArn || !account || !roleName) return undefined;
    const own = record.userIdentity.accountId ?? record.recipientAccountId;
    if (isKnownAccount(baseline, account, own) || account === record.recipientAccountId) return undefined;
    if (profileFor(record, baseline)?.externalAccounts.includes(account)) return undefined;
    return {
      summary: sentence(
        `${actorName(record)} assumed role ${roleName} in account ${account}, which is neither the organisation's, a trusted account, nor one its profile has seen.`,
      ),
      resources: [{ type: "AWS::IAM::Role", id: roleName, arn: roleArn, account }, principalResource(record)],
    };
  },
  runbook:
    "A principal of the organisation assumed a role in an account that the baseline does not list as the organisation's (accounts), does not trust " +
    "(trust.externalAccounts), and that the principal's learned profile has not seen (profiles.*.externalAccounts). A session in an outside account is how " +
    "data is moved out, or a relationship with a third party nobody vetted. Identify the account's owner (is it a vendor, a partner, a personal account?), " +
    "ask the principal's owner why, and look at what the principal read just before and whether the outside role wrote anything back. If the relationship " +
    "is sanctioned, add the account to trust.externalAccounts or to the principal's profile; if not, revoke the principal's sessions, block sts:AssumeRole " +
    "outside the organisation (an SCP with aws:ResourceOrgID), and review the data it could reach. A refused AssumeRole (errorCode) is not a finding: no " +
    "session was issued. Roles in this organisation assumed from outside are judged by iam.role-trust-untrusted-account, not here. Until the baseline lists " +
    "accounts, which of them are the organisation's is unknown and nothing is judged, as under the default baseline.",
  examples: {
    match: [
      {
        description: "An engineer's session assumes OrganizationAccountAccessRole in an account outside the organisation",
        record: assume("9de4ec91-d112-42bd-bd7b-6bf6f127d432", "2025-04-08T12:41:03Z", assumedRole(PLATFORM_ADMIN, "j.doe@example.com"), `arn:aws:iam::${OUTSIDE}:role/OrganizationAccountAccessRole`, "j.doe@example.com"),
        baseline: BASELINE,
      },
      {
        description: "The report exporter assumes a role in an account other than its partner's",
        record: assume("3042831c-9972-4dd0-bcef-904299042922", "2025-04-08T12:47:26Z", assumedRole(EXPORTER, "report-export-20250408"), "arn:aws:iam::888877776666:role/uploads/data-drop", "report-export-20250408"),
        baseline: BASELINE,
      },
    ],
    noMatch: [
      {
        description: "The assumption into the outside account under the default baseline: no account is known to be the organisation's, so nothing is judged",
        record: assume("60f91318-6b88-4ab9-bb0e-3fbbc192a264", "2025-04-08T12:52:40Z", assumedRole(PLATFORM_ADMIN, "j.doe@example.com"), `arn:aws:iam::${OUTSIDE}:role/OrganizationAccountAccessRole`, "j.doe@example.com"),
      },
      {
        description: "The exporter's assumption under the default baseline: not judged either",
        record: assume("86f7a825-f19f-42e4-a3ed-ce900d18f44d", "2025-04-08T12:53:55Z", assumedRole(EXPORTER, "report-export-20250408"), "arn:aws:iam::888877776666:role/uploads/data-drop", "report-export-20250408"),
      },
      {
        description: "An engineer assumes a role in the organisation's management account",
        record: assume("00aa267f-b185-4471-a817-b7bfd6c10bdc", "2025-04-08T13:02:19Z", assumedRole(PLATFORM_ADMIN, "j.doe@example.com"), `arn:aws:iam::${MANAGEMENT}:role/OrganizationAccountAccessRole`, "j.doe@example.com"),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, accounts: { [PROD]: BASELINE.accounts[PROD] } },
      },
      {
        description: "The exporter assumes the role its partner set up for it, in an account its profile lists",
        record: assume("35342767-5c22-45c0-b1fe-ed0ec8ad0dd0", "2025-04-08T13:04:47Z", assumedRole(EXPORTER, "report-export-20250408"), `arn:aws:iam::${PARTNER}:role/inbound/acme-payments-reports`, "report-export-20250408"),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, profiles: { [EXPORTER]: { regions: ["eu-west-1"], externalAccounts: [] } } },
      },
      {
        description: "A role in the observability vendor's account, which the baseline trusts",
        record: assume("d2c178f0-ab8e-4ebe-b888-14d916ba5768", "2025-04-08T13:06:30Z", assumedRole(PLATFORM_ADMIN, "j.doe@example.com"), `arn:aws:iam::${VENDOR}:role/customer-onboarding/acme-payments`, "j.doe@example.com"),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, trust: { externalAccounts: [] } },
      },
      {
        description: "An assumption into an outside account that STS refused: no session was issued",
        record: assume("a13dc140-5277-4800-80e3-190a1479249b", "2025-04-08T13:08:11Z", assumedRole(EXPORTER, "report-export-20250408"), `arn:aws:iam::${OUTSIDE}:role/data-drop`, "report-export-20250408", {
          error: {
            code: "AccessDenied",
            message: `User: arn:aws:sts::${PROD}:assumed-role/report-exporter/report-export-20250408 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${OUTSIDE}:role/data-drop`,
          },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "The other direction: the trusted vendor assumes its read-only role here (role trust is judged by iam.role-trust-untrusted-account)",
        record: assume(
          "07730ed3-588d-4078-854d-e7d3c8ed06da",
          "2025-04-08T13:10:42Z",
          { type: "AWSAccount", principalId: "AROAQXMPL2H6D9F3J7LM:poller", accountId: VENDOR },
          `arn:aws:iam::${PROD}:role/vendor/observability-readonly`,
          "obs-7c2e9a41d5b3",
          { account: PROD },
        ),
        baseline: BASELINE,
        excusedByRecord: true,
      },
    ],
  },
});
