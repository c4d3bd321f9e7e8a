import { matchesAny, type Baseline, type BaselineInput } from "../../core/baseline.js";
import { principalArn, type CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector } from "../../core/detector.js";
import { DETAIL_TYPES } from "../../core/envelope.js";
import { apiNameOf } from "../../core/sensitive-apis.js";
import {
  accountWhereItHappened,
  actorName,
  API_CALL,
  environmentOf,
  isConsoleSession,
  isHumanPrincipal,
  isIacPrincipal,
  isProtectedPrincipal,
  isReadOnlyCall,
  isServiceActivity,
  param,
  resourcesNamedBy,
  sentence,
} from "../common.js";
import { apiCall, assumedRole, iamDate, iamUser, PROD, USER_AGENTS, viaCloudFormation } from "../examples.js";

/**
 * Calls that change nothing in the account although CloudTrail may not say
 * they only read: getting credentials (real records mark AssumeRole* read-only,
 * documentation examples and some shippers drop `readOnly`, and the names do
 * not start like reads) and a user changing its own password, which a password
 * policy makes people do. GetFederationToken is not here: it mints long-lived
 * federated credentials, a persistence technique.
 */
const CHANGES_NOTHING = new Set([
  "sts:AssumeRole",
  "sts:AssumeRoleWithSAML",
  "sts:AssumeRoleWithWebIdentity",
  "sts:GetSessionToken",
  "iam:ChangePassword",
]);

/**
 * A person at the keyboard: the root user, IAM users, federated and Identity
 * Center users, console sessions, and role sessions that were started with MFA
 * (no workload has MFA). Workloads and pipelines are not "by hand": a pipeline
 * that changes production belongs in `principals.iac`.
 */
function isPerson(record: CloudTrailRecord): boolean {
  const identity = record.userIdentity;
  return isHumanPrincipal(record) || (identity.type === "AssumedRole" && identity.sessionContext?.attributes?.mfaAuthenticated === "true");
}

/**
 * An IAM user looking after its own credentials (rotating its keys, setting up
 * its MFA): hygiene nobody does through IaC, not a change to what production
 * runs. Only for the caller's own user; DeactivateMFADevice is not here.
 */
const OWN_CREDENTIALS = new Set([
  "iam:CreateAccessKey",
  "iam:UpdateAccessKey",
  "iam:DeleteAccessKey",
  "iam:CreateVirtualMFADevice",
  "iam:EnableMFADevice",
  "iam:ResyncMFADevice",
]);

function isOwnCredentialUpkeep(record: CloudTrailRecord): boolean {
  const identity = record.userIdentity;
  if (identity.type !== "IAMUser" || !OWN_CREDENTIALS.has(apiNameOf(record))) return false;
  const target = param(record, "userName");
  return target === undefined || target === identity.userName;
}

function isSanctioned(record: CloudTrailRecord, baseline: Baseline): boolean {
  return isIacPrincipal(record, baseline) || isProtectedPrincipal(record, baseline) || matchesAny(baseline.proxy.principals, principalArn(record));
}

const BASELINE = {
  accounts: {
    [PROD]: { name: "payments-prod", environment: "production" },
    "222233334444": { name: "payments-staging", environment: "staging" },
  },
  principals: {
    iac: ["arn:aws:iam::*:role/deploy/terraform-apply", "arn:aws:iam::*:user/terraform-ci"],
    breakGlass: ["arn:aws:iam::*:role/break-glass/*"],
    securityAutomation: ["arn:aws:iam::*:role/security/trailwarden-remediator"],
  },
  proxy: { principals: ["arn:aws:iam::*:role/platform/control-plane-proxy"], services: ["rds.amazonaws.com"] },
} satisfies BaselineInput;
const REGION = "eu-west-1";
const PLATFORM_ADMIN = `arn:aws:iam::${PROD}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a`;
const SG = "sg-0b7e51c3a9d24f806";

