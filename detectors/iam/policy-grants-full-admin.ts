import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { grantsFullAdmin, parsePolicyDocument, statementsOf } from "../../core/policy.js";
import { actorName, API_CALL, isIacPrincipal, isObject, param, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamDate, iamUser, PROD, USER_AGENTS } from "../examples.js";

function policyResource(record: CloudTrailRecord, name: string, arn: string | undefined): FindingResource {
  return { type: "AWS::IAM::ManagedPolicy", id: name, ...(arn ? { arn } : {}), account: record.recipientAccountId };
}

function document(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements }, null, 4);
}

const EVERYTHING = { Effect: "Allow", Action: "*", Resource: "*" };

function createPolicy(
  eventID: string,
  eventTime: string,
  policyName: string,
  policyDocument: string,
  options: { identity?: Record<string, unknown>; userAgent?: string; path?: string; error?: { code: string; message: string } } = {},
) {
  const path = options.path ?? "/";
  return apiCall({
    eventID,
    eventTime,
    eventSource: "iam.amazonaws.com",
    eventName: "CreatePolicy",
    identity: options.identity ?? iamUser("arn:aws:iam::111122223333:user/christophe"),
    requestParameters: { policyName, policyDocument, ...(options.path ? { path } : {}) },
    responseElements: {
      policy: {
        policyName,
        policyId: `ANPA${eventID.replace(/-/g, "").slice(0, 17).toUpperCase()}`,
        arn: `arn:aws:iam::${PROD}:policy${path}${policyName}`,
        path,
        defaultVersionId: "v1",
        attachmentCount: 0,
        permissionsBoundaryUsageCount: 0,
        isAttachable: true,
        createDate: iamDate(eventTime),
        updateDate: iamDate(eventTime),
      },
    },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

function createPolicyVersion(
  eventID: string,
  eventTime: string,
  policyArn: string,
  policyDocument: string,
  setAsDefault: boolean,
  options: { identity?: Record<string, unknown>; versionId?: string; userAgent?: string } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "iam.amazonaws.com",
    eventName: "CreatePolicyVersion",
    identity: options.identity ?? iamUser("arn:aws:iam::111122223333:user/christophe"),
    requestParameters: { policyArn, policyDocument, setAsDefault },
    responseElements: { policyVersion: { versionId: options.versionId ?? "v2", isDefaultVersion: setAsDefault, createDate: iamDate(eventTime) } },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  });
}

const TERRAFORM = "arn:aws:iam::111122223333:role/iac/terraform-apply";
const DEPLOY_POLICY = "arn:aws:iam::111122223333:policy/ci/orders-deploy";

export default defineDetector({
  id: "iam.policy-grants-full-admin",
  title: "Customer-managed IAM policy or policy version allows every action on every resource",
  severity: "high",
  mitre: ["T1098.003"],
  pattern: {
    source: ["aws.iam"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["iam.amazonaws.com"],
      eventName: ["CreatePolicy", "CreatePolicyVersion"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    if (!statementsOf(parsePolicyDocument(record.requestParameters?.policyDocument)).some(grantsFullAdmin)) return undefined;
    if (record.eventName === "CreatePolicy") {
      const name = param(record, "policyName");
      if (!name) return undefined;
      const policy = isObject(record.responseElements?.policy) ? record.responseElements.policy : undefined;
      const arn = typeof policy?.arn === "string" ? policy.arn : undefined;
      return {
        summary: sentence(`${actorName(record)} created managed policy ${name}, which allows every action on every resource.`),
        resources: [policyResource(record, name, arn)],
      };
    }
    const policyArn = param(record, "policyArn");
    if (!policyArn) return undefined;
    const name = policyArn.split("/").pop() ?? policyArn;
    const version = isObject(record.responseElements?.policyVersion) ? record.responseElements.policyVersion : undefined;
    const versionId = typeof version?.versionId === "string" ? ` ${version.versionId}` : "";
    const setAsDefault = record.requestParameters?.setAsDefault === true || record.requestParameters?.setAsDefault === "true";
    const effect = setAsDefault ? "and made it the default, in force for everyone the policy is attached to" : "not yet the default version";
    const arn = policyArn.startsWith("arn:") ? policyArn : `arn:${partitionOf(record.awsRegion)}:iam::${record.recipientAccountId}:policy/${policyArn}`;
    return {
      summary: sentence(`${actorName(record)} added version${versionId} allowing every action on every resource to managed policy ${name} (${effect}).`),
      resources: [policyResource(record, name, arn)],
    };
  },
  runbook:
    "A customer-managed policy now holds an Allow of \"*\" (or \"*:*\") on Resource \"*\": full administrator. A new policy grants nothing until it is attached, " +
    "but a new version of an attached policy set as default is a well-known escalation (iam:CreatePolicyVersion on a policy the caller itself has), and a non-default " +
    "version can be promoted later with SetDefaultPolicyVersion (see iam.policy-default-version-changed). Attaching a customer-managed policy is judged at attachment " +
    "only when the baseline lists it under iam.privilegedPolicies (iam.admin-policy-attached), so add approved admin policies there. Principals of the baseline's " +
    "infrastructure-as-code list are not reported. Ask the caller why the policy needs everything; check with ListEntitiesForPolicy who has it and what they did " +
    "since. If it is not approved, set the previous version as default and delete this one (for a new policy, detach and delete it); no remediation is proposed " +
    "because the right previous version needs a person. A refused call (errorCode) is not a finding here: no policy or version was created.",
  examples: {
    match: [
      {
        description: "An operator creates a customer-managed policy that allows everything",
        record: createPolicy("6013abfe-119d-48cb-a3dc-9c3efb5de923", "2024-07-04T09:12:44Z", "break-glass-everything", document(EVERYTHING)),
      },
      {
        description: "A CI role adds a URL-encoded default version with Action \"*:*\" to the policy it is attached to",
        record: createPolicyVersion(
          "36479fb4-30ca-4ddf-937e-256e3317603c",
          "2024-07-04T09:20:03Z",
          DEPLOY_POLICY,
          encodeURIComponent(document({ Sid: "Deploy", Effect: "Allow", Action: ["*:*"], Resource: ["*"] })),
          true,
          { identity: assumedRole("arn:aws:iam::111122223333:role/ci/orders-pipeline", "codebuild-7781"), versionId: "v6", userAgent: USER_AGENTS.boto3 },
        ),
      },
      {
        description: "A staged, non-default version that allows everything",
        record: createPolicyVersion("3c948147-c99b-4f8f-87b2-defb2ba580a2", "2024-07-04T09:24:37Z", DEPLOY_POLICY, document(EVERYTHING), false, { versionId: "v7" }),
      },
    ],
    noMatch: [
      {
        description: "A policy with Action \"*\" limited to one table",
        record: createPolicy(
          "d4f952b5-62fc-4f65-81e2-4623c52b609f",
          "2024-07-04T09:30:15Z",
          "orders-table-owner",
          document({ Effect: "Allow", Action: "*", Resource: "arn:aws:dynamodb:us-east-1:111122223333:table/orders" }),
        ),
      },
      {
        description: "Everything except IAM: NotAction is not full admin for this detector",
        record: createPolicy("51ef5489-538b-47ba-a1fa-f88b0f5e1e83", "2024-07-04T09:33:48Z", "power-user", document({ Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" })),
      },
      {
        description: "The Terraform deploy role creating the approved break-glass policy",
        record: createPolicy("a40c55ee-a3a7-4b63-a3aa-c4ba6debaf9c", "2024-07-04T09:36:02Z", "break-glass-admin", document(EVERYTHING), {
          identity: assumedRole(TERRAFORM, "terraform-run-8860"),
          userAgent: USER_AGENTS.terraform,
          path: "/breakglass/",
        }),
        baseline: { principals: { iac: [TERRAFORM] } },
      },
      {
        description: "An admin policy that IAM refused to create",
        record: createPolicy("dc430b58-34d4-4cd1-88ab-c6e4d54b1d0a", "2024-07-04T09:39:26Z", "everything", document(EVERYTHING), {
          identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          error: {
            code: "AccessDenied",
            message:
              "User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: iam:CreatePolicy on resource: policy everything because no identity-based policy allows the iam:CreatePolicy action",
          },
        }),
      },
    ],
  },
});
