import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, field, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS, viaCloudFormation } from "../examples.js";

const REGION = "eu-west-1";
const DETECTOR_ID = "12abc34d567e8fa901bc2d34e56789f0";

/** A GuardDuty detector, named by the id the request carries. */
function detectorResource(record: CloudTrailRecord, detectorId: string): FindingResource {
  return {
    type: "AWS::GuardDuty::Detector",
    id: detectorId,
    arn: `arn:${partitionOf(record.awsRegion)}:guardduty:${record.awsRegion}:${record.recipientAccountId}:detector/${detectorId}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

/** `enable` is a JSON boolean in real records; tolerate the string some exports write. */
function disables(record: CloudTrailRecord): boolean {
  const enable = record.requestParameters ? field(record.requestParameters, "enable") : undefined;
  return enable === false || (typeof enable === "string" && enable.toLowerCase() === "false");
}

export default defineDetector({
  id: "guardduty.detector-deleted-or-disabled",
  title: "GuardDuty detector deleted or suspended",
  severity: "critical",
  mitre: ["T1562.001"],
  pattern: {
    source: ["aws.guardduty"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["guardduty.amazonaws.com"],
      eventName: ["DeleteDetector", "UpdateDetector"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const raw = record.requestParameters ? field(record.requestParameters, "detectorId") : undefined;
    const detectorId = typeof raw === "string" && raw !== "" ? raw : "(unnamed detector)";
    const resource = detectorResource(record, detectorId);
    if (record.eventName === "DeleteDetector") {
      return {
        summary: sentence(`${actorName(record)} deleted GuardDuty detector ${detectorId} in ${record.awsRegion}, ending threat detection there and discarding its findings.`),
        resources: [resource],
      };
    }
    if (!disables(record)) return undefined;
    return {
      summary: sentence(`${actorName(record)} suspended GuardDuty detector ${detectorId} in ${record.awsRegion} (UpdateDetector with enable false).`),
      resources: [resource],
    };
  },
  runbook:
    "GuardDuty is regional: from this moment nothing in this account and region is analysed (CloudTrail, VPC flow logs, DNS logs, S3 and runtime protection), " +
    "and DeleteDetector also discards the existing findings, so an attacker typically does this right before acting. Confirm with GetDetector (status DISABLED) or " +
    "ListDetectors (empty), then re-enable it: UpdateDetector with enable true for a suspended detector, CreateDetector (or the organisation's auto-enable from the " +
    "delegated administrator) for a deleted one. Ask the owner of the caller whether a change was planned; if not, revoke the principal's sessions and keys and " +
    "review what it and its source IP did just before and after, from CloudTrail since GuardDuty no longer watches. An UpdateDetector that only changes the " +
    "publishing frequency or features is not this finding. A refused call (errorCode such as AccessDenied, often an SCP) is not a finding here: the detector " +
    "still runs; the access-denied detectors count refusals, though a denied attempt to blind GuardDuty deserves a look at the caller.",
  examples: {
    match: [
      {
        description: "An access key of a developer deletes the detector from the CLI",
        record: apiCall({
          eventID: "90a0e516-de45-4c0f-a3d2-18605bc168be",
          eventTime: "2024-09-03T02:14:51Z",
          eventSource: "guardduty.amazonaws.com",
          eventName: "DeleteDetector",
          identity: iamUser("arn:aws:iam::111122223333:user/dev/k.lee"),
          region: REGION,
          requestParameters: { detectorId: DETECTOR_ID },
        }),
      },
      {
        description: "A workload role suspends the detector: UpdateDetector with enable false",
        record: apiCall({
          eventID: "d8a2e0a9-ee59-496b-8b72-68eb69d53d2e",
          eventTime: "2024-09-03T02:16:07Z",
          eventSource: "guardduty.amazonaws.com",
          eventName: "UpdateDetector",
          identity: assumedRole("arn:aws:iam::111122223333:role/app/batch-runner", "i-0a1b2c3d4e5f60718"),
          region: REGION,
          requestParameters: { detectorId: DETECTOR_ID, enable: false, findingPublishingFrequency: "SIX_HOURS" },
          userAgent: USER_AGENTS.boto3,
        }),
      },
    ],
    noMatch: [
      {
        description: "UpdateDetector that only changes how often findings are exported",
        record: apiCall({
          eventID: "22a1178b-4ac3-4786-ab1d-2e7628cb231f",
          eventTime: "2024-09-04T10:22:40Z",
          eventSource: "guardduty.amazonaws.com",
          eventName: "UpdateDetector",
          identity: viaCloudFormation(assumedRole("arn:aws:iam::111122223333:role/ci/github-actions-deploy", "GitHubActions")),
          region: REGION,
          requestParameters: { detectorId: DETECTOR_ID, findingPublishingFrequency: "FIFTEEN_MINUTES" },
        }),
      },
      {
        description: "UpdateDetector with enable true: turning the detector back on",
        record: apiCall({
          eventID: "08c40615-4031-4d85-b061-52e0dc3609e7",
          eventTime: "2024-09-03T02:31:12Z",
          eventSource: "guardduty.amazonaws.com",
          eventName: "UpdateDetector",
          identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_SecurityAdmin_0f1e2d3c4b5a6978", "a.khan@example.com"),
          region: REGION,
          requestParameters: { detectorId: DETECTOR_ID, enable: true },
        }),
      },
      {
        description: "A DeleteDetector denied by the organisation's SCP: the detector still runs",
        record: apiCall({
          eventID: "6da821a5-ec04-4395-b437-0472e2b17a2c",
          eventTime: "2024-09-03T02:13:58Z",
          eventSource: "guardduty.amazonaws.com",
          eventName: "DeleteDetector",
          identity: iamUser("arn:aws:iam::111122223333:user/dev/k.lee"),
          region: REGION,
          requestParameters: { detectorId: DETECTOR_ID },
          error: {
            code: "AccessDeniedException",
            message:
              "User: arn:aws:iam::111122223333:user/dev/k.lee is not authorized to perform: guardduty:DeleteDetector on resource: arn:aws:guardduty:eu-west-1:111122223333:detector/12abc34d567e8fa901bc2d34e56789f0 with an explicit deny in a service control policy",
          },
        }),
      },
    ],
  },
});
