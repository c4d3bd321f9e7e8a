import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, field, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

const REGION = "eu-central-1";
const DETECTOR_ID = "6cc2f1a8e94b47d0a3f5b7c9d1e2f3a4";

function text(record: CloudTrailRecord, key: string): string | undefined {
  const value = record.requestParameters ? field(record.requestParameters, key) : undefined;
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The detector that exported; a publishing destination has no CloudFormation type of its own. */
function detectorResource(record: CloudTrailRecord, detectorId: string): FindingResource {
  return {
    type: "AWS::GuardDuty::Detector",
    id: detectorId,
    arn: `arn:${partitionOf(record.awsRegion)}:guardduty:${record.awsRegion}:${record.recipientAccountId}:detector/${detectorId}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

export default defineDetector({
  id: "guardduty.findings-export-removed",
  title: "GuardDuty findings export destination deleted",
  severity: "high",
  mitre: ["T1562.001"],
  pattern: {
    source: ["aws.guardduty"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["guardduty.amazonaws.com"],
      eventName: ["DeletePublishingDestination"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const detectorId = text(record, "detectorId") ?? "(unnamed detector)";
    const destination = text(record, "destinationId") ?? "(unnamed destination)";
    return {
      summary: sentence(
        `${actorName(record)} deleted publishing destination ${destination} of GuardDuty detector ${detectorId} in ${record.awsRegion}, so its findings are no longer exported to S3.`,
      ),
      resources: [detectorResource(record, detectorId)],
    };
  },
  runbook:
    "GuardDuty keeps detecting, but its findings stop reaching the S3 bucket they were exported to, and with them the SIEM or archive that reads it; findings " +
    "older than 90 days are then lost. Check with ListPublishingDestinations what remains, and ask the owner of the caller whether the export was being moved " +
    "(a CreatePublishingDestination shortly after, to the new bucket, settles it). If not, recreate the destination with the bucket and KMS key from the " +
    "infrastructure code, export the findings raised meanwhile, and review the caller's other activity: removing the export is a quiet way to keep findings " +
    "from the security team. A refused call (errorCode such as AccessDenied or BadRequestException for an unknown destination) is not a finding here: the export " +
    "still runs.",
  examples: {
    match: [
      {
        description: "An IAM user removes the S3 export of the detector's findings",
        record: apiCall({
          eventID: "ddfaa7f9-4146-4bcc-b24a-8f05076613f3",
          eventTime: "2024-10-15T19:48:03Z",
          eventSource: "guardduty.amazonaws.com",
          eventName: "DeletePublishingDestination",
          identity: iamUser("arn:aws:iam::111122223333:user/ops/j.smith"),
          region: REGION,
          requestParameters: { detectorId: DETECTOR_ID, destinationId: "b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9" },
        }),
      },
    ],
    noMatch: [
      {
        description: "UpdatePublishingDestination pointing the export at a new bucket: findings still leave",
        record: apiCall({
          eventID: "6e0a2628-3b0a-4039-8eb0-0d4a3b1a13db",
          eventTime: "2024-10-16T08:05:44Z",
          eventSource: "guardduty.amazonaws.com",
          eventName: "UpdatePublishingDestination",
          identity: assumedRole("arn:aws:iam::111122223333:role/ci/github-actions-deploy", "GitHubActions"),
          region: REGION,
          requestParameters: {
            detectorId: DETECTOR_ID,
            destinationId: "b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9",
            destinationProperties: {
              destinationArn: "arn:aws:s3:::acme-security-findings-archive",
              kmsKeyArn: "arn:aws:kms:eu-central-1:111122223333:key/0d6c3b1e-7a1f-4c52-9b0e-5f3a2d8c4e71",
            },
          },
          userAgent: USER_AGENTS.terraform,
        }),
      },
      {
        description: "A refused DeletePublishingDestination: the export is unchanged",
        record: apiCall({
          eventID: "9a8f1067-d7b3-4ea9-946b-f041db50b100",
          eventTime: "2024-10-15T19:46:30Z",
          eventSource: "guardduty.amazonaws.com",
          eventName: "DeletePublishingDestination",
          identity: iamUser("arn:aws:iam::111122223333:user/ops/j.smith"),
          region: REGION,
          requestParameters: { detectorId: DETECTOR_ID, destinationId: "b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9" },
          error: {
            code: "AccessDeniedException",
            message:
              "User: arn:aws:iam::111122223333:user/ops/j.smith is not authorized to perform: guardduty:DeletePublishingDestination on resource: arn:aws:guardduty:eu-central-1:111122223333:detector/6cc2f1a8e94b47d0a3f5b7c9d1e2f3a4/publishingDestination/b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9",
          },
        }),
      },
    ],
  },
});
