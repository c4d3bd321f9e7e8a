import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, environmentOf, isIacPrincipal, param, sentence } from "../common.js";
import { apiCall, assumedRole, MANAGEMENT, PROD, USER_AGENTS } from "../examples.js";

/** Security services whose delegated administrator sees and manages every member account's findings and settings. */
const SECURITY_SERVICES = new Set([
  "guardduty.amazonaws.com",
  "securityhub.amazonaws.com",
  "config.amazonaws.com",
  "config-multiaccountsetup.amazonaws.com",
  "access-analyzer.amazonaws.com",
  "macie.amazonaws.com",
  "inspector2.amazonaws.com",
  "detective.amazonaws.com",
  "cloudtrail.amazonaws.com",
  "sso.amazonaws.com",
  "fms.amazonaws.com",
  "securitylake.amazonaws.com",
]);

const ORG_ADMIN = "arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_OrgAdmin_7c6d5e4f3a2b1c0d";
const LANDING_ZONE = "arn:aws:iam::444455556666:role/iac/landing-zone-deploy";
const SECURITY_TOOLING = "777788889999";

function delegation(
  eventID: string,
  eventTime: string,
  eventName: string,
  accountId: string,
  servicePrincipal: string,
  options: { identity?: Record<string, unknown>; error?: { code: string; message: string }; userAgent?: string } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "organizations.amazonaws.com",
    eventName,
    identity: options.identity ?? assumedRole(ORG_ADMIN, "k.lee@example.com"),
    account: MANAGEMENT,
    requestParameters: { accountId, servicePrincipal },
    ...(options.error ? { error: options.error } : {}),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  });
}

export default defineDetector({
  id: "organizations.delegated-admin-changed",
  title: "Delegated administrator registered or deregistered for an organization service",
  severity: "high",
  mitre: ["T1484", "T1562.001"],
  pattern: {
    source: ["aws.organizations"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["organizations.amazonaws.com"],
      eventName: ["RegisterDelegatedAdministrator", "DeregisterDelegatedAdministrator"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    const account = param(record, "accountId");
    const service = param(record, "servicePrincipal");
    if (!account || !service) return undefined;
    const environment = environmentOf(baseline, account);
    const which = `account ${account}${environment ? ` (${environment})` : ""}`;
    const what = `${service}${SECURITY_SERVICES.has(service) ? " (a security service)" : ""}`;
    const summary =
      record.eventName === "RegisterDelegatedAdministrator"
        ? `${actorName(record)} made ${which} the delegated administrator of ${what} for the whole organization.`
        : `${actorName(record)} removed ${which} as the delegated administrator of ${what}.`;
    const resource: FindingResource = { type: "AWS::Organizations::Account", id: account, account: record.recipientAccountId };
    return { summary: sentence(summary), resources: [resource] };
  },
  runbook:
    "A delegated administrator manages a service for every account of the organisation from a member account: registering one hands that account " +
    "organisation-wide power (IAM Identity Center permission sets, CloudFormation StackSets, GuardDuty and Security Hub settings), and deregistering the " +
    "security tooling account from GuardDuty, Security Hub, Config or Access Analyzer takes central detection away. Confirm the change with the owners of " +
    "the service and of the account (ListDelegatedAdministrators shows the current state); an unexpected registration means the account's principals can " +
    "now act on the whole organisation: review who can assume roles in it. Undo an unapproved change with the opposite call from the management account " +
    "and re-enable the service's organisation configuration if it was dropped. Changes by the baseline's infrastructure-as-code principals (the landing " +
    "zone pipeline, Control Tower's role once listed there) are not reported. A refused call (errorCode) is not a finding here: nothing was delegated or removed.",
  examples: {
    match: [
      {
        description: "An SSO administrator makes the production account the delegated administrator of IAM Identity Center",
        record: delegation("ed99b869-c549-4a0c-b842-92c4fae3a9bf", "2024-08-12T19:05:27Z", "RegisterDelegatedAdministrator", PROD, "sso.amazonaws.com"),
        baseline: { accounts: { [PROD]: { name: "production", environment: "production" } } },
      },
      {
        description: "The security tooling account is deregistered as GuardDuty's delegated administrator",
        record: delegation("cc579448-aed8-402d-8738-97ea3f19db36", "2024-08-12T19:11:48Z", "DeregisterDelegatedAdministrator", SECURITY_TOOLING, "guardduty.amazonaws.com"),
      },
    ],
    noMatch: [
      {
        description: "The landing zone pipeline registers the security tooling account for Security Hub",
        record: delegation(
          "630d87e9-d58a-434b-8acb-c1a55b719771",
          "2024-08-13T08:40:02Z",
          "RegisterDelegatedAdministrator",
          SECURITY_TOOLING,
          "securityhub.amazonaws.com",
          { identity: assumedRole(LANDING_ZONE, "codebuild-landing-zone-1187"), userAgent: USER_AGENTS.terraform },
        ),
        baseline: { principals: { iac: [LANDING_ZONE] } },
      },
      {
        description: "A registration refused because the account is already the service's delegated administrator",
        record: delegation("c1b764f5-27d2-4567-b30f-c6778cc3952a", "2024-08-13T08:44:19Z", "RegisterDelegatedAdministrator", SECURITY_TOOLING, "guardduty.amazonaws.com", {
          error: { code: "AccountAlreadyRegisteredException", message: "The provided account is already a delegated administrator for your organization." },
        }),
      },
      {
        description: "EnableAWSServiceAccess for GuardDuty: trusted access, not a delegation",
        record: apiCall({
          eventID: "3723ca35-e61f-40c8-8d9f-90a87ee3a14b",
          eventTime: "2024-08-13T08:47:55Z",
          eventSource: "organizations.amazonaws.com",
          eventName: "EnableAWSServiceAccess",
          identity: assumedRole(ORG_ADMIN, "k.lee@example.com"),
          account: MANAGEMENT,
          requestParameters: { servicePrincipal: "guardduty.amazonaws.com" },
        }),
      },
    ],
  },
});
