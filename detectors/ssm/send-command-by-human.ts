import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { asList, strings } from "../../core/policy.js";
import { actorName, API_CALL, field, isHumanPrincipal, isIacPrincipal, isObject, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

function instanceResource(record: CloudTrailRecord, instanceId: string): FindingResource {
  return {
    type: "AWS::EC2::Instance",
    id: instanceId,
    arn: `arn:${partitionOf(record.awsRegion)}:ec2:${record.awsRegion}:${record.recipientAccountId}:instance/${instanceId}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

/** AWS-owned documents are named AWS-…/Amazon…; a document of the account gets its own ARN. */
function documentResource(record: CloudTrailRecord, name: string): FindingResource {
  const partition = partitionOf(record.awsRegion);
  const arn = name.startsWith("arn:")
    ? name
    : /^(AWS|Amazon)/.test(name)
      ? `arn:${partition}:ssm:${record.awsRegion}::document/${name}`
      : `arn:${partition}:ssm:${record.awsRegion}:${record.recipientAccountId}:document/${name}`;
  return { type: "AWS::SSM::Document", id: name.split("/").pop() ?? name, arn, account: record.recipientAccountId, region: record.awsRegion };
}

/** `targets` is a list of `{ key, values }` such as tag:Environment = prod or InstanceIds. */
function describeTargets(request: Record<string, unknown>): string[] {
  return asList(field(request, "targets"))
    .filter(isObject)
    .map((target) => `${String(field(target, "key") ?? "?")}=${strings(field(target, "values")).join(",")}`);
}

function listed(ids: string[], max = 5): string {
  return ids.length > max ? `${ids.slice(0, max).join(", ")} and ${ids.length - max} more` : ids.join(", ");
}

const REGION = "eu-west-1";
const SRE = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_SRE_1f2e3d4c5b6a7980";

function sendCommand(
  eventID: string,
  eventTime: string,
  identity: Record<string, unknown>,
  request: Record<string, unknown>,
  options: { userAgent?: string; region?: string; error?: { code: string; message: string } } = {},
) {
  const region = options.region ?? REGION;
  const instanceIds = strings(request.instanceIds);
  return apiCall({
    eventID,
    eventTime,
    eventSource: "ssm.amazonaws.com",
    eventName: "SendCommand",
    identity,
    region,
    requestParameters: { parameters: "HIDDEN_DUE_TO_SECURITY_REASONS", interactive: false, ...request },
    responseElements: {
      command: {
        commandId: `${eventID.slice(0, 8)}-0c1d-4e2f-8a9b-${eventID.slice(-12)}`,
        documentName: request.documentName,
        documentVersion: "$DEFAULT",
        comment: "",
        parameters: "HIDDEN_DUE_TO_SECURITY_REASONS",
        instanceIds,
        targets: request.targets ?? [],
        status: "Pending",
        statusDetails: "Pending",
        targetCount: instanceIds.length,
        completedCount: 0,
        errorCount: 0,
        deliveryTimedOutCount: 0,
        interactive: false,
      },
    },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "ssm.send-command-by-human",
  title: "A person ran commands on instances with SSM Run Command",
  severity: "medium",
  mitre: ["T1651"],
  stratus: ["aws.execution.ssm-send-command"],
  pattern: {
    source: ["aws.ssm"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["ssm.amazonaws.com"],
      eventName: ["SendCommand"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (!isHumanPrincipal(record) || isIacPrincipal(record, baseline)) return undefined;
    const request = record.requestParameters ?? {};
    const named = field(request, "documentName");
    const document = typeof named === "string" && named !== "" ? named : undefined;
    const instanceIds = strings(field(request, "instanceIds"));
    const targets = describeTargets(request);
    const where =
      instanceIds.length > 0
        ? `${instanceIds.length === 1 ? "instance" : `${instanceIds.length} instances`} ${listed(instanceIds)}`
        : targets.length > 0
          ? `the instances targeted by ${targets.join("; ")}`
          : "managed instances";
    const resources = [
      ...instanceIds.filter((id) => id.startsWith("i-")).map((id) => instanceResource(record, id)),
      ...(document ? [documentResource(record, document)] : []),
    ];
    return {
      summary: sentence(`${actorName(record)} ran SSM document ${document ?? "(unnamed)"} on ${where}.`),
      resources,
    };
  },
  runbook:
    "A person (root, an IAM user, a federated or Identity Center session, or a console session), not an automation role, ran an SSM document on instances: with " +
    "AWS-RunShellScript or AWS-RunPowerShellScript that is arbitrary code as root or SYSTEM, with the instance role's credentials in reach. CloudTrail hides the " +
    "parameters, so read the commands from the command history (ListCommands / GetCommandInvocation for the commandId in responseElements) or the Run Command " +
    "output bucket or log group. Ask the person whether the run was planned; check the caller's sign-in (MFA, source IP) and what else the session did, and " +
    "whether the targets hold sensitive roles or data. If it was not approved, revoke the session, isolate the instances and rotate the instance-role sessions. " +
    "Runs by service roles, State Manager and Patch Manager (invokedBy ssm.amazonaws.com), pipelines and the baseline's IaC principals are not judged; an operator " +
    "who runs commands routinely belongs in a baseline exception with an owner and an expiry. A refused call (errorCode such as AccessDeniedException or " +
    "InvalidInstanceId) is not a finding: nothing ran.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's ssm-send-command: an IAM user runs a shell script on three instances at once",
        record: sendCommand(
          "1643e864-935a-45c8-9d03-a1b6238ad4cb",
          "2024-08-02T09:08:31Z",
          iamUser("arn:aws:iam::111122223333:user/christophe"),
          { instanceIds: ["i-00456a8d163f546ff", "i-0cfe23b1a7ceba6f8", "i-09d40ccfc0ae91cfa"], documentName: "AWS-RunShellScript" },
          { userAgent: USER_AGENTS.stratus, region: "us-east-1" },
        ),
      },
      {
        description: "An SRE's Identity Center session runs PowerShell on every production instance by tag from the console",
        record: sendCommand(
          "d1f7e1ed-81d0-4e86-ba96-7b2cd58388fd",
          "2024-10-11T22:14:05Z",
          assumedRole(SRE, "l.moreau@example.com"),
          { documentName: "AWS-RunPowerShellScript", targets: [{ key: "tag:Environment", values: ["production"] }], maxConcurrency: "50", maxErrors: "0" },
          { userAgent: USER_AGENTS.console },
        ),
      },
    ],
    noMatch: [
      {
        description: "State Manager applies an association: SSM's own service role, invokedBy ssm.amazonaws.com",
        record: sendCommand(
          "841c70ce-f463-4be4-8bd2-6fef38ebce32",
          "2024-10-12T03:00:11Z",
          {
            ...assumedRole("arn:aws:iam::111122223333:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM", "StateManagerService"),
            invokedBy: "ssm.amazonaws.com",
          },
          { instanceIds: ["i-0a1b2c3d4e5f60718"], documentName: "AWS-RunPatchBaseline" },
        ),
      },
      {
        description: "A deployment pipeline's role runs the same shell document: automation, not a person",
        record: sendCommand(
          "da4952d9-dcdf-41d8-b8c4-ee3c627b8dce",
          "2024-10-12T10:41:37Z",
          assumedRole("arn:aws:iam::111122223333:role/deploy/app-release", "codebuild-app-release-4821"),
          { instanceIds: ["i-0a1b2c3d4e5f60718", "i-0b2c3d4e5f6071829"], documentName: "AWS-RunShellScript" },
          { userAgent: USER_AGENTS.boto3 },
        ),
      },
      {
        description: "An Ansible IAM user the baseline lists as infrastructure as code",
        record: sendCommand(
          "0f272d39-c045-48a3-a7c2-f70435ad98eb",
          "2024-10-12T11:02:58Z",
          iamUser("arn:aws:iam::111122223333:user/ansible-runner"),
          { instanceIds: ["i-0a1b2c3d4e5f60718"], documentName: "AWS-ApplyAnsiblePlaybooks" },
          { userAgent: USER_AGENTS.boto3 },
        ),
        baseline: { principals: { iac: ["arn:aws:iam::111122223333:user/ansible-runner"] } },
      },
      {
        description: "A person's SendCommand that SSM refused: nothing ran",
        record: sendCommand(
          "2747a7cb-50bc-40c7-8921-7a5579626958",
          "2024-10-12T11:15:40Z",
          assumedRole(SRE, "l.moreau@example.com"),
          { instanceIds: ["i-0c3d4e5f60718293a"], documentName: "AWS-RunShellScript" },
          {
            error: {
              code: "AccessDeniedException",
              message:
                "User: arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_SRE_1f2e3d4c5b6a7980/l.moreau@example.com is not authorized to perform: ssm:SendCommand on resource: arn:aws:ec2:eu-west-1:111122223333:instance/i-0c3d4e5f60718293a because no identity-based policy allows the ssm:SendCommand action",
            },
          },
        ),
      },
    ],
  },
});
