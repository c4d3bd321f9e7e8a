import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, field, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, root, USER_AGENTS } from "../examples.js";

const REGION = "us-west-2";

/** A recorder's ARN ends with an id the request does not carry, so none is given. */
function recorderResource(record: CloudTrailRecord, name: string): FindingResource {
  return { type: "AWS::Config::ConfigurationRecorder", id: name, account: record.recipientAccountId, region: record.awsRegion };
}

export default defineDetector({
  id: "config.recorder-stopped",
  title: "AWS Config configuration recorder stopped or deleted",
  severity: "high",
  mitre: ["T1562.008"],
  pattern: {
    source: ["aws.config"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["config.amazonaws.com"],
      eventName: ["StopConfigurationRecorder", "DeleteConfigurationRecorder"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const raw = record.requestParameters ? field(record.requestParameters, "configurationRecorderName") : undefined;
    const name = typeof raw === "string" && raw !== "" ? raw : "(unnamed recorder)";
    const verb = record.eventName === "DeleteConfigurationRecorder" ? "deleted" : "stopped";
    return {
      summary: sentence(`${actorName(record)} ${verb} AWS Config configuration recorder ${name} in ${record.awsRegion}.`),
      resources: [recorderResource(record, name)],
    };
  },
  runbook:
    "AWS Config stops recording resource changes in this account and region: the configuration history, the Config rules and conformance packs that evaluate " +
    "it, and Security Hub controls built on them go blind, so changes made from now on leave no configuration trail. Check with " +
    "DescribeConfigurationRecorderStatus, then restart recording (StartConfigurationRecorder, or recreate the recorder from the infrastructure code if it was " +
    "deleted). Ask the owner of the caller whether a change was planned (recorders are stopped briefly to change what they record); if not, revoke the " +
    "principal's sessions and keys and reconstruct the changes made during the gap from CloudTrail. A refused call (errorCode such as AccessDenied or " +
    "NoSuchConfigurationRecorderException) is not a finding here: recording did not stop.",
  examples: {
    match: [
      {
        description: "An IAM user stops the default recorder from the CLI",
        record: apiCall({
          eventID: "dddbe24e-efc7-41db-8037-f70c8528b7d4",
          eventTime: "2024-11-05T23:41:19Z",
          eventSource: "config.amazonaws.com",
          eventName: "StopConfigurationRecorder",
          identity: iamUser("arn:aws:iam::111122223333:user/svc-legacy-backup"),
          region: REGION,
          requestParameters: { configurationRecorderName: "default" },
        }),
      },
      {
        description: "The root user deletes the recorder from the console",
        record: apiCall({
          eventID: "50c18014-09e8-4d51-a93e-1e9589139a14",
          eventTime: "2024-11-06T00:02:37Z",
          eventSource: "config.amazonaws.com",
          eventName: "DeleteConfigurationRecorder",
          identity: root(),
          region: REGION,
          requestParameters: { configurationRecorderName: "default" },
          userAgent: USER_AGENTS.console,
        }),
      },
    ],
    noMatch: [
      {
        description: "StartConfigurationRecorder: recording resumes",
        record: apiCall({
          eventID: "b2b4d0a3-159b-4b38-90a2-8925f1de4ae5",
          eventTime: "2024-11-06T08:12:55Z",
          eventSource: "config.amazonaws.com",
          eventName: "StartConfigurationRecorder",
          identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_SecurityAdmin_0f1e2d3c4b5a6978", "a.khan@example.com"),
          region: REGION,
          requestParameters: { configurationRecorderName: "default" },
        }),
      },
      {
        description: "A StopConfigurationRecorder refused for a recorder that does not exist",
        record: apiCall({
          eventID: "0300af7c-87af-42ca-8411-0b01d1d077bb",
          eventTime: "2024-11-05T23:40:02Z",
          eventSource: "config.amazonaws.com",
          eventName: "StopConfigurationRecorder",
          identity: iamUser("arn:aws:iam::111122223333:user/svc-legacy-backup"),
          region: REGION,
          requestParameters: { configurationRecorderName: "main" },
          error: {
            code: "NoSuchConfigurationRecorderException",
            message: "Cannot find configuration recorder with the specified name 'main'.",
          },
        }),
      },
      {
        description: "PutConfigurationRecorder that changes what is recorded: the recorder keeps running",
        record: apiCall({
          eventID: "7b64183e-aa35-407d-8014-be06b1625c65",
          eventTime: "2024-11-07T14:20:31Z",
          eventSource: "config.amazonaws.com",
          eventName: "PutConfigurationRecorder",
          identity: assumedRole("arn:aws:iam::111122223333:role/ci/github-actions-deploy", "GitHubActions"),
          region: REGION,
          requestParameters: {
            configurationRecorder: {
              name: "default",
              roleARN: "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
              recordingGroup: { allSupported: true, includeGlobalResourceTypes: false },
            },
          },
          userAgent: USER_AGENTS.terraform,
        }),
      },
    ],
  },
});
