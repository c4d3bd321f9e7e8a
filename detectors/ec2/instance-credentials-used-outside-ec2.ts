import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { ipInCidr } from "../../core/pattern-ip.js";
import { API_CALL, sentence } from "../common.js";
import { apiCall, assumedRole, bucketParams, iamUser, s3Extras, USER_AGENTS, type Identity } from "../examples.js";

/** EC2 names a session of instance credentials after the instance (CLOUDTRAIL.md: "Identity"). */
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

/**
 * Desktop operating systems as the AWS CLI, the SDKs and PowerShell name them
 * in their user agents ("Darwin/23.4.0", "os/macos#14.4", "os/windows#10",
 * "OS/Microsoft_Windows_NT_10.0…"), and the penetration-testing distributions
 * whose kernels carry their name. The instance itself calls with the user
 * agent of its own OS: for Linux fleets that is never one of these.
 */
const WORKSTATIONS: readonly (readonly [RegExp, string])[] = [
  [/\bDarwin\/|\bos\/(macos|darwin)\b|\bmacOS\b|Mac[ _]OS[ _]X|Macintosh/i, "a macOS machine"],
  [/\bWindows\b|Windows_NT|\bos\/win(dows|32)\b/i, "a Windows machine"],
  [/[.\-\d]kali|\bkali[-/]|parrot/i, "a penetration-testing Linux distribution"],
];

function workstation(userAgent: string | undefined): string | undefined {
  if (!userAgent) return undefined;
  return WORKSTATIONS.find(([agent]) => agent.test(userAgent))?.[1];
}

