import { defineDetector } from "../../core/detector.js";
import { actorName, API_CALL, isIacPrincipal, param, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

/**
 * User data of five instances read by one principal in a 10-minute window.
 * Looking at one instance's start-up script is everyday work (the console's
 * "Edit user data" page reads it); reading it across instances is how tools
 * such as Pacu's ec2__download_userdata collect the credentials people put in
 * those scripts (Stratus Red Team reads 15). A single-event rule would flag
 * every engineer who opens the page.
 */
const COUNT = 5;
const WINDOW_SECONDS = 600;

const STRATUS_ROLE = "arn:aws:iam::111122223333:role/stratus-red-team-ec2-get-user-data-role";

export default defineDetector({
  id: "ec2.user-data-read",
  title: "EC2 user data read across several instances",
  severity: "medium",
  mitre: ["T1580", "T1552"],
  stratus: ["aws.discovery.ec2-download-user-data"],
  pattern: {
    source: ["aws.ec2"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["ec2.amazonaws.com"],
      eventName: ["DescribeInstanceAttribute"],
      requestParameters: { attribute: ["userData"] },
    },
  },
  readOnlyEvents: true,
  threshold: { count: COUNT, windowSeconds: WINDOW_SECONDS, groupBy: "principal" },
  evaluate(record, { baseline }) {
    if (record.errorCode === "Client.DryRunOperation") return undefined;
    // Terraform reads every managed instance's user data on each plan.
    if (record.userIdentity.invokedBy || isIacPrincipal(record, baseline)) return undefined;
    const instance = param(record, "instanceId") ?? "(unknown instance)";
    const arn = `arn:${partitionOf(record.awsRegion)}:ec2:${record.awsRegion}:${record.recipientAccountId}:instance/${instance}`;
    const refused = record.errorCode ? ` and was refused (${record.errorCode})` : "";
    return {
      summary: sentence(
        `${actorName(record)} read the user data of EC2 instance ${instance}${refused}, ` +
          `reaching ${COUNT} user-data reads in one ${WINDOW_SECONDS / 60}-minute window.`,
      ),
      resources: [{ type: "AWS::EC2::Instance", id: instance, arn, account: record.recipientAccountId, region: record.awsRegion }],
    };
  },
  runbook:
    "One principal read the userData attribute (DescribeInstanceAttribute) of several instances within minutes. User data holds the scripts an " +
    "instance runs at launch and, too often, the passwords, tokens and keys they use; collecting it across the fleet is a known credential-harvesting " +
    "step. Refused reads count too: trying instance after instance is the behaviour (Stratus Red Team's ec2-download-user-data is refused every time), " +
    "while a dry run (Client.DryRunOperation) is not counted. Ask the owner of the principal what the reads were for; if there is no answer, treat the " +
    "principal as compromised, decode the user data of the instances it read successfully, rotate any secret found there and move it to Secrets " +
    "Manager or Parameter Store. IaC principals (Terraform reads user data on every plan) are not judged.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's ec2-download-user-data: a role without the permission tries a made-up instance",
        record: apiCall({
          eventID: "4515ba91-96d4-46d1-887b-d36b21fe006b",
          eventTime: "2024-10-22T11:32:08Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "DescribeInstanceAttribute",
          identity: assumedRole(STRATUS_ROLE, "aws-go-sdk-1729596728004512000"),
          region: "us-east-1",
          requestParameters: { instanceId: "i-5c2a9e17", attribute: "userData" },
          userAgent: USER_AGENTS.stratus,
          sourceIPAddress: "203.0.113.201",
          readOnly: true,
          error: {
            code: "Client.UnauthorizedOperation",
            message:
              "You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/stratus-red-team-ec2-get-user-data-role/aws-go-sdk-1729596728004512000 " +
              "is not authorized to perform: ec2:DescribeInstanceAttribute on resource: arn:aws:ec2:us-east-1:111122223333:instance/i-5c2a9e17 because no identity-based policy allows the ec2:DescribeInstanceAttribute action.",
          },
        }),
      },
      {
        description: "An IAM user's key downloads a production instance's user data from the CLI",
        record: apiCall({
          eventID: "9421abfb-6556-42c4-a20d-f338f9cf4269",
          eventTime: "2024-10-22T23:51:44Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "DescribeInstanceAttribute",
          identity: iamUser("arn:aws:iam::111122223333:user/svc-inventory"),
          region: "eu-west-1",
          requestParameters: { instanceId: "i-0f3c9d2e1b4a56789", attribute: "userData" },
          userAgent: USER_AGENTS.cli,
          sourceIPAddress: "45.137.21.9",
          readOnly: true,
        }),
      },
    ],
    noMatch: [
      {
        description: "The console reading termination protection, another attribute of the same call",
        record: apiCall({
          eventID: "534e1b25-802c-4e2e-87a7-a4c07f99f0bb",
          eventTime: "2024-10-22T09:14:27Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "DescribeInstanceAttribute",
          identity: iamUser("arn:aws:iam::111122223333:user/pedro", { console: true }),
          region: "eu-west-1",
          requestParameters: { instanceId: "i-0f3c9d2e1b4a56789", attribute: "disableApiTermination" },
          userAgent: "console.ec2.amazonaws.com",
          readOnly: true,
        }),
      },
      {
        description: "Terraform refreshing the instances it manages during a plan",
        baseline: { principals: { iac: ["arn:aws:iam::111122223333:role/ci/terraform-deployer"] } },
        record: apiCall({
          eventID: "ba8d171a-6874-40b4-bfdd-07f217a1f784",
          eventTime: "2024-10-22T10:02:15Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "DescribeInstanceAttribute",
          identity: assumedRole("arn:aws:iam::111122223333:role/ci/terraform-deployer", "github-actions-5120"),
          region: "eu-west-1",
          requestParameters: { instanceId: "i-0f3c9d2e1b4a56789", attribute: "userData" },
          userAgent: USER_AGENTS.terraform,
          readOnly: true,
        }),
      },
    ],
  },
});
