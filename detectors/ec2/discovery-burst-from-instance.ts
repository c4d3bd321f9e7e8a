import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { API_CALL, isReadOnlyCall, sentence } from "../common.js";
import { apiCall, assumedRole, bucketParams, iamUser, s3Extras, USER_AGENTS, type Identity } from "../examples.js";

/**
 * Fifty control-plane reads from one instance in a 5-minute window. Counted
 * per instance, not per role, so a fleet sharing a role does not add up. A
 * workload repeats a few calls at a steady rate; enumeration tools (Pacu,
 * ScoutSuite, enumerate-iam) make hundreds across services in minutes.
 * Data-plane reads (S3 GetObject and the like) are not counted: a busy
 * application makes thousands.
 */
const COUNT = 50;
const WINDOW_SECONDS = 300;

/** EC2 names a session of instance credentials after the instance (CLOUDTRAIL.md: "Identity"). */
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

function isDataEvent(record: CloudTrailRecord): boolean {
  return record.managementEvent === false || record.eventCategory === "Data";
}

/** The instance the session belongs to, or the role when the session name is not an instance id. */
function sourceOf(record: CloudTrailRecord): { name: string; resource: FindingResource } {
  const identity = record.userIdentity;
  const account = identity.accountId ?? record.recipientAccountId;
  const session = identity.arn?.split("/").pop() ?? "";
  const issuer = identity.sessionContext?.sessionIssuer;
  const role = issuer?.userName ?? identity.arn ?? "(unknown role)";
  if (INSTANCE_ID.test(session)) {
    return { name: `instance ${session} (role ${role})`, resource: { type: "AWS::EC2::Instance", id: session, account } };
  }
  return { name: `role ${role} (session ${session || "unknown"})`, resource: { type: "AWS::IAM::Role", id: role, ...(issuer?.arn ? { arn: issuer.arn } : {}), account } };
}

const ROLE = "arn:aws:iam::111122223333:role/app/orders-api";
const INSTANCE = "i-0a7c3e91d45b2f086";
const REGION = "eu-west-1";
const ON_INSTANCE = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.84-99.169.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off";

function instanceCredentials(roleArn: string, instanceId: string): Identity {
  const identity = assumedRole(roleArn, instanceId);
  return { ...identity, sessionContext: { ...(identity.sessionContext as Record<string, unknown>), ec2RoleDelivery: "2.0" } };
}

