import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, field, isIacPrincipal, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, PROD, USER_AGENTS } from "../examples.js";

const REGION = "eu-west-1";
const TERRAFORM = "arn:aws:iam::111122223333:role/ci/terraform-apply";

/**
 * The key, by the ARN CloudTrail lists in `resources`; the request may name
 * it by id or ARN (DisableKey takes no alias).
 */
function keyResource(record: CloudTrailRecord): FindingResource {
  const value = record.requestParameters ? field(record.requestParameters, "keyId") : undefined;
  const requested = typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  const listed = record.resources?.find((r) => typeof r.ARN === "string" && r.ARN.includes(":key/"))?.ARN;
  const arn =
    listed ??
    (requested?.startsWith("arn:") ? requested : undefined) ??
    (requested ? `arn:${partitionOf(record.awsRegion)}:kms:${record.awsRegion}:${record.recipientAccountId}:key/${requested}` : undefined);
  const id = arn?.includes(":key/") ? arn.slice(arn.indexOf(":key/") + ":key/".length) : (requested ?? "(unnamed key)");
  const [, , , region, account] = (arn ?? "").split(":");
  return { type: "AWS::KMS::Key", id, ...(arn ? { arn } : {}), account: account || record.recipientAccountId, region: region || record.awsRegion };
}

function keyArn(keyId: string): string {
  return `arn:aws:kms:${REGION}:${PROD}:key/${keyId}`;
}

function disableKey(
  eventID: string,
  eventTime: string,
  keyId: string,
  options: { eventName?: string; identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "kms.amazonaws.com",
    eventName: options.eventName ?? "DisableKey",
    identity: options.identity ?? iamUser("arn:aws:iam::111122223333:user/deploy-bot"),
    region: REGION,
    requestParameters: { keyId },
    responseElements: null,
    resources: [{ accountId: PROD, type: "AWS::KMS::Key", ARN: keyArn(keyId.includes(":key/") ? keyId.split(":key/")[1]! : keyId) }],
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "kms.key-disabled",
  title: "KMS key disabled outside infrastructure as code",
  severity: "high",
  mitre: ["T1485"],
  pattern: {
    source: ["aws.kms"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["kms.amazonaws.com"],
      eventName: ["DisableKey"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    const resource = keyResource(record);
    return {
      summary: sentence(`${actorName(record)} disabled KMS key ${resource.id} in ${resource.region}.`),
      resources: [resource],
    };
  },
  runbook:
    "A disabled key cannot encrypt or decrypt: every volume, database, bucket, queue and secret protected by it stops working until the key is enabled again, " +
    "and disabling is the usual first step before ScheduleKeyDeletion destroys the data for good. Check DescribeKey and the key's aliases to learn what depends " +
    "on it, ask the caller's owner whether the change was planned (planned changes go through infrastructure as code, whose principals the baseline lists and " +
    "this detector ignores), and if not, re-enable it with EnableKey and look for a ScheduleKeyDeletion, PutKeyPolicy or grant changes by the same principal. " +
    "A refused DisableKey (errorCode such as AccessDeniedException) is not a finding here: the key still works.",
  examples: {
    match: [
      {
        description: "A deployment user's long-term key disables the key that protects the orders database",
        record: disableKey("8362f928-1118-4ea8-8e7c-c51917254d70", "2024-12-09T03:02:51Z", "7f1c2a3b-4d5e-46f7-8a9b-0c1d2e3f4a5b"),
      },
      {
        description: "An SSO administrator disables a key named by its ARN",
        record: disableKey("971b61f6-8373-4bac-b1c3-4c34bd15ee9a", "2024-12-09T03:05:17Z", keyArn("0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b"), {
          identity: assumedRole(
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a",
            "m.lopez@example.com",
          ),
          userAgent: USER_AGENTS.console,
        }),
      },
    ],
    noMatch: [
      {
        description: "Terraform disables a key it manages (is_enabled = false)",
        record: disableKey("f342aa12-f5f9-4253-9942-f63642116108", "2024-12-08T11:40:09Z", "3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d", {
          identity: assumedRole(TERRAFORM, "terraform-run-8116"),
          userAgent: USER_AGENTS.terraform,
        }),
        baseline: { principals: { iac: [TERRAFORM] } },
      },
      {
        description: "A DisableKey that KMS refused: the key still works",
        record: disableKey("41dc90a5-55ae-4db1-8264-f39d718b9f8c", "2024-12-09T03:01:40Z", "7f1c2a3b-4d5e-46f7-8a9b-0c1d2e3f4a5b", {
          error: {
            code: "AccessDeniedException",
            message:
              "User: arn:aws:iam::111122223333:user/deploy-bot is not authorized to perform: kms:DisableKey on resource: arn:aws:kms:eu-west-1:111122223333:key/7f1c2a3b-4d5e-46f7-8a9b-0c1d2e3f4a5b because no identity-based policy allows the kms:DisableKey action",
          },
        }),
      },
      {
        description: "DisableKeyRotation, a different call on the same key",
        record: disableKey("44738ec6-a8c2-48f7-a593-1c3adc76e7f0", "2024-12-09T03:04:02Z", "7f1c2a3b-4d5e-46f7-8a9b-0c1d2e3f4a5b", { eventName: "DisableKeyRotation" }),
      },
    ],
  },
});
