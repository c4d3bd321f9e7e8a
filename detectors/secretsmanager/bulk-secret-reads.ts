import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { strings } from "../../core/policy.js";
import { accountResource, actorName, API_CALL, field, isIacPrincipal, param, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS, viaCloudFormation } from "../examples.js";

/**
 * Ten secret reads by one principal in a 5-minute window. A workload reads
 * the few secrets it needs, once at start-up or when its cache expires; ten
 * different reads in minutes is someone collecting secrets (Stratus Red Team
 * reads 20). BatchGetSecretValue also writes one GetSecretValue entry per
 * secret it returns, so the count follows the number of secrets read.
 */
const COUNT = 10;
const WINDOW_SECONDS = 300;

function secretResource(record: CloudTrailRecord, secretId: string): FindingResource {
  const located = { account: record.recipientAccountId, region: record.awsRegion };
  if (secretId.startsWith("arn:")) {
    const name = secretId.slice(secretId.indexOf(":secret:") + ":secret:".length);
    const [, , , region, account] = secretId.split(":");
    return { type: "AWS::SecretsManager::Secret", id: name, arn: secretId, account: account || located.account, region: region || located.region };
  }
  return { type: "AWS::SecretsManager::Secret", id: secretId, ...located };
}

/** The secrets a read names: GetSecretValue's secretId, or BatchGetSecretValue's list (a filtered batch names none). */
function secretsRead(record: CloudTrailRecord): string[] {
  const one = param(record, "secretId");
  if (one) return [one];
  return record.requestParameters ? strings(field(record.requestParameters, "secretIdList")) : [];
}

const STRATUS_USER = "arn:aws:iam::111122223333:user/stratus-red-team";

