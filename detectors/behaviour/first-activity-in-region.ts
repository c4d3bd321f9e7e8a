import type { BaselineInput } from "../../core/baseline.js";
import { defineDetector } from "../../core/detector.js";
import { DETAIL_TYPES } from "../../core/envelope.js";
import { apiNameOf } from "../../core/sensitive-apis.js";
import { actorName, API_CALL, isGlobalServiceEvent, isServiceActivity, principalResource, profileFor, resourcesNamedBy, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, PROD, USER_AGENTS } from "../examples.js";

const BATCH_ROLE = `arn:aws:iam::${PROD}:role/app/settlement-batch`;
const DEVELOPER = `arn:aws:iam::${PROD}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Developer_1a2b3c4d5e6f7a8b`;

const BASELINE = {
  accounts: { [PROD]: { name: "payments-prod", environment: "production" } },
  profiles: {
    [BATCH_ROLE]: { apis: ["secretsmanager:GetSecretValue"], regions: ["eu-west-1"] },
    "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Developer_*": { regions: ["eu-west-1", "eu-central-1"] },
  },
} satisfies BaselineInput;

/** The batch role's credentials listing instances in us-west-2. */
function describeInOregon(eventID: string, eventTime: string, region = "us-west-2") {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "ec2.amazonaws.com",
    eventName: "DescribeInstances",
    identity: assumedRole(BATCH_ROLE, "i-0d3f9a8b7c6e5d4c3"),
    region,
    sourceIPAddress: "192.0.2.181",
    userAgent: USER_AGENTS.cli,
    readOnly: true,
    requestParameters: { instancesSet: {}, filterSet: {} },
  });
}

/** A developer's Identity Center session creates a bucket in Singapore. */
function bucketInSingapore(eventID: string, eventTime: string) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "s3.amazonaws.com",
    eventName: "CreateBucket",
    identity: assumedRole(DEVELOPER, "a.singh@example.com"),
    region: "ap-southeast-1",
    requestParameters: {
      bucketName: "payments-scratch-a-singh",
      Host: "payments-scratch-a-singh.s3.ap-southeast-1.amazonaws.com",
      CreateBucketConfiguration: { LocationConstraint: "ap-southeast-1", xmlns: "http://s3.amazonaws.com/doc/2006-03-01/" },
    },
    resources: [{ accountId: PROD, type: "AWS::S3::Bucket", ARN: "arn:aws:s3:::payments-scratch-a-singh" }],
  });
}

