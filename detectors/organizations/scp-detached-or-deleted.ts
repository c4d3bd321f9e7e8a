import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, isIacPrincipal, param, sentence } from "../common.js";
import { apiCall, assumedRole, MANAGEMENT } from "../examples.js";

/** How a DetachPolicy target id reads, and the resource it is when it has a CloudFormation type. */
function describeTarget(record: CloudTrailRecord, targetId: string): { text: string; resource?: FindingResource } {
  const account = record.recipientAccountId;
  if (/^\d{12}$/.test(targetId)) return { text: `account ${targetId}`, resource: { type: "AWS::Organizations::Account", id: targetId, account } };
  if (targetId.startsWith("ou-"))
    return { text: `organizational unit ${targetId}`, resource: { type: "AWS::Organizations::OrganizationalUnit", id: targetId, account } };
  if (targetId.startsWith("r-")) return { text: `the organization root ${targetId}` };
  return { text: targetId };
}

const PLATFORM_ADMIN = "arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_OrgAdmin_7c6d5e4f3a2b1c0d";
const ORG_PIPELINE = "arn:aws:iam::444455556666:role/iac/org-policies-deploy";
const GUARDRAILS_SCP = "p-7f3k2j9d";

function orgCall(
  eventID: string,
  eventTime: string,
  eventName: string,
  requestParameters: Record<string, unknown>,
  options: { identity?: Record<string, unknown>; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "organizations.amazonaws.com",
    eventName,
    identity: options.identity ?? assumedRole(PLATFORM_ADMIN, "k.lee@example.com"),
    account: MANAGEMENT,
    requestParameters,
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "organizations.scp-detached-or-deleted",
  title: "Service control policy detached or deleted",
  severity: "high",
  mitre: ["T1484"],
  pattern: {
    source: ["aws.organizations"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["organizations.amazonaws.com"],
      eventName: ["DetachPolicy", "DeletePolicy"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    const policyId = param(record, "policyId");
    if (!policyId?.startsWith("p-")) return undefined;
    const policy: FindingResource = { type: "AWS::Organizations::Policy", id: policyId, account: record.recipientAccountId };
    if (record.eventName === "DeletePolicy") {
      return { summary: sentence(`${actorName(record)} deleted organization policy ${policyId}.`), resources: [policy] };
    }
    const targetId = param(record, "targetId");
    if (!targetId) return undefined;
    const target = describeTarget(record, targetId);
    const consequence =
      policyId === "p-FullAWSAccess" ? " Without FullAWSAccess, every action there is denied unless another attached SCP allows it." : "";
    return {
      summary: sentence(`${actorName(record)} detached organization policy ${policyId} from ${target.text}.${consequence}`),
      resources: target.resource ? [policy, target.resource] : [policy],
    };
  },
  remediation: "organizations.reattach-scp",
  runbook:
    "Service control policies are the organisation's guardrails (for instance, deny leaving the organisation, deny stopping CloudTrail); detaching one lifts it " +
    "for every account under the target at once, which is what an attacker with management-account access does before the real change. CloudTrail does not say " +
    "which policy type a policy id is: check with DescribePolicy that it is a SERVICE_CONTROL_POLICY (tag, backup and AI opt-out policies also have p- ids and " +
    "matter less). Changes by the baseline's infrastructure-as-code principals are not reported. Detaching p-FullAWSAccess is the opposite risk: it denies everything " +
    "under the target unless an allow-list SCP is attached, so check for broken workloads. If the change is not approved, reattach the policy (the proposed " +
    "remediation does, for DetachPolicy); a DeletePolicy can only follow detachments from every target, which have their own findings, and the deleted policy must be " +
    "recreated from code. A refused call (errorCode, such as AccessDeniedException from a member account or ConstraintViolationException) is not a finding here: " +
    "the guardrail is still attached.",
  examples: {
    match: [
      {
        description: "An SSO administrator detaches the guardrail SCP from the production OU",
        record: orgCall("b68e0260-80ea-4d68-9162-8b2ee8f3a234", "2024-07-02T23:41:05Z", "DetachPolicy", { policyId: GUARDRAILS_SCP, targetId: "ou-ab12-34cd5678" }),
      },
      {
        description: "FullAWSAccess detached from the production account",
        record: orgCall("058b371f-bea9-4f36-b7c3-d36469c2541d", "2024-07-02T23:44:51Z", "DetachPolicy", { policyId: "p-FullAWSAccess", targetId: "111122223333" }),
      },
      {
        description: "The detached guardrail SCP is then deleted",
        record: orgCall("93dedd59-fd84-4eed-ab12-8213743b7a8e", "2024-07-02T23:47:30Z", "DeletePolicy", { policyId: GUARDRAILS_SCP }),
      },
    ],
    noMatch: [
      {
        description: "The organisation's policy pipeline detaches an SCP it manages",
        record: orgCall(
          "7c6f0d6a-58e8-4dfa-82a2-4ca37ece721f",
          "2024-07-03T09:12:44Z",
          "DetachPolicy",
          { policyId: GUARDRAILS_SCP, targetId: "ou-ab12-9x8y7z6w" },
          { identity: assumedRole(ORG_PIPELINE, "codebuild-org-policies-4471") },
        ),
        baseline: { principals: { iac: [ORG_PIPELINE] } },
      },
      {
        description: "AttachPolicy, which adds a guardrail",
        record: orgCall("1ed8eda6-168a-4437-9ced-90654d96725f", "2024-07-03T09:15:02Z", "AttachPolicy", { policyId: GUARDRAILS_SCP, targetId: "ou-ab12-34cd5678" }),
      },
      {
        description: "Detaching the last SCP of an account, refused by Organizations",
        record: orgCall(
          "9c04d86a-dd83-492a-bd1d-f89ef76d6b8b",
          "2024-07-03T09:18:27Z",
          "DetachPolicy",
          { policyId: "p-FullAWSAccess", targetId: "111122223333" },
          {
            error: {
              code: "ConstraintViolationException",
              message: "You cannot remove the last policy attached to the specified target. You must have at least one attached policy.",
            },
          },
        ),
      },
    ],
  },
});
