import { matchesAny, type BaselineInput } from "../../core/baseline.js";
import { principalArn } from "../../core/cloudtrail.js";
import { defineDetector } from "../../core/detector.js";
import { DETAIL_TYPES } from "../../core/envelope.js";
import { apiNameOf } from "../../core/sensitive-apis.js";
import {
  accountWhereItHappened,
  actorName,
  API_CALL,
  isConsoleSession,
  isIacPrincipal,
  isProtectedPrincipal,
  isReadOnlyCall,
  isServiceActivity,
  resourcesNamedBy,
  sentence,
} from "../common.js";
import { apiCall, assumedRole, iamUser, PROD, USER_AGENTS } from "../examples.js";

const BASELINE = {
  accounts: { [PROD]: { name: "payments-prod", environment: "production" } },
  principals: {
    iac: ["arn:aws:iam::*:role/deploy/terraform-apply"],
    breakGlass: ["arn:aws:iam::*:role/break-glass/*"],
    securityAutomation: ["arn:aws:iam::*:role/security/trailwarden-remediator"],
  },
  proxy: {
    principals: ["arn:aws:iam::*:role/platform/control-plane-proxy"],
    services: ["rds.amazonaws.com", "elasticache.amazonaws.com"],
  },
} satisfies BaselineInput;
const REGION = "eu-west-1";
const DBA = `arn:aws:iam::${PROD}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DatabaseAdmin_5e4d3c2b1a0f9e8d`;
const LEDGER_DB = `arn:aws:rds:${REGION}:${PROD}:db:payments-ledger-prod`;

/** Backups switched off on the ledger database, applied at once. */
function disableBackups(eventID: string, eventTime: string, identity: Record<string, unknown>, options: { userAgent?: string; error?: { code: string; message: string } } = {}) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "rds.amazonaws.com",
    eventName: "ModifyDBInstance",
    identity,
    region: REGION,
    userAgent: options.userAgent ?? USER_AGENTS.cli,
    requestParameters: { dBInstanceIdentifier: "payments-ledger-prod", backupRetentionPeriod: 0, applyImmediately: true },
    responseElements: {
      dBInstanceIdentifier: "payments-ledger-prod",
      dBInstanceClass: "db.r6g.xlarge",
      engine: "postgres",
      dBInstanceStatus: "available",
      backupRetentionPeriod: 7,
      pendingModifiedValues: { backupRetentionPeriod: 0 },
      dBInstanceArn: LEDGER_DB,
    },
    ...(options.error ? { error: options.error } : {}),
  });
}

/** A manual failover of the session cache's replication group. */
function failoverCache(eventID: string, eventTime: string) {
  return {
    ...apiCall({
      eventID,
      eventTime,
      eventSource: "elasticache.amazonaws.com",
      eventName: "TestFailover",
      identity: iamUser(`arn:aws:iam::${PROD}:user/oncall-payments`, { console: true }),
      region: REGION,
      userAgent: USER_AGENTS.console,
      requestParameters: { replicationGroupId: "checkout-sessions", nodeGroupId: "0001" },
      responseElements: { replicationGroupId: "checkout-sessions", status: "available", aRN: `arn:aws:elasticache:${REGION}:${PROD}:replicationgroup:checkout-sessions` },
    }),
    sessionCredentialFromConsole: "true",
  };
}

