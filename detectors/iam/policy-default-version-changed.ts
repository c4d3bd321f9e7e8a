import { defineDetector } from "../../core/detector.js";
import { actorName, API_CALL, isIacPrincipal, param, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

function setDefaultVersion(
  eventID: string,
  eventTime: string,
  policyArn: string,
  versionId: string,
  options: { identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "iam.amazonaws.com",
    eventName: "SetDefaultPolicyVersion",
    identity: options.identity ?? iamUser("arn:aws:iam::111122223333:user/christophe"),
    requestParameters: { policyArn, versionId },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

const TERRAFORM = "arn:aws:iam::111122223333:role/iac/terraform-apply";
const DEPLOY_POLICY = "arn:aws:iam::111122223333:policy/ci/orders-deploy";

export default defineDetector({
  id: "iam.policy-default-version-changed",
  title: "Default version of a customer-managed IAM policy changed outside infrastructure as code",
  severity: "high",
  mitre: ["T1098.003"],
  pattern: {
    source: ["aws.iam"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["iam.amazonaws.com"],
      eventName: ["SetDefaultPolicyVersion"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    const policyArn = param(record, "policyArn");
    if (!policyArn) return undefined;
    const versionId = param(record, "versionId") ?? "(version not recorded)";
    const name = policyArn.split("/").pop() ?? policyArn;
    const arn = policyArn.startsWith("arn:") ? policyArn : `arn:${partitionOf(record.awsRegion)}:iam::${record.recipientAccountId}:policy/${policyArn}`;
    return {
      summary: sentence(`${actorName(record)} made ${versionId} the default version of managed policy ${name}.`),
      resources: [{ type: "AWS::IAM::ManagedPolicy", id: name, arn, account: record.recipientAccountId }],
    };
  },
  remediation: "iam.restore-policy-default-version",
  runbook:
    "The permissions of every user, group and role the policy is attached to changed at once, to whatever the chosen version says: rolling back to an old, " +
    "broader version (or promoting a staged one) is a known escalation that needs only iam:SetDefaultPolicyVersion, and the event does not show the document. " +
    "Principals of the baseline's infrastructure-as-code list are not reported, since their changes are reviewed as code (Terraform sets defaults through " +
    "CreatePolicyVersion). Compare the new default with the previous one (GetPolicyVersion for both; CloudTrail's last CreatePolicyVersion with setAsDefault " +
    "or SetDefaultPolicyVersion on this policy names the previous one) and list who has the policy (ListEntitiesForPolicy). If the change is not approved, " +
    "restore the previous default (the proposed remediation does) and review what the policy's holders did since. A refused call (errorCode) is not a finding " +
    "here: the default did not change; the access-denied detectors count refusals.",
  examples: {
    match: [
      {
        description: "A CI role rolls its own deploy policy back to an early, broader version",
        record: setDefaultVersion("4970c0c8-27b6-4b8a-9652-ba52f79c75cd", "2024-07-05T14:02:51Z", DEPLOY_POLICY, "v1", {
          identity: assumedRole("arn:aws:iam::111122223333:role/ci/orders-pipeline", "codebuild-7790"),
          userAgent: USER_AGENTS.boto3,
        }),
      },
      {
        description: "An operator promotes a staged version from the CLI",
        record: setDefaultVersion("cdb72e9a-75e2-4996-b8a3-8bc3e987f912", "2024-07-05T14:07:19Z", "arn:aws:iam::111122223333:policy/platform/platform-readonly", "v4"),
      },
    ],
    noMatch: [
      {
        description: "The Terraform deploy role changing the default version as reviewed code",
        record: setDefaultVersion("543cead8-5c3b-454a-a70b-f240240ae4f7", "2024-07-05T14:11:40Z", DEPLOY_POLICY, "v8", {
          identity: assumedRole(TERRAFORM, "terraform-run-8871"),
          userAgent: USER_AGENTS.terraform,
        }),
        baseline: { principals: { iac: [TERRAFORM] } },
      },
      {
        description: "A SetDefaultPolicyVersion that IAM refused",
        record: setDefaultVersion("02c0327a-de34-40f6-ab5b-791336eb2598", "2024-07-05T14:14:05Z", DEPLOY_POLICY, "v1", {
          identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          error: {
            code: "AccessDenied",
            message: `User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: iam:SetDefaultPolicyVersion on resource: policy ${DEPLOY_POLICY} because no identity-based policy allows the iam:SetDefaultPolicyVersion action`,
          },
        }),
      },
    ],
  },
});
