import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, partitionOf, sentence, stringField } from "../common.js";
import { apiCall, assumedRole, USER_AGENTS } from "../examples.js";

const REGION = "eu-west-1";
const DEVELOPER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Developer_1a2b3c4d5e6f7a8b";

/**
 * Real records name the calls without a version (a console CreateFunctionUrlConfig
 * in SigmaHQ/sigma#5016); Lambda's CloudTrail guide warns that event names may
 * carry the API version, as AddPermission20150331v2 does, so the 2021-10-31
 * spelling of the function URL API is watched too.
 */
const CREATE = ["CreateFunctionUrlConfig", "CreateFunctionUrlConfig20211031"];
const UPDATE = ["UpdateFunctionUrlConfig", "UpdateFunctionUrlConfig20211031"];

/** The URL belongs to a function, or to one of its aliases (Qualifier). */
function urlResource(record: CloudTrailRecord, functionName: string, qualifier: string | undefined): FindingResource {
  const returned = stringField(record.responseElements, "functionArn");
  const marker = functionName.indexOf("function:");
  const name = marker < 0 ? functionName : functionName.slice(marker + "function:".length).split(":")[0] || functionName;
  const arn =
    returned ??
    (functionName.startsWith("arn:")
      ? functionName
      : `arn:${partitionOf(record.awsRegion)}:lambda:${record.awsRegion}:${record.recipientAccountId}:function:${name}${qualifier ? `:${qualifier}` : ""}`);
  return { type: "AWS::Lambda::Url", id: qualifier ? `${name}:${qualifier}` : name, arn, account: record.recipientAccountId, region: record.awsRegion };
}

function functionUrlCall(
  eventID: string,
  eventTime: string,
  eventName: string,
  functionName: string,
  authType: string | undefined,
  options: { qualifier?: string; identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  const arn = `arn:aws:lambda:${REGION}:111122223333:function:${functionName}${options.qualifier ? `:${options.qualifier}` : ""}`;
  const request: Record<string, unknown> = { functionName, ...(options.qualifier ? { qualifier: options.qualifier } : {}) };
  if (authType) request.authType = authType;
  request.cors = {};
  if (eventName.startsWith("Create")) request.invokeMode = "BUFFERED";
  return apiCall({
    eventID,
    eventTime,
    eventSource: "lambda.amazonaws.com",
    eventName,
    identity: options.identity ?? assumedRole(DEVELOPER, "s.okafor@example.com"),
    region: REGION,
    requestParameters: request,
    responseElements: {
      authType: authType ?? "AWS_IAM",
      creationTime: "2024-10-21T09:14:22.418337Z",
      functionArn: arn,
      functionUrl: "https://h3kq7vxm2bq5ttdgaxw4lzr6xe0pyaok.lambda-url.eu-west-1.on.aws/",
      invokeMode: "BUFFERED",
    },
    userAgent: options.userAgent ?? USER_AGENTS.browser,
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "lambda.function-url-public",
  title: "Lambda function URL created or changed to need no authentication",
  severity: "high",
  mitre: ["T1648"],
  pattern: {
    source: ["aws.lambda"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["lambda.amazonaws.com"],
      eventName: [...CREATE, ...UPDATE],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    if (stringField(record.requestParameters, "authType")?.toUpperCase() !== "NONE") return undefined;
    const functionName = stringField(record.requestParameters, "functionName") ?? "(unnamed function)";
    const resource = urlResource(record, functionName, stringField(record.requestParameters, "qualifier"));
    const url = stringField(record.responseElements, "functionUrl");
    const verb = UPDATE.includes(record.eventName) ? "changed the function URL of" : "created a function URL for";
    return {
      summary: sentence(
        `${actorName(record)} ${verb} Lambda function ${resource.id} in ${resource.region} with auth type NONE, so anyone on the internet can invoke it${url ? ` at ${url}` : ""}.`,
      ),
      resources: [resource],
    };
  },
  runbook:
    "A function URL with auth type NONE skips IAM authentication: whoever knows the URL can call the function over HTTPS, and the function runs with its " +
    "execution role's permissions. Together with a resource-policy statement for Principal \"*\" (lambda:InvokeFunctionUrl, which the console adds on its own and " +
    "lambda.public-permission reports) the URL is open to the internet. Ask the function's owner whether a public endpoint is intended (webhooks are a common " +
    "reason) and, if so, add a baseline exception for this function. Otherwise switch the URL to AWS_IAM (UpdateFunctionUrlConfig) or delete it " +
    "(DeleteFunctionUrlConfig), remove the public statement from the function policy, and read the function's logs for requests since the change. " +
    "A refused call (errorCode) is not a finding: no URL was created or changed.",
  examples: {
    match: [
      {
        description: "A developer creates a public function URL from the console",
        record: functionUrlCall("3bcf5240-3d61-49a2-a39e-33462c78d0a2", "2024-10-21T09:14:22Z", "CreateFunctionUrlConfig", "orders-webhook", "NONE"),
      },
      {
        description: "An existing URL on the live alias is switched from AWS_IAM to NONE, logged with the API version in the event name",
        record: functionUrlCall("c192673f-2a5c-48ac-845e-6c1713a3ef98", "2024-10-22T17:48:05Z", "UpdateFunctionUrlConfig20211031", "invoice-export", "NONE", {
          qualifier: "live",
          userAgent: USER_AGENTS.cli,
        }),
      },
    ],
    noMatch: [
      {
        description: "A function URL that requires IAM authentication",
        record: functionUrlCall("35818fa7-5e20-4733-a4c2-9354b4a8548c", "2024-10-21T09:20:41Z", "CreateFunctionUrlConfig", "internal-report", "AWS_IAM"),
      },
      {
        description: "An update that only changes CORS and leaves the auth type alone",
        record: functionUrlCall("536be1b3-47ea-4e30-ad16-a76fcb95d296", "2024-10-21T09:31:16Z", "UpdateFunctionUrlConfig", "internal-report", undefined),
      },
      {
        description: "A public URL that Lambda refused to create",
        record: functionUrlCall("f78b39e3-fd5a-414f-b8ba-415c10b0b2ff", "2024-10-21T09:12:03Z", "CreateFunctionUrlConfig", "payments-refund", "NONE", {
          identity: assumedRole("arn:aws:iam::111122223333:role/app/payments-api", "i-0a9b8c7d6e5f40312"),
          userAgent: USER_AGENTS.boto3,
          error: {
            code: "AccessDeniedException",
            message:
              "User: arn:aws:sts::111122223333:assumed-role/payments-api/i-0a9b8c7d6e5f40312 is not authorized to perform: lambda:CreateFunctionUrlConfig on resource: arn:aws:lambda:eu-west-1:111122223333:function:payments-refund because no identity-based policy allows the lambda:CreateFunctionUrlConfig action",
          },
        }),
      },
    ],
  },
});
