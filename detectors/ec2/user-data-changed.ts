import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, field, isIacPrincipal, param, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS, viaCloudFormation } from "../examples.js";

/**
 * ModifyInstanceAttribute changes one attribute per call. A user-data change is
 * logged as `requestParameters.userData` = "<sensitiveDataRemoved>" (the
 * Stratus detonation logs); the generic form names it in `attribute`.
 */
function changesUserData(request: Record<string, unknown>): boolean {
  const attribute = field(request, "attribute");
  return field(request, "userData") !== undefined || (typeof attribute === "string" && attribute.toLowerCase() === "userdata");
}

function instanceResource(record: CloudTrailRecord, instanceId: string): FindingResource {
  return {
    type: "AWS::EC2::Instance",
    id: instanceId,
    arn: `arn:${partitionOf(record.awsRegion)}:ec2:${record.awsRegion}:${record.recipientAccountId}:instance/${instanceId}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

const REGION = "eu-west-1";

function modifyAttribute(
  eventID: string,
  eventTime: string,
  identity: Record<string, unknown>,
  request: Record<string, unknown>,
  options: { userAgent?: string; region?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "ec2.amazonaws.com",
    eventName: "ModifyInstanceAttribute",
    identity,
    region: options.region ?? REGION,
    requestParameters: request,
    responseElements: { _return: true },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

const USER_DATA = "<sensitiveDataRemoved>";

export default defineDetector({
  id: "ec2.user-data-changed",
  title: "EC2 instance user data changed outside infrastructure as code",
  severity: "high",
  mitre: ["T1651"],
  stratus: ["aws.execution.ec2-user-data"],
  pattern: {
    source: ["aws.ec2"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["ec2.amazonaws.com"],
      eventName: ["ModifyInstanceAttribute"],
      errorCode: [{ exists: false }],
      $or: [
        { requestParameters: { userData: [{ exists: true }] } },
        { requestParameters: { userData: { value: [{ exists: true }] } } },
        { requestParameters: { attribute: [{ "equals-ignore-case": "userData" }] } },
      ],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline) || record.userIdentity.invokedBy === "cloudformation.amazonaws.com") return undefined;
    const request = record.requestParameters;
    if (!request || !changesUserData(request)) return undefined;
    const instanceId = param(record, "instanceId");
    if (!instanceId) return undefined;
    return {
      summary: sentence(
        `${actorName(record)} replaced the user data of EC2 instance ${instanceId} outside infrastructure as code; the new script runs as root at the instance's next start.`,
      ),
      resources: [instanceResource(record, instanceId)],
    };
  },
  runbook:
    "User data can only be changed while an instance is stopped, and cloud-init runs it as root when the instance starts again (always, if the script is a " +
    "#cloud-boothook or MIME part set to run on every boot), with the instance role's credentials at hand: a known way to run code on, and escalate through, an " +
    "instance without logging in. Read the new user data (DescribeInstanceAttribute --attribute userData, base64; treat it as sensitive) and compare it with the " +
    "launch template or IaC definition; look for StopInstances before and StartInstances after by the same caller, which is the Stratus ec2-user-data sequence. " +
    "StopInstances on its own is routine (schedules, resizing, cost) and is deliberately not a finding; neither is the user-data change made by the baseline's IaC " +
    "principals or a CloudFormation stack. If the change is not approved: stop the instance, restore the user data, and if it already started, treat the host and " +
    "its instance-role sessions as compromised. A refused call (errorCode such as IncorrectInstanceState, because the instance was running, or " +
    "Client.UnauthorizedOperation) is not a finding: the user data did not change, though an attempt is worth a look next to the caller's other activity.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's ec2-user-data: an IAM user replaces the user data of the stopped instance",
        record: modifyAttribute(
          "c09cd70d-c6af-4c75-9cb6-86229d587400",
          "2024-08-01T12:04:18Z",
          iamUser("arn:aws:iam::111122223333:user/christophe"),
          { instanceId: "i-0ddd6c7b0e18f0e35", userData: USER_DATA },
          { userAgent: USER_AGENTS.stratus, region: "us-east-1" },
        ),
      },
      {
        description: "A developer's role edits the user data of a production instance from the console",
        record: modifyAttribute(
          "a051065b-f40d-4b2b-aaba-0f9febcc1309",
          "2024-10-16T18:33:09Z",
          assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Developer_8e7d6c5b4a392817", "t.nguyen@example.com"),
          { instanceId: "i-0e1f2a3b4c5d6e7f8", userData: USER_DATA },
          { userAgent: USER_AGENTS.console },
        ),
      },
    ],
    noMatch: [
      {
        description: "The same Stratus run's StopInstances: routine on its own, not watched",
        record: apiCall({
          eventID: "9125952f-0eaa-48c9-b0d1-830b6d9777d5",
          eventTime: "2024-08-01T12:03:41Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "StopInstances",
          identity: iamUser("arn:aws:iam::111122223333:user/christophe"),
          requestParameters: { instancesSet: { items: [{ instanceId: "i-0ddd6c7b0e18f0e35" }] }, force: false },
          responseElements: {
            instancesSet: {
              items: [{ instanceId: "i-0ddd6c7b0e18f0e35", currentState: { code: 64, name: "stopping" }, previousState: { code: 16, name: "running" } }],
            },
          },
          userAgent: USER_AGENTS.stratus,
        }),
      },
      {
        description: "ModifyInstanceAttribute that resizes the instance: another attribute",
        record: modifyAttribute(
          "94a873bf-d8d8-4b5a-9181-822092bec029",
          "2024-10-16T18:40:55Z",
          assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Developer_8e7d6c5b4a392817", "t.nguyen@example.com"),
          { instanceId: "i-0e1f2a3b4c5d6e7f8", instanceType: { value: "m6i.large" } },
          { userAgent: USER_AGENTS.console },
        ),
      },
      {
        description: "Terraform changes user_data in place (stop, modify, start): infrastructure as code",
        record: modifyAttribute(
          "6d931428-d01c-4ed4-9aec-36a7d122759a",
          "2024-10-17T08:12:30Z",
          assumedRole("arn:aws:iam::111122223333:role/iac/terraform-apply", "terraform-run-9127"),
          { instanceId: "i-0f2a3b4c5d6e7f809", userData: USER_DATA },
          { userAgent: USER_AGENTS.terraform },
        ),
        baseline: { principals: { iac: ["arn:aws:iam::*:role/iac/*"] } },
      },
      {
        description: "A CloudFormation stack update replaces the user data",
        record: modifyAttribute(
          "6966c8ce-eaba-480d-a40e-6e541fb27111",
          "2024-10-17T08:20:14Z",
          viaCloudFormation(assumedRole("arn:aws:iam::111122223333:role/cfn-exec-compute", "AWSCloudFormation")),
          { instanceId: "i-0a3b4c5d6e7f8091a", userData: USER_DATA },
        ),
      },
      {
        description: "A user-data change refused because the instance was running",
        record: modifyAttribute(
          "11babb20-beba-43a3-bd78-0e3dac2e2d73",
          "2024-10-16T18:31:47Z",
          assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Developer_8e7d6c5b4a392817", "t.nguyen@example.com"),
          { instanceId: "i-0e1f2a3b4c5d6e7f8", userData: USER_DATA },
          {
            userAgent: USER_AGENTS.console,
            error: { code: "IncorrectInstanceState", message: "The instance 'i-0e1f2a3b4c5d6e7f8' is not in the 'stopped' state." },
          },
        ),
      },
    ],
  },
});