export default defineDetector({
  id: "secretsmanager.bulk-secret-reads",
  title: "Many Secrets Manager secret values read by one principal",
  severity: "high",
  mitre: ["T1555.006"],
  stratus: ["aws.credential-access.secretsmanager-retrieve-secrets", "aws.credential-access.secretsmanager-batch-retrieve-secrets"],
  pattern: {
    source: ["aws.secretsmanager"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["secretsmanager.amazonaws.com"],
      eventName: ["GetSecretValue", "BatchGetSecretValue"],
      errorCode: [{ exists: false }],
    },
  },
  readOnlyEvents: true,
  threshold: { count: COUNT, windowSeconds: WINDOW_SECONDS, groupBy: "principal" },
  evaluate(record, { baseline }) {
    // Services resolving secrets for a caller (CloudFormation dynamic references) are not the caller reading them;
    // Secrets Manager's own per-secret entries for a batch are counted.
    const via = record.userIdentity.invokedBy;
    if ((via && via !== "secretsmanager.amazonaws.com") || isIacPrincipal(record, baseline)) return undefined;
    const secrets = secretsRead(record);
    const resources = secrets.length > 0 ? secrets.map((s) => secretResource(record, s)) : [accountResource(record)];
    const what =
      secrets.length === 1
        ? `the value of secret ${resources[0]!.id}`
        : secrets.length > 1
          ? `the values of ${secrets.length} secrets in one batch`
          : "a batch of secret values chosen by filter";
    return {
      summary: sentence(`${actorName(record)} read ${what}, reaching ${COUNT} secret reads in one ${WINDOW_SECONDS / 60}-minute window.`),
      resources,
    };
  },
  remediation: "iam.quarantine-principal",
  runbook:
    "One principal read the values of many secrets within minutes: GetSecretValue one by one, or BatchGetSecretValue (up to 20 at a time, often with a " +
    "catch-all filter), which also logs one GetSecretValue per secret returned. The values are now outside Secrets Manager. Ask the owner of the principal " +
    "whether a migration or a new service explains it; if not, quarantine the principal, list every secret it read in the window (the GetSecretValue " +
    "events' secretId) and rotate them, starting with database and third-party credentials, then look for their use from unknown places. Refused reads " +
    "(errorCode AccessDeniedException) are not counted here: nothing was disclosed, and the access-denied detector counts them. IaC principals and " +
    "services resolving secrets for a caller (invokedBy, such as CloudFormation dynamic references) are not judged.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's secretsmanager-retrieve-secrets: an IAM user reads one of the secrets it enumerated",
        record: apiCall({
          eventID: "9b6bff21-22d8-4785-a5d3-755095420704",
          eventTime: "2024-10-17T21:48:45Z",
          eventSource: "secretsmanager.amazonaws.com",
          eventName: "GetSecretValue",
          identity: iamUser(STRATUS_USER),
          region: "us-west-2",
          requestParameters: { secretId: "arn:aws:secretsmanager:us-west-2:111122223333:secret:stratus-red-team-retrieve-secret-3-gscOm8" },
          userAgent: USER_AGENTS.stratus,
          sourceIPAddress: "203.0.113.201",
          readOnly: true,
        }),
      },
      {
        description: "Stratus Red Team's secretsmanager-batch-retrieve-secrets: BatchGetSecretValue with a tag filter",
        record: apiCall({
          eventID: "cb81edba-317e-43ec-9c6f-f3a63a3d12c6",
          eventTime: "2024-10-17T21:52:03Z",
          eventSource: "secretsmanager.amazonaws.com",
          eventName: "BatchGetSecretValue",
          identity: iamUser(STRATUS_USER),
          region: "us-west-2",
          requestParameters: { filters: [{ key: "tag-key", values: ["StratusRedTeam"] }] },
          userAgent: USER_AGENTS.stratus,
          sourceIPAddress: "203.0.113.201",
          readOnly: true,
        }),
      },
      {
        description: "An engineer's session reads a production database secret by name",
        record: apiCall({
          eventID: "20285e44-1ade-480b-a54e-538d37a9dc8a",
          eventTime: "2024-10-18T03:27:55Z",
          eventSource: "secretsmanager.amazonaws.com",
          eventName: "GetSecretValue",
          identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Developer_7a1b3c5d9e0f2468", "j.doe@example.com"),
          region: "eu-west-1",
          requestParameters: { secretId: "prod/orders/postgres" },
          readOnly: true,
        }),
      },
    ],
    noMatch: [
      {
        description: "CloudFormation resolving a secret's dynamic reference during a stack update",
        record: apiCall({
          eventID: "0e31d120-0f17-4bd7-a2e6-e1b68fd96ed2",
          eventTime: "2024-10-18T09:14:20Z",
          eventSource: "secretsmanager.amazonaws.com",
          eventName: "GetSecretValue",
          identity: viaCloudFormation(assumedRole("arn:aws:iam::111122223333:role/platform/cfn-exec", "AWSCloudFormation")),
          region: "eu-west-1",
          requestParameters: { secretId: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/orders/postgres-Xk2p9Q" },
          readOnly: true,
        }),
      },
      {
        description: "The deployment pipeline reading secrets to template a release",
        baseline: { principals: { iac: ["arn:aws:iam::111122223333:role/ci/*"] } },
        record: apiCall({
          eventID: "166448c2-97c7-4f9b-864b-4a74b8f50497",
          eventTime: "2024-10-18T09:16:41Z",
          eventSource: "secretsmanager.amazonaws.com",
          eventName: "GetSecretValue",
          identity: assumedRole("arn:aws:iam::111122223333:role/ci/release-deployer", "gitlab-ci-91822"),
          region: "eu-west-1",
          requestParameters: { secretId: "prod/payments/stripe-api-key" },
          userAgent: USER_AGENTS.terraform,
          readOnly: true,
        }),
      },
      {
        description: "A read that Secrets Manager refused: nothing was disclosed",
        record: apiCall({
          eventID: "262854e2-039a-4c87-81bf-14e8eca2cb65",
          eventTime: "2024-10-18T09:20:07Z",
          eventSource: "secretsmanager.amazonaws.com",
          eventName: "GetSecretValue",
          identity: iamUser("arn:aws:iam::111122223333:user/svc-reporting"),
          region: "eu-west-1",
          requestParameters: { secretId: "prod/payments/stripe-api-key" },
          readOnly: true,
          error: {
            code: "AccessDeniedException",
            message:
              "User: arn:aws:iam::111122223333:user/svc-reporting is not authorized to perform: secretsmanager:GetSecretValue on resource: prod/payments/stripe-api-key because no identity-based policy allows the secretsmanager:GetSecretValue action",
          },
        }),
      },
    ],
  },
});