/** Port 5432 opened to the analytics VPC on the ledger database's security group. */
function openPostgres(eventID: string, eventTime: string, identity: Record<string, unknown>, options: { console?: boolean; account?: string; userAgent?: string } = {}) {
  const record = apiCall({
    eventID,
    eventTime,
    eventSource: "ec2.amazonaws.com",
    eventName: "AuthorizeSecurityGroupIngress",
    identity,
    region: REGION,
    ...(options.account ? { account: options.account } : {}),
    userAgent: options.userAgent ?? (options.console ? USER_AGENTS.console : USER_AGENTS.cli),
    sourceIPAddress: "203.0.113.24",
    requestParameters: {
      groupId: SG,
      ipPermissions: {
        items: [
          {
            ipProtocol: "tcp",
            fromPort: 5432,
            toPort: 5432,
            groups: {},
            ipRanges: { items: [{ cidrIp: "10.40.0.0/16", description: "analytics VPC" }] },
            ipv6Ranges: {},
            prefixListIds: {},
          },
        ],
      },
    },
    responseElements: {
      _return: true,
      securityGroupRuleSet: {
        items: [{ groupOwnerId: options.account ?? PROD, groupId: SG, securityGroupRuleId: "sgr-04c1d7e9a2b3f5068", isEgress: false, ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "10.40.0.0/16", description: "analytics VPC" }],
      },
    },
  });
  return options.console ? { ...record, sessionCredentialFromConsole: "true" } : record;
}

/** The on-call engineer raises a production function's timeout with the CLI. */
function raiseTimeout(eventID: string, eventTime: string) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "lambda.amazonaws.com",
    eventName: "UpdateFunctionConfiguration20150331v2",
    identity: iamUser(`arn:aws:iam::${PROD}:user/oncall-payments`),
    region: REGION,
    requestParameters: { functionName: "settlement-export", timeout: 300, memorySize: 1024 },
    responseElements: {
      functionName: "settlement-export",
      functionArn: `arn:aws:lambda:${REGION}:${PROD}:function:settlement-export`,
      runtime: "python3.12",
      timeout: 300,
      memorySize: 1024,
      lastUpdateStatus: "InProgress",
    },
  });
}

/** An IAM user creates an access key, for itself or (with `userName`) for another user. */
function createKey(eventID: string, eventTime: string, caller: string, userName: string, keyId: string, options: { console?: boolean } = {}) {
  const record = apiCall({
    eventID,
    eventTime,
    eventSource: "iam.amazonaws.com",
    eventName: "CreateAccessKey",
    identity: iamUser(`arn:aws:iam::${PROD}:user/${caller}`, { console: options.console ?? false }),
    userAgent: options.console ? USER_AGENTS.console : USER_AGENTS.cli,
    requestParameters: { userName },
    responseElements: { accessKey: { userName, accessKeyId: keyId, status: "Active", createDate: iamDate(eventTime) } },
  });
  return options.console ? { ...record, sessionCredentialFromConsole: "true" } : record;
}

