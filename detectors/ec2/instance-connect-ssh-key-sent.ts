import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, field, isIacPrincipal, param, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

const SOURCE = "ec2-instance-connect.amazonaws.com";

function instanceResource(record: CloudTrailRecord, instanceId: string): FindingResource {
  return {
    type: "AWS::EC2::Instance",
    id: instanceId,
    arn: `arn:${partitionOf(record.awsRegion)}:ec2:${record.awsRegion}:${record.recipientAccountId}:instance/${instanceId}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

/** The key's type and comment, never the key itself: enough to match it against authorized keys and the attacker's other traces. */
function keyLabel(key: string | undefined): string {
  if (!key) return "an SSH key";
  const [type, , ...comment] = key.trim().split(/\s+/);
  const note = comment.join(" ");
  return `an ${type ?? "SSH"} key${note ? ` ("${note}")` : ""}`;
}

const REGION = "eu-west-1";
const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtAlK45MAEWZ7MUY2QEmi3M6W+peGL3VCrc0qH54xRu";

function sendKey(
  eventID: string,
  eventTime: string,
  eventName: "SendSSHPublicKey" | "SendSerialConsoleSSHPublicKey",
  identity: Record<string, unknown>,
  request: Record<string, unknown>,
  options: { userAgent?: string; region?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: SOURCE,
    eventName,
    identity,
    region: options.region ?? REGION,
    requestParameters: request,
    responseElements: { success: true },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "ec2.instance-connect-ssh-key-sent",
  title: "SSH key pushed to an instance with EC2 Instance Connect outside infrastructure as code",
  severity: "medium",
  mitre: ["T1098.004", "T1021.004"],
  stratus: ["aws.lateral-movement.ec2-instance-connect", "aws.lateral-movement.ec2-serial-console-send-ssh-public-key"],
  pattern: {
    source: ["aws.ec2-instance-connect"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: [SOURCE],
      eventName: ["SendSSHPublicKey", "SendSerialConsoleSSHPublicKey"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline) || record.userIdentity.invokedBy !== undefined) return undefined;
    const instanceId = param(record, "instanceId");
    if (!instanceId) return undefined;
    const request = record.requestParameters ?? {};
    const keyValue = field(request, "sSHPublicKey") ?? field(request, "SSHPublicKey");
    const key = keyLabel(typeof keyValue === "string" ? keyValue : undefined);
    if (record.eventName === "SendSerialConsoleSSHPublicKey") {
      const port = field(request, "serialPort");
      return {
        summary: sentence(
          `${actorName(record)} pushed ${key} to the serial console${port === undefined ? "" : ` (port ${String(port)})`} of EC2 instance ${instanceId}, which reaches the instance without any network path.`,
        ),
        resources: [instanceResource(record, instanceId)],
      };
    }
    const user = param(record, "instanceOSUser");
    return {
      summary: sentence(`${actorName(record)} pushed ${key} for OS user ${user ?? "(unknown)"} to EC2 instance ${instanceId} with EC2 Instance Connect.`),
      resources: [instanceResource(record, instanceId)],
    };
  },
  runbook:
    "EC2 Instance Connect installs the given public key on the instance for 60 seconds, long enough to log in over SSH (SendSSHPublicKey) or to the serial " +
    "console (SendSerialConsoleSSHPublicKey, which needs no network path and bypasses security groups; it only works where serial console access was enabled for " +
    "the account, so check for EnableSerialConsoleAccess too). Anyone holding the private key gets a shell as the named OS user, and with it the instance role. " +
    "Check who pushed the key and from where, whether an SSH or serial session followed (the host's auth log, VPC flow logs to port 22, OpenTunnel for Instance " +
    "Connect Endpoints), and whether the same key went to other instances. If it was not an approved operator, revoke the caller's sessions, review the host for " +
    "persistence (new authorized_keys, users, cron) and rotate the instance-role sessions. Keys pushed by the baseline's IaC principals (image builds) and by AWS " +
    "services are not judged; people and workloads are, since a workload has no business opening shells. A refused call (errorCode such as AccessDenied, or " +
    "SerialConsoleAccessDisabledException) is not a finding: no key was installed.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's ec2-instance-connect: an IAM user pushes a key for ec2-user",
        record: sendKey(
          "6245b1e9-80ff-4889-9981-92332943ad4d",
          "2024-08-01T12:31:07Z",
          "SendSSHPublicKey",
          iamUser("arn:aws:iam::111122223333:user/christophe"),
          { instanceId: "i-0f7b2c4e6a8d0e1f2", instanceOSUser: "ec2-user", sSHPublicKey: ED25519 },
          { userAgent: USER_AGENTS.stratus, region: "us-east-1" },
        ),
      },
      {
        description: "Stratus Red Team's ec2-serial-console-send-ssh-public-key: a key pushed to serial port 0",
        record: sendKey(
          "577113a8-83ee-4a7f-b9a0-978463c87474",
          "2024-11-26T10:51:12Z",
          "SendSerialConsoleSSHPublicKey",
          iamUser("arn:aws:iam::111122223333:user/christophe"),
          { instanceId: "i-07c5cbc1114349db5", monitorMode: false, sSHPublicKey: ED25519, serialPort: 0 },
          { userAgent: USER_AGENTS.stratus, region: "us-east-1" },
        ),
      },
      {
        description: "A workload role pushes a key for ubuntu to another instance: no workload should open shells",
        record: sendKey(
          "09edfb51-6691-4bbf-b091-56a00ef18295",
          "2024-10-18T01:17:44Z",
          "SendSSHPublicKey",
          assumedRole("arn:aws:iam::111122223333:role/app/report-worker", "i-0a9b8c7d6e5f40312"),
          { instanceId: "i-0b1c2d3e4f5a60718", instanceOSUser: "ubuntu", sSHPublicKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDf3x root@report-worker" },
          { userAgent: USER_AGENTS.boto3 },
        ),
      },
    ],
    noMatch: [
      {
        description: "The Packer image-build role, listed as infrastructure as code, connects to its build instance",
        record: sendKey(
          "991210f8-26ad-4c67-88ff-8ab0b53ef205",
          "2024-10-18T06:02:19Z",
          "SendSSHPublicKey",
          assumedRole("arn:aws:iam::111122223333:role/iac/packer-build", "packer-1729231339"),
          { instanceId: "i-0c2d3e4f5a6b70819", instanceOSUser: "ec2-user", sSHPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpacker packer_6712" },
          { userAgent: "aws-sdk-go/1.55.5 (go1.22.6; linux; amd64) Packer/1.11.2" },
        ),
        baseline: { principals: { iac: ["arn:aws:iam::111122223333:role/iac/*"] } },
      },
      {
        description: "A serial-console key refused because serial console access is disabled for the account",
        record: sendKey(
          "53ac5817-9f72-4707-b8a6-a963437d65e2",
          "2024-10-18T07:45:30Z",
          "SendSerialConsoleSSHPublicKey",
          iamUser("arn:aws:iam::111122223333:user/j.smith"),
          { instanceId: "i-0d3e4f5a6b7c8091a", serialPort: 0, sSHPublicKey: ED25519 },
          { error: { code: "SerialConsoleAccessDisabledException", message: "Serial console access is disabled for this account." } },
        ),
      },
      {
        description: "An Instance Connect Endpoint tunnel opened without a key push: OpenTunnel is not watched here",
        record: apiCall({
          eventID: "b238ffa5-7711-432d-9786-d1553c457151",
          eventTime: "2024-10-18T07:50:02Z",
          eventSource: SOURCE,
          eventName: "OpenTunnel",
          identity: iamUser("arn:aws:iam::111122223333:user/j.smith"),
          region: REGION,
          requestParameters: { instanceConnectEndpointId: "eice-0a1b2c3d4e5f60718", remotePort: 22, privateIpAddress: "10.0.12.34" },
          responseElements: null,
        }),
      },
    ],
  },
});
