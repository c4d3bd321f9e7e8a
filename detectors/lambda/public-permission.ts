import type { Baseline } from "../../core/baseline.js";
import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { allowsPublicAccess, isAllow, parsePolicyDocument, strings, type PolicyStatement } from "../../core/policy.js";
import { actorName, API_CALL, field, isKnownAccount, isObject, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, OUTSIDE, USER_AGENTS } from "../examples.js";

const REGION = "eu-west-1";
const DEVELOPER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Developer_1a2b3c4d5e6f7a8b";
const TERRAFORM = "arn:aws:iam::111122223333:role/ci/terraform-apply";
const PARTNER = "444433332222";

/** Lambda logs AddPermission with the API version in the event name (Stratus Red Team's detection events). */
const EVENT_NAMES = ["AddPermission20150331", "AddPermission20150331v2"];

function requestString(record: CloudTrailRecord, name: string): string | undefined {
  const value = record.requestParameters ? field(record.requestParameters, name) : undefined;
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * The statement Lambda added: `responseElements.statement` (JSON text) when the
 * record has it, otherwise rebuilt from the request the way Lambda builds it
 * (principal, SourceArn, SourceAccount, PrincipalOrgID, FunctionUrlAuthType).
 */
function addedStatement(record: CloudTrailRecord): PolicyStatement | undefined {
  const returned = record.responseElements ? field(record.responseElements, "statement") : undefined;
  const parsed = parsePolicyDocument(returned);
  if (parsed && (parsed.Principal !== undefined || parsed.Effect !== undefined)) return parsed;

  const principal = requestString(record, "principal");
  if (!principal) return undefined;
  let Principal: unknown;
  if (principal === "*") Principal = "*";
  else if (/^\d{12}$/.test(principal)) Principal = { AWS: `arn:${partitionOf(record.awsRegion)}:iam::${principal}:root` };
  else if (principal.startsWith("arn:")) Principal = { AWS: principal };
  else Principal = { Service: principal };

  const condition: Record<string, Record<string, string>> = {};
  const add = (operator: string, key: string, value: string | undefined) => {
    if (value !== undefined) condition[operator] = { ...condition[operator], [key]: value };
  };
  add("ArnLike", "AWS:SourceArn", requestString(record, "sourceArn"));
  add("StringEquals", "AWS:SourceAccount", requestString(record, "sourceAccount"));
  add("StringEquals", "aws:PrincipalOrgID", requestString(record, "principalOrgID"));
  add("StringEquals", "lambda:FunctionUrlAuthType", requestString(record, "functionUrlAuthType"));
  return {
    Sid: requestString(record, "statementId"),
    Effect: "Allow",
    Principal,
    Action: requestString(record, "action") ?? "lambda:InvokeFunction",
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

/** Accounts named by an `AWS` principal: `123456789012` or any IAM ARN in that account. */
function principalAccounts(statement: PolicyStatement): string[] {
  const principal = statement.Principal;
  const values = typeof principal === "string" ? [] : isObject(principal) ? strings(principal.AWS) : [];
  return values
    .map((value) => (/^\d{12}$/.test(value.trim()) ? value.trim() : value.split(":")[4] ?? ""))
    .filter((account) => /^\d{12}$/.test(account));
}

function unknownAccounts(record: CloudTrailRecord, baseline: Baseline, statement: PolicyStatement): string[] {
  if (!isAllow(statement)) return [];
  return [...new Set(principalAccounts(statement))].filter((account) => !isKnownAccount(baseline, account, record.recipientAccountId));
}

/** FunctionName is a name, an ARN (maybe with a qualifier) or a partial ARN `ACCOUNT:function:NAME`. */
function functionResource(record: CloudTrailRecord, functionName: string): FindingResource {
  const base = { type: "AWS::Lambda::Function", account: record.recipientAccountId, region: record.awsRegion };
  const marker = functionName.indexOf("function:");
  if (marker < 0) {
    return { ...base, id: functionName, arn: `arn:${partitionOf(record.awsRegion)}:lambda:${record.awsRegion}:${record.recipientAccountId}:function:${functionName}` };
  }
  const name = functionName.slice(marker + "function:".length).split(":")[0] || functionName;
  if (functionName.startsWith("arn:")) {
    const [, , , region, account] = functionName.split(":");
    return { ...base, id: name, arn: functionName, account: account || base.account, region: region || base.region };
  }
  const account = functionName.split(":")[0] ?? "";
  return { ...base, id: name, ...(/^\d{12}$/.test(account) ? { account } : {}) };
}

function addPermission(
  eventID: string,
  eventTime: string,
  functionName: string,
  request: Record<string, string>,
  statement: Record<string, unknown> | undefined,
  options: {
    identity?: Record<string, unknown>;
    userAgent?: string;
    region?: string;
    eventName?: string;
    error?: { code: string; message: string };
  } = {},
) {
  const region = options.region ?? REGION;
  const resource = `arn:aws:lambda:${region}:111122223333:function:${functionName}`;
  return apiCall({
    eventID,
    eventTime,
    eventSource: "lambda.amazonaws.com",
    eventName: options.eventName ?? "AddPermission20150331v2",
    identity: options.identity ?? assumedRole(DEVELOPER, "s.okafor@example.com"),
    region,
    requestParameters: { functionName, ...request },
    responseElements: statement ? { statement: JSON.stringify({ ...statement, Resource: resource }) } : null,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "lambda.public-permission",
  title: "Lambda function policy lets anyone or an unknown account invoke it",
  severity: "high",
  mitre: ["T1648"],
  stratus: ["aws.persistence.lambda-backdoor-function"],
  pattern: {
    source: ["aws.lambda"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["lambda.amazonaws.com"],
      eventName: EVENT_NAMES,
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    const statement = addedStatement(record);
    if (!statement) return undefined;
    const open = allowsPublicAccess(statement);
    const unknown = unknownAccounts(record, baseline, statement);
    if (!open && unknown.length === 0) return undefined;
    const functionName = requestString(record, "functionName") ?? "(unnamed function)";
    const resource = functionResource(record, functionName);
    const actions = strings(statement.Action).join(", ") || "access";
    const who = open ? "anyone" : `${unknown.length === 1 ? "account" : "accounts"} ${unknown.join(", ")}, which the baseline does not list,`;
    const sid = typeof statement.Sid === "string" && statement.Sid !== "" ? ` (statement ${statement.Sid})` : "";
    return {
      summary: sentence(`${actorName(record)} changed the policy of Lambda function ${resource.id} in ${resource.region} to let ${who} call ${actions}${sid}.`),
      resources: [resource],
    };
  },
  runbook:
    "The function's resource-based policy now has a statement that lets everyone (Principal \"*\" with no condition tying it to an account, organisation or " +
    "source ARN) or an account the baseline neither owns nor trusts invoke or manage it: a backdoor that survives credential rotation, and a way to run the " +
    "function's role from outside. Read the policy with GetPolicy, ask the function's owner whether the statement is intended (a public function URL also adds " +
    "such a statement with lambda:FunctionUrlAuthType NONE), and list a legitimate partner under trust.externalAccounts. Otherwise remove the statement " +
    "(RemovePermission with its statement id), review the function's recent invocations and its role's activity for calls from outside, and check what else the " +
    "same principal changed. Service principals (s3.amazonaws.com, events.amazonaws.com, …) are not judged here. A refused AddPermission (errorCode) is not a finding: " +
    "the policy did not change.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's lambda-backdoor-function: an IAM user lets \"*\" invoke the function",
        record: addPermission(
          "697dccb6-ec04-4444-9a80-268a2f3ba5f4",
          "2024-08-01T13:47:16Z",
          "stratus-red-team-backdoor-f-func",
          { statementId: "backdoor", action: "lambda:InvokeFunction", principal: "*" },
          { Sid: "backdoor", Effect: "Allow", Principal: "*", Action: "lambda:InvokeFunction" },
          { identity: iamUser("arn:aws:iam::111122223333:user/christophe"), userAgent: USER_AGENTS.stratus, region: "us-east-1" },
        ),
      },
      {
        description: "An account outside the organisation may invoke the function; the older AddPermission20150331 event without a response",
        record: addPermission(
          "452a172d-0eea-472e-aa1a-25c00eec6a02",
          "2024-10-14T15:22:08Z",
          "arn:aws:lambda:eu-west-1:111122223333:function:invoice-export:live",
          { statementId: "allow-reporting", action: "lambda:InvokeFunction", principal: OUTSIDE },
          undefined,
          { eventName: "AddPermission20150331" },
        ),
      },
      {
        description: "A public function URL permission: Principal \"*\" whose only condition is the URL's auth type NONE",
        record: addPermission(
          "bfe199b3-7291-4600-b611-2427c73464f3",
          "2024-10-14T16:05:51Z",
          "orders-webhook",
          { statementId: "FunctionURLAllowPublicAccess", action: "lambda:InvokeFunctionUrl", principal: "*", functionUrlAuthType: "NONE" },
          {
            Sid: "FunctionURLAllowPublicAccess",
            Effect: "Allow",
            Principal: "*",
            Action: "lambda:InvokeFunctionUrl",
            Condition: { StringEquals: { "lambda:FunctionUrlAuthType": "NONE" } },
          },
        ),
      },
    ],
    noMatch: [
      {
        description: "Terraform lets S3 invoke the function for one bucket of the account (a service principal with SourceArn and SourceAccount)",
        record: addPermission(
          "6a38866b-fafb-442a-b612-d3cdc483f2bf",
          "2024-10-14T09:12:40Z",
          "thumbnailer",
          {
            statementId: "AllowExecutionFromS3Bucket",
            action: "lambda:InvokeFunction",
            principal: "s3.amazonaws.com",
            sourceArn: "arn:aws:s3:::acme-prod-uploads",
            sourceAccount: "111122223333",
          },
          {
            Sid: "AllowExecutionFromS3Bucket",
            Effect: "Allow",
            Principal: { Service: "s3.amazonaws.com" },
            Action: "lambda:InvokeFunction",
            Condition: { StringEquals: { "AWS:SourceAccount": "111122223333" }, ArnLike: { "AWS:SourceArn": "arn:aws:s3:::acme-prod-uploads" } },
          },
          { identity: assumedRole(TERRAFORM, "terraform-run-7731"), userAgent: USER_AGENTS.terraform },
        ),
      },
      {
        description: "Principal \"*\" limited to the organisation with PrincipalOrgID",
        record: addPermission(
          "de9e3ead-a01a-419b-9612-924b16125363",
          "2024-10-14T10:40:03Z",
          "shared-lookup",
          { statementId: "org-invoke", action: "lambda:InvokeFunction", principal: "*", principalOrgID: "o-a1b2c3d4e5" },
          {
            Sid: "org-invoke",
            Effect: "Allow",
            Principal: "*",
            Action: "lambda:InvokeFunction",
            Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } },
          },
        ),
      },
      {
        description: "A partner account listed under trust.externalAccounts may invoke the function",
        record: addPermission(
          "de159d77-df87-4183-bbcf-93a66695a71f",
          "2024-10-14T11:02:19Z",
          "partner-callback",
          { statementId: "partner", action: "lambda:InvokeFunction", principal: PARTNER },
          { Sid: "partner", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: "lambda:InvokeFunction" },
        ),
        baseline: { trust: { externalAccounts: [PARTNER] } },
      },
      {
        description: "A public AddPermission that Lambda refused: the policy did not change",
        record: addPermission(
          "ba839e94-64c3-4978-bb93-5da50a2dc0c0",
          "2024-10-14T13:31:27Z",
          "payments-refund",
          { statementId: "backdoor", action: "lambda:InvokeFunction", principal: "*" },
          undefined,
          {
            identity: assumedRole("arn:aws:iam::111122223333:role/app/payments-api", "i-0a9b8c7d6e5f40312"),
            error: {
              code: "AccessDeniedException",
              message:
                "User: arn:aws:sts::111122223333:assumed-role/payments-api/i-0a9b8c7d6e5f40312 is not authorized to perform: lambda:AddPermission on resource: arn:aws:lambda:eu-west-1:111122223333:function:payments-refund because no identity-based policy allows the lambda:AddPermission action",
            },
          },
        ),
      },
    ],
  },
});
