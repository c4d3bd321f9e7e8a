import type { BaselineInput } from "../../core/baseline.js";
import { defineDetector } from "../../core/detector.js";
import { sourceOf } from "../../core/envelope.js";
import { apiNameOf, isSensitiveApi, SENSITIVE_APIS } from "../../core/sensitive-apis.js";
import { actorName, API_CALL, isServiceActivity, principalResource, profileFor, resourcesNamedBy, sentence } from "../common.js";
import { apiCall, assumedRole, iamDate, iamUser, PROD, USER_AGENTS, viaCloudFormation } from "../examples.js";

/**
 * The pattern names every service and event name of the sensitive list, so the
 * engine indexes it; their cross product is wider than the list (say
 * `iam:StopLogging`), and `evaluate` checks the exact pair.
 */
const SERVICES = [...new Set([...SENSITIVE_APIS].map((api) => `${api.split(":")[0]}.amazonaws.com`))].sort();
const EVENT_NAMES = [...new Set([...SENSITIVE_APIS].map((api) => api.split(":")[1]!))].sort();

const BATCH_ROLE = `arn:aws:iam::${PROD}:role/app/settlement-batch`;
const ONCALL = `arn:aws:iam::${PROD}:user/oncall-payments`;
const PLATFORM_ADMIN = `arn:aws:iam::${PROD}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a`;
const REGION = "eu-west-1";

const BASELINE = {
  accounts: { [PROD]: { name: "payments-prod", environment: "production" } },
  profiles: {
    [BATCH_ROLE]: { apis: ["secretsmanager:GetSecretValue"], regions: [REGION] },
    [ONCALL]: { apis: ["iam:CreateAccessKey"], regions: [REGION, "us-east-1"] },
    // One entry for the permission set in every account: keys may be ARN patterns.
    "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_PlatformAdmin_*": {
      apis: ["iam:CreateRole", "iam:AttachRolePolicy", "ssm:StartSession"],
      regions: [REGION],
    },
  },
} satisfies BaselineInput;

/** The batch role shares an EBS snapshot with an account outside the organisation. */
function shareSnapshot(eventID: string, eventTime: string) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "ec2.amazonaws.com",
    eventName: "ModifySnapshotAttribute",
    identity: assumedRole(BATCH_ROLE, "i-0d3f9a8b7c6e5d4c3"),
    region: REGION,
    sourceIPAddress: "192.0.2.181",
    userAgent: USER_AGENTS.cli,
    requestParameters: {
      snapshotId: "snap-0e4f1a2b3c4d5e6f7",
      createVolumePermission: { add: { items: [{ userId: "999988887777" }] } },
      attributeType: "CREATE_VOLUME_PERMISSION",
    },
    responseElements: { _return: true },
  });
}

/** A Platform Admin session stops the account trail. */
function stopTrail(eventID: string, eventTime: string) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "StopLogging",
    identity: assumedRole(PLATFORM_ADMIN, "j.doe@example.com"),
    region: REGION,
    requestParameters: { name: `arn:aws:cloudtrail:${REGION}:${PROD}:trail/payments-prod-audit` },
  });
}

