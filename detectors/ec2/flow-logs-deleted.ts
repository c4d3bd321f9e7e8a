import { asList } from "../../core/policy.js";
import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, field, isIacPrincipal, isObject, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

const REGION = "eu-west-1";
const TERRAFORM = "arn:aws:iam::111122223333:role/iac/terraform-apply";

/**
 * The flow log ids of a DeleteFlowLogs request. EC2's query API is logged as
 * `DeleteFlowLogsRequest.FlowLogId`, one `{content, tag}` item or a list of
 * them; plain strings and a `flowLogIds` list are read too.
 */
function flowLogIds(record: CloudTrailRecord): string[] {
  const parameters = record.requestParameters;
  if (!parameters) return [];
  const request = field(parameters, "DeleteFlowLogsRequest");
  const items = [...asList(isObject(request) ? field(request, "FlowLogId") : undefined), ...asList(field(parameters, "flowLogIds"))];
  const ids = items.map((item) => (isObject(item) ? item.content : item)).filter((id): id is string => typeof id === "string" && id !== "");
  return [...new Set(ids)];
}

function flowLogResource(record: CloudTrailRecord, id: string): FindingResource {
  return {
    type: "AWS::EC2::FlowLog",
    id,
    arn: `arn:${partitionOf(record.awsRegion)}:ec2:${record.awsRegion}:${record.recipientAccountId}:vpc-flow-log/${id}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

function deleteFlowLogs(eventID: string, eventTime: string, ids: string[], options: { identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {}) {
  const items = ids.map((content, index) => ({ content, tag: index + 1 }));
  return apiCall({
    eventID,
    eventTime,
    eventSource: "ec2.amazonaws.com",
    eventName: "DeleteFlowLogs",
    identity: options.identity ?? iamUser("arn:aws:iam::111122223333:user/christophe"),
    region: REGION,
    requestParameters: { DeleteFlowLogsRequest: { FlowLogId: items.length === 1 ? items[0] : items } },
    responseElements: {
      DeleteFlowLogsResponse: { unsuccessful: "", xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/" },
    },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "ec2.flow-logs-deleted",
  title: "VPC flow logs deleted outside infrastructure code",
  severity: "high",
  mitre: ["T1562.008"],
  stratus: ["aws.defense-evasion.vpc-remove-flow-logs"],
  pattern: {
    source: ["aws.ec2"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["ec2.amazonaws.com"],
      eventName: ["DeleteFlowLogs"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    const ids = flowLogIds(record);
    const resources = ids.length > 0 ? ids.map((id) => flowLogResource(record, id)) : [flowLogResource(record, "(flow log ids not recorded)")];
    const named = ids.length === 0 ? "VPC flow logs" : ids.length === 1 ? `VPC flow log ${ids[0]}` : `${ids.length} VPC flow logs (${ids.join(", ")})`;
    return {
      summary: sentence(`${actorName(record)} deleted ${named} in ${record.awsRegion}.`),
      resources,
    };
  },
  runbook:
    "The network traffic of the VPC, subnet or interface the flow log covered is no longer recorded, and GuardDuty loses the flow-log source it reads for that " +
    "resource. DeleteVpc is not watched: deleting a VPC is routine, takes its flow logs with it, and leaves nothing to hide traffic in; the infrastructure code's " +
    "principals (baseline principals.iac) are not reported either, since their teardowns delete flow logs right before the VPC. Check with DescribeFlowLogs " +
    "what still covers the resource, recreate the flow log from the infrastructure code, and look at what the caller did next in the now unlogged network " +
    "(new instances, security group changes, data transfer). Ask the owner of the caller whether a change was planned; if not, revoke its sessions and keys. " +
    "A refused call (errorCode such as Client.UnauthorizedOperation) is not a finding here; a DeleteFlowLogs that returns some ids under `unsuccessful` deleted " +
    "the others.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's vpc-remove-flow-logs: an IAM user deletes the VPC's flow log",
        record: deleteFlowLogs("6b7abc4d-47cb-488e-b353-d4c7ebee9df4", "2024-07-31T15:07:49Z", ["fl-0e17aa62a21d4bbfe"], { userAgent: USER_AGENTS.stratus }),
      },
      {
        description: "A workload role deletes the flow logs of two VPCs at once",
        record: deleteFlowLogs("1759139b-2702-4877-bdf8-7b2b4a4d5ac2", "2024-08-12T01:55:20Z", ["fl-0a1b2c3d4e5f60718", "fl-0918273645abcdef0"], {
          identity: assumedRole("arn:aws:iam::111122223333:role/app/inventory-sync", "i-0f9e8d7c6b5a43210"),
          userAgent: USER_AGENTS.boto3,
        }),
      },
    ],
    noMatch: [
      {
        description: "Terraform, an IaC principal of the baseline, deletes the flow log while tearing down a VPC",
        record: deleteFlowLogs("f72c9955-4985-4c3d-9bc8-7394453dcecb", "2024-08-14T16:30:02Z", ["fl-0c1d2e3f4a5b6c7d8"], {
          identity: assumedRole(TERRAFORM, "terraform-run-4821"),
          userAgent: USER_AGENTS.terraform,
        }),
        baseline: { principals: { iac: [TERRAFORM] } },
      },
      {
        description: "DeleteFlowLogs refused: the caller lacks ec2:DeleteFlowLogs",
        record: deleteFlowLogs("e7d1a651-5cef-4551-b867-9926200e987a", "2024-07-31T15:06:12Z", ["fl-0e17aa62a21d4bbfe"], {
          identity: assumedRole("arn:aws:iam::111122223333:role/app/inventory-sync", "i-0f9e8d7c6b5a43210"),
          error: { code: "Client.UnauthorizedOperation", message: "You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/inventory-sync/i-0f9e8d7c6b5a43210 is not authorized to perform: ec2:DeleteFlowLogs" },
        }),
      },
      {
        description: "DeleteVpc: routine deletion of a whole VPC, not watched here",
        record: apiCall({
          eventID: "8406febf-4d46-4f27-9c3a-7e3068cd4416",
          eventTime: "2024-08-14T16:31:40Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "DeleteVpc",
          identity: iamUser("arn:aws:iam::111122223333:user/christophe"),
          region: REGION,
          requestParameters: { vpcId: "vpc-0123456789abcdef0" },
          responseElements: { _return: true },
        }),
      },
    ],
  },
});
