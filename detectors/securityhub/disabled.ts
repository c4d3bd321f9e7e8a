import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

const REGION = "ap-southeast-2";

/**
 * The hub of the account and region. Security Hub CSPM's hub is always
 * `hub/default`; the newer Security Hub's (HubV2) ARN ends with an id the
 * request does not carry, so it is given without one.
 */
function hubResource(record: CloudTrailRecord): FindingResource {
  const located = { account: record.recipientAccountId, region: record.awsRegion };
  if (record.eventName === "DisableSecurityHubV2") return { type: "AWS::SecurityHub::HubV2", id: "hubv2", ...located };
  return {
    type: "AWS::SecurityHub::Hub",
    id: "default",
    arn: `arn:${partitionOf(record.awsRegion)}:securityhub:${record.awsRegion}:${record.recipientAccountId}:hub/default`,
    ...located,
  };
}

export default defineDetector({
  id: "securityhub.disabled",
  title: "Security Hub disabled in a region",
  severity: "high",
  mitre: ["T1562.001"],
  pattern: {
    source: ["aws.securityhub"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["securityhub.amazonaws.com"],
      eventName: ["DisableSecurityHub", "DisableSecurityHubV2"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const which = record.eventName === "DisableSecurityHubV2" ? "Security Hub" : "Security Hub CSPM";
    return {
      summary: sentence(`${actorName(record)} disabled ${which} in account ${record.recipientAccountId}, region ${record.awsRegion}.`),
      resources: [hubResource(record)],
    };
  },
  runbook:
    "Disabling Security Hub in a region turns off its standards and controls, removes the account from its administrator's view (member associations are " +
    "removed) and schedules the existing findings and insights for deletion after 90 days, so the central security team stops seeing this account and region. " +
    "Confirm with DescribeHub, re-enable it (EnableSecurityHub, or let the delegated administrator's central configuration re-enable it), and re-enable the " +
    "standards the infrastructure code defines. Ask the owner of the caller whether a change was planned; if not, revoke the principal's sessions and keys and " +
    "check whether GuardDuty, Config and CloudTrail were touched in the same session. A refused call (errorCode such as AccessDenied, or InvalidInputException " +
    "because the account is the Security Hub administrator) is not a finding here: Security Hub stays on.",
  examples: {
    match: [
      {
        description: "An SSO session disables Security Hub CSPM from the console",
        record: apiCall({
          eventID: "859b6a13-776a-4667-a4c3-319de3d98dbc",
          eventTime: "2024-12-02T04:27:16Z",
          eventSource: "securityhub.amazonaws.com",
          eventName: "DisableSecurityHub",
          identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PowerUser_7d6c5b4a39281706", "m.brown@example.com"),
          region: REGION,
          requestParameters: null,
          userAgent: USER_AGENTS.console,
        }),
      },
      {
        description: "An access key disables the newer Security Hub (DisableSecurityHubV2)",
        record: apiCall({
          eventID: "31ebcf6c-17ae-46e1-be1e-10acd709290b",
          eventTime: "2025-07-21T11:03:45Z",
          eventSource: "securityhub.amazonaws.com",
          eventName: "DisableSecurityHubV2",
          identity: iamUser("arn:aws:iam::111122223333:user/svc-reporting"),
          region: REGION,
          requestParameters: null,
        }),
      },
    ],
    noMatch: [
      {
        description: "DisableImportFindingsForProduct: one integration stops, Security Hub stays on",
        record: apiCall({
          eventID: "9315c8cd-aa0a-44f2-9cde-4bb69640f084",
          eventTime: "2024-12-03T09:14:02Z",
          eventSource: "securityhub.amazonaws.com",
          eventName: "DisableImportFindingsForProduct",
          identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_SecurityAdmin_0f1e2d3c4b5a6978", "a.khan@example.com"),
          region: REGION,
          requestParameters: {
            ProductSubscriptionArn: "arn:aws:securityhub:ap-southeast-2:111122223333:product-subscription/aws/inspector",
          },
        }),
      },
      {
        description: "A DisableSecurityHub refused in the administrator account: nothing changed",
        record: apiCall({
          eventID: "1d91e908-9d0a-4d39-9047-cab814f6bbc6",
          eventTime: "2024-12-02T04:25:40Z",
          eventSource: "securityhub.amazonaws.com",
          eventName: "DisableSecurityHub",
          identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PowerUser_7d6c5b4a39281706", "m.brown@example.com"),
          region: REGION,
          requestParameters: null,
          userAgent: USER_AGENTS.console,
          error: {
            code: "InvalidInputException",
            message: "You can't disable Security Hub in an account that is currently the Security Hub administrator.",
          },
        }),
      },
    ],
  },
});