export default defineDetector({
  id: "changes.proxy-bypassed",
  title: "Control plane of a proxied service changed directly, not through the control-plane proxy",
  severity: "medium",
  mitre: ["T1078.004"],
  pattern: {
    source: [{ prefix: "aws." }],
    "detail-type": [API_CALL, DETAIL_TYPES.AwsConsoleAction],
    detail: { errorCode: [{ exists: false }], userIdentity: { invokedBy: [{ exists: false }] } },
  },
  evaluate(record, { baseline }) {
    if (!baseline.proxy.services.includes(record.eventSource)) return undefined;
    if (isReadOnlyCall(record) || isServiceActivity(record)) return undefined;
    if (matchesAny(baseline.proxy.principals, principalArn(record)) || isIacPrincipal(record, baseline) || isProtectedPrincipal(record, baseline)) return undefined;
    const how = isConsoleSession(record) ? " from the console" : "";
    return {
      summary: sentence(
        `${actorName(record)} called ${apiNameOf(record)} directly${how} in account ${record.recipientAccountId} (${record.awsRegion}), bypassing the control-plane proxy that ${record.eventSource} changes must go through.`,
      ),
      resources: [...resourcesNamedBy(record), accountWhereItHappened(record)],
    };
  },
  runbook:
    "The baseline says changes to this service's control plane go through the control-plane proxy (proxy.services), where they are approved and recorded; " +
    "this change did not. Find the change request the proxy would have needed: if there is none, ask the caller what they changed and why, check the resource " +
    "against its approved configuration and put it back through the proxy, and if nobody claims the call, treat the principal as compromised (revoke its sessions " +
    "and keys). Then find why the change was possible at all: the proxy is only a control if an SCP or permission boundary reserves these actions to it. " +
    "Only changes are judged: reads are harmless and need not go through the proxy, and watching them would need the rule state that receives every read. " +
    "IaC, break-glass and security-automation principals are exempt, and so is AWS acting for itself (service principals, invokedBy, service-linked roles). " +
    "A refused call (errorCode) is not a finding: the guard worked and nothing changed. Services not in proxy.services are not judged, so under the default " +
    "baseline (no services) nothing is; with services but no proxy principals, every change to them is a finding.",
  examples: {
    match: [
      {
        description: "A database administrator switches off the ledger database's backups straight from the CLI",
        record: disableBackups("7ad946c8-7fa1-4e21-b027-18a38fbb7c03", "2024-10-08T14:11:27Z", assumedRole(DBA, "m.garcia@example.com")),
        baseline: BASELINE,
      },
      {
        description: "The on-call IAM user fails over the session cache from the ElastiCache console",
        record: failoverCache("018fa292-3cbc-464f-b544-218be02a2cd9", "2024-10-08T14:15:02Z"),
        baseline: BASELINE,
      },
    ],
    noMatch: [
      {
        description: "The direct database change under the default baseline: no service must go through a proxy, so nothing is judged",
        record: disableBackups("affe9012-1edd-4285-859e-934954d2055f", "2024-10-08T14:17:45Z", assumedRole(DBA, "m.garcia@example.com")),
      },
      {
        description: "The console failover under the default baseline: not judged either",
        record: failoverCache("4eec860d-19b2-493e-a5a6-45a168b48e2a", "2024-10-08T14:18:30Z"),
      },
      {
        description: "The control-plane proxy makes the same change, as changes to RDS must be made",
        record: disableBackups("51ac2a64-2066-4e18-a1ce-3c393c98bbaa", "2024-10-08T14:20:03Z", assumedRole(`arn:aws:iam::${PROD}:role/platform/control-plane-proxy`, "change-CHG0043310"), { userAgent: USER_AGENTS.boto3 }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, proxy: { ...BASELINE.proxy, principals: [] } },
      },
      {
        description: "Terraform, an IaC principal, changes the database",
        record: disableBackups("c54c59ff-caa5-4664-a8f5-eefa5df5bc9d", "2024-10-08T14:21:40Z", assumedRole(`arn:aws:iam::${PROD}:role/deploy/terraform-apply`, "gha-9023311874"), { userAgent: USER_AGENTS.terraform }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, principals: { ...BASELINE.principals, iac: [] } },
      },
      {
        description: "A read of the same database straight from the CLI: reads need not go through the proxy",
        record: apiCall({
          eventID: "6ad68801-2c07-42e8-95e3-c75acfb6cd9d",
          eventTime: "2024-10-08T14:23:15Z",
          eventSource: "rds.amazonaws.com",
          eventName: "DescribeDBInstances",
          identity: assumedRole(DBA, "m.garcia@example.com"),
          region: REGION,
          readOnly: true,
          requestParameters: { dBInstanceIdentifier: "payments-ledger-prod" },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "The same change refused (an SCP reserves RDS changes to the proxy): nothing changed",
        record: disableBackups("1519bb9c-0503-4a57-b419-da038c3cfd71", "2024-10-08T14:24:51Z", assumedRole(DBA, "m.garcia@example.com"), {
          error: {
            code: "AccessDenied",
            message: `User: arn:aws:sts::${PROD}:assumed-role/AWSReservedSSO_DatabaseAdmin_5e4d3c2b1a0f9e8d/m.garcia@example.com is not authorized to perform: rds:ModifyDBInstance on resource: ${LEDGER_DB} with an explicit deny in a service control policy`,
          },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "A change to a service whose changes need not go through the proxy (SQS)",
        record: apiCall({
          eventID: "ef91e691-0ff3-43b2-bc03-e993882cf9b7",
          eventTime: "2024-10-08T14:26:09Z",
          eventSource: "sqs.amazonaws.com",
          eventName: "SetQueueAttributes",
          identity: assumedRole(DBA, "m.garcia@example.com"),
          region: REGION,
          requestParameters: { queueUrl: `https://sqs.${REGION}.amazonaws.com/${PROD}/settlement-events`, attributes: { VisibilityTimeout: "120" } },
        }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, proxy: { ...BASELINE.proxy, services: [...BASELINE.proxy.services, "sqs.amazonaws.com"] } },
      },
      {
        description: "Aurora Auto Scaling adds a reader through its service-linked role",
        record: apiCall({
          eventID: "1d610a02-c8b4-4be6-9541-9e5e3cee3b3f",
          eventTime: "2024-10-08T14:27:33Z",
          eventSource: "rds.amazonaws.com",
          eventName: "CreateDBInstance",
          identity: assumedRole(
            `arn:aws:iam::${PROD}:role/aws-service-role/rds.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_RDSCluster`,
            "AutoScaling-RDSCluster-payments-ledger",
          ),
          region: REGION,
          sourceIPAddress: "application-autoscaling.amazonaws.com",
          userAgent: "application-autoscaling.amazonaws.com",
          requestParameters: {
            dBInstanceIdentifier: "application-autoscaling-5c1e7f3a-2b9d-4e61-a8f0-7d3c2b1a9e84",
            dBInstanceClass: "db.r6g.large",
            engine: "aurora-postgresql",
            dBClusterIdentifier: "payments-ledger",
            promotionTier: 15,
          },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
    ],
  },
});