export default defineDetector({
  id: "ec2.discovery-burst-from-instance",
  title: "Burst of discovery calls from an EC2 instance's credentials",
  severity: "medium",
  mitre: ["T1580", "T1526"],
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
  readOnlyEvents: true,
  threshold: { count: COUNT, windowSeconds: WINDOW_SECONDS, groupBy: "principal-and-resource" },
  evaluate(record) {
    if (record.userIdentity.invokedBy || isDataEvent(record) || !isReadOnlyCall(record)) return undefined;
    const { name, resource } = sourceOf(record);
    const call = `${record.eventSource.replace(/\.amazonaws\.com$/, "")}:${record.eventName}`;
    const refused = record.errorCode ? ` (refused: ${record.errorCode})` : "";
    return {
      summary: sentence(`The credentials of ${name} called ${call}${refused}, reaching ${COUNT} read calls from that instance in one ${WINDOW_SECONDS / 60}-minute window.`),
      resources: [resource],
    };
  },
  runbook:
    "A session of instance credentials (ec2RoleDelivery in the session context) made many Describe/List/Get calls within minutes. Workloads call a " +
    "narrow, steady set of APIs; a sudden sweep across services (IAM users and roles, buckets, snapshots, trails, GuardDuty detectors: what Stratus " +
    "Red Team's ec2-enumerate-from-instance runs through SSM) means someone is exploring the account from the instance or with its keys. Refused calls " +
    "count, since enumeration produces many. List the session's calls in the window by service: breadth points to enumeration, a single repeated call to " +
    "an application loop. For enumeration, isolate the instance (security group with no rules, keep it running for forensics), revoke the role's " +
    "sessions issued before now, and look for how access was gained (SSM sessions, SSH, the application). Data-plane reads such as S3 GetObject are not " +
    "counted; calls services make on the instance's behalf (invokedBy) are not counted either.",
  examples: {
    match: [
      {
        description: "A shell on the instance lists the account's IAM users with the instance role, as Stratus Red Team's ec2-enumerate-from-instance does",
        record: apiCall({
          eventID: "4bfc9dda-4033-4f2e-a153-a8fe6121f766",
          eventTime: "2024-11-12T15:20:41Z",
          eventSource: "iam.amazonaws.com",
          eventName: "ListUsers",
          identity: instanceCredentials(ROLE, INSTANCE),
          requestParameters: null,
          userAgent: `${ON_INSTANCE} exec-env/stratus-red-team_83b1f5c2-46a7-4d0e-9f1b-2c7a8e3d5f60 command/iam.list-users`,
          sourceIPAddress: "52.30.118.204",
          readOnly: true,
        }),
      },
      {
        description: "The same session is refused snapshots: denied reads count toward the burst",
        record: apiCall({
          eventID: "5dfc358d-af37-43a0-ad85-15b09209d450",
          eventTime: "2024-11-12T15:20:49Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "DescribeSnapshots",
          identity: instanceCredentials(ROLE, INSTANCE),
          region: REGION,
          requestParameters: { snapshotSet: {}, ownersSet: {}, sharedUsersSet: {}, filterSet: {} },
          userAgent: `${ON_INSTANCE} command/ec2.describe-snapshots`,
          sourceIPAddress: "52.30.118.204",
          readOnly: true,
          error: { code: "Client.UnauthorizedOperation", message: "You are not authorized to perform this operation." },
        }),
      },
    ],
    noMatch: [
      {
        description: "The application reading an object: a data-plane read, made thousands of times a day",
        record: {
          ...apiCall({
            eventID: "dd2c085a-3ac3-4de0-b517-532a02246ec6",
            eventTime: "2024-11-12T15:21:02Z",
            eventSource: "s3.amazonaws.com",
            eventName: "GetObject",
            identity: instanceCredentials(ROLE, INSTANCE),
            region: REGION,
            requestParameters: bucketParams("acme-prod-invoices", REGION, { key: "2024/11/12/batch-0042.json" }),
            userAgent: USER_AGENTS.boto3,
            sourceIPAddress: "10.20.3.117",
            readOnly: true,
            ...s3Extras("acme-prod-invoices"),
          }),
          managementEvent: false,
          eventCategory: "Data",
        },
      },
      {
        description: "The instance tagging itself after a deployment: a write, not discovery",
        record: apiCall({
          eventID: "ba13f457-d6ef-4b51-809a-77966f99f42f",
          eventTime: "2024-11-12T15:21:30Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "CreateTags",
          identity: instanceCredentials(ROLE, INSTANCE),
          region: REGION,
          requestParameters: { resourcesSet: { items: [{ resourceId: INSTANCE }] }, tagSet: { items: [{ key: "last-deploy", value: "2024-11-12" }] } },
          userAgent: USER_AGENTS.boto3,
          sourceIPAddress: "10.20.3.117",
          responseElements: { requestId: "6c4a3e2b-7f1d-4b8e-9a05-3d2c1b0e9f87", _return: true },
        }),
      },
      {
        description: "An IAM user listing users from a laptop: discovery, but not by instance credentials",
        record: apiCall({
          eventID: "562e5c90-9109-41fc-b783-8080b4863239",
          eventTime: "2024-11-12T15:22:05Z",
          eventSource: "iam.amazonaws.com",
          eventName: "ListUsers",
          identity: iamUser("arn:aws:iam::111122223333:user/pedro"),
          requestParameters: null,
          readOnly: true,
        }),
      },
    ],
  },
});
