import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { accountResource, actorName, API_CALL, isConsoleSession, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

/**
 * Twenty refused calls by one principal in a 10-minute window. A workload
 * missing a permission fails on the same call, and a person hits a handful of
 * denials; twenty across the account in minutes is someone finding out what
 * stolen credentials may do (enumerate-iam style tools make hundreds).
 */
const COUNT = 20;
const WINDOW_SECONDS = 600;

/** How services spell a refusal in errorCode: Query APIs, JSON APIs, and EC2 with and without its Client. prefix. */
const DENIED = ["AccessDenied", "AccessDeniedException", "Client.UnauthorizedOperation", "UnauthorizedOperation"];

/** The principal the finding is about: the role or user itself, or the account for the root user and others. */
function principalResource(record: CloudTrailRecord): FindingResource {
  const identity = record.userIdentity;
  const account = identity.accountId ?? record.recipientAccountId;
  const issuer = identity.sessionContext?.sessionIssuer;
  if (identity.type === "AssumedRole" && issuer?.userName) {
    return { type: "AWS::IAM::Role", id: issuer.userName, ...(issuer.arn ? { arn: issuer.arn } : {}), account };
  }
  if (identity.type === "IAMUser" && identity.userName) {
    return { type: "AWS::IAM::User", id: identity.userName, ...(identity.arn ? { arn: identity.arn } : {}), account };
  }
  return accountResource(record);
}

/** Unauthenticated requests (S3 from the internet) have no principal to hold to account. */
function isAnonymous(record: CloudTrailRecord): boolean {
  const identity = record.userIdentity;
  return identity.accountId === "anonymous" || identity.principalId === "ANONYMOUS_PRINCIPAL";
}

const LEAKED_USER = "arn:aws:iam::111122223333:user/svc-legacy-sync";

export default defineDetector({
  id: "iam.access-denied-storm",
  title: "Burst of access-denied errors from one principal",
  severity: "medium",
  mitre: ["T1580", "T1087.004"],
  pattern: {
    source: [{ prefix: "aws." }],
    "detail-type": [API_CALL],
    detail: { errorCode: DENIED },
  },
  // Denied reads (List*, Describe*, Get*) are most of what trial-and-error discovery produces.
  readOnlyEvents: true,
  threshold: { count: COUNT, windowSeconds: WINDOW_SECONDS, groupBy: "principal" },
  evaluate(record) {
    // The console fires reads for every widget of a page; a role that may not read them all collects denials by browsing.
    if (record.userIdentity.invokedBy || isConsoleSession(record) || isAnonymous(record)) return undefined;
    const call = `${record.eventSource.replace(/\.amazonaws\.com$/, "")}:${record.eventName}`;
    return {
      summary: sentence(
        `${actorName(record)} was refused ${call} (${record.errorCode}), reaching ${COUNT} refused calls in one ${WINDOW_SECONDS / 60}-minute window.`,
      ),
      resources: [principalResource(record)],
    };
  },
  runbook:
    "One principal was refused many calls within minutes (AccessDenied, AccessDeniedException, Client.UnauthorizedOperation). Every event here is a " +
    "failed call, and that is the point: an attacker holding unfamiliar credentials learns what they allow by trying (enumerate-iam, Pacu, Stratus " +
    "Red Team's discovery techniques), and the refusals are the trace. List the principal's calls in the window, refused and allowed: many services and " +
    "read calls point to enumeration, one call repeated points to a workload missing a permission after a deployment or policy change. For enumeration, " +
    "treat the credentials as stolen: find where they were used from (sourceIPAddress, userAgent), deactivate the access key or revoke the role's " +
    "sessions, and review what the allowed calls read. Console browsing (sessions from the console), calls services make on a principal's behalf " +
    "(invokedBy) and anonymous requests are not counted.",
  examples: {
    match: [
      {
        description: "A leaked access key tries to list the account's users from a VPS",
        record: apiCall({
          eventID: "8f71d6e2-1203-4914-bb0f-ce6311e387cc",
          eventTime: "2024-12-02T04:17:26Z",
          eventSource: "iam.amazonaws.com",
          eventName: "ListUsers",
          identity: iamUser(LEAKED_USER),
          requestParameters: null,
          userAgent: USER_AGENTS.boto3,
          sourceIPAddress: "193.32.162.77",
          readOnly: true,
          error: {
            code: "AccessDenied",
            message:
              "User: arn:aws:iam::111122223333:user/svc-legacy-sync is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::111122223333:user/ because no identity-based policy allows the iam:ListUsers action",
          },
        }),
      },
      {
        description: "The same key refused an EC2 read, which EC2 reports as Client.UnauthorizedOperation",
        record: apiCall({
          eventID: "6b474ef2-46c3-4887-8697-0941facd3bac",
          eventTime: "2024-12-02T04:17:31Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "DescribeSnapshots",
          identity: iamUser(LEAKED_USER),
          region: "eu-west-1",
          requestParameters: { snapshotSet: {}, ownersSet: { items: [{ owner: "self" }] }, sharedUsersSet: {}, filterSet: {} },
          userAgent: USER_AGENTS.boto3,
          sourceIPAddress: "193.32.162.77",
          readOnly: true,
          error: { code: "Client.UnauthorizedOperation", message: "You are not authorized to perform this operation." },
        }),
      },
    ],
    noMatch: [
      {
        description: "An engineer browsing the console sees a page her role may not read",
        record: apiCall({
          eventID: "0f5d4dc2-3d82-43fa-bc8a-225947f23366",
          eventTime: "2024-12-02T09:03:12Z",
          eventSource: "guardduty.amazonaws.com",
          eventName: "ListDetectors",
          identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_5e3c1a9b7d2f4068", "a.smith@example.com"),
          region: "eu-west-1",
          requestParameters: null,
          userAgent: USER_AGENTS.console,
          readOnly: true,
          error: {
            code: "AccessDeniedException",
            message: "User: arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ReadOnly_5e3c1a9b7d2f4068/a.smith@example.com is not authorized to perform: guardduty:ListDetectors",
          },
        }),
      },
      {
        description: "A throttled call: an error, but not a refusal",
        record: apiCall({
          eventID: "5c927fa8-9251-4374-a556-90beb28d4743",
          eventTime: "2024-12-02T09:05:40Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "DescribeInstances",
          identity: assumedRole("arn:aws:iam::111122223333:role/platform/cluster-autoscaler", "1733130340123456789"),
          region: "eu-west-1",
          requestParameters: { instancesSet: {}, filterSet: {} },
          userAgent: USER_AGENTS.boto3,
          readOnly: true,
          error: { code: "Client.RequestLimitExceeded", message: "Request limit exceeded." },
        }),
      },
      {
        description: "CloudFormation refused a call it made for the stack's deployer",
        record: apiCall({
          eventID: "fab7042b-0177-41fb-84de-0298d4a9db8d",
          eventTime: "2024-12-02T09:07:18Z",
          eventSource: "iam.amazonaws.com",
          eventName: "GetRole",
          identity: { ...assumedRole("arn:aws:iam::111122223333:role/platform/cfn-exec", "AWSCloudFormation"), invokedBy: "cloudformation.amazonaws.com" },
          requestParameters: { roleName: "orders-api" },
          readOnly: true,
          error: {
            code: "AccessDenied",
            message: "User: arn:aws:sts::111122223333:assumed-role/cfn-exec/AWSCloudFormation is not authorized to perform: iam:GetRole on resource: role orders-api",
          },
        }),
      },
    ],
  },
});
