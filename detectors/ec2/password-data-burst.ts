import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, isIacPrincipal, param, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

/**
 * Five GetPasswordData calls by one principal in a 10-minute window. People
 * fetch the administrator password of the one Windows instance they are about
 * to log in to; a principal asking for several in minutes is harvesting RDP
 * passwords (Stratus Red Team makes 30 calls in seconds). Windows are aligned
 * to the epoch, so a burst split by a boundary needs five calls on one side.
 */
const COUNT = 5;
const WINDOW_SECONDS = 600;

function instanceResource(record: CloudTrailRecord, instanceId: string): FindingResource {
  const arn = `arn:${partitionOf(record.awsRegion)}:ec2:${record.awsRegion}:${record.recipientAccountId}:instance/${instanceId}`;
  return { type: "AWS::EC2::Instance", id: instanceId, arn, account: record.recipientAccountId, region: record.awsRegion };
}

const STRATUS_ROLE = "arn:aws:iam::111122223333:role/stratus-red-team-ec2-get-password-data-role";

export default defineDetector({
  id: "ec2.password-data-burst",
  title: "Windows administrator passwords requested for many EC2 instances",
  severity: "high",
  mitre: ["T1552"],
  stratus: ["aws.credential-access.ec2-get-password-data"],
  pattern: {
    source: ["aws.ec2"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["ec2.amazonaws.com"],
      eventName: ["GetPasswordData"],
    },
  },
  readOnlyEvents: true,
  threshold: { count: COUNT, windowSeconds: WINDOW_SECONDS, groupBy: "principal" },
  evaluate(record, { baseline }) {
    // A dry run only checks permissions and returns no password data.
    if (record.errorCode === "Client.DryRunOperation") return undefined;
    if (record.userIdentity.invokedBy || isIacPrincipal(record, baseline)) return undefined;
    const instance = param(record, "instanceId") ?? "(unknown instance)";
    const refused = record.errorCode ? ` and was refused (${record.errorCode})` : "";
    return {
      summary: sentence(
        `${actorName(record)} requested the Windows administrator password data of EC2 instance ${instance}${refused}, ` +
          `reaching ${COUNT} such requests in one ${WINDOW_SECONDS / 60}-minute window.`,
      ),
      resources: [instanceResource(record, instance)],
    };
  },
  remediation: "iam.quarantine-principal",
  runbook:
    "GetPasswordData returns a Windows instance's administrator password, encrypted with the instance's key pair; whoever also holds the private key " +
    "(or takes it from where it is stored) can log in over RDP. One principal asked for several instances' passwords within minutes. Refused calls count " +
    "too, and are the usual case: an attacker tries every instance with whatever credentials they hold (Stratus Red Team's ec2-get-password-data makes " +
    "30 refused calls), so a burst of Client.UnauthorizedOperation is a finding about the credentials, not about the instances. Dry runs " +
    "(Client.DryRunOperation) are not counted. Ask the owner of the principal whether a Windows fleet operation was under way; if not, quarantine the " +
    "principal, check whether any call succeeded (no errorCode) and for those instances rotate the administrator password and review RDP logons and " +
    "security-group changes since. IaC principals are not judged.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's ec2-get-password-data: a role without the permission asks for a made-up instance's password",
        record: apiCall({
          eventID: "c5e55f42-9b04-43d3-9072-674853aa7810",
          eventTime: "2024-10-08T07:59:19Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "GetPasswordData",
          identity: assumedRole(STRATUS_ROLE, "aws-go-sdk-1728374359903996000"),
          region: "ap-southeast-2",
          requestParameters: { instanceId: "i-hproo47ezlhz8pxv" },
          userAgent: USER_AGENTS.stratus,
          sourceIPAddress: "160.30.128.229",
          readOnly: true,
          error: {
            code: "Client.UnauthorizedOperation",
            message:
              "You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/stratus-red-team-ec2-get-password-data-role/aws-go-sdk-1728374359903996000 " +
              "is not authorized to perform: ec2:GetPasswordData on resource: arn:aws:ec2:ap-southeast-2:111122223333:instance/* because no identity-based policy allows the ec2:GetPasswordData action.",
          },
        }),
      },
      {
        description: "An IAM user's access key fetches the password data of a production Windows server",
        record: apiCall({
          eventID: "d01ae237-fb06-4ddb-a437-4f5294b6a7d2",
          eventTime: "2024-10-08T23:12:40Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "GetPasswordData",
          identity: iamUser("arn:aws:iam::111122223333:user/svc-backup"),
          region: "eu-central-1",
          requestParameters: { instanceId: "i-0d41f7a2c8b9e3056" },
          userAgent: USER_AGENTS.boto3,
          sourceIPAddress: "45.137.21.9",
          readOnly: true,
        }),
      },
    ],
    noMatch: [
      {
        description: "The deployment pipeline reads the password of a Windows instance it has just launched",
        baseline: { principals: { iac: ["arn:aws:iam::111122223333:role/ci/terraform-deployer"] } },
        record: apiCall({
          eventID: "e421ed8d-9d42-4565-ba37-6e0deed83fd9",
          eventTime: "2024-10-08T10:05:51Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "GetPasswordData",
          identity: assumedRole("arn:aws:iam::111122223333:role/ci/terraform-deployer", "github-actions-4821"),
          region: "eu-central-1",
          requestParameters: { instanceId: "i-0b3e6c9d1a2f45078" },
          userAgent: USER_AGENTS.terraform,
          readOnly: true,
        }),
      },
      {
        description: "A dry run, which only checks the permission and returns no password data",
        record: apiCall({
          eventID: "cb442ea0-c2b6-48cb-9256-b139b197ad36",
          eventTime: "2024-10-08T10:07:02Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "GetPasswordData",
          identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_WindowsOps_2c4e6a8b0d1f3e5a", "k.lee@example.com"),
          region: "eu-central-1",
          requestParameters: { instanceId: "i-0b3e6c9d1a2f45078" },
          userAgent: USER_AGENTS.cli,
          readOnly: true,
          error: { code: "Client.DryRunOperation", message: "Request would have succeeded, but DryRun flag is set." },
        }),
      },
    ],
  },
});
