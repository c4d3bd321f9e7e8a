import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, isIacPrincipal, param, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, type ApiCallOptions, type ExampleRecord } from "../examples.js";

/**
 * A hundred successful model invocations by one principal in a 10-minute
 * window. Stolen keys used for "LLMjacking" (reselling inference on the
 * victim's bill) run continuously, far above this; people trying a model in
 * the playground or from a script stay well below. Applications built on
 * Bedrock exceed it by design: their roles are what baseline exceptions are for.
 */
const COUNT = 100;
const WINDOW_SECONDS = 600;

/** Cross-region inference profiles are named after the geography they route within: "us.anthropic.claude-…". */
const PROFILE_ID = /^(us|us-gov|eu|apac|jp|au|ca|global)\./;

/** A model id, an inference profile id, or the ARN of either. */
function modelResource(record: CloudTrailRecord, modelId: string): FindingResource {
  const located = { account: record.recipientAccountId, region: record.awsRegion };
  if (modelId.startsWith("arn:")) {
    const id = modelId.slice(modelId.indexOf("/") + 1);
    const type = modelId.includes(":application-inference-profile/")
      ? "AWS::Bedrock::ApplicationInferenceProfile"
      : modelId.includes(":inference-profile/")
        ? "AWS::Bedrock::InferenceProfile"
        : "AWS::Bedrock::FoundationModel";
    return { type, id, arn: modelId, ...located };
  }
  const partition = partitionOf(record.awsRegion);
  if (PROFILE_ID.test(modelId)) {
    const arn = `arn:${partition}:bedrock:${record.awsRegion}:${record.recipientAccountId}:inference-profile/${modelId}`;
    return { type: "AWS::Bedrock::InferenceProfile", id: modelId, arn, ...located };
  }
  const arn = `arn:${partition}:bedrock:${record.awsRegion}::foundation-model/${modelId}`;
  return { type: "AWS::Bedrock::FoundationModel", id: modelId, arn, ...located };
}

const REGION = "us-east-1";

/** Bedrock Runtime calls log under bedrock.amazonaws.com but reach the bedrock-runtime endpoint. */
function runtimeCall(options: Omit<ApiCallOptions, "eventSource">): ExampleRecord {
  const region = options.region ?? REGION;
  const record = apiCall({ ...options, eventSource: "bedrock.amazonaws.com", region, readOnly: true });
  if (!record.tlsDetails) return record;
  return { ...record, tlsDetails: { tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: `bedrock-runtime.${region}.amazonaws.com` } };
}

