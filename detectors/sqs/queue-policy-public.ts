import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { allowsPublicAccess, asList, parsePolicyDocument, statementsOf, strings } from "../../core/policy.js";
import { actorName, API_CALL, field, firstPresent, isObject, partitionOf, sentence, stringField } from "../common.js";
import { apiCall, assumedRole, OUTSIDE, PROD } from "../examples.js";

const REGION = "eu-west-1";
const DEVELOPER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Developer_1a2b3c4d5e6f7a8b";
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${PROD}/order-fulfilment`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${PROD}:order-fulfilment`;

/** The queue from its URL: https://sqs.REGION.amazonaws.com/ACCOUNT/NAME. */
function queueResource(record: CloudTrailRecord): FindingResource {
  const url = stringField(record.requestParameters, "queueUrl");
  const [account, name] = url ? url.replace(/^https?:\/\/[^/]+\//, "").split("/") : [];
  if (!name || !account) return { type: "AWS::SQS::Queue", id: url ?? "(unnamed queue)", account: record.recipientAccountId, region: record.awsRegion };
  const arn = `arn:${partitionOf(record.awsRegion)}:sqs:${record.awsRegion}:${account}:${name}`;
  return { type: "AWS::SQS::Queue", id: name, arn, account, region: record.awsRegion };
}

/** What the change lets anyone do, or undefined when it lets nobody in. */
function publicActions(record: CloudTrailRecord): string[] | undefined {
  const params = record.requestParameters;
  if (record.eventName === "SetQueueAttributes") {
    const attributes = params ? field(params, "attributes") : undefined;
    const policy = isObject(attributes) ? field(attributes, "Policy") : undefined;
    const open = statementsOf(parsePolicyDocument(policy)).filter(allowsPublicAccess);
    if (open.length === 0) return undefined;
    return [...new Set(open.flatMap((s) => asList(s.Action ?? s.NotAction).map(String)))];
  }
  const accounts = strings(firstPresent(params, ["aWSAccountIds", "AWSAccountIds", "awsAccountIds", "aWSAccountId", "AWSAccountId"]));
  if (!accounts.some((a) => a.trim() === "*")) return undefined;
  return strings(firstPresent(params, ["actions", "Actions", "actionName", "ActionName"])).map((a) => (a === "*" ? "SQS:*" : `SQS:${a}`));
}

function setQueuePolicy(
  eventID: string,
  eventTime: string,
  statements: Record<string, unknown>[],
  options: { identity?: Record<string, unknown>; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "sqs.amazonaws.com",
    eventName: "SetQueueAttributes",
    identity: options.identity ?? assumedRole(DEVELOPER, "s.okafor@example.com"),
    region: REGION,
    requestParameters: { queueUrl: QUEUE_URL, attributes: { Policy: JSON.stringify({ Version: "2012-10-17", Id: "__default_policy_ID", Statement: statements }) } },
    responseElements: null,
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "sqs.queue-policy-public",
  title: "SQS queue policy allows public access",
  severity: "high",
  mitre: ["T1530"],
  pattern: {
    source: ["aws.sqs"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["sqs.amazonaws.com"],
      eventName: ["SetQueueAttributes", "AddPermission"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const actions = publicActions(record);
    if (!actions) return undefined;
    const resource = queueResource(record);
    const what = actions.length > 0 ? actions.join(", ") : "access";
    const how = record.eventName === "AddPermission" ? "added a permission to" : "set a policy on";
    return {
      summary: sentence(`${actorName(record)} ${how} SQS queue ${resource.id} in ${resource.region} that allows ${what} to anyone.`),
      resources: [resource],
    };
  },
  runbook:
    "The queue's access policy now lets everyone (Principal \"*\" or {\"AWS\": \"*\"} with no condition such as aws:SourceArn, aws:SourceAccount or " +
    "aws:PrincipalOrgID tying it to an account, or an AddPermission for account \"*\"). With ReceiveMessage anyone can read, and by deleting hide, the messages " +
    "the queue holds; with SendMessage anyone can feed the consumers forged work. Read the policy (GetQueueAttributes with Policy), ask the queue's owner, and put " +
    "back a policy scoped to the senders that need it (SetQueueAttributes, or RemovePermission with the label); then check the consumers for messages they did " +
    "not expect and the queue's metrics for receives the consumers did not make. A refused call (errorCode) is not a finding: the policy did not change.",
  examples: {
    match: [
      {
        description: "A queue policy lets anyone receive and delete messages",
        record: setQueuePolicy("2622bc8b-87e7-4c03-86db-6f977458bffa", "2025-01-21T14:03:27Z", [
          { Sid: "AnyoneCanConsume", Effect: "Allow", Principal: "*", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage"], Resource: QUEUE_ARN },
        ]),
      },
      {
        description: "AddPermission for account \"*\" to send messages",
        record: apiCall({
          eventID: "0af74e70-9101-4f59-9e27-e647cdb4a174",
          eventTime: "2025-01-21T14:11:50Z",
          eventSource: "sqs.amazonaws.com",
          eventName: "AddPermission",
          identity: assumedRole(DEVELOPER, "s.okafor@example.com"),
          region: REGION,
          requestParameters: { actions: ["SendMessage"], aWSAccountIds: ["*"], label: "open-intake", queueUrl: QUEUE_URL },
          responseElements: null,
        }),
      },
    ],
    noMatch: [
      {
        description: "SNS fan-out: Principal \"*\" may send only from one topic (aws:SourceArn)",
        record: setQueuePolicy("c4cc1628-193b-4188-a413-527df65ba938", "2025-01-21T13:40:12Z", [
          {
            Sid: "topic-subscription-order-events",
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: "SQS:SendMessage",
            Resource: QUEUE_ARN,
            Condition: { ArnLike: { "aws:SourceArn": `arn:aws:sns:${REGION}:${PROD}:order-events` } },
          },
        ]),
      },
      {
        description: "A change of the visibility timeout, not of the policy",
        record: apiCall({
          eventID: "fa230a50-dd26-44af-b58d-310cbb61c2e9",
          eventTime: "2025-01-21T13:44:31Z",
          eventSource: "sqs.amazonaws.com",
          eventName: "SetQueueAttributes",
          identity: assumedRole(DEVELOPER, "s.okafor@example.com"),
          region: REGION,
          requestParameters: { attributes: { VisibilityTimeout: "100" }, queueUrl: QUEUE_URL },
          responseElements: null,
        }),
      },
      {
        description: "AddPermission for one partner account: cross-account, not public",
        record: apiCall({
          eventID: "e8a34197-47cd-4941-9b31-bd4dc59ade75",
          eventTime: "2025-01-21T13:50:08Z",
          eventSource: "sqs.amazonaws.com",
          eventName: "AddPermission",
          identity: assumedRole(DEVELOPER, "s.okafor@example.com"),
          region: REGION,
          requestParameters: { actions: ["SendMessage"], aWSAccountIds: [OUTSIDE], label: "partner-intake", queueUrl: QUEUE_URL },
          responseElements: null,
        }),
      },
      {
        description: "A public policy that SQS refused: the policy did not change",
        record: setQueuePolicy("d1f77b28-2807-4ba0-aabc-758df912aecc", "2025-01-21T14:01:55Z", [{ Effect: "Allow", Principal: "*", Action: "sqs:*", Resource: QUEUE_ARN }], {
          identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          error: {
            code: "AccessDenied",
            message:
              "User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: sqs:setqueueattributes on resource: arn:aws:sqs:eu-west-1:111122223333:order-fulfilment because no identity-based policy allows the sqs:setqueueattributes action",
          },
        }),
      },
    ],
  },
});
