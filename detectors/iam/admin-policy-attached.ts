import { matchesAny } from "../../core/baseline.js";
import { defineDetector } from "../../core/detector.js";
import { grantsFullAdmin, parsePolicyDocument, statementsOf } from "../../core/policy.js";
import { actorName, API_CALL, iamResource, isIacPrincipal, param, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

const ADMINISTRATOR_ACCESS = /^arn:aws(-[a-z-]+)?:iam::aws:policy\/AdministratorAccess$/;

const TARGETS = {
  AttachUserPolicy: "user",
  PutUserPolicy: "user",
  AttachGroupPolicy: "group",
  PutGroupPolicy: "group",
  AttachRolePolicy: "role",
  PutRolePolicy: "role",
} as const;

type EventName = keyof typeof TARGETS;

function iamCall(
  eventID: string,
  eventTime: string,
  eventName: EventName,
  requestParameters: Record<string, unknown>,
  options: { identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "iam.amazonaws.com",
    eventName,
    identity: options.identity ?? iamUser("arn:aws:iam::111122223333:user/christophe"),
    requestParameters,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

const ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess";
const PLATFORM_ADMIN = "arn:aws:iam::111122223333:policy/platform/platform-admin";
const TERRAFORM = "arn:aws:iam::111122223333:role/iac/terraform-apply";

export default defineDetector({
  id: "iam.admin-policy-attached",
  title: "Full administrator permissions granted to an IAM user, group or role",
  severity: "high",
  mitre: ["T1098.003"],
  stratus: ["aws.persistence.iam-create-admin-user", "aws.persistence.iam-create-backdoor-role"],
  pattern: {
    source: ["aws.iam"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["iam.amazonaws.com"],
      eventName: Object.keys(TARGETS),
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    const kind = TARGETS[record.eventName as EventName];
    if (!kind) return undefined;
    const name = param(record, `${kind}Name`);
    if (!name) return undefined;
    let grant: string;
    if (record.eventName.startsWith("Attach")) {
      const policyArn = param(record, "policyArn");
      if (!policyArn) return undefined;
      if (ADMINISTRATOR_ACCESS.test(policyArn)) grant = `attached ${policyArn} to`;
      else if (matchesAny(baseline.iam.privilegedPolicies, policyArn)) grant = `attached ${policyArn}, a policy the baseline lists as privileged, to`;
      else return undefined;
    } else {
      const document = parsePolicyDocument(record.requestParameters?.policyDocument);
      if (!statementsOf(document).some(grantsFullAdmin)) return undefined;
      grant = `put inline policy ${param(record, "policyName") ?? "(unnamed)"} allowing every action on every resource on`;
    }
    return {
      summary: sentence(`${actorName(record)} ${grant} IAM ${kind} ${name}.`),
      resources: [iamResource(record, kind, name)],
    };
  },
  remediation: "iam.detach-admin-policy",
  runbook:
    "An IAM user, group or role now has every permission: the managed AdministratorAccess policy, a customer-managed policy the baseline lists under " +
    "iam.privilegedPolicies, or an inline policy that allows \"*\" on \"*\". A customer-managed policy is judged twice: when it is created or given a new version " +
    "(iam.policy-grants-full-admin reads its document) and here, at attachment, against the baseline's list, since the attach event carries only the ARN; an " +
    "admin policy missing from that list is attached unseen, so list every approved one. " +
    "Principals of the baseline's infrastructure-as-code list are not reported, since their changes are reviewed as code. Find who asked for the grant and why; " +
    "an unreviewed admin grant is a classic persistence and escalation step, often right after CreateUser or CreateRole (see those findings for the same principal). " +
    "If it is not approved, detach the policy or delete the inline policy (the proposed remediation does), then review what the grantee did with it and what else " +
    "the caller changed. A refused call (errorCode) is not a finding here: no permission was granted; repeated refusals are the access-denied detectors' to count.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's iam-create-admin-user: AdministratorAccess attached to the new user",
        record: iamCall(
          "8b3a5e74-9e21-4ba4-8090-0e7c598dc32c",
          "2024-08-01T13:33:28Z",
          "AttachUserPolicy",
          { userName: "malicious-iam-user", policyArn: ADMIN_POLICY_ARN },
          { userAgent: USER_AGENTS.stratus },
        ),
      },
      {
        description: "Stratus Red Team's iam-create-backdoor-role: AdministratorAccess attached to the backdoored role",
        record: iamCall(
          "de971ed3-566a-4420-adf6-7f28b4311f79",
          "2024-08-01T13:52:10Z",
          "AttachRolePolicy",
          { roleName: "stratus-red-team-malicious-iam-role", policyArn: ADMIN_POLICY_ARN },
          { userAgent: USER_AGENTS.stratus },
        ),
      },
      {
        description: "A customer-managed policy the baseline lists as privileged, attached to a role",
        record: iamCall(
          "3505975d-b33e-497d-bcee-3635bf252a9b",
          "2024-06-18T21:58:12Z",
          "AttachRolePolicy",
          { roleName: "orders-api", policyArn: PLATFORM_ADMIN },
          { identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789") },
        ),
        baseline: { iam: { privilegedPolicies: ["arn:aws:iam::*:policy/platform/*-admin"] } },
      },
      {
        description: "An inline role policy with Action \"*:*\", sent URL-encoded",
        record: iamCall(
          "43d726ac-7d7c-43c3-80ce-4413844178be",
          "2024-06-18T22:07:41Z",
          "PutRolePolicy",
          {
            roleName: "orders-api",
            policyName: "debug",
            policyDocument: encodeURIComponent(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*:*", Resource: "*" }] }, null, 2)),
          },
          { identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789") },
        ),
      },
      {
        description: "An inline group policy as JSON text whose second statement allows everything",
        record: iamCall("30975012-02f4-491f-bb12-1e674a412054", "2024-06-19T07:45:02Z", "PutGroupPolicy", {
          groupName: "developers",
          policyName: "temporary-access",
          policyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Sid: "ReadLogs", Effect: "Allow", Action: ["logs:GetLogEvents", "logs:FilterLogEvents"], Resource: "*" },
              { Sid: "Everything", Effect: "Allow", Action: ["*"], Resource: ["*"] },
            ],
          }),
        }),
      },
    ],
    noMatch: [
      {
        description: "The Terraform deploy role attaches AdministratorAccess to the break-glass role, as reviewed code",
        record: iamCall(
          "fdd7baa7-2def-4608-babe-5aafb0d6da54",
          "2024-06-20T10:15:33Z",
          "AttachRolePolicy",
          { roleName: "break-glass-admin", policyArn: ADMIN_POLICY_ARN },
          { identity: assumedRole(TERRAFORM, "terraform-run-8841"), userAgent: USER_AGENTS.terraform },
        ),
        baseline: { principals: { iac: [TERRAFORM] } },
      },
      {
        description: "ReadOnlyAccess attached to a user: a managed policy, but not the admin one",
        record: iamCall("6d3e0f42-bbd8-4266-a3fc-e19d714b2fef", "2024-06-20T10:18:09Z", "AttachUserPolicy", {
          userName: "auditor",
          policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
        }),
      },
      {
        description: "A customer-managed policy named like an admin one, not listed in iam.privilegedPolicies",
        record: iamCall("9b8ce5ed-a9fb-419d-be8b-e8ec7eb0f3fc", "2024-06-20T10:20:31Z", "AttachGroupPolicy", {
          groupName: "platform",
          policyArn: PLATFORM_ADMIN,
        }),
      },
      {
        description: "An inline policy with Action \"*\" limited to one bucket",
        record: iamCall("8612ae31-32fd-4562-a576-ee6a27fb48bb", "2024-06-20T10:22:47Z", "PutUserPolicy", {
          userName: "svc-reports",
          policyName: "reports-bucket",
          policyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: { Effect: "Allow", Action: "*", Resource: ["arn:aws:s3:::acme-reports", "arn:aws:s3:::acme-reports/*"] },
          }),
        }),
      },
      {
        description: "An AttachUserPolicy of AdministratorAccess that IAM refused",
        record: iamCall(
          "6bb7bd3b-ba61-4575-8fd2-74255a6c43f1",
          "2024-06-20T10:25:14Z",
          "AttachUserPolicy",
          { userName: "malicious-iam-user", policyArn: ADMIN_POLICY_ARN },
          {
            identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
            error: {
              code: "AccessDenied",
              message:
                "User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: iam:AttachUserPolicy on resource: user malicious-iam-user because no identity-based policy allows the iam:AttachUserPolicy action",
            },
          },
        ),
      },
    ],
  },
});
