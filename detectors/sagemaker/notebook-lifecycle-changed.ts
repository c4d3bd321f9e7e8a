import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { asList } from "../../core/policy.js";
import { actorName, API_CALL, field, isIacPrincipal, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS, viaCloudFormation } from "../examples.js";

const UPDATE_INSTANCE = "UpdateNotebookInstance";
const CREATE_CONFIG = "CreateNotebookInstanceLifecycleConfig";
const UPDATE_CONFIG = "UpdateNotebookInstanceLifecycleConfig";

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** SageMaker ARNs carry resource names in lower case. */
function sagemakerArn(record: CloudTrailRecord, kind: string, name: string): string {
  return `arn:${partitionOf(record.awsRegion)}:sagemaker:${record.awsRegion}:${record.recipientAccountId}:${kind}/${name.toLowerCase()}`;
}

function notebookResource(record: CloudTrailRecord, name: string): FindingResource {
  return {
    type: "AWS::SageMaker::NotebookInstance",
    id: name,
    arn: sagemakerArn(record, "notebook-instance", name),
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

function configResource(record: CloudTrailRecord, name: string): FindingResource {
  return {
    type: "AWS::SageMaker::NotebookInstanceLifecycleConfig",
    id: name,
    arn: sagemakerArn(record, "notebook-instance-lifecycle-config", name),
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

/** Which hooks carry a script: onCreate runs once, at creation; onStart at every start. */
function hooks(request: Record<string, unknown>): string[] {
  return (["onStart", "onCreate"] as const).filter((hook) => asList(field(request, hook)).length > 0);
}

const REGION = "us-east-1";
const ML_ENGINEER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_MLEngineer_3c4d5e6f7a8b9c0d";
/** Lifecycle scripts are base64 in the request. */
const SCRIPT = Buffer.from("#!/bin/bash\nset -e\ncurl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/ | head -1\n").toString("base64");

function sagemakerCall(
  eventID: string,
  eventTime: string,
  eventName: typeof UPDATE_INSTANCE | typeof CREATE_CONFIG | typeof UPDATE_CONFIG,
  identity: Record<string, unknown>,
  request: Record<string, unknown>,
  options: { userAgent?: string; error?: { code: string; message: string } } = {},
) {
  const name = String(request.notebookInstanceLifecycleConfigName ?? "");
  return apiCall({
    eventID,
    eventTime,
    eventSource: "sagemaker.amazonaws.com",
    eventName,
    identity,
    region: REGION,
    requestParameters: request,
    responseElements:
      eventName === CREATE_CONFIG
        ? { notebookInstanceLifecycleConfigArn: `arn:aws:sagemaker:${REGION}:111122223333:notebook-instance-lifecycle-config/${name.toLowerCase()}` }
        : null,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "sagemaker.notebook-lifecycle-changed",
  title: "SageMaker notebook lifecycle script attached or changed outside infrastructure as code",
  severity: "high",
  mitre: ["T1651"],
  stratus: ["aws.execution.sagemaker-update-lifecycle-config"],
  pattern: {
    source: ["aws.sagemaker"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["sagemaker.amazonaws.com"],
      eventName: [UPDATE_INSTANCE, CREATE_CONFIG, UPDATE_CONFIG],
      errorCode: [{ exists: false }],
      // UpdateNotebookInstance matters only when it attaches a lifecycle configuration (CloudTrail writes JSON-protocol requests in camelCase).
      $or: [
        { eventName: [CREATE_CONFIG, UPDATE_CONFIG] },
        { requestParameters: { lifecycleConfigName: [{ exists: true }] } },
        { requestParameters: { LifecycleConfigName: [{ exists: true }] } },
      ],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline) || record.userIdentity.invokedBy === "cloudformation.amazonaws.com") return undefined;
    const request = record.requestParameters ?? {};
    const actor = actorName(record);
    if (record.eventName === UPDATE_INSTANCE) {
      const config = text(field(request, "lifecycleConfigName"));
      const notebook = text(field(request, "notebookInstanceName"));
      if (!config || !notebook) return undefined;
      return {
        summary: sentence(
          `${actor} attached lifecycle configuration ${config} to SageMaker notebook instance ${notebook}; its script runs as root with the notebook's execution role at the next start.`,
        ),
        resources: [notebookResource(record, notebook), configResource(record, config)],
      };
    }
    const config = text(field(request, "notebookInstanceLifecycleConfigName"));
    if (!config) return undefined;
    const scripts = hooks(request);
    const which = scripts.length > 0 ? ` (${scripts.join(" and ")} script${scripts.length > 1 ? "s" : ""})` : "";
    const summary =
      record.eventName === CREATE_CONFIG
        ? `${actor} created SageMaker notebook lifecycle configuration ${config}${which} outside infrastructure as code.`
        : `${actor} changed the scripts of SageMaker notebook lifecycle configuration ${config}${which}; every notebook instance using it runs them at its next start.`;
    return { summary: sentence(summary), resources: [configResource(record, config)] };
  },
  runbook:
    "A notebook instance's lifecycle configuration is a shell script that SageMaker runs as root on the instance (onCreate once, onStart at every start), where " +
    "the notebook's execution role is one metadata request away: attaching or editing one is a way to run code as, and steal, that role (Stratus' " +
    "sagemaker-update-lifecycle-config stops the notebook, attaches a configuration, and starts it again). Decode the script (DescribeNotebookInstanceLifecycleConfig, " +
    "base64) and read it; list the notebooks that use the configuration; check what the execution role can do and what it did since the next StartNotebookInstance. " +
    "If the change is not approved, stop the notebook, detach or restore the configuration, and revoke the execution role's sessions. StopNotebookInstance alone, " +
    "UpdateNotebookInstance calls that attach nothing (instance type, volume size, or DisassociateLifecycleConfig), and changes by the baseline's IaC principals or " +
    "a CloudFormation stack are not judged. A refused call (errorCode such as AccessDeniedException or ValidationException) is not a finding: nothing changed.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's sagemaker-update-lifecycle-config: the attacker user attaches a lifecycle configuration to the stopped notebook",
        record: sagemakerCall(
          "8f124dbb-9686-4171-95d3-a48705876999",
          "2025-03-04T15:22:41Z",
          UPDATE_INSTANCE,
          iamUser("arn:aws:iam::111122223333:user/stratus-red-team-sagemaker-attacker"),
          { notebookInstanceName: "stratus-red-team-sagemaker-notebook", lifecycleConfigName: "stratus-red-team-malicious-lifecycle-config" },
          { userAgent: USER_AGENTS.stratus },
        ),
      },
      {
        description: "An ML engineer's session rewrites the onStart script of a shared lifecycle configuration",
        record: sagemakerCall(
          "3815b5ff-52ee-4026-8683-ed68ff26c85b",
          "2024-10-23T17:48:02Z",
          UPDATE_CONFIG,
          assumedRole(ML_ENGINEER, "r.iyer@example.com"),
          { notebookInstanceLifecycleConfigName: "team-notebook-setup", onStart: [{ content: SCRIPT }] },
          { userAgent: USER_AGENTS.cli },
        ),
      },
      {
        description: "A new lifecycle configuration with an onCreate script, made by hand",
        record: sagemakerCall(
          "16284869-91f5-42d0-8623-26212984bf27",
          "2024-10-23T17:40:26Z",
          CREATE_CONFIG,
          assumedRole(ML_ENGINEER, "r.iyer@example.com"),
          { notebookInstanceLifecycleConfigName: "quick-setup", onCreate: [{ content: SCRIPT }] },
          { userAgent: USER_AGENTS.console },
        ),
      },
    ],
    noMatch: [
      {
        description: "StopNotebookInstance from the same Stratus run: routine on its own, not watched",
        record: apiCall({
          eventID: "0f204083-842c-447d-8d71-da97ed37171f",
          eventTime: "2025-03-04T15:18:09Z",
          eventSource: "sagemaker.amazonaws.com",
          eventName: "StopNotebookInstance",
          identity: iamUser("arn:aws:iam::111122223333:user/stratus-red-team-sagemaker-attacker"),
          region: REGION,
          requestParameters: { notebookInstanceName: "stratus-red-team-sagemaker-notebook" },
          userAgent: USER_AGENTS.stratus,
        }),
      },
      {
        description: "UpdateNotebookInstance that only resizes the notebook",
        record: sagemakerCall(
          "31ea9dd8-8f7c-4041-982a-a5b681efb6b7",
          "2024-10-23T18:01:12Z",
          UPDATE_INSTANCE,
          assumedRole(ML_ENGINEER, "r.iyer@example.com"),
          { notebookInstanceName: "churn-model-dev", instanceType: "ml.t3.xlarge" },
          { userAgent: USER_AGENTS.console },
        ),
      },
      {
        description: "UpdateNotebookInstance that detaches the configuration: nothing new will run",
        record: sagemakerCall(
          "f9c26f57-275b-4ac3-b02f-0fd9101b96e4",
          "2024-10-23T18:05:33Z",
          UPDATE_INSTANCE,
          assumedRole(ML_ENGINEER, "r.iyer@example.com"),
          { notebookInstanceName: "churn-model-dev", disassociateLifecycleConfig: true },
          { userAgent: USER_AGENTS.console },
        ),
      },
      {
        description: "The Terraform role creates the team's lifecycle configuration: infrastructure as code",
        record: sagemakerCall(
          "1f5630c0-425f-4696-933d-2db3fff52a7c",
          "2024-10-20T08:14:57Z",
          CREATE_CONFIG,
          assumedRole("arn:aws:iam::111122223333:role/iac/terraform-apply", "terraform-run-9188"),
          { notebookInstanceLifecycleConfigName: "team-notebook-setup", onStart: [{ content: SCRIPT }] },
          { userAgent: USER_AGENTS.terraform },
        ),
        baseline: { principals: { iac: ["arn:aws:iam::*:role/iac/*"] } },
      },
      {
        description: "A CloudFormation stack attaches the configuration to its notebook",
        record: sagemakerCall(
          "fb4868da-8b20-424f-8733-42f71130f895",
          "2024-10-20T08:30:41Z",
          UPDATE_INSTANCE,
          viaCloudFormation(assumedRole("arn:aws:iam::111122223333:role/cfn-exec-ml", "AWSCloudFormation")),
          { notebookInstanceName: "churn-model-dev", lifecycleConfigName: "team-notebook-setup" },
        ),
      },
      {
        description: "Attaching a configuration to a running notebook, refused",
        record: sagemakerCall(
          "5f0a3e7e-67db-41ed-b1e7-499cfd688925",
          "2024-10-23T18:11:19Z",
          UPDATE_INSTANCE,
          assumedRole(ML_ENGINEER, "r.iyer@example.com"),
          { notebookInstanceName: "churn-model-dev", lifecycleConfigName: "quick-setup" },
          {
            userAgent: USER_AGENTS.cli,
            error: { code: "ValidationException", message: "Status (InService) not in ([Stopped, Failed]). Unable to transition to (Updating) for Notebook Instance (arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/churn-model-dev)." },
          },
        ),
      },
    ],
  },
});
