import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { allowsPublicAccess, asList, parsePolicyDocument, statementsOf, strings } from "../../core/policy.js";
import { actorName, API_CALL, field, firstPresent, sentence, stringField } from "../common.js";
import { apiCall, assumedRole, OUTSIDE, PROD } from "../examples.js";

const REGION = "eu-west-1";
const DEVELOPER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Developer_1a2b3c4d5e6f7a8b";
const TOPIC = `arn:aws:sns:${REGION}:${PROD}:order-events`;

function topicResource(record: CloudTrailRecord): FindingResource {
  const arn = stringField(record.requestParameters, "topicArn");
  if (!arn) return { type: "AWS::SNS::Topic", id: "(unnamed topic)", account: record.recipientAccountId, region: record.awsRegion };
  const [, , , region, account, name] = arn.split(":");
  return { type: "AWS::SNS::Topic", id: name || arn, arn, account: account || record.recipientAccountId, region: region || record.awsRegion };
}

/** What the change lets anyone do, or undefined when it lets nobody in. */
function publicActions(record: CloudTrailRecord): string[] | undefined {
  const params = record.requestParameters;
  if (record.eventName === "SetTopicAttributes") {
    if (stringField(params, "attributeName")?.toLowerCase() !== "policy") return undefined;
    const open = statementsOf(parsePolicyDocument(params ? field(params, "attributeValue") : undefined)).filter(allowsPublicAccess);
    if (open.length === 0) return undefined;
    return [...new Set(open.flatMap((s) => asList(s.Action ?? s.NotAction).map(String)))];
  }
  const accounts = strings(firstPresent(params, ["aWSAccountId", "AWSAccountId", "awsAccountId", "aWSAccountIds", "AWSAccountIds"]));
  if (!accounts.some((a) => a.trim() === "*")) return undefined;
  return strings(firstPresent(params, ["actionName", "ActionName", "actionNames", "actions"])).map((a) => `SNS:${a}`);
}

function setTopicPolicy(
  eventID: string,
  eventTime: string,
  statements: Record<string, unknown>[],
  options: { identity?: Record<string, unknown>; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "sns.amazonaws.com",
    eventName: "SetTopicAttributes",
    identity: options.identity ?? assumedRole(DEVELOPER, "s.okafor@example.com"),
    region: REGION,
    requestParameters: {
      topicArn: TOPIC,
      attributeName: "Policy",
      attributeValue: JSON.stringify({ Version: "2008-10-17", Id: "__default_policy_ID", Statement: statements }),
    },
    responseElements: null,
    ...(options.error ? { error: options.error } : {}),
  });
}

const TOPIC_ACTIONS = ["SNS:Publish", "SNS:Subscribe", "SNS:Receive", "SNS:GetTopicAttributes"];

export default defineDetector({
  id: "sns.topic-policy-public",
  title: "SNS topic policy allows public access",
  severity: "high",
  mitre: ["T1530"],
  pattern: {
    source: ["aws.sns"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["sns.amazonaws.com"],
      eventName: ["SetTopicAttributes", "AddPermission"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const actions = publicActions(record);
    if (!actions) return undefined;
    const resource = topicResource(record);
    const what = actions.length > 0 ? actions.join(", ") : "access";
    const how = record.eventName === "AddPermission" ? "added a permission to" : "set a policy on";
    return {
      summary: sentence(`${actorName(record)} ${how} SNS topic ${resource.id} in ${resource.region} that allows ${what} to anyone.`),
      resources: [resource],
    };
  },
  runbook:
    "The topic's access policy now lets everyone (Principal \"*\" or {\"AWS\": \"*\"} with no condition such as AWS:SourceOwner, aws:SourceArn or " +
    "aws:PrincipalOrgID tying it to an account, or an AddPermission for account \"*\"). With Subscribe or Receive anyone can attach an endpoint of their own and " +
    "read every message published from then on; with Publish anyone can push forged messages to every subscriber. Read the policy (GetTopicAttributes), ask the " +
    "topic's owner, and put back a policy scoped to the accounts and services that need it (SetTopicAttributes, or RemovePermission with the label). Then list the " +
    "topic's subscriptions and remove any endpoint outside the organisation. A refused call (errorCode) is not a finding: the policy did not change.",
  examples: {
    match: [
      {
        description: "The default topic policy with its AWS:SourceOwner condition taken out",
        record: setTopicPolicy("33dc1b39-e676-4ea2-846a-2ea02f62520c", "2025-01-14T18:22:51Z", [
          { Sid: "__default_statement_ID", Effect: "Allow", Principal: { AWS: "*" }, Action: TOPIC_ACTIONS, Resource: TOPIC },
        ]),
      },
      {
        description: "AddPermission for account \"*\" to subscribe and receive",
        record: apiCall({
          eventID: "96b26ba4-f98f-4969-b573-c2d1484c6021",
          eventTime: "2025-01-14T18:40:07Z",
          eventSource: "sns.amazonaws.com",
          eventName: "AddPermission",
          identity: assumedRole(DEVELOPER, "s.okafor@example.com"),
          region: REGION,
          requestParameters: { topicArn: TOPIC, label: "everyone-subscribe", aWSAccountId: ["*"], actionName: ["Subscribe", "Receive"] },
          responseElements: null,
        }),
      },
    ],
    noMatch: [
      {
        description: "The default topic policy: Principal {\"AWS\": \"*\"} limited by AWS:SourceOwner to the topic's own account",
        record: setTopicPolicy("0f13e524-be29-4214-84b4-6437eab57f71", "2025-01-14T18:10:33Z", [
          {
            Sid: "__default_statement_ID",
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: TOPIC_ACTIONS,
            Resource: TOPIC,
            Condition: { StringEquals: { "AWS:SourceOwner": PROD } },
          },
        ]),
      },
      {
        description: "One named account outside the organisation may publish: a cross-account grant, not public",
        record: apiCall({
          eventID: "eadf5d09-ab73-4e15-b436-522aabe2dc0d",
          eventTime: "2025-01-14T18:15:48Z",
          eventSource: "sns.amazonaws.com",
          eventName: "AddPermission",
          identity: assumedRole(DEVELOPER, "s.okafor@example.com"),
          region: REGION,
          requestParameters: { topicArn: TOPIC, label: "partner-publish", aWSAccountId: [OUTSIDE], actionName: ["Publish"] },
          responseElements: null,
        }),
      },
      {
        description: "SetTopicAttributes changing the display name, not the policy",
        record: apiCall({
          eventID: "60362739-459f-4277-a943-3623f1a21224",
          eventTime: "2025-01-14T18:17:02Z",
          eventSource: "sns.amazonaws.com",
          eventName: "SetTopicAttributes",
          identity: assumedRole(DEVELOPER, "s.okafor@example.com"),
          region: REGION,
          requestParameters: { topicArn: TOPIC, attributeName: "DisplayName", attributeValue: "Order events" },
          responseElements: null,
        }),
      },
      {
        description: "A public policy that SNS refused: the policy did not change",
        record: setTopicPolicy(
          "77c0e923-b544-401b-a924-f65334b8967f",
          "2025-01-14T18:20:19Z",
          [{ Effect: "Allow", Principal: "*", Action: "SNS:Subscribe", Resource: TOPIC }],
          {
            identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
            error: {
              code: "AuthorizationError",
              message:
                "User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: SNS:SetTopicAttributes on resource: arn:aws:sns:eu-west-1:111122223333:order-events because no identity-based policy allows the SNS:SetTopicAttributes action",
            },
          },
        ),
      },
    ],
  },
});
