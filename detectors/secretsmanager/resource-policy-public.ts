import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { allowsPublicAccess, asList, parsePolicyDocument, statementsOf } from "../../core/policy.js";
import { actorName, API_CALL, field, sentence, stringField } from "../common.js";
import { apiCall, assumedRole, OUTSIDE, PROD } from "../examples.js";

const REGION = "eu-west-1";
const PLATFORM_ADMIN = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a";

/** The secret by the ARN the response returns, else as the request named it (name or ARN). */
function secretResource(record: CloudTrailRecord): FindingResource {
  const requested = stringField(record.requestParameters, "secretId");
  const arn = stringField(record.responseElements, "arn") ?? (requested?.startsWith("arn:") ? requested : undefined);
  const name = stringField(record.responseElements, "name") ?? (arn ? arn.split(":secret:")[1] : requested) ?? "(unnamed secret)";
  const [, , , region, account] = (arn ?? "").split(":");
  return {
    type: "AWS::SecretsManager::Secret",
    id: name,
    ...(arn ? { arn } : {}),
    account: account || record.recipientAccountId,
    region: region || record.awsRegion,
  };
}

function actionsOf(statement: Record<string, unknown>): string {
  if (statement.Action !== undefined) return asList(statement.Action).map(String).join(", ");
  if (statement.NotAction !== undefined) return `every action except ${asList(statement.NotAction).map(String).join(", ")}`;
  return "access";
}

function putResourcePolicy(
  eventID: string,
  eventTime: string,
  secretName: string,
  statements: Record<string, unknown>[],
  options: { identity?: Record<string, unknown>; blockPublicPolicy?: boolean; error?: { code: string; message: string } } = {},
) {
  const arn = `arn:aws:secretsmanager:${REGION}:${PROD}:secret:${secretName}-Xq3v9T`;
  const resourcePolicy = JSON.stringify({ Version: "2012-10-17", Statement: statements });
  return apiCall({
    eventID,
    eventTime,
    eventSource: "secretsmanager.amazonaws.com",
    eventName: "PutResourcePolicy",
    identity: options.identity ?? assumedRole(PLATFORM_ADMIN, "m.lopez@example.com"),
    region: REGION,
    requestParameters: {
      secretId: secretName,
      resourcePolicy,
      ...(options.blockPublicPolicy !== undefined ? { blockPublicPolicy: options.blockPublicPolicy } : {}),
    },
    responseElements: { arn, name: secretName },
    ...(options.error ? { error: options.error } : {}),
  });
}

const READ = { Action: "secretsmanager:GetSecretValue", Resource: "*" };

export default defineDetector({
  id: "secretsmanager.resource-policy-public",
  title: "Secrets Manager secret policy allows public access",
  severity: "high",
  mitre: ["T1555.006"],
  pattern: {
    source: ["aws.secretsmanager"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["secretsmanager.amazonaws.com"],
      eventName: ["PutResourcePolicy"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const document = parsePolicyDocument(record.requestParameters ? field(record.requestParameters, "resourcePolicy") : undefined);
    const open = statementsOf(document).filter(allowsPublicAccess);
    if (open.length === 0) return undefined;
    const resource = secretResource(record);
    const actions = [...new Set(open.map(actionsOf))];
    const sids = open.map((s) => s.Sid).filter((sid): sid is string => typeof sid === "string" && sid !== "");
    const which = sids.length > 0 ? ` (statement ${sids.join(", ")})` : "";
    return {
      summary: sentence(
        `${actorName(record)} set a resource policy on secret ${resource.id} in ${resource.region} that allows ${actions.join(", ")} to anyone${which}.`,
      ),
      resources: [resource],
    };
  },
  runbook:
    "A statement of the secret's new resource policy allows everyone (Principal \"*\", {\"AWS\": \"*\"} or NotPrincipal) with no condition tying it to an " +
    "account, organisation, network or principal. The call succeeded, so BlockPublicPolicy was not set on it. To read the value a caller also needs " +
    "kms:Decrypt on the secret's key: a secret under the AWS managed key aws/secretsmanager cannot be read from other accounts, one under a customer-managed key " +
    "can wherever that key's policy allows it, so check which key protects the secret (and kms.key-policy-opened findings) before judging the exposure. Ask " +
    "the secret's owner; then remove the public statement (PutResourcePolicy with the previous policy and BlockPublicPolicy true, or DeleteResourcePolicy), " +
    "rotate the secret, and review GetSecretValue calls from other accounts since the change. " +
    "Grants to one named account are not judged here. A refused PutResourcePolicy (errorCode, e.g. PublicPolicyException when BlockPublicPolicy caught it) is " +
    "not a finding: the policy did not change.",
  examples: {
    match: [
      {
        description: "Anyone may read the database credentials secret",
        record: putResourcePolicy("d5a45fd7-50dc-4ab2-950c-0e231ca9c07c", "2025-01-08T21:44:10Z", "prod/orders/db-credentials", [
          { Sid: "ReadForAll", Effect: "Allow", Principal: { AWS: "*" }, ...READ },
        ]),
      },
      {
        description: "Principal \"*\" whose only condition is an aws:PrincipalOrgID wildcard that admits every organisation",
        record: putResourcePolicy("1b0e7929-5628-43e1-80b9-2d0f9e3802a6", "2025-01-08T21:51:37Z", "prod/payments/stripe-api-key", [
          { Effect: "Allow", Principal: "*", ...READ, Condition: { StringLike: { "aws:PrincipalOrgID": "o-*" } } },
        ]),
      },
    ],
    noMatch: [
      {
        description: "Principal \"*\" limited to the organisation with aws:PrincipalOrgID",
        record: putResourcePolicy("e217b9b4-1342-4a96-9609-8d342fe7c9fa", "2025-01-08T20:12:45Z", "shared/datadog-api-key", [
          { Sid: "OrgRead", Effect: "Allow", Principal: "*", ...READ, Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } },
        ], { blockPublicPolicy: true }),
      },
      {
        description: "A grant to one role of another account: cross-account, not public",
        record: putResourcePolicy("fded5dca-2b5e-4370-a96b-b09f95855473", "2025-01-08T20:20:03Z", "prod/orders/reporting-readonly", [
          { Sid: "ReportingRead", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OUTSIDE}:role/reporting` }, ...READ },
        ], { blockPublicPolicy: true }),
      },
      {
        description: "A public policy that BlockPublicPolicy refused",
        record: putResourcePolicy("4f9cc145-691b-40d5-8329-0d93b2b856e3", "2025-01-08T21:40:55Z", "prod/orders/db-credentials", [{ Effect: "Allow", Principal: "*", ...READ }], {
          blockPublicPolicy: true,
          error: {
            code: "PublicPolicyException",
            message: "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.",
          },
        }),
      },
    ],
  },
});
