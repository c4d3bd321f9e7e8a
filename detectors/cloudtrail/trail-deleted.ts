import { defineDetector } from "../../core/detector.js";
import { actorName, API_CALL, param, sentence, trailResource } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

export default defineDetector({
  id: "cloudtrail.trail-deleted",
  title: "CloudTrail trail deleted",
  severity: "critical",
  mitre: ["T1562.008"],
  stratus: ["aws.defense-evasion.cloudtrail-delete"],
  pattern: {
    source: ["aws.cloudtrail"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["cloudtrail.amazonaws.com"],
      eventName: ["DeleteTrail"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const trail = param(record, "name") ?? "(unnamed trail)";
    const resource = trailResource(record, trail);
    return {
      summary: sentence(`${actorName(record)} deleted CloudTrail trail ${resource.id} in ${resource.region}.`),
      resources: [resource],
    };
  },
  runbook:
    "The trail and its configuration (event selectors, destinations, KMS key, SNS topic) are gone, and nothing is recorded by it from this moment. " +
    "No remediation is proposed: recreating a trail needs its bucket policy, KMS key policy and selectors exactly right, and a wrong guess can send logs somewhere " +
    "else or nowhere, so restore it from the infrastructure code that defines it. Check whether another trail (the organisation trail) still covers the account and region, " +
    "find the change request if any, and if there is none treat the caller as compromised: revoke its sessions and keys and review its activity before the deletion " +
    "and, from other sources, after it. The log files already delivered to S3 stay; check that the bucket's lifecycle and policy were not changed too. " +
    "A refused DeleteTrail (errorCode such as AccessDenied or TrailNotFoundException) is not a finding here: the trail still exists; the access-denied detectors count refusals.",
  examples: {
    match: [
      {
        description: "A CI role deletes the account trail by ARN outside any change",
        record: apiCall({
          eventID: "c5fd4214-4ba6-4dc6-854c-abfde8e9599f",
          eventTime: "2024-06-02T03:12:44Z",
          eventSource: "cloudtrail.amazonaws.com",
          eventName: "DeleteTrail",
          identity: assumedRole("arn:aws:iam::111122223333:role/ci/github-actions-deploy", "GitHubActions"),
          requestParameters: { name: "arn:aws:cloudtrail:us-east-1:111122223333:trail/account-audit" },
          userAgent: USER_AGENTS.boto3,
        }),
      },
      {
        description: "Stratus Red Team's cloudtrail-delete: an IAM user deletes a trail by name",
        record: apiCall({
          eventID: "5a2c3e05-b437-4fc4-9272-0c4e806aa585",
          eventTime: "2024-08-01T14:03:17Z",
          eventSource: "cloudtrail.amazonaws.com",
          eventName: "DeleteTrail",
          identity: iamUser("arn:aws:iam::111122223333:user/christophe"),
          requestParameters: { name: "stratus-red-team-cloudtrail-trail-q4k9" },
          userAgent: USER_AGENTS.stratus,
          region: "eu-west-1",
        }),
      },
    ],
    noMatch: [
      {
        description: "A DeleteTrail refused by an SCP: the trail still exists",
        record: apiCall({
          eventID: "52e77562-da13-479d-bd5b-a7c447056a5a",
          eventTime: "2024-06-02T03:10:02Z",
          eventSource: "cloudtrail.amazonaws.com",
          eventName: "DeleteTrail",
          identity: assumedRole("arn:aws:iam::111122223333:role/ci/github-actions-deploy", "GitHubActions"),
          requestParameters: { name: "arn:aws:cloudtrail:us-east-1:111122223333:trail/account-audit" },
          error: {
            code: "AccessDenied",
            message:
              "User: arn:aws:sts::111122223333:assumed-role/github-actions-deploy/GitHubActions is not authorized to perform: cloudtrail:DeleteTrail on resource: arn:aws:cloudtrail:us-east-1:111122223333:trail/account-audit with an explicit deny in a service control policy",
          },
          userAgent: USER_AGENTS.boto3,
        }),
      },
      {
        description: "A DeleteTrail for a trail that does not exist (a typo or a probe)",
        record: apiCall({
          eventID: "5a3d58d1-d2fc-4b49-808d-4bd7e29382dd",
          eventTime: "2024-06-02T03:09:41Z",
          eventSource: "cloudtrail.amazonaws.com",
          eventName: "DeleteTrail",
          identity: iamUser("arn:aws:iam::111122223333:user/ops/m.major"),
          requestParameters: { name: "acount-audit" },
          error: { code: "TrailNotFoundException", message: "Unknown trail: acount-audit for the user: 111122223333" },
        }),
      },
      {
        description: "UpdateTrail that changes the trail's SNS topic: the trail keeps logging",
        record: apiCall({
          eventID: "e499c90f-e06a-45f2-b0cd-c063ab043061",
          eventTime: "2024-06-03T09:20:15Z",
          eventSource: "cloudtrail.amazonaws.com",
          eventName: "UpdateTrail",
          identity: assumedRole("arn:aws:iam::111122223333:role/ci/github-actions-deploy", "GitHubActions"),
          requestParameters: { name: "account-audit", snsTopicName: "audit-log-delivery" },
          userAgent: USER_AGENTS.boto3,
        }),
      },
    ],
  },
});
