import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { parsePolicyDocument, statementsOf } from "../../core/policy.js";
import { actorName, API_CALL, field, isIacPrincipal, isObject, param, sentence } from "../common.js";
import { apiCall, assumedRole, MANAGEMENT } from "../examples.js";

const SCP = "SERVICE_CONTROL_POLICY";

/** `responseElements.policy.policySummary` of UpdatePolicy: the policy's type, name and ARN as Organizations returns them. */
function policySummary(record: CloudTrailRecord): Record<string, unknown> | undefined {
  const policy = record.responseElements ? field(record.responseElements, "policy") : undefined;
  const summary = isObject(policy) ? field(policy, "policySummary") : undefined;
  return isObject(summary) ? summary : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

const ORG_ADMIN = "arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_OrgAdmin_7c6d5e4f3a2b1c0d";
const ORG_PIPELINE = "arn:aws:iam::444455556666:role/iac/org-policies-deploy";
const GUARDRAILS_SCP = "p-7f3k2j9d";
const ORG_ID = "o-a1b2c3d4e5";
const ROOT_ID = "r-ab12";

function orgCall(
  eventID: string,
  eventTime: string,
  eventName: string,
  requestParameters: Record<string, unknown>,
  responseElements: Record<string, unknown> | null,
  options: { identity?: Record<string, unknown>; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "organizations.amazonaws.com",
    eventName,
    identity: options.identity ?? assumedRole(ORG_ADMIN, "k.lee@example.com"),
    account: MANAGEMENT,
    requestParameters,
    responseElements,
    ...(options.error ? { error: options.error } : {}),
  });
}

function summaryOf(policyId: string, name: string, type: string) {
  const path = type.toLowerCase();
  return { id: policyId, arn: `arn:aws:organizations::${MANAGEMENT}:policy/${ORG_ID}/${path}/${policyId}`, name, description: "", type, awsManaged: false };
}

/** UpdatePolicy with new content, logged with the policy Organizations returns. */
function updatePolicy(eventID: string, eventTime: string, policyId: string, content: string, type: string, identity?: Record<string, unknown>) {
  const name = type === SCP ? "guardrails" : "cost-allocation-tags";
  return orgCall(eventID, eventTime, "UpdatePolicy", { policyId, content }, { policy: { policySummary: summaryOf(policyId, name, type), content } }, {
    ...(identity ? { identity } : {}),
  });
}

/** The guardrail SCP as its pipeline writes it: one Deny of the listed actions. */
function guardrails(actions: string[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "Guardrails", Effect: "Deny", Action: actions, Resource: "*" }] });
}