export default defineDetector({
  id: "changes.clickops-in-production",
  title: "Production changed by hand (console or CLI) outside IaC and the control-plane proxy",
  severity: "medium",
  mitre: ["T1078.004"],
  pattern: {
    source: [{ prefix: "aws." }],
    "detail-type": [API_CALL, DETAIL_TYPES.AwsConsoleAction],
    detail: { errorCode: [{ exists: false }], userIdentity: { invokedBy: [{ exists: false }] } },
  },
  evaluate(record, { baseline }) {
    const account = record.recipientAccountId;
    if (environmentOf(baseline, account) !== "production") return undefined;
    if (isReadOnlyCall(record) || CHANGES_NOTHING.has(apiNameOf(record)) || isOwnCredentialUpkeep(record)) return undefined;
    if (isServiceActivity(record) || !isPerson(record) || isSanctioned(record, baseline)) return undefined;
    const how = isConsoleSession(record) ? "from the console" : "with the CLI or an SDK";
    const name = baseline.accounts[account]?.name;
    return {
      summary: sentence(`${actorName(record)} called ${apiNameOf(record)} ${how} in ${record.awsRegion} of production account ${name ? `${name} (${account})` : account}.`),
      resources: [...resourcesNamedBy(record), accountWhereItHappened(record)],
    };
  },
  runbook:
    "A person changed a production account (an account the baseline gives the environment production) outside the sanctioned paths: not through an " +
    "infrastructure-as-code principal, not through the control-plane proxy, not as break-glass or security automation. Console sessions are the classic " +
    "ClickOps; a CLI or SDK change by an IAM user is often a script that should run as an IaC role. Ask the person (session name or user) what they changed " +
    "and why: an incident fix must be written back into code (the next plan shows the drift) or reverted through the pipeline; an unclaimed change means " +
    "the credentials are someone else's, so revoke the sessions and keys and review what else the principal did. Only people are judged (IAM users, root, " +
    "Identity Center and console sessions, role sessions started with MFA); workloads and pipelines are not, and a pipeline belongs in principals.iac. " +
    "Reads, credential calls (AssumeRole*, GetSessionToken), ChangePassword and an IAM user rotating its own keys or setting up its own MFA are not changes " +
    "to what production runs. A refused call (errorCode) is not a finding: nothing changed. " +
    "Under the default baseline nothing is judged, because no account is known to be production: list accounts with environment: production.",
  examples: {
    match: [
      {
        description: "An engineer's Identity Center session opens port 5432 on a production security group from the console",
        record: openPostgres("87ddc32b-e604-472b-82f8-9bc625930ebe", "2024-09-03T09:41:18Z", assumedRole(PLATFORM_ADMIN, "j.doe@example.com"), { console: true }),
        baseline: BASELINE,
      },
      {
        description: "The on-call IAM user changes a production Lambda function's configuration with the CLI",
        record: raiseTimeout("22cf6d80-c39b-4b23-99ae-c1fb3403fbba", "2024-09-03T09:52:40Z"),
        baseline: BASELINE,
      },
      {
        description: "A phished IAM user's console session creates an access key for another user",
        record: createKey("7ebe0481-9b48-495b-8b4f-78561468786e", "2024-09-03T09:55:21Z", "l.moreau", "svc-reporting", "AKIAQXMPL9D3F7H1K5MZ", { console: true }),
        baseline: BASELINE,
      },
    ],
    noMatch: [
      {
        description: "The same console change under the default baseline: no account is known to be production, so nothing is judged",
        record: openPostgres("a921173f-a406-4a73-b09b-d88b9ce70d3f", "2024-09-03T09:58:05Z", assumedRole(PLATFORM_ADMIN, "j.doe@example.com"), { console: true }),
      },
      {
        description: "The on-call user's CLI change under the default baseline: not judged either",
        record: raiseTimeout("66038289-3a36-4a66-9761-62bdecbeae05", "2024-09-03T09:59:47Z"),
      },
      {
        description: "Terraform running as an IAM user that the baseline lists as IaC opens the same port",
        record: openPostgres("7854eeb9-c73b-4df7-93d7-3a5b4d5d5fd7", "2024-09-03T10:02:11Z", iamUser(`arn:aws:iam::${PROD}:user/terraform-ci`), { userAgent: USER_AGENTS.terraform }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, principals: { ...BASELINE.principals, iac: [] } },
      },
      {
        description: "CloudFormation makes the change on the engineer's behalf (invokedBy)",
        record: openPostgres("e40d067b-e9fa-451a-9d5e-44900b2b9154", "2024-09-03T10:04:37Z", viaCloudFormation(assumedRole(PLATFORM_ADMIN, "j.doe@example.com"))),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "The same console change in the staging account",
        record: openPostgres("9bd07949-9a72-4ae9-9c0d-337b3a125be1", "2024-09-03T10:06:52Z", assumedRole(PLATFORM_ADMIN.replace(PROD, "222233334444"), "j.doe@example.com"), { console: true, account: "222233334444" }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, accounts: { ...BASELINE.accounts, "222233334444": { name: "payments-staging", environment: "production" } } },
      },
      {
        description: "An account the baseline does not list: its environment is unknown",
        record: openPostgres("f5cc47a4-4389-4f5f-adad-da7a98ad24af", "2024-09-03T10:07:40Z", assumedRole(PLATFORM_ADMIN.replace(PROD, "333344445555"), "j.doe@example.com"), { console: true, account: "333344445555" }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, accounts: { ...BASELINE.accounts, "333344445555": { name: "payments-dr", environment: "production" } } },
      },
      {
        description: "A read from the console in production (DescribeSecurityGroups)",
        record: {
          ...apiCall({
            eventID: "2cdbe450-0b3d-4727-bbe6-7d089936de34",
            eventTime: "2024-09-03T10:08:03Z",
            eventSource: "ec2.amazonaws.com",
            eventName: "DescribeSecurityGroups",
            identity: assumedRole(PLATFORM_ADMIN, "j.doe@example.com"),
            region: REGION,
            userAgent: USER_AGENTS.console,
            readOnly: true,
            requestParameters: { securityGroupSet: {}, securityGroupIdSet: { items: [{ groupId: SG }] }, filterSet: {} },
          }),
          sessionCredentialFromConsole: "true",
        },
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "A read-only session's attempt that EC2 refused: nothing changed",
        record: apiCall({
          eventID: "e4ca1999-8df5-493a-8701-3946b0c37b9c",
          eventTime: "2024-09-03T10:09:26Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "AuthorizeSecurityGroupIngress",
          identity: assumedRole(`arn:aws:iam::${PROD}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_ReadOnly_7c6d5e4f3a2b1c0d`, "k.lee@example.com"),
          region: REGION,
          requestParameters: { groupId: SG, ipPermissions: { items: [{ ipProtocol: "tcp", fromPort: 22, toPort: 22, groups: {}, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] }, ipv6Ranges: {}, prefixListIds: {} }] } },
          error: { code: "Client.UnauthorizedOperation", message: "You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ReadOnly_7c6d5e4f3a2b1c0d/k.lee@example.com is not authorized to perform: ec2:AuthorizeSecurityGroupIngress" },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "A break-glass session changes production during an incident: the baseline's break-glass roles are exempt",
        record: openPostgres("2907b32f-2cb5-40de-96d9-d583acd72581", "2024-09-03T10:11:45Z", assumedRole(`arn:aws:iam::${PROD}:role/break-glass/incident-admin`, "incident-2291", { mfa: true }), { console: true }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, principals: { ...BASELINE.principals, breakGlass: [] } },
      },
      {
        description: "The control-plane proxy applies an approved RDS change",
        record: apiCall({
          eventID: "b7a862b2-5019-499e-8894-44c3eb5a6965",
          eventTime: "2024-09-03T10:13:02Z",
          eventSource: "rds.amazonaws.com",
          eventName: "ModifyDBInstance",
          identity: assumedRole(`arn:aws:iam::${PROD}:role/platform/control-plane-proxy`, "change-CHG0042137", { mfa: true }),
          region: REGION,
          userAgent: USER_AGENTS.boto3,
          requestParameters: { dBInstanceIdentifier: "payments-ledger-prod", backupRetentionPeriod: 14, applyImmediately: false },
        }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, proxy: { ...BASELINE.proxy, principals: [] } },
      },
      {
        description: "The on-call IAM user rotates its own access key with the CLI",
        record: createKey("80bdaa6e-f2df-4c27-b0d4-914333547940", "2024-09-03T10:13:55Z", "oncall-payments", "oncall-payments", "AKIAQXMPL2C8N4R6T1VB"),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "An engineer assumes a role in production: a record without readOnly, whose name does not read like a read",
        record: (() => {
          const { readOnly: _readOnly, ...record } = apiCall({
            eventID: "e32ee28c-66f2-48a3-b08b-9ea38341a8ff",
            eventTime: "2024-09-03T10:14:30Z",
            eventSource: "sts.amazonaws.com",
            eventName: "AssumeRole",
            identity: iamUser(`arn:aws:iam::${PROD}:user/oncall-payments`),
            requestParameters: { roleArn: `arn:aws:iam::${PROD}:role/ops/oncall-elevated`, roleSessionName: "oncall-payments", durationSeconds: 3600 },
            resources: [{ accountId: PROD, type: "AWS::IAM::Role", ARN: `arn:aws:iam::${PROD}:role/ops/oncall-elevated` }],
          });
          return record;
        })(),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "The SSM agent on an instance reports in with the instance's role: a workload, not a person",
        record: apiCall({
          eventID: "a3f1d03a-915f-4ea8-8113-648091fbe1f6",
          eventTime: "2024-09-03T10:15:12Z",
          eventSource: "ssm.amazonaws.com",
          eventName: "UpdateInstanceInformation",
          identity: (() => {
            const identity = assumedRole(`arn:aws:iam::${PROD}:role/app/settlement-batch`, "i-0d3f9a8b7c6e5d4c3");
            const context = identity.sessionContext as Record<string, unknown>;
            return { ...identity, sessionContext: { ...context, ec2RoleDelivery: "2.0" } };
          })(),
          region: REGION,
          sourceIPAddress: "10.20.14.87",
          userAgent: "aws-sdk-go/1.55.5 (go1.22.6; linux; amd64) amazon-ssm-agent/3.3.859.0",
          requestParameters: { instanceId: "i-0d3f9a8b7c6e5d4c3", agentVersion: "3.3.859.0", agentStatus: "Active", platformType: "Linux", platformName: "Amazon Linux", platformVersion: "2023" },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
    ],
  },
});