export default defineDetector({
  id: "bedrock.model-invocation-burst",
  title: "Burst of Bedrock model invocations by one principal",
  severity: "high",
  mitre: ["T1496.004"],
  pattern: {
    source: ["aws.bedrock"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["bedrock.amazonaws.com"],
      eventName: ["InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream"],
      errorCode: [{ exists: false }],
    },
  },
  // CloudTrail records model invocations as read-only management events.
  readOnlyEvents: true,
  threshold: { count: COUNT, windowSeconds: WINDOW_SECONDS, groupBy: "principal" },
  evaluate(record, { baseline }) {
    if (record.userIdentity.invokedBy || isIacPrincipal(record, baseline)) return undefined;
    const model = param(record, "modelId") ?? "(unknown model)";
    return {
      summary: sentence(
        `${actorName(record)} invoked Bedrock model ${model} (${record.eventName}) in ${record.awsRegion}, ` +
          `reaching ${COUNT} invocations in one ${WINDOW_SECONDS / 60}-minute window.`,
      ),
      resources: [modelResource(record, model)],
    };
  },
  remediation: "iam.quarantine-principal",
  runbook:
    "One principal ran many model invocations (InvokeModel, InvokeModelWithResponseStream, Converse, ConverseStream) within minutes. CloudTrail logs " +
    "them as read-only management events, so the trail must log read management events and the rule needs the all-management-events state; the " +
    "prompts and answers are only in model invocation logging, if it is enabled. Stolen keys are used this way to resell model access on the victim's " +
    "bill (LLMjacking), usually after ListFoundationModels, GetFoundationModelAvailability or PutUseCaseForModelAccess calls, from unfamiliar " +
    "addresses and with models the account never used. Ask the owner of the principal whether an application or batch job explains the volume (add a " +
    "baseline exception for its role); otherwise quarantine the principal, deactivate its access keys, review model access grants and invocation " +
    "logging settings (attackers turn logging off), and check the Bedrock bill. Stratus Red Team's bedrock-invoke-model invokes a model once and stays " +
    "below the count. Refused invocations cost nothing and are left to the access-denied detector.",
  examples: {
    match: [
      {
        description: "A leaked IAM user key invokes Claude from a script on a laptop",
        record: runtimeCall({
          eventID: "bc017eb2-f56b-4b33-99fd-0e69aaad1b9f",
          eventTime: "2024-10-01T11:52:37Z",
          eventName: "InvokeModel",
          identity: iamUser("arn:aws:iam::111122223333:user/svc-chatbot-dev"),
          region: "us-west-2",
          requestParameters: { modelId: "anthropic.claude-3-sonnet-20240229-v1:0" },
          userAgent:
            "Boto3/1.34.162 md/Botocore#1.34.162 ua/2.0 os/macos#22.6.0 md/arch#x86_64 lang/python#3.12.0 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.162",
          sourceIPAddress: "182.70.74.235",
        }),
      },
      {
        description: "A role session streams answers through a cross-region inference profile with Converse",
        record: runtimeCall({
          eventID: "5f8bb94d-d946-4430-a100-9b84ff4b7005",
          eventTime: "2024-10-02T01:14:09Z",
          eventName: "ConverseStream",
          identity: assumedRole("arn:aws:iam::111122223333:role/app/support-assistant", "support-assistant-task-7f3e"),
          requestParameters: { modelId: "us.anthropic.claude-3-5-sonnet-20241022-v2:0" },
          userAgent: "aws-sdk-js/3.654.0 ua/2.1 os/linux#5.10.225-213.878.amzn2.x86_64 lang/js md/nodejs#20.17.0 api/bedrock-runtime#3.654.0 m/E",
          sourceIPAddress: "3.91.204.17",
        }),
      },
    ],
    noMatch: [
      {
        description: "An invocation Bedrock refused because the account has no access to the model: nothing ran",
        record: runtimeCall({
          eventID: "38194a5d-bde5-45e4-b7b7-cbc21976ca44",
          eventTime: "2024-10-02T01:10:44Z",
          eventName: "InvokeModel",
          identity: iamUser("arn:aws:iam::111122223333:user/svc-chatbot-dev"),
          requestParameters: { modelId: "anthropic.claude-3-opus-20240229-v1:0" },
          sourceIPAddress: "182.70.74.235",
          error: { code: "AccessDeniedException", message: "You don't have access to the model with the specified model ID." },
        }),
      },
      {
        description: "Listing the available models: enumeration, not inference",
        record: apiCall({
          eventID: "c9c6309a-7e06-45c6-9690-533e1436ba79",
          eventTime: "2024-10-02T01:09:58Z",
          eventSource: "bedrock.amazonaws.com",
          eventName: "ListFoundationModels",
          identity: iamUser("arn:aws:iam::111122223333:user/svc-chatbot-dev"),
          region: REGION,
          requestParameters: null,
          sourceIPAddress: "182.70.74.235",
          readOnly: true,
        }),
      },
      {
        description: "The evaluation pipeline (an IaC principal in this baseline) running its nightly model benchmark",
        baseline: { principals: { iac: ["arn:aws:iam::111122223333:role/ci/*"] } },
        record: runtimeCall({
          eventID: "20f20fd2-915a-4cd5-b23d-f40299500c69",
          eventTime: "2024-10-02T02:00:12Z",
          eventName: "Converse",
          identity: assumedRole("arn:aws:iam::111122223333:role/ci/model-eval", "codebuild-model-eval-3391"),
          requestParameters: { modelId: "anthropic.claude-3-haiku-20240307-v1:0" },
        }),
      },
    ],
  },
});