/** The client's first product token, "aws-cli/1.18.136" out of "[aws-cli/1.18.136 Python/3.8.5 …]". */
function client(userAgent: string): string {
  return userAgent.replace(/^\[/, "").split(/\s+/)[0] ?? userAgent;
}

function instanceAndRole(record: CloudTrailRecord): { instance?: string; role: string; resources: FindingResource[] } {
  const identity = record.userIdentity;
  const issuer = identity.sessionContext?.sessionIssuer;
  const account = identity.accountId ?? record.recipientAccountId;
  const session = identity.arn?.split("/").pop() ?? identity.principalId?.split(":").pop();
  const instance = session && INSTANCE_ID.test(session) ? session : undefined;
  const role = issuer?.userName ?? identity.arn ?? "(unknown role)";
  const resources: FindingResource[] = [{ type: "AWS::IAM::Role", id: role, ...(issuer?.arn ? { arn: issuer.arn } : {}), account }];
  // The instance lives in the role's account; its region is not in the record (the call may go to any region).
  if (instance) resources.push({ type: "AWS::EC2::Instance", id: instance, account });
  return { instance, role, resources };
}

const ROLE = "arn:aws:iam::111122223333:role/app/orders-api";
const INSTANCE = "i-0a7c3e91d45b2f086";
const REGION = "eu-west-1";

/** A role session whose credentials EC2 delivered to an instance through its metadata service. */
function instanceCredentials(roleArn: string, instanceId: string, delivery = "2.0"): Identity {
  const identity = assumedRole(roleArn, instanceId);
  const context = identity.sessionContext as Record<string, unknown>;
  return { ...identity, sessionContext: { ...context, ec2RoleDelivery: delivery } };
}

export default defineDetector({
  id: "ec2.instance-credentials-used-outside-ec2",
  title: "EC2 instance credentials used from a workstation",
  severity: "high",
  mitre: ["T1552.005", "T1078.004"],
  // Stratus sends its own user agent, with no OS in it: its detonation is found when it runs from a network listed in networks.human.
  stratus: ["aws.credential-access.ec2-steal-instance-credentials"],
  pattern: {
    source: [{ prefix: "aws." }],
    "detail-type": [API_CALL],
    detail: {
      userIdentity: {
        type: ["AssumedRole"],
        sessionContext: { ec2RoleDelivery: [{ exists: true }] },
      },
    },
  },
  // Any call can be the stolen credentials' first: reads (GetCallerIdentity, ListBuckets) above all.
  readOnlyEvents: true,
  evaluate(record, { baseline }) {
    if (record.userIdentity.invokedBy) return undefined;
    const agent = record.userAgent ?? "";
    const machine = workstation(agent);
    const ip = record.sourceIPAddress ?? "";
    const office = machine ? undefined : baseline.networks.human.find((cidr) => ipInCidr(ip, cidr));
    if (!machine && !office) return undefined;
    const { instance, role, resources } = instanceAndRole(record);
    const whose = instance ? `role ${role} (instance ${instance})` : `role ${role}`;
    const from = machine ? `${machine} (${client(agent)}, ${ip || "unknown address"})` : `${ip}, inside the people's network ${office}`;
    const call = `${record.eventSource.replace(/\.amazonaws\.com$/, "")}:${record.eventName}`;
    const refused = record.errorCode ? `, which AWS refused (${record.errorCode})` : "";
    return {
      summary: sentence(`EC2 instance credentials of ${whose} were used from ${from} to call ${call}${refused}.`),
      resources,
    };
  },
  runbook:
    "Credentials that EC2 delivers to an instance (ec2RoleDelivery in the session context, the instance id as session name) belong on that instance; " +
    "here the same session called AWS with the user agent of a desktop OS (macOS, Windows, or a penetration-testing distribution) or from an address in " +
    "the baseline's networks.human, so the keys were most likely read from the instance metadata service (SSRF, a compromised process, a proxy as in the " +
    "OTRF dataset) and replayed elsewhere. GuardDuty's InstanceCredentialExfiltration findings judge the same from source addresses; Stratus Red Team's " +
    "ec2-steal-instance-credentials simulates it with its own user agent, which names no OS: it is found only when run from a networks.human address. " +
    "Check whether the instance runs Windows or " +
    "is an EC2 Mac instance (its own calls then look like this: add a baseline exception for the role); otherwise revoke the role's sessions issued " +
    "before now (an inline deny on aws:TokenIssueTime), require IMDSv2 on the instance (ec2RoleDelivery 1.0 means IMDSv1 delivered these keys), find " +
    "how the metadata service was reached, and review every call of this session (same accessKeyId) for data access such as S3 reads. A refused call " +
    "is still a finding: the keys left the instance whatever they were allowed to do.",
  examples: {
    match: [
      {
        description: "Keys lifted from an instance's metadata service list the account's buckets from a Mac with the AWS CLI",
        record: apiCall({
          eventID: "12e414f0-6cbd-4eb9-abaa-2ac12e6ec114",
          eventTime: "2024-09-03T02:14:37Z",
          eventSource: "s3.amazonaws.com",
          eventName: "ListBuckets",
          identity: instanceCredentials(ROLE, INSTANCE, "1.0"),
          region: REGION,
          requestParameters: { Host: `s3.${REGION}.amazonaws.com` },
          userAgent: USER_AGENTS.cli,
          sourceIPAddress: "185.220.101.47",
          readOnly: true,
          additionalEventData: { SignatureVersion: "SigV4", CipherSuite: "TLS_AES_128_GCM_SHA256", bytesTransferredIn: 0, AuthenticationMethod: "AuthHeader", bytesTransferredOut: 1187 },
        }),
      },
      {
        description: "The same kind of session checks who it is from Windows PowerShell before anything else",
        record: apiCall({
          eventID: "9883b395-95cc-4433-a645-77d0adba0175",
          eventTime: "2024-09-03T02:11:05Z",
          eventSource: "sts.amazonaws.com",
          eventName: "GetCallerIdentity",
          identity: instanceCredentials("arn:aws:iam::111122223333:role/ci/build-runner", "i-05d2e8b1c9f37a640"),
          region: REGION,
          userAgent:
            "AWSPowerShell.Common/4.1.532.0 .NET_Runtime/4.0 .NET_Framework/4.0 OS/Microsoft_Windows_NT_10.0.22631.0 WindowsPowerShell/5.0 ClientAsync",
          sourceIPAddress: "91.214.124.19",
          readOnly: true,
        }),
      },
      {
        description: "Instance credentials used from a Linux laptop on the office network the baseline lists for people",
        baseline: { networks: { human: ["203.0.113.0/24"] } },
        record: apiCall({
          eventID: "c98302ae-2a5d-4f08-b9de-7ff6d24a1da4",
          eventTime: "2024-09-04T09:42:18Z",
          eventSource: "s3.amazonaws.com",
          eventName: "GetObject",
          identity: instanceCredentials(ROLE, INSTANCE),
          region: REGION,
          requestParameters: bucketParams("acme-prod-invoices", REGION, { key: "2024/08/invoices.csv" }),
          userAgent: USER_AGENTS.boto3,
          sourceIPAddress: "203.0.113.58",
          readOnly: true,
          ...s3Extras("acme-prod-invoices"),
        }),
      },
      {
        description:
          "Stratus Red Team's ec2-steal-instance-credentials run from the office: keys read through SSM from the metadata service, then used locally",
        baseline: { networks: { human: ["198.51.100.0/24"] } },
        record: apiCall({
          eventID: "e72037f7-7ea6-45c1-8ee4-5777822ab1b5",
          eventTime: "2024-09-05T13:07:22Z",
          eventSource: "sts.amazonaws.com",
          eventName: "GetCallerIdentity",
          identity: instanceCredentials("arn:aws:iam::111122223333:role/stratus-red-team-ec2-steal-credentials-role", "i-0e5b7d19a3c2f4086"),
          region: "us-east-1",
          userAgent: USER_AGENTS.stratus,
          sourceIPAddress: "198.51.100.73",
          readOnly: true,
        }),
      },
    ],
    noMatch: [
      {
        description: "The instance itself reads an object with its own credentials, from Amazon Linux",
        record: apiCall({
          eventID: "318b7fce-fb31-42e3-b025-c64437c463b8",
          eventTime: "2024-09-03T01:58:44Z",
          eventSource: "s3.amazonaws.com",
          eventName: "GetObject",
          identity: instanceCredentials(ROLE, INSTANCE),
          region: REGION,
          requestParameters: bucketParams("acme-prod-invoices", REGION, { key: "config/orders-api.json" }),
          userAgent: "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.84-99.169.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/s3.cp",
          sourceIPAddress: "10.20.3.117",
          readOnly: true,
          ...s3Extras("acme-prod-invoices"),
        }),
      },
      {
        description: "An engineer's SSO session on a Mac: a role session, but not one EC2 delivered",
        record: apiCall({
          eventID: "af39cc8f-d665-44b4-9608-8c7b60e4e977",
          eventTime: "2024-09-03T08:30:12Z",
          eventSource: "s3.amazonaws.com",
          eventName: "ListBuckets",
          identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataEngineer_9b8c7d6e5f4a3b2c", "r.roe@example.com"),
          region: REGION,
          requestParameters: { Host: `s3.${REGION}.amazonaws.com` },
          userAgent: USER_AGENTS.cli,
          readOnly: true,
        }),
      },
      {
        description: "An IAM user with a long-term key on a Mac: no instance credentials involved",
        record: apiCall({
          eventID: "9b3f4bef-3e47-4e43-9536-6a53c5ccc66c",
          eventTime: "2024-09-03T08:31:40Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "DescribeInstances",
          identity: iamUser("arn:aws:iam::111122223333:user/pedro"),
          region: REGION,
          requestParameters: { instancesSet: {}, filterSet: {} },
          userAgent: USER_AGENTS.cli,
          readOnly: true,
        }),
      },
    ],
  },
});
