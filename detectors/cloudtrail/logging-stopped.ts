import { defineDetector } from "../../core/detector.js";
import { actorName, API_CALL, param, sentence, trailResource } from "../common.js";
import { apiCall, assumedRole, iamUser, PROD, USER_AGENTS } from "../examples.js";

const ORG_TRAIL = "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-audit-trail";

export default defineDetector({
  id: "cloudtrail.logging-stopped",
  title: "CloudTrail logging stopped on a trail",
  severity: "critical",
  mitre: ["T1562.008"],
  stratus: ["aws.defense-evasion.cloudtrail-stop"],
  pattern: {
    source: ["aws.cloudtrail"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["cloudtrail.amazonaws.com"],
      eventName: ["StopLogging"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const trail = param(record, "name") ?? "(unnamed trail)";
    const resource = trailResource(record, trail);
    return {
      summary: sentence(`${actorName(record)} stopped CloudTrail logging on trail ${resource.id} in ${resource.region}.`),
      resources: [resource],
    };
  },
  remediation: "cloudtrail.restart-logging",
  runbook:
    "Every API call made after this event is unrecorded until logging restarts, so treat the caller as hostile until proven otherwise. " +
    "Confirm with GetTrailStatus that IsLogging is false, restart it (the proposed remediation calls StartLogging), and then review what the same principal " +
    "and source IP did in the minutes before the stop and, from other sources (GuardDuty, VPC flow logs, the organisation trail if this was an account trail), during the gap. " +
    "Ask the owner of the caller whether a change was planned; if not, revoke the principal's sessions and keys. " +
    "A refused StopLogging (errorCode such as AccessDenied) is not a finding here: logging never stopped, and denied calls are counted by the access-denied detectors, " +
    "though a denied attempt from this principal is still worth a look when you investigate it.",
  examples: {
    match: [
      {
        description: "An engineer's SSO session stops the organisation trail from the CLI",
        record: apiCall({
          eventID: "299f1f28-c80f-4a74-90a9-28749b63be7e",
          eventTime: "2024-05-14T21:47:09Z",
          eventSource: "cloudtrail.amazonaws.com",
          eventName: "StopLogging",
          identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a", "j.doe@example.com"),
          requestParameters: { name: ORG_TRAIL },
        }),
      },
      {
        description: "Stratus Red Team's cloudtrail-stop: an IAM user stops a trail named without its ARN",
        record: apiCall({
          eventID: "e742c816-681c-4455-901e-656ec7983c51",
          eventTime: "2024-08-01T13:41:52Z",
          eventSource: "cloudtrail.amazonaws.com",
          eventName: "StopLogging",
          identity: iamUser("arn:aws:iam::111122223333:user/christophe"),
          requestParameters: { name: "stratus-red-team-cloudtrail-trail-b7x2" },
          userAgent: USER_AGENTS.stratus,
          region: "eu-west-1",
        }),
      },
    ],
    noMatch: [
      {
        description: "A StopLogging that CloudTrail refused: logging never stopped",
        record: apiCall({
          eventID: "fef81c4a-dafd-46a0-8c50-0a946bd54d21",
          eventTime: "2024-05-14T21:45:30Z",
          eventSource: "cloudtrail.amazonaws.com",
          eventName: "StopLogging",
          identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          requestParameters: { name: ORG_TRAIL },
          error: {
            code: "AccessDenied",
            message: `User: arn:aws:sts::${PROD}:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: cloudtrail:StopLogging on resource: ${ORG_TRAIL} because no identity-based policy allows the cloudtrail:StopLogging action`,
          },
        }),
      },
      {
        description: "StartLogging, the restart itself, from the same service and trail",
        record: apiCall({
          eventID: "0a12e519-1b7c-4847-8081-7a5f12aabd35",
          eventTime: "2024-05-14T21:52:40Z",
          eventSource: "cloudtrail.amazonaws.com",
          eventName: "StartLogging",
          identity: assumedRole("arn:aws:iam::111122223333:role/security/trailwarden-remediator", "trailwarden-remediation"),
          requestParameters: { name: ORG_TRAIL },
          userAgent: USER_AGENTS.boto3,
        }),
      },
    ],
  },
});
