import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, field, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

const REGION = "us-west-2";

function channelResource(record: CloudTrailRecord, name: string): FindingResource {
  return { type: "AWS::Config::DeliveryChannel", id: name, account: record.recipientAccountId, region: record.awsRegion };
}

export default defineDetector({
  id: "config.delivery-channel-deleted",
  title: "AWS Config delivery channel deleted",
  severity: "high",
  mitre: ["T1562.008"],
  pattern: {
    source: ["aws.config"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["config.amazonaws.com"],
      eventName: ["DeleteDeliveryChannel"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const raw = record.requestParameters ? field(record.requestParameters, "deliveryChannelName") : undefined;
    const name = typeof raw === "string" && raw !== "" ? raw : "(unnamed channel)";
    return {
      summary: sentence(`${actorName(record)} deleted AWS Config delivery channel ${name} in ${record.awsRegion}.`),
      resources: [channelResource(record, name)],
    };
  },
  runbook:
    "Without a delivery channel AWS Config cannot record or deliver configuration snapshots and history to S3 and SNS, and Config refuses the deletion while " +
    "the recorder runs, so look for the StopConfigurationRecorder that came first (config.recorder-stopped) and treat the two as one attempt to blind " +
    "configuration auditing. Check DescribeDeliveryChannels, recreate the channel with the bucket, prefix and topic from the infrastructure code, then restart " +
    "the recorder. Ask the owner of the caller whether Config was being rebuilt; if not, revoke the principal's sessions and keys and reconstruct the changes " +
    "made during the gap from CloudTrail. A refused call (errorCode such as LastDeliveryChannelDeleteFailedException, raised while the recorder still runs, or " +
    "AccessDenied) is not a finding here: the channel still exists.",
  examples: {
    match: [
      {
        description: "A workload role deletes the default delivery channel after stopping the recorder",
        record: apiCall({
          eventID: "ab0c459b-fb22-4c50-80b9-f4252f6d873c",
          eventTime: "2024-11-05T23:42:48Z",
          eventSource: "config.amazonaws.com",
          eventName: "DeleteDeliveryChannel",
          identity: assumedRole("arn:aws:iam::111122223333:role/app/reporting-etl", "i-0c4d5e6f7a8b9c0d1"),
          region: REGION,
          requestParameters: { deliveryChannelName: "default" },
          userAgent: USER_AGENTS.boto3,
        }),
      },
    ],
    noMatch: [
      {
        description: "A deletion Config refused because the recorder is still running",
        record: apiCall({
          eventID: "93120f10-4e1c-480c-80e6-0aefd13e0590",
          eventTime: "2024-11-05T23:39:12Z",
          eventSource: "config.amazonaws.com",
          eventName: "DeleteDeliveryChannel",
          identity: iamUser("arn:aws:iam::111122223333:user/svc-legacy-backup"),
          region: REGION,
          requestParameters: { deliveryChannelName: "default" },
          error: {
            code: "LastDeliveryChannelDeleteFailedException",
            message: "Failed to delete last specified delivery channel with name 'default', because there is a running configuration recorder.",
          },
        }),
      },
      {
        description: "PutDeliveryChannel changing the snapshot frequency: delivery continues",
        record: apiCall({
          eventID: "6b5fe5fc-575d-47cc-9a89-38c6fd95c5ab",
          eventTime: "2024-11-07T14:21:02Z",
          eventSource: "config.amazonaws.com",
          eventName: "PutDeliveryChannel",
          identity: assumedRole("arn:aws:iam::111122223333:role/ci/github-actions-deploy", "GitHubActions"),
          region: REGION,
          requestParameters: {
            deliveryChannel: {
              name: "default",
              s3BucketName: "acme-config-history",
              configSnapshotDeliveryProperties: { deliveryFrequency: "Six_Hours" },
            },
          },
          userAgent: USER_AGENTS.terraform,
        }),
      },
    ],
  },
});
