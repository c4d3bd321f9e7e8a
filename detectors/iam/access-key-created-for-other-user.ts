import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, iamResource, isIacPrincipal, isObject, param, sentence } from "../common.js";
import { apiCall, assumedRole, iamDate, iamUser, USER_AGENTS } from "../examples.js";

function createAccessKey(
  eventID: string,
  eventTime: string,
  identity: Record<string, unknown>,
  userName: string | undefined,
  options: { accessKeyId?: string; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  const owner = userName ?? (typeof identity.userName === "string" ? identity.userName : "unknown");
  return apiCall({
    eventID,
    eventTime,
    eventSource: "iam.amazonaws.com",
    eventName: "CreateAccessKey",
    identity,
    requestParameters: userName ? { userName } : null,
    responseElements: {
      accessKey: { accessKeyId: options.accessKeyId ?? "AKIARZ5BM7QWENX4YH2C", status: "Active", userName: owner, createDate: iamDate(eventTime) },
    },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

const OPERATOR = "arn:aws:iam::111122223333:user/christophe";
const TERRAFORM = "arn:aws:iam::111122223333:role/iac/terraform-apply";

export default defineDetector({
  id: "iam.access-key-created-for-other-user",
  title: "Access key created for another IAM user",
  severity: "high",
  mitre: ["T1098.001"],
  stratus: ["aws.persistence.iam-backdoor-user", "aws.persistence.iam-create-admin-user"],
  pattern: {
    source: ["aws.iam"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["iam.amazonaws.com"],
      eventName: ["CreateAccessKey"],
      errorCode: [{ exists: false }],
      requestParameters: { userName: [{ exists: true }] },
    },
  },
  evaluate(record, { baseline }) {
    const target = param(record, "userName");
    if (!target || isIacPrincipal(record, baseline)) return undefined;
    const identity = record.userIdentity;
    // IAM user names are unique regardless of case, so "Alice" rotating "alice" is herself.
    if (identity.type === "IAMUser" && identity.userName?.toLowerCase() === target.toLowerCase()) return undefined;
    const accessKey = isObject(record.responseElements?.accessKey) ? record.responseElements.accessKey : undefined;
    const keyId = typeof accessKey?.accessKeyId === "string" ? accessKey.accessKeyId : undefined;
    const resources: FindingResource[] = [iamResource(record, "user", target)];
    if (keyId) resources.push({ type: "AWS::IAM::AccessKey", id: keyId, account: record.recipientAccountId });
    return {
      summary: sentence(`${actorName(record)} created access key ${keyId ?? "(id not recorded)"} for IAM user ${target}.`),
      resources,
    };
  },
  remediation: "iam.deactivate-access-key",
  runbook:
    "Someone other than the user made a long-term access key for it: a quiet way to keep access that survives a password reset or the loss of the caller's own " +
    "credentials. Keys made by the baseline's infrastructure-as-code principals and a user's own key rotation are not reported. Ask the caller and the user's owner " +
    "whether the key was requested (service users sometimes get keys from an administrator; that should go through code or a ticket). If not, deactivate the key " +
    "(the proposed remediation does; deleting it loses the evidence), check the key's last use, and review what the caller and the target user did around this time, " +
    "including CreateUser, AttachUserPolicy or CreateLoginProfile on the same user. A refused CreateAccessKey (errorCode) is not a finding here: no key exists; the " +
    "access-denied detectors count refusals.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's iam-backdoor-user: an operator creates a key on an existing user",
        record: createAccessKey("df7035f0-0282-403c-83a6-6d3ac6586a98", "2024-08-01T14:11:37Z", iamUser(OPERATOR), "stratus-red-team-backdoor-user-xk42", {
          accessKeyId: "AKIARZ5BM7QWHT3LPC6D",
          userAgent: USER_AGENTS.stratus,
        }),
      },
      {
        description: "Stratus Red Team's iam-create-admin-user: a key for the user the operator just created",
        record: createAccessKey("009053f2-3ca3-4036-b28e-5f2b7ab1b6f0", "2024-08-01T13:33:28Z", iamUser(OPERATOR), "malicious-iam-user", {
          accessKeyId: "AKIARZ5BM7QWXAFZN8JE",
          userAgent: USER_AGENTS.stratus,
        }),
      },
      {
        description: "An SSO administrator session creates a key for a legacy service user",
        record: createAccessKey(
          "c9fecace-5eca-4781-b8e8-5b7110d90e40",
          "2024-06-21T17:58:19Z",
          assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a", "j.doe@example.com"),
          "svc-legacy-sftp",
          { accessKeyId: "AKIARZ5BM7QWM2V7KD9R", userAgent: USER_AGENTS.console },
        ),
      },
    ],
    noMatch: [
      {
        description: "A user rotating her own key with --user-name set to herself",
        record: createAccessKey("43f34377-2447-43e5-8f52-68dd45245e61", "2024-06-22T08:01:55Z", iamUser("arn:aws:iam::111122223333:user/engineering/Alice"), "alice", {
          accessKeyId: "AKIARZ5BM7QWQ5N3JB8S",
        }),
      },
      {
        description: "A user creating her own key without naming a user",
        record: createAccessKey("e4c0f5a3-666b-41f2-beca-9c005d34ac3e", "2024-06-22T08:03:10Z", iamUser("arn:aws:iam::111122223333:user/engineering/alice"), undefined, {
          accessKeyId: "AKIARZ5BM7QWC4T8UV1P",
        }),
      },
      {
        description: "The Terraform deploy role creating the key of a service user it manages",
        record: createAccessKey(
          "81a1fd21-0a8a-42bc-b470-db71e1ae11c7",
          "2024-06-22T08:10:44Z",
          assumedRole(TERRAFORM, "terraform-run-8845"),
          "svc-datadog-integration",
          { accessKeyId: "AKIARZ5BM7QWG7Y2HN4K", userAgent: USER_AGENTS.terraform },
        ),
        baseline: { principals: { iac: [TERRAFORM] } },
      },
      {
        description: "A CreateAccessKey for another user that IAM refused",
        record: createAccessKey(
          "4bd59081-a555-4727-87c9-2beace2448e7",
          "2024-06-22T08:12:03Z",
          assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          "svc-legacy-sftp",
          {
            error: {
              code: "AccessDenied",
              message:
                "User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: iam:CreateAccessKey on resource: user svc-legacy-sftp because no identity-based policy allows the iam:CreateAccessKey action",
            },
          },
        ),
      },
    ],
  },
});
