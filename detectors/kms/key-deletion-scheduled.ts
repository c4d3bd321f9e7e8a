import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, field, isIacPrincipal, partitionOf, sentence, stringField } from "../common.js";
import { apiCall, assumedRole, iamDate, iamUser, PROD, USER_AGENTS } from "../examples.js";

const REGION = "eu-west-1";
const PLATFORM_ADMIN = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a";
const TERRAFORM = "arn:aws:iam::111122223333:role/ci/terraform-apply";

/**
 * The key, by the ARN CloudTrail lists in `resources` or returns in
 * `responseElements.keyId`; the request may name it by id, ARN or alias.
 */
function keyResource(record: CloudTrailRecord): FindingResource {
  const requested = stringField(record.requestParameters, "keyId");
  const listed = record.resources?.find((r) => typeof r.ARN === "string" && r.ARN.includes(":key/"))?.ARN;
  const returned = stringField(record.responseElements, "keyId");
  const arn =
    listed ??
    (returned?.startsWith("arn:") ? returned : undefined) ??
    (requested?.startsWith("arn:") ? requested : undefined) ??
    (requested && !requested.startsWith("alias/")
      ? `arn:${partitionOf(record.awsRegion)}:kms:${record.awsRegion}:${record.recipientAccountId}:key/${requested}`
      : undefined);
  const id = arn?.includes(":key/") ? arn.slice(arn.indexOf(":key/") + ":key/".length) : (requested ?? "(unnamed key)");
  const [, , , region, account] = (arn ?? "").split(":");
  return { type: "AWS::KMS::Key", id, ...(arn ? { arn } : {}), account: account || record.recipientAccountId, region: region || record.awsRegion };
}

function keyArn(keyId: string): string {
  return `arn:aws:kms:${REGION}:${PROD}:key/${keyId}`;
}

function scheduleKeyDeletion(
  eventID: string,
  eventTime: string,
  keyId: string,
  days: number,
  options: { identity?: Record<string, unknown>; userAgent?: string; requestKeyId?: string; error?: { code: string; message: string } } = {},
) {
  const deletion = new Date(Date.parse(eventTime) + days * 86_400_000).toISOString();
  return apiCall({
    eventID,
    eventTime,
    eventSource: "kms.amazonaws.com",
    eventName: "ScheduleKeyDeletion",
    identity: options.identity ?? assumedRole(PLATFORM_ADMIN, "m.lopez@example.com"),
    region: REGION,
    requestParameters: { keyId: options.requestKeyId ?? keyId, pendingWindowInDays: days },
    responseElements: {
      keyId: keyArn(keyId),
      keyState: "PendingDeletion",
      deletionDate: iamDate(deletion),
      pendingWindowInDays: days,
    },
    resources: [{ accountId: PROD, type: "AWS::KMS::Key", ARN: keyArn(keyId) }],
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "kms.key-deletion-scheduled",
  title: "KMS key scheduled for deletion outside infrastructure as code",
  severity: "high",
  mitre: ["T1485"],
  pattern: {
    source: ["aws.kms"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["kms.amazonaws.com"],
      eventName: ["ScheduleKeyDeletion"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    const resource = keyResource(record);
    const days = record.requestParameters ? field(record.requestParameters, "pendingWindowInDays") : undefined;
    const window = typeof days === "number" || (typeof days === "string" && /^\d+$/.test(days)) ? ` in ${String(days)} days` : "";
    return {
      summary: sentence(`${actorName(record)} scheduled KMS key ${resource.id} in ${resource.region} for deletion${window}.`),
      resources: [resource],
    };
  },
  remediation: "kms.cancel-key-deletion",
  runbook:
    "Once the waiting period ends the key material is gone for good, and with it every EBS volume, snapshot, RDS database, S3 object and secret encrypted " +
    "under the key: an attacker who cannot read the data can still destroy it this way. Until then the key is unusable (PendingDeletion), so dependent services " +
    "already fail. Cancel the deletion first (the proposed remediation calls CancelKeyDeletion, after which the key is Disabled and must be re-enabled with " +
    "EnableKey), then ask the caller's owner whether the deletion was planned: planned retirements go through infrastructure as code, whose principals the " +
    "baseline lists and this detector ignores. Check DescribeKey, the key's recent Decrypt activity and what else the same principal did (DisableKey, " +
    "PutKeyPolicy, grants). A refused ScheduleKeyDeletion (errorCode such as AccessDeniedException) is not a finding here: the key is untouched.",
  examples: {
    match: [
      {
        description: "An administrator schedules the production database key for deletion with the shortest window",
        record: scheduleKeyDeletion("1cc2ea09-b0f7-4dc5-9788-ed2c9fd2cd97", "2024-12-03T02:17:44Z", "7f1c2a3b-4d5e-46f7-8a9b-0c1d2e3f4a5b", 7),
      },
      {
        description: "An IAM user schedules deletion of a key named by its alias ARN",
        record: scheduleKeyDeletion("3cda9138-09cf-475d-ba5b-14292cd061c1", "2024-12-03T02:21:09Z", "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b", 30, {
          identity: iamUser("arn:aws:iam::111122223333:user/ops-breakglass"),
          requestKeyId: "arn:aws:kms:eu-west-1:111122223333:alias/payments-data",
        }),
      },
    ],
    noMatch: [
      {
        description: "Terraform retires a key it manages (terraform destroy)",
        record: scheduleKeyDeletion("97d0d569-c9e6-430a-9544-232ac9e14aa7", "2024-12-02T14:05:30Z", "3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d", 30, {
          identity: assumedRole(TERRAFORM, "terraform-run-8120"),
          userAgent: USER_AGENTS.terraform,
        }),
        baseline: { principals: { iac: [TERRAFORM] } },
      },
      {
        description: "A deletion that KMS refused: the key is untouched",
        record: scheduleKeyDeletion("afcbf4c8-327c-462f-ba40-d1293d929825", "2024-12-03T02:15:02Z", "7f1c2a3b-4d5e-46f7-8a9b-0c1d2e3f4a5b", 7, {
          identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          error: {
            code: "AccessDeniedException",
            message:
              "User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: kms:ScheduleKeyDeletion on resource: arn:aws:kms:eu-west-1:111122223333:key/7f1c2a3b-4d5e-46f7-8a9b-0c1d2e3f4a5b because no identity-based policy allows the kms:ScheduleKeyDeletion action",
          },
        }),
      },
      {
        description: "CancelKeyDeletion, the rescue itself",
        record: apiCall({
          eventID: "14dc9491-4cfb-4536-823d-4ece32631642",
          eventTime: "2024-12-03T02:40:11Z",
          eventSource: "kms.amazonaws.com",
          eventName: "CancelKeyDeletion",
          identity: assumedRole("arn:aws:iam::111122223333:role/security/trailwarden-remediator", "trailwarden-remediation"),
          region: REGION,
          requestParameters: { keyId: keyArn("7f1c2a3b-4d5e-46f7-8a9b-0c1d2e3f4a5b") },
          responseElements: { keyId: keyArn("7f1c2a3b-4d5e-46f7-8a9b-0c1d2e3f4a5b") },
          resources: [{ accountId: PROD, type: "AWS::KMS::Key", ARN: keyArn("7f1c2a3b-4d5e-46f7-8a9b-0c1d2e3f4a5b") }],
        }),
      },
    ],
  },
});
