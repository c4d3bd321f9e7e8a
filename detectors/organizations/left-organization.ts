import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, isIacPrincipal, param, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, PROD, root, USER_AGENTS } from "../examples.js";

function accountResource(account: string, recordedIn: string): FindingResource {
  return { type: "AWS::Organizations::Account", id: account, account: recordedIn };
}

/** "refused with AccessDeniedException" for a call AWS turned down, so the summary says the account is still a member. */
function refusal(record: CloudTrailRecord): string {
  return record.errorCode ? ` (refused with ${record.errorCode}: the account is still a member)` : "";
}

const ORG_ADMIN = "arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_OrgAdmin_7c6d5e4f3a2b1c0d";
const ACCOUNT_VENDING = "arn:aws:iam::444455556666:role/iac/account-lifecycle-deploy";
const DECOMMISSIONED = "555566667777";

function orgCall(
  eventID: string,
  eventTime: string,
  eventName: string,
  identity: Record<string, unknown>,
  requestParameters: Record<string, unknown> | null,
  options: { error?: { code: string; message: string }; userAgent?: string; readOnly?: boolean } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "organizations.amazonaws.com",
    eventName,
    identity,
    requestParameters,
    ...(options.readOnly ? { readOnly: true } : {}),
    ...(options.error ? { error: options.error } : {}),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  });
}

export default defineDetector({
  id: "organizations.left-organization",
  title: "Account left or was removed from the organization",
  severity: "critical",
  mitre: ["T1666"],
  stratus: ["aws.defense-evasion.organizations-leave"],
  pattern: {
    source: ["aws.organizations"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["organizations.amazonaws.com"],
      eventName: ["LeaveOrganization", "RemoveAccountFromOrganization"],
    },
  },
  evaluate(record, { baseline }) {
    if (record.eventName === "LeaveOrganization") {
      // Called from inside the member account; every attempt counts, refused or not.
      const account = record.userIdentity.accountId ?? record.recipientAccountId;
      const done = record.errorCode ? "tried to take" : "took";
      return {
        summary: sentence(`${actorName(record)} ${done} account ${account} out of its organization with LeaveOrganization${refusal(record)}.`),
        resources: [accountResource(account, record.recipientAccountId)],
      };
    }
    // RemoveAccountFromOrganization, from the management account.
    if (record.errorCode || isIacPrincipal(record, baseline)) return undefined;
    const account = param(record, "accountId");
    if (!account) return undefined;
    return {
      summary: sentence(`${actorName(record)} removed account ${account} from the organization; its service control policies and organization-wide controls no longer apply.`),
      resources: [accountResource(account, record.recipientAccountId)],
    };
  },
  runbook:
    "An account outside the organisation is outside its service control policies, its organisation trail, delegated GuardDuty and Security Hub, and " +
    "its backup and tag policies: leaving is how an attacker who holds a member account sheds the guardrails before the real work. LeaveOrganization is " +
    "called from inside the member account, so every attempt is a finding, even a refused one (errorCode AccessDeniedException from an SCP that denies " +
    "organizations:LeaveOrganization, or ConstraintViolationException): the attempt shows someone controls that account and wants out. Identify the caller, " +
    "revoke its sessions and keys, and check what else it did in the account (CloudTrail in the member account, not only the organisation trail). If the " +
    "account did leave, invite it back from the management account (InviteAccountToOrganization, accepted from the account), reattach its SCPs and re-enrol " +
    "it in the delegated security services, and add an SCP that denies LeaveOrganization. RemoveAccountFromOrganization is the management account's own " +
    "call, usually account decommissioning: changes by the baseline's infrastructure-as-code principals (account vending) are not reported, and a refused " +
    "RemoveAccountFromOrganization is not a finding because the account stayed in. Otherwise confirm the removal with the account's owner.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's organizations-leave: an IAM user in a member account tries to leave and an SCP refuses it",
        record: orgCall(
          "10ea69e6-f58e-47f3-8808-4a75eb356593",
          "2024-09-03T14:22:51Z",
          "LeaveOrganization",
          iamUser("arn:aws:iam::111122223333:user/christophe"),
          null,
          {
            userAgent: USER_AGENTS.stratus,
            error: { code: "AccessDeniedException", message: "You don't have permissions to access this resource." },
          },
        ),
      },
      {
        description: "The root user of the production account leaves the organization",
        record: orgCall("135afd0d-5c3b-437c-90fd-dc3dad8244c7", "2024-09-04T02:10:37Z", "LeaveOrganization", root(PROD), null, {
          userAgent: USER_AGENTS.console,
        }),
      },
      {
        description: "An SSO administrator in the management account removes the production account from the organization",
        record: orgCall(
          "97b38e1c-2250-4da6-9776-3b096aa212dd",
          "2024-09-04T02:31:09Z",
          "RemoveAccountFromOrganization",
          assumedRole(ORG_ADMIN, "k.lee@example.com"),
          { accountId: PROD },
        ),
      },
    ],
    noMatch: [
      {
        description: "The account-lifecycle pipeline removes a decommissioned sandbox account",
        record: orgCall(
          "1bf973ac-aecf-46dd-ba14-31b1f1971ec8",
          "2024-09-05T10:04:18Z",
          "RemoveAccountFromOrganization",
          assumedRole(ACCOUNT_VENDING, "codebuild-account-lifecycle-812"),
          { accountId: DECOMMISSIONED },
          { userAgent: USER_AGENTS.terraform },
        ),
        baseline: { principals: { iac: [ACCOUNT_VENDING] } },
      },
      {
        description: "A RemoveAccountFromOrganization that Organizations refused: the account stays a member",
        record: orgCall(
          "1ea39db1-d4b5-4321-b97b-0b1218c904f0",
          "2024-09-05T10:09:42Z",
          "RemoveAccountFromOrganization",
          assumedRole(ORG_ADMIN, "k.lee@example.com"),
          { accountId: DECOMMISSIONED },
          {
            error: {
              code: "ConstraintViolationException",
              message: "The member account is missing one or more of the prerequisites required to operate as a standalone account.",
            },
          },
        ),
      },
      {
        description: "DescribeOrganization from the member account: it reads its membership, it does not leave",
        record: orgCall("23234a5a-9404-4bf8-b154-7f989bcac98d", "2024-09-05T10:12:03Z", "DescribeOrganization", root(PROD), null, { readOnly: true }),
      },
    ],
  },
});
