import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { strings } from "../../core/policy.js";
import { actorName, API_CALL, field, isIacPrincipal, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, OUTSIDE, PROD, USER_AGENTS, viaCloudFormation } from "../examples.js";

const UPDATE_CODE = "UpdateFunctionCode20150331v2";
const UPDATE_CONFIGURATION = "UpdateFunctionConfiguration20150331v2";

/** The function's name: the response says it plainly; the request may give a name, a partial ARN or a full ARN (with a qualifier). */
function functionName(record: CloudTrailRecord): string | undefined {
  const fromResponse = record.responseElements ? field(record.responseElements, "functionName") : undefined;
  if (typeof fromResponse === "string" && fromResponse !== "") return fromResponse;
  const requested = record.requestParameters ? field(record.requestParameters, "functionName") : undefined;
  if (typeof requested !== "string" || requested === "") return undefined;
  const match = /(?:^|:)function:([^:]+)/.exec(requested);
  return match?.[1] ?? requested;
}

function functionResource(record: CloudTrailRecord, name: string): FindingResource {
  return {
    type: "AWS::Lambda::Function",
    id: name,
    arn: `arn:${partitionOf(record.awsRegion)}:lambda:${record.awsRegion}:${record.recipientAccountId}:function:${name}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

/** Layer version ARNs: arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION. */
function layerAccount(arn: string): string | undefined {
  return /^arn:[^:]+:lambda:[^:]*:(\d{12}):layer:/.exec(arn)?.[1];
}

function layerName(arn: string): string {
  const match = /:layer:([^:]+)(?::(\d+))?$/.exec(arn);
  return match ? `${match[1]}${match[2] ? `:${match[2]}` : ""}` : arn;
}

const REGION = "eu-west-1";
const DEVELOPER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Developer_8e7d6c5b4a392817";

function lambdaCall(
  eventID: string,
  eventTime: string,
  eventName: typeof UPDATE_CODE | typeof UPDATE_CONFIGURATION,
  identity: Record<string, unknown>,
  name: string,
  request: Record<string, unknown>,
  options: { userAgent?: string; region?: string; layers?: string[]; error?: { code: string; message: string } } = {},
) {
  const region = options.region ?? REGION;
  const arn = `arn:aws:lambda:${region}:${PROD}:function:${name}`;
  return apiCall({
    eventID,
    eventTime,
    eventSource: "lambda.amazonaws.com",
    eventName,
    identity,
    region,
    requestParameters: request,
    responseElements: {
      functionName: name,
      functionArn: request.publish === true ? `${arn}:7` : arn,
      runtime: "python3.12",
      role: `arn:aws:iam::${PROD}:role/service/${name}-lambda`,
      handler: "app.handler",
      codeSize: 48213,
      description: "",
      timeout: 30,
      memorySize: 256,
      lastModified: `${eventTime.slice(0, 19)}.000+0000`,
      codeSha256: "Pt1c8vVaBygmNtAeSyjlpdy7r8nHRqJAAL++HEGlQkc=",
      version: request.publish === true ? "7" : "$LATEST",
      tracingConfig: { mode: "PassThrough" },
      revisionId: `${eventID.slice(0, 8)}-ab61-49ef-b235-${eventID.slice(-12)}`,
      ...(options.layers ? { layers: options.layers.map((layer) => ({ arn: layer, codeSize: 2120 })) } : {}),
      state: "Active",
      lastUpdateStatus: "InProgress",
      packageType: "Zip",
      architectures: ["x86_64"],
    },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "lambda.function-code-changed-outside-iac",
  title: "Lambda function code or layers changed outside infrastructure as code",
  severity: "medium",
  mitre: ["T1525", "T1648"],
  stratus: ["aws.persistence.lambda-overwrite-code", "aws.persistence.lambda-layer-extension"],
  pattern: {
    source: ["aws.lambda"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["lambda.amazonaws.com"],
      eventName: [UPDATE_CODE, UPDATE_CONFIGURATION],
      errorCode: [{ exists: false }],
      // Configuration updates matter only when they set layers; most change environment variables or memory.
      $or: [{ eventName: [UPDATE_CODE] }, { requestParameters: { layers: [{ exists: true }] } }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline) || record.userIdentity.invokedBy === "cloudformation.amazonaws.com") return undefined;
    const request = record.requestParameters ?? {};
    const name = functionName(record);
    if (!name) return undefined;
    const resource = functionResource(record, name);
    if (record.eventName === UPDATE_CODE) {
      // A dry run only validates the request; the code stays as it was.
      if (field(request, "dryRun") === true) return undefined;
      const version = record.responseElements ? field(record.responseElements, "version") : undefined;
      const published = typeof version === "string" && version !== "$LATEST" ? ` and published it as version ${version}` : "";
      return { summary: sentence(`${actorName(record)} replaced the code of Lambda function ${name}${published}, outside infrastructure as code.`), resources: [resource] };
    }
    const layers = strings(field(request, "layers"));
    if (layers.length === 0) return undefined;
    const foreign = [...new Set(layers.map(layerAccount).filter((account): account is string => account !== undefined && account !== record.recipientAccountId))];
    const from = foreign.length > 0 ? `, including layers from account${foreign.length > 1 ? "s" : ""} ${foreign.join(", ")}` : "";
    return {
      summary: sentence(`${actorName(record)} set the layers of Lambda function ${name} to ${layers.map(layerName).join(", ")}${from}, outside infrastructure as code.`),
      resources: [resource],
    };
  },
  runbook:
    "The function's code, or the layers (and with them any Lambda extensions, which run beside the handler and see every invocation's event) were replaced by a " +
    "principal that is neither one of the baseline's IaC principals nor a CloudFormation stack (SAM, CDK and the Serverless Framework deploy through " +
    "CloudFormation). The new code runs with the function's execution role on the next invocation, and can read or forward every event it is given. Compare the " +
    "new codeSha256 with what the pipeline built, download the package (GetFunction) or the layer version (GetLayerVersionByArn) and look inside; a layer from an " +
    "account outside the organisation is a strong sign. Ask the owner of the caller; if the change is not theirs, roll back to the last published version or redeploy " +
    "from the pipeline, and review the execution role's recent activity. Pipelines that deploy Lambda code directly (aws lambda update-function-code) belong in the " +
    "baseline's IaC principals. Dry runs, configuration changes without layers, and removing every layer are not judged. A refused call (errorCode such as " +
    "AccessDeniedException or ResourceConflictException) is not a finding: the function did not change.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's lambda-overwrite-code: an IAM user overwrites the code and publishes a version",
        record: lambdaCall(
          "bee7a1a7-a713-4866-a714-db84df0c4a6a",
          "2024-08-01T13:52:02Z",
          UPDATE_CODE,
          iamUser("arn:aws:iam::111122223333:user/christophe"),
          "stratus-red-team-olc-func-vayhjqkdav",
          {
            dryRun: false,
            fullyQualifiedArn: {
              arnPrefix: { account: PROD, partition: "aws", region: "us-east-1" },
              functionQualifier: {},
              relativeId: { functionName: "stratus-red-team-olc-func-vayhjqkdav" },
            },
            functionName: `arn:aws:lambda:us-east-1:${PROD}:function:stratus-red-team-olc-func-vayhjqkdav`,
            publish: true,
          },
          { userAgent: USER_AGENTS.stratus, region: "us-east-1" },
        ),
      },
      {
        description: "Stratus Red Team's lambda-layer-extension: an IAM user adds a layer carrying an extension",
        record: lambdaCall(
          "1cba44d1-95f4-43d0-bda7-06aeb9b2e2ea",
          "2024-07-30T21:57:20Z",
          UPDATE_CONFIGURATION,
          iamUser("arn:aws:iam::111122223333:user/christophe"),
          "stratus-red-team-lambda-layer-simpleLambda",
          {
            environment: {},
            functionName: `arn:aws:lambda:us-east-1:${PROD}:function:stratus-red-team-lambda-layer-simpleLambda`,
            layers: [`arn:aws:lambda:us-east-1:${PROD}:layer:stratus-red-team-lambda-layer-my-lambda-extension:1`],
          },
          { userAgent: USER_AGENTS.stratus, region: "us-east-1", layers: [`arn:aws:lambda:us-east-1:${PROD}:layer:stratus-red-team-lambda-layer-my-lambda-extension:1`] },
        ),
      },
      {
        description: "A developer's session adds a layer published in an account outside the organisation",
        record: lambdaCall(
          "63dc3b42-0114-454d-b917-bf7ba4e8a469",
          "2024-10-21T15:08:44Z",
          UPDATE_CONFIGURATION,
          assumedRole(DEVELOPER, "t.nguyen@example.com"),
          "payments-webhook",
          {
            functionName: "payments-webhook",
            layers: [`arn:aws:lambda:eu-west-1:${PROD}:layer:shared-utils:12`, `arn:aws:lambda:eu-west-1:${OUTSIDE}:layer:apm-agent:3`],
          },
          { userAgent: USER_AGENTS.cli, layers: [`arn:aws:lambda:eu-west-1:${PROD}:layer:shared-utils:12`, `arn:aws:lambda:eu-west-1:${OUTSIDE}:layer:apm-agent:3`] },
        ),
      },
    ],
    noMatch: [
      {
        description: "The deployment pipeline's role, listed as infrastructure as code, ships new code",
        record: lambdaCall(
          "5aef3a3b-75e3-4cb4-a21c-b1aaa6d331f6",
          "2024-10-21T09:30:12Z",
          UPDATE_CODE,
          assumedRole("arn:aws:iam::111122223333:role/deploy/lambda-release", "codebuild-lambda-release-5531"),
          "payments-webhook",
          { functionName: "payments-webhook", s3Bucket: "acme-build-artifacts", s3Key: "payments-webhook/4f2a9c1.zip", publish: true, dryRun: false },
          { userAgent: USER_AGENTS.boto3 },
        ),
        baseline: { principals: { iac: ["arn:aws:iam::111122223333:role/deploy/*"] } },
      },
      {
        description: "A SAM deployment: CloudFormation updates the code",
        record: lambdaCall(
          "87594f32-1b90-43d3-9e59-8ffec3003dbe",
          "2024-10-21T09:41:55Z",
          UPDATE_CODE,
          viaCloudFormation(assumedRole("arn:aws:iam::111122223333:role/cfn-exec-serverless", "AWSCloudFormation")),
          "orders-api",
          { functionName: "orders-api", s3Bucket: "aws-sam-cli-managed-default-samclisourcebucket-1a2b3c4d", s3Key: "orders-api/8c1d2e.zip", publish: false, dryRun: false },
        ),
      },
      {
        description: "A configuration change that only sets environment variables: no layers in the request",
        record: lambdaCall(
          "c8c5b971-fcdc-416d-9270-f2e17521ed66",
          "2024-10-21T16:02:37Z",
          UPDATE_CONFIGURATION,
          assumedRole(DEVELOPER, "t.nguyen@example.com"),
          "payments-webhook",
          { functionName: "payments-webhook", environment: { variables: { LOG_LEVEL: "debug" } } },
          { userAgent: USER_AGENTS.console },
        ),
      },
      {
        description: "A dry run of a code update: validated, not applied",
        record: lambdaCall(
          "87655b6f-0a21-4055-9131-1bfdf6d50cf7",
          "2024-10-21T16:10:03Z",
          UPDATE_CODE,
          assumedRole(DEVELOPER, "t.nguyen@example.com"),
          "payments-webhook",
          { functionName: "payments-webhook", publish: false, dryRun: true },
          { userAgent: USER_AGENTS.cli },
        ),
      },
      {
        description: "A code update refused while another update was in progress",
        record: lambdaCall(
          "7992bc08-3c44-4af5-adb8-673703e98e8a",
          "2024-10-21T16:12:48Z",
          UPDATE_CODE,
          assumedRole(DEVELOPER, "t.nguyen@example.com"),
          "payments-webhook",
          { functionName: "payments-webhook", publish: false, dryRun: false },
          {
            userAgent: USER_AGENTS.cli,
            error: {
              code: "ResourceConflictException",
              message: "The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:eu-west-1:111122223333:function:payments-webhook",
            },
          },
        ),
      },
    ],
  },
});