export default defineDetector({
  id: "behaviour.first-sensitive-api-use",
  title: "Principal calls a sensitive API its learned profile has never seen it call",
  severity: "medium",
  mitre: ["T1078.004"],
  pattern: {
    source: SERVICES.map(sourceOf),
    "detail-type": [API_CALL],
    detail: { eventSource: SERVICES, eventName: EVENT_NAMES, errorCode: [{ exists: false }] },
  },
  readOnlyEvents: true,
  evaluate(record, { baseline }) {
    if (!isSensitiveApi(record) || isServiceActivity(record)) return undefined;
    const profile = profileFor(record, baseline);
    const api = apiNameOf(record);
    if (!profile || profile.apis.includes(api)) return undefined;
    const known = profile.apis.length > 0 ? `only ${profile.apis.join(", ")}` : "no sensitive API at all";
    return {
      summary: sentence(`${actorName(record)} called ${api} for the first time: its learned profile lists ${known}.`),
      resources: [principalResource(record), ...resourcesNamedBy(record)],
    };
  },
  runbook:
    "The principal called an API on the sensitive list (core/sensitive-apis.ts: identity, logging, exposure and secrets calls) that its learned profile " +
    "(baseline profiles, from `trailwarden baseline learn`, keyed by the role ARN for assumed roles or by an ARN pattern) does not list. A principal that " +
    "suddenly does something it never did is the behaviour of stolen credentials or of a changed job. Check what the call did (the other detectors may " +
    "already name it), where it came from (sourceIPAddress, userAgent) and what the principal did around it; ask its owner. If the new use is legitimate, " +
    "add the API to the principal's profile (or relearn); if not, revoke the principal's sessions and keys and undo the change. A refused call (errorCode) " +
    "is not a finding: profiles hold successful calls only, so a refusal would be new for ever. Calls AWS makes for a principal (invokedBy, service " +
    "principals, service-linked roles) are not the principal's behaviour. Principals without a profile are not judged (a learned baseline lists the " +
    "principals it saw), so under the default baseline, with no profiles, nothing is.",
  examples: {
    match: [
      {
        description: "A batch job's role, whose profile only reads a secret, shares an EBS snapshot with another account",
        record: shareSnapshot("8e1bd53f-a6d0-4843-b30e-b59cfc26a8df", "2025-02-11T15:41:07Z"),
        baseline: BASELINE,
      },
      {
        description: "A Platform Admin session, profiled by an ARN pattern, stops a trail, which it has never done",
        record: stopTrail("67ad1060-39a6-4505-8543-22fdfe8e1ff1", "2025-02-11T15:47:33Z"),
        baseline: BASELINE,
      },
    ],
    noMatch: [
      {
        description: "The snapshot share under the default baseline: no profiles, so nothing is judged",
        record: shareSnapshot("ab012d07-2f35-4d89-a8e8-f5868f4fbb55", "2025-02-11T15:52:18Z"),
      },
      {
        description: "The trail stop under the default baseline: not judged here (other detectors report it)",
        record: stopTrail("d1cadf42-c286-4120-9d4a-88aa6b059565", "2025-02-11T15:53:40Z"),
      },
      {
        description: "The on-call user rotates its own access key, which its profile has seen before",
        record: apiCall({
          eventID: "d1c0b11c-8bff-47ad-a577-24a348e223ef",
          eventTime: "2025-02-11T16:02:44Z",
          eventSource: "iam.amazonaws.com",
          eventName: "CreateAccessKey",
          identity: iamUser(ONCALL),
          requestParameters: { userName: "oncall-payments" },
          responseElements: {
            accessKey: { userName: "oncall-payments", accessKeyId: "AKIAQXMPL7T4KW9B2C6D", status: "Active", createDate: iamDate("2025-02-11T16:02:44Z") },
          },
        }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, profiles: { ...BASELINE.profiles, [ONCALL]: { apis: [], regions: [REGION, "us-east-1"] } } },
      },
      {
        description: "A Platform Admin session starts a Session Manager session: its profile, keyed by an ARN pattern, lists ssm:StartSession",
        record: apiCall({
          eventID: "91c61b29-6875-499f-8d57-c0d52ad66d64",
          eventTime: "2025-02-11T16:04:19Z",
          eventSource: "ssm.amazonaws.com",
          eventName: "StartSession",
          identity: assumedRole(PLATFORM_ADMIN, "j.doe@example.com"),
          region: REGION,
          requestParameters: { target: "i-0d3f9a8b7c6e5d4c3" },
          responseElements: {
            sessionId: "j.doe@example.com-0a1b2c3d4e5f60718",
            tokenValue: "Value hidden due to security reasons.",
            streamUrl: `wss://ssmmessages.${REGION}.amazonaws.com/v1/data-channel/j.doe@example.com-0a1b2c3d4e5f60718?role=publish_subscribe&cell-number=AAEAAQ`,
          },
        }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, profiles: { ...BASELINE.profiles, "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_PlatformAdmin_*": { apis: ["iam:CreateRole", "iam:AttachRolePolicy"], regions: [REGION] } } },
      },
      {
        description: "A principal without a profile creates a user: principals the learned baseline never saw are not judged",
        record: apiCall({
          eventID: "dc7b469c-d33f-4a03-9a24-f65b84ba2fcb",
          eventTime: "2025-02-11T16:06:02Z",
          eventSource: "iam.amazonaws.com",
          eventName: "CreateUser",
          identity: iamUser(`arn:aws:iam::${PROD}:user/svc-reporting`),
          requestParameters: { userName: "aws-support-sync" },
          responseElements: {
            user: { path: "/", userName: "aws-support-sync", userId: "AIDAQXMPL3N5RT7V9X2Z", arn: `arn:aws:iam::${PROD}:user/aws-support-sync`, createDate: iamDate("2025-02-11T16:06:02Z") },
          },
        }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, profiles: { ...BASELINE.profiles, [`arn:aws:iam::${PROD}:user/svc-reporting`]: { apis: [], regions: [REGION] } } },
      },
      {
        description: "The batch role's snapshot share refused: the learned profile holds successful calls only",
        record: apiCall({
          eventID: "aabc92dd-bdbe-4457-aa8e-ba2ba0a36113",
          eventTime: "2025-02-11T16:07:31Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "ModifySnapshotAttribute",
          identity: assumedRole(BATCH_ROLE, "i-0d3f9a8b7c6e5d4c3"),
          region: REGION,
          requestParameters: { snapshotId: "snap-0e4f1a2b3c4d5e6f7", createVolumePermission: { add: { items: [{ userId: "999988887777" }] } }, attributeType: "CREATE_VOLUME_PERMISSION" },
          error: {
            code: "Client.UnauthorizedOperation",
            message: `You are not authorized to perform this operation. User: arn:aws:sts::${PROD}:assumed-role/settlement-batch/i-0d3f9a8b7c6e5d4c3 is not authorized to perform: ec2:ModifySnapshotAttribute`,
          },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "The batch role describes the secret it reads every night: DescribeSecret is not on the sensitive list",
        record: apiCall({
          eventID: "630c937d-4112-4d09-894d-36170eb26d9c",
          eventTime: "2025-02-11T16:08:50Z",
          eventSource: "secretsmanager.amazonaws.com",
          eventName: "DescribeSecret",
          identity: assumedRole(BATCH_ROLE, "i-0d3f9a8b7c6e5d4c3"),
          region: REGION,
          readOnly: true,
          requestParameters: { secretId: "settlement/sftp-credentials" },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "CloudFormation writes a role's inline policy on the Platform Admin's behalf (invokedBy): the stack, not the person, made the call",
        record: apiCall({
          eventID: "67a84c85-67a7-40d4-944e-3a96a585ec5e",
          eventTime: "2025-02-11T16:10:12Z",
          eventSource: "iam.amazonaws.com",
          eventName: "PutRolePolicy",
          identity: viaCloudFormation(assumedRole(PLATFORM_ADMIN, "j.doe@example.com")),
          requestParameters: { roleName: "settlement-export-fn", policyName: "read-exports", policyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::payments-exports/*"}]}' },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
    ],
  },
});
