import { defineDetector } from "../../core/detector.js";
import { actorName, API_CALL, iamResource, isIacPrincipal, isObject, param, sentence } from "../common.js";
import { apiCall, assumedRole, iamDate, iamUser, PROD, USER_AGENTS, viaCloudFormation } from "../examples.js";

function createUser(
  eventID: string,
  eventTime: string,
  identity: Record<string, unknown>,
  userName: string,
  options: { path?: string; tags?: { key: string; value: string }[]; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  const path = options.path ?? "/";
  return apiCall({
    eventID,
    eventTime,
    eventSource: "iam.amazonaws.com",
    eventName: "CreateUser",
    identity,
    requestParameters: { userName, ...(options.path ? { path } : {}), ...(options.tags ? { tags: options.tags } : {}) },
    responseElements: {
      user: {
        path,
        userName,
        userId: `AIDA${eventID.replace(/-/g, "").slice(0, 17).toUpperCase()}`,
        arn: `arn:aws:iam::${PROD}:user${path}${userName}`,
        createDate: iamDate(eventTime),
        ...(options.tags ? { tags: options.tags } : {}),
      },
    },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

const IAC_ROLES = "arn:aws:iam::*:role/iac/*";

export default defineDetector({
  id: "iam.user-created-outside-iac",
  title: "IAM user created outside infrastructure as code",
  severity: "medium",
  mitre: ["T1136.003"],
  stratus: ["aws.persistence.iam-create-admin-user"],
  pattern: {
    source: ["aws.iam"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["iam.amazonaws.com"],
      eventName: ["CreateUser"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    if (record.userIdentity.invokedBy === "cloudformation.amazonaws.com") return undefined;
    const userName = param(record, "userName");
    if (!userName) return undefined;
    const user = isObject(record.responseElements?.user) ? record.responseElements.user : undefined;
    const arn = typeof user?.arn === "string" ? user.arn : undefined;
    return {
      summary: sentence(`${actorName(record)} created IAM user ${userName} outside infrastructure as code.`),
      resources: [iamResource(record, "user", userName, arn)],
    };
  },
  runbook:
    "IAM users are long-lived identities; in this organisation they come from infrastructure code (the baseline's IaC principals, or a CloudFormation stack), " +
    "so a user made by hand or by a script is either an undocumented shortcut or an attacker's foothold. Ask the caller's owner why the user exists. Look for what " +
    "followed on the same user: CreateAccessKey, CreateLoginProfile, AttachUserPolicy or AddUserToGroup (admin grants and keys have their own findings). If it is " +
    "not approved, deactivate its keys, delete its login profile, detach its policies, and then delete it once the investigation no longer needs it. " +
    "No remediation is proposed yet. A refused CreateUser (errorCode) is not a finding here, though an AccessDenied on CreateUser is a known sign of a stolen " +
    "credential being tried: the access-denied detectors count those. Stacks are exempt because CloudFormation is how IaC creates users; a stack launched by a " +
    "non-IaC principal is a gap this detector does not close.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's iam-create-admin-user: an operator creates the user from a script",
        record: createUser("3406a8d8-8ed8-490b-ac3e-b9bcc4575c6d", "2024-08-01T13:33:27Z", iamUser("arn:aws:iam::111122223333:user/christophe"), "malicious-iam-user", {
          tags: [{ key: "StratusRedTeam", value: "true" }],
          userAgent: USER_AGENTS.stratus,
        }),
      },
      {
        description: "An SSO administrator creates a user in the console",
        record: createUser(
          "105fd9a8-7a19-4d38-afbf-e9c6b36ba8b8",
          "2024-06-24T13:05:48Z",
          assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a", "j.doe@example.com"),
          "vendor-support",
          { path: "/external/", userAgent: USER_AGENTS.console },
        ),
      },
    ],
    noMatch: [
      {
        description: "The Terraform role, matched by the baseline pattern for IaC roles in any account",
        record: createUser(
          "e315897e-6da9-4fa3-856c-333e934c5c66",
          "2024-06-24T13:10:02Z",
          assumedRole("arn:aws:iam::111122223333:role/iac/terraform-apply", "terraform-run-8850"),
          "svc-datadog-integration",
          { path: "/service/", userAgent: USER_AGENTS.terraform },
        ),
        baseline: { principals: { iac: [IAC_ROLES] } },
      },
      {
        description: "A CloudFormation stack creates the user on behalf of the deploy role",
        record: createUser(
          "01ceac1d-e8d0-4bd6-82f3-4aba24b2d990",
          "2024-06-24T13:12:37Z",
          viaCloudFormation(assumedRole("arn:aws:iam::111122223333:role/cdk-hnb659fds-cfn-exec-role-111122223333-us-east-1", "AWSCloudFormation")),
          "svc-partner-feed",
        ),
      },
      {
        description: "A CreateUser that IAM refused",
        record: createUser(
          "75cb05c7-8351-4efd-a261-decc80fd796b",
          "2024-06-24T13:15:20Z",
          assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          "backup-admin",
          {
            error: {
              code: "AccessDenied",
              message:
                "User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::111122223333:user/backup-admin because no identity-based policy allows the iam:CreateUser action",
            },
          },
        ),
      },
    ],
  },
});