export default defineDetector({
  id: "organizations.scp-changed",
  title: "Service control policy rewritten or SCPs disabled for the organization",
  severity: "critical",
  mitre: ["T1484"],
  pattern: {
    source: ["aws.organizations"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["organizations.amazonaws.com"],
      eventName: ["UpdatePolicy", "DisablePolicyType"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    const account = record.recipientAccountId;
    if (record.eventName === "DisablePolicyType") {
      if (param(record, "policyType") !== SCP) return undefined;
      const rootId = param(record, "rootId") ?? "(unknown root)";
      const root = record.responseElements ? field(record.responseElements, "root") : undefined;
      const rootArn = isObject(root) ? text(field(root, "arn")) : undefined;
      const organization = rootArn?.match(/:root\/(o-[a-z0-9]+)\//)?.[1];
      const resource: FindingResource = { type: "AWS::Organizations::Organization", id: organization ?? rootId, account };
      return {
        summary: sentence(
          `${actorName(record)} disabled service control policies on organization root ${rootId}${organization ? ` of ${organization}` : ""}: ` +
            "every SCP is detached from every account and OU under it.",
        ),
        resources: [resource],
      };
    }

    // UpdatePolicy: only a new content changes what the policy does (a rename or a new description does not).
    if (isIacPrincipal(record, baseline)) return undefined;
    const policyId = param(record, "policyId");
    const content = param(record, "content");
    if (!policyId || !content) return undefined;
    const summary = policySummary(record);
    const type = text(summary && field(summary, "type"));
    const statements = statementsOf(parsePolicyDocument(content));
    // Without the response, tell an SCP from tag, backup or AI opt-out policies by its IAM grammar.
    if (type !== undefined ? type !== SCP : statements.length === 0) return undefined;
    const name = text(summary && field(summary, "name")) ?? param(record, "name");
    const arn = text(summary && field(summary, "arn"));
    const denies = statements.filter((s) => typeof s.Effect === "string" && s.Effect.toLowerCase() === "deny").length;
    const now = denies === 0 ? "no Deny statement" : `${denies} Deny statement${denies === 1 ? "" : "s"}`;
    const resource: FindingResource = { type: "AWS::Organizations::Policy", id: policyId, ...(arn ? { arn } : {}), account };
    return {
      summary: sentence(`${actorName(record)} rewrote service control policy ${policyId}${name ? ` (${name})` : ""}; the new content has ${now}.`),
      resources: [resource],
    };
  },
  runbook:
    "Service control policies are the organisation's guardrails, and both calls change them for every account the policy or root covers at once. " +
    "DisablePolicyType for SERVICE_CONTROL_POLICY detaches every SCP from every OU and account under the root: no guardrail applies any more (deny leaving " +
    "the organisation, deny stopping CloudTrail, region limits), which is never routine; re-enable the policy type (EnablePolicyType) and reattach the SCPs " +
    "from code right away, then review what the management account's caller did before and after. UpdatePolicy with new content rewrites an SCP in place: " +
    "compare the new content with the version in code (DescribePolicy, and the responseElements of this record) and look for removed Deny statements or " +
    "widened exceptions (a new aws:PrincipalArn exclusion). Changes by the baseline's infrastructure-as-code principals (the organisation's policy pipeline) " +
    "are not reported; renames and description changes, and tag, backup and AI opt-out policies, are not judged. If the change is not approved, restore " +
    "the content from code. A refused call (errorCode, such as AccessDeniedException from a member account) is not a finding here: the policies did not change.",
  examples: {
    match: [
      {
        description: "An SSO administrator removes the CloudTrail protection from the guardrail SCP",
        record: updatePolicy("307f0a38-28ec-4667-ad38-198460536bb2", "2024-07-02T23:38:14Z", GUARDRAILS_SCP, guardrails(["organizations:LeaveOrganization"]), SCP),
      },
      {
        description: "Service control policies are disabled for the organization root",
        record: orgCall(
          "b8e06015-f0de-4d3a-a6b1-40a14fcda98a",
          "2024-07-02T23:49:02Z",
          "DisablePolicyType",
          { rootId: ROOT_ID, policyType: SCP },
          { root: { id: ROOT_ID, arn: `arn:aws:organizations::${MANAGEMENT}:root/${ORG_ID}/${ROOT_ID}`, name: "Root", policyTypes: [] } },
        ),
      },
    ],
    noMatch: [
      {
        description: "The organisation's policy pipeline deploys a new version of the guardrail SCP",
        record: updatePolicy(
          "078fe968-4bc3-4a7e-8730-acdc96245053",
          "2024-07-03T09:20:45Z",
          GUARDRAILS_SCP,
          guardrails(["organizations:LeaveOrganization", "cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "guardduty:DeleteDetector"]),
          SCP,
          assumedRole(ORG_PIPELINE, "codebuild-org-policies-4502"),
        ),
        baseline: { principals: { iac: [ORG_PIPELINE] } },
      },
      {
        description: "UpdatePolicy that only renames the SCP and changes its description",
        record: orgCall(
          "b92ec42d-861f-4a63-a8d1-111914afd350",
          "2024-07-03T09:24:10Z",
          "UpdatePolicy",
          { policyId: GUARDRAILS_SCP, name: "guardrails-v2", description: "Baseline guardrails for every workload account" },
          { policy: { policySummary: summaryOf(GUARDRAILS_SCP, "guardrails-v2", SCP) } },
        ),
      },
      {
        description: "New content for a tag policy, which restricts no API call",
        record: updatePolicy(
          "40163eef-ec47-4fe4-926d-1061f27e8e9a",
          "2024-07-03T09:27:33Z",
          "p-95t4ag8x",
          JSON.stringify({ tags: { costcenter: { tag_key: { "@@assign": "CostCenter" }, enforced_for: { "@@assign": ["ec2:instance"] } } } }),
          "TAG_POLICY",
        ),
      },
      {
        description: "Tag policies disabled on the root, not service control policies",
        record: orgCall("a1449a52-8940-4ee2-9713-326e3bab2ade", "2024-07-03T09:30:58Z", "DisablePolicyType", { rootId: ROOT_ID, policyType: "TAG_POLICY" }, {
          root: { id: ROOT_ID, arn: `arn:aws:organizations::${MANAGEMENT}:root/${ORG_ID}/${ROOT_ID}`, name: "Root", policyTypes: [] },
        }),
      },
      {
        description: "DisablePolicyType for SCPs refused from a member account",
        record: orgCall(
          "66bc38fc-9ab2-4d0b-8e71-6758031cb7c2",
          "2024-07-03T09:33:12Z",
          "DisablePolicyType",
          { rootId: ROOT_ID, policyType: SCP },
          null,
          {
            identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a", "j.doe@example.com"),
            error: { code: "AccessDeniedException", message: "You don't have permissions to access this resource." },
          },
        ),
      },
    ],
  },
});
