import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, field, isIacPrincipal, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

const REGION = "eu-west-1";
const TERRAFORM = "arn:aws:iam::111122223333:role/iac/terraform-apply";

/**
 * What names a log group of security logs, matched on the lower-cased name
 * with `/`, `_`, `.` and spaces read as `-`: CloudTrail (the console's default
 * is aws-cloudtrail-logs-…), VPC flow logs, Route 53 and Resolver DNS query
 * logs (a bare "resolver" would also name GraphQL resolvers), GuardDuty, Security Hub, WAF (whose log groups must start with
 * aws-waf-logs-), and anything called security or audit (RDS, EKS and
 * application audit logs).
 */
const SECURITY_LOG_MARKERS = [
  "cloudtrail",
  "flowlog",
  "flow-log",
  "vpc-flow",
  "route53",
  "resolver-query",
  "dns-query",
  "querylog",
  "query-log",
  "guardduty",
  "securityhub",
  "security-hub",
  "aws-waf-logs",
  "security",
  "audit",
] as const;

function securityMarker(logGroup: string): string | undefined {
  const normalised = logGroup.toLowerCase().replace(/[/_.\s]+/g, "-");
  return SECURITY_LOG_MARKERS.find((marker) => normalised.includes(marker));
}

function logGroupResource(record: CloudTrailRecord, name: string): FindingResource {
  return {
    type: "AWS::Logs::LogGroup",
    id: name,
    arn: `arn:${partitionOf(record.awsRegion)}:logs:${record.awsRegion}:${record.recipientAccountId}:log-group:${name}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

function deleteLogGroup(eventID: string, eventTime: string, logGroupName: string, options: { identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {}) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "logs.amazonaws.com",
    eventName: "DeleteLogGroup",
    identity: options.identity ?? assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PowerUser_7d6c5b4a39281706", "m.brown@example.com"),
    region: REGION,
    requestParameters: { logGroupName },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "logs.security-log-group-deleted",
  title: "CloudWatch Logs log group holding security logs deleted",
  severity: "high",
  mitre: ["T1562.008", "T1070"],
  pattern: {
    source: ["aws.logs"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["logs.amazonaws.com"],
      eventName: ["DeleteLogGroup"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    const raw = record.requestParameters ? field(record.requestParameters, "logGroupName") : undefined;
    if (typeof raw !== "string" || raw === "") return undefined;
    const marker = securityMarker(raw);
    if (!marker || isIacPrincipal(record, baseline)) return undefined;
    return {
      summary: sentence(`${actorName(record)} deleted CloudWatch Logs log group ${raw} in ${record.awsRegion}, whose name marks it as holding security logs ("${marker}").`),
      resources: [logGroupResource(record, raw)],
    };
  },
  runbook:
    "Deleting a log group destroys every event it held, at once and beyond recovery, and whatever still delivers to it (a CloudTrail trail, VPC flow logs, " +
    "Resolver query logging, WAF) fails until the group exists again, so this both erases evidence and blinds the source. The group is judged by its name " +
    "(cloudtrail, flow logs, Route 53 or Resolver DNS query logs, guardduty, security hub, aws-waf-logs, security, audit); other log groups are not reported, nor are " +
    "deletions by the infrastructure code's principals (baseline principals.iac), which remove log groups when they tear down what wrote to them. Recreate " +
    "the group from the infrastructure code with its retention, KMS key and subscription filters, check that the source delivers again, and recover what you " +
    "can from copies (the trail's S3 bucket, a central logging account, a SIEM). Ask the owner of the caller whether a change was planned; if not, revoke its " +
    "sessions and keys. A refused call (errorCode such as AccessDeniedException or ResourceNotFoundException) is not a finding here: nothing was deleted.",
  examples: {
    match: [
      {
        description: "An SSO session deletes the log group CloudTrail delivers to (the console's default name)",
        record: deleteLogGroup("0afc4966-bb7d-4806-9d53-0d276b874325", "2024-10-02T22:51:36Z", "aws-cloudtrail-logs-111122223333-5f3c9a1e", { userAgent: USER_AGENTS.console }),
      },
      {
        description: "An IAM user deletes the VPC flow log group",
        record: deleteLogGroup("72e8909d-fae1-40fb-9da3-f209b7947cc2", "2024-10-02T22:53:04Z", "/aws/vpc/flowlogs/prod-core", { identity: iamUser("arn:aws:iam::111122223333:user/svc-log-cleanup") }),
      },
      {
        description: "A workload role deletes the WAF log group",
        record: deleteLogGroup("0d9ab54e-3698-4d89-8ec8-a8f5b33c8ed3", "2024-10-03T03:12:47Z", "aws-waf-logs-storefront-acl", {
          identity: assumedRole("arn:aws:iam::111122223333:role/app/storefront-api", "i-05a4b3c2d1e0f9a87"),
          userAgent: USER_AGENTS.boto3,
        }),
      },
    ],
    noMatch: [
      {
        description: "An application's Lambda log group: not security logs",
        record: deleteLogGroup("e38dd692-9092-46b7-aef6-022b559cc480", "2024-10-04T09:30:11Z", "/aws/lambda/orders-api-dev-createOrder"),
      },
      {
        description: "Terraform, an IaC principal of the baseline, removes the flow log group of a VPC it destroyed",
        record: deleteLogGroup("f0bb2761-f1a0-4e4f-99ee-eef1fe22fbf4", "2024-10-04T16:44:52Z", "/aws/vpc/flowlogs/sandbox-7", {
          identity: assumedRole(TERRAFORM, "terraform-run-5120"),
          userAgent: USER_AGENTS.terraform,
        }),
        baseline: { principals: { iac: [TERRAFORM] } },
      },
      {
        description: "A refused deletion of the CloudTrail log group: nothing was deleted",
        record: deleteLogGroup("baf3bd13-2ec9-445a-bf6f-d9d4550b2b63", "2024-10-02T22:50:02Z", "aws-cloudtrail-logs-111122223333-5f3c9a1e", {
          identity: iamUser("arn:aws:iam::111122223333:user/svc-log-cleanup"),
          error: {
            code: "AccessDeniedException",
            message:
              "User: arn:aws:iam::111122223333:user/svc-log-cleanup is not authorized to perform: logs:DeleteLogGroup on resource: arn:aws:logs:eu-west-1:111122223333:log-group:aws-cloudtrail-logs-111122223333-5f3c9a1e:* with an explicit deny in an identity-based policy",
          },
        }),
      },
      {
        description: "DeleteLogStream in the CloudTrail log group: one stream, the group and its delivery remain",
        record: apiCall({
          eventID: "b5a2ec9b-c1f3-4b4e-8ab5-905d384ce104",
          eventTime: "2024-10-05T11:02:29Z",
          eventSource: "logs.amazonaws.com",
          eventName: "DeleteLogStream",
          identity: iamUser("arn:aws:iam::111122223333:user/svc-log-cleanup"),
          region: REGION,
          requestParameters: { logGroupName: "aws-cloudtrail-logs-111122223333-5f3c9a1e", logStreamName: "111122223333_CloudTrail_eu-west-1" },
        }),
      },
    ],
  },
});