export default defineDetector({
  id: "behaviour.first-activity-in-region",
  title: "Principal acts in a region its learned profile has never seen it in",
  severity: "low",
  mitre: ["T1535"],
  pattern: {
    source: [{ prefix: "aws." }],
    "detail-type": [API_CALL, DETAIL_TYPES.AwsConsoleAction],
    detail: { errorCode: [{ exists: false }], userIdentity: { invokedBy: [{ exists: false }] } },
  },
  readOnlyEvents: true,
  threshold: { count: 1, windowSeconds: 3600, groupBy: "principal" },
  evaluate(record, { baseline }) {
    // `baseline learn` counts no STS event in a profile's regions, wherever recorded: judging them would report what it cannot learn.
    if (isGlobalServiceEvent(record) || record.eventSource === "sts.amazonaws.com" || isServiceActivity(record)) return undefined;
    const profile = profileFor(record, baseline);
    if (!profile || profile.regions.includes(record.awsRegion)) return undefined;
    const known = profile.regions.length > 0 ? profile.regions.join(", ") : "no region";
    return {
      summary: sentence(`${actorName(record)} acted in ${record.awsRegion} for the first time (${apiNameOf(record)}): its learned profile lists ${known}.`),
      resources: [principalResource(record), ...resourcesNamedBy(record)],
    };
  },
  runbook:
    "A principal with a learned profile (baseline profiles, keyed by the role ARN for assumed roles or by an ARN pattern) acted in a region its profile " +
    "does not list. Stolen credentials are often tried in other regions first, where nobody looks; a changed job or a new deployment region is the benign " +
    "reading. The finding names the first such call of the principal in the hour: list what the principal did in that region since, and whether it created " +
    "anything there. Ask the owner; add the region to the profile (or relearn) if it is expected, otherwise revoke the principal's sessions and clean up. " +
    "The organisation-wide list is judged by changes.activity-outside-allowed-regions; this one is per principal, so an allowed region can still be new to it. " +
    "Global-service events recorded in their home region, console sign-ins and every STS call (which `baseline learn` does not count) are not judged, nor " +
    "are calls AWS makes for itself or for a principal. A refused call (errorCode) is not a finding, since profiles hold successful calls only; a profile " +
    "that lists no region makes every regional call a finding. Principals without a profile are not judged, so under the default baseline nothing is.",
  examples: {
    match: [
      {
        description: "A batch job's role, only ever seen in eu-west-1, lists instances in us-west-2",
        record: describeInOregon("518d905e-f7a3-4843-a276-2cd33f663779", "2025-03-04T10:41:52Z"),
        baseline: BASELINE,
      },
      {
        description: "A developer's session, profiled by its permission set's pattern, creates a bucket in ap-southeast-1",
        record: bucketInSingapore("fdf76bc9-2909-46e8-baed-c758b8b8474e", "2025-03-04T10:46:18Z"),
        baseline: BASELINE,
      },
    ],
    noMatch: [
      {
        description: "The us-west-2 listing under the default baseline: no profiles, so nothing is judged",
        record: describeInOregon("b529a5f5-5909-484f-9c21-4ea91a0b6227", "2025-03-04T10:51:07Z"),
      },
      {
        description: "The bucket in ap-southeast-1 under the default baseline: not judged either",
        record: bucketInSingapore("f0252809-6cd8-4738-9b13-888ed2b07f5d", "2025-03-04T10:52:29Z"),
      },
      {
        description: "The batch role in eu-west-1, where its profile has seen it",
        record: describeInOregon("817d0d0f-6144-4b65-9c4a-c9ad5b5bc245", "2025-03-04T11:02:10Z", "eu-west-1"),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, profiles: { ...BASELINE.profiles, [BATCH_ROLE]: { apis: ["secretsmanager:GetSecretValue"], regions: ["eu-central-1"] } } },
      },
      {
        description: "A developer in eu-central-1, listed by the permission set's pattern profile",
        record: apiCall({
          eventID: "58c8d827-c48a-428d-897c-b8b7899d0526",
          eventTime: "2025-03-04T11:03:36Z",
          eventSource: "lambda.amazonaws.com",
          eventName: "ListFunctions20150331",
          identity: assumedRole(DEVELOPER, "a.singh@example.com"),
          region: "eu-central-1",
          readOnly: true,
          requestParameters: null,
        }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, profiles: { ...BASELINE.profiles, "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Developer_*": { regions: ["eu-west-1"] } } },
      },
      {
        description: "The batch role calls IAM, recorded in us-east-1 whatever region it works in",
        record: apiCall({
          eventID: "cecf54af-fa69-4613-a215-5c1177cfadb8",
          eventTime: "2025-03-04T11:05:02Z",
          eventSource: "iam.amazonaws.com",
          eventName: "GetRole",
          identity: assumedRole(BATCH_ROLE, "i-0d3f9a8b7c6e5d4c3"),
          readOnly: true,
          requestParameters: { roleName: "settlement-batch" },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "The batch role asks STS who it is through the us-west-2 endpoint: `baseline learn` never counts STS in a profile's regions",
        record: apiCall({
          eventID: "25b23c58-0510-4d7b-b247-f52abed1daa9",
          eventTime: "2025-03-04T11:06:27Z",
          eventSource: "sts.amazonaws.com",
          eventName: "GetCallerIdentity",
          identity: assumedRole(BATCH_ROLE, "i-0d3f9a8b7c6e5d4c3"),
          region: "us-west-2",
          readOnly: true,
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
      {
        description: "An IAM user without a profile in us-west-2: principals the learned baseline never saw are not judged",
        record: apiCall({
          eventID: "ae485d23-5ad2-4105-bbb0-2114b1331224",
          eventTime: "2025-03-04T11:07:55Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "DescribeRegions",
          identity: iamUser(`arn:aws:iam::${PROD}:user/svc-reporting`),
          region: "us-west-2",
          readOnly: true,
          requestParameters: { regionSet: {} },
        }),
        baseline: BASELINE,
        firesUnder: { ...BASELINE, profiles: { ...BASELINE.profiles, [`arn:aws:iam::${PROD}:user/svc-reporting`]: { regions: ["eu-west-1"] } } },
      },
      {
        description: "The batch role's DescribeInstances in us-west-2, refused: profiles hold successful calls only",
        record: apiCall({
          eventID: "52f75634-b6db-4476-9245-162fbabea93d",
          eventTime: "2025-03-04T11:09:14Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "DescribeInstances",
          identity: assumedRole(BATCH_ROLE, "i-0d3f9a8b7c6e5d4c3"),
          region: "us-west-2",
          readOnly: true,
          requestParameters: { instancesSet: {}, filterSet: {} },
          error: { code: "Client.UnauthorizedOperation", message: "You are not authorized to perform this operation." },
        }),
        baseline: BASELINE,
        excusedByRecord: true,
      },
    ],
  },
});
