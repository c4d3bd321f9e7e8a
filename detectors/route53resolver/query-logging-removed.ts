import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, field, isIacPrincipal, isObject, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, PROD, USER_AGENTS } from "../examples.js";

const REGION = "us-east-2";
const CONFIG_ID = "rqlc-8ca61fe7c1d2e3f4";
const TERRAFORM = "arn:aws:iam::111122223333:role/iac/terraform-apply";

/** Route 53 Resolver speaks JSON: CloudTrail logs its parameters in camelCase, but read either casing. */
function text(source: Record<string, unknown> | null | undefined, key: string): string | undefined {
  const value = source ? field(source, key) : undefined;
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The configuration's name, when the response describes it. */
function configName(record: CloudTrailRecord): string | undefined {
  const config = record.responseElements ? field(record.responseElements, "resolverQueryLogConfig") : undefined;
  return isObject(config) ? text(config, "name") : undefined;
}

function configResource(record: CloudTrailRecord, id: string): FindingResource {
  return {
    type: "AWS::Route53Resolver::ResolverQueryLoggingConfig",
    id,
    arn: `arn:${partitionOf(record.awsRegion)}:route53resolver:${record.awsRegion}:${record.recipientAccountId}:resolver-query-log-config/${id}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

function vpcResource(record: CloudTrailRecord, vpcId: string): FindingResource {
  return {
    type: "AWS::EC2::VPC",
    id: vpcId,
    arn: `arn:${partitionOf(record.awsRegion)}:ec2:${record.awsRegion}:${record.recipientAccountId}:vpc/${vpcId}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

export default defineDetector({
  id: "route53resolver.query-logging-removed",
  title: "Route 53 Resolver DNS query logging deleted or detached from a VPC",
  severity: "high",
  mitre: ["T1562.008"],
  stratus: ["aws.defense-evasion.dns-delete-logs"],
  pattern: {
    source: ["aws.route53resolver"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["route53resolver.amazonaws.com"],
      eventName: ["DeleteResolverQueryLogConfig", "DisassociateResolverQueryLogConfig"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline)) return undefined;
    const id = text(record.requestParameters, "resolverQueryLogConfigId") ?? "(unnamed configuration)";
    const name = configName(record);
    const config = `DNS query logging configuration ${id}${name ? ` (${name})` : ""}`;
    if (record.eventName === "DeleteResolverQueryLogConfig") {
      return {
        summary: sentence(`${actorName(record)} deleted Route 53 Resolver ${config} in ${record.awsRegion}.`),
        resources: [configResource(record, id)],
      };
    }
    const vpc = text(record.requestParameters, "resourceId");
    return {
      summary: sentence(`${actorName(record)} detached VPC ${vpc ?? "(unnamed)"} from Route 53 Resolver ${config} in ${record.awsRegion}.`),
      resources: [configResource(record, id), ...(vpc ? [vpcResource(record, vpc)] : [])],
    };
  },
  runbook:
    "DNS queries from the VPCs the configuration covered are no longer logged, which hides command-and-control and exfiltration over DNS and the domains new " +
    "workloads reach (GuardDuty reads Resolver logs independently, so it keeps its own view). A deletion covers every associated VPC, including VPCs of other " +
    "accounts it was shared with through RAM; a disassociation covers one VPC. Check with ListResolverQueryLogConfigAssociations what is still logged, " +
    "recreate the configuration or association from the infrastructure code, and review what ran in the affected VPCs since. The infrastructure code's " +
    "principals (baseline principals.iac) are not reported: their teardowns remove query logging before deleting a VPC. Ask the owner of the caller whether " +
    "a change was planned; if not, revoke its sessions and keys. A refused call (errorCode such as AccessDeniedException, or InvalidRequestException while VPCs " +
    "are still associated) is not a finding here: logging continues.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's dns-delete-logs: an IAM user deletes the query logging configuration",
        record: apiCall({
          eventID: "3f3d9eb7-4e26-4d59-a7cc-295608e7fcbd",
          eventTime: "2024-08-01T14:22:09Z",
          eventSource: "route53resolver.amazonaws.com",
          eventName: "DeleteResolverQueryLogConfig",
          identity: iamUser("arn:aws:iam::111122223333:user/christophe"),
          region: REGION,
          requestParameters: { resolverQueryLogConfigId: CONFIG_ID },
          responseElements: {
            resolverQueryLogConfig: {
              id: CONFIG_ID,
              ownerId: PROD,
              status: "DELETING",
              shareStatus: "NOT_SHARED",
              associationCount: 0,
              arn: `arn:aws:route53resolver:${REGION}:${PROD}:resolver-query-log-config/${CONFIG_ID}`,
              name: "stratus-red-team-dns-logs",
              destinationArn: `arn:aws:logs:${REGION}:${PROD}:log-group:/stratus-red-team/dns-queries`,
              creatorRequestId: "terraform-20240801141503918400000001",
              creationTime: "2024-08-01T14:15:04.112Z",
            },
          },
          userAgent: USER_AGENTS.stratus,
        }),
      },
      {
        description: "An SSO session detaches the production VPC from query logging",
        record: apiCall({
          eventID: "7a068be0-d47c-4bcd-b969-aa29f3c3d3eb",
          eventTime: "2024-09-10T21:40:33Z",
          eventSource: "route53resolver.amazonaws.com",
          eventName: "DisassociateResolverQueryLogConfig",
          identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_NetworkAdmin_5a4b3c2d1e0f9a8b", "p.novak@example.com"),
          region: REGION,
          requestParameters: { resolverQueryLogConfigId: CONFIG_ID, resourceId: "vpc-0a9b8c7d6e5f43210" },
          responseElements: {
            resolverQueryLogConfigAssociation: {
              id: "rqlca-3f2e1d0c9b8a7f6e",
              resolverQueryLogConfigId: CONFIG_ID,
              resourceId: "vpc-0a9b8c7d6e5f43210",
              status: "DELETING",
              error: "NONE",
              errorMessage: "",
              creationTime: "2023-05-17T09:12:44.310Z",
            },
          },
        }),
      },
    ],
    noMatch: [
      {
        description: "Terraform, an IaC principal of the baseline, detaches a VPC it is about to delete",
        record: apiCall({
          eventID: "80c7b8b1-16bd-42e6-b14e-fb2a98452c7e",
          eventTime: "2024-09-11T07:02:18Z",
          eventSource: "route53resolver.amazonaws.com",
          eventName: "DisassociateResolverQueryLogConfig",
          identity: assumedRole(TERRAFORM, "terraform-run-4907"),
          region: REGION,
          requestParameters: { resolverQueryLogConfigId: CONFIG_ID, resourceId: "vpc-0f1e2d3c4b5a69788" },
          userAgent: USER_AGENTS.terraform,
        }),
        baseline: { principals: { iac: [TERRAFORM] } },
      },
      {
        description: "A deletion refused while VPCs are still associated: logging continues",
        record: apiCall({
          eventID: "93e3a12c-852c-41df-8472-fc9a4c727e7d",
          eventTime: "2024-08-01T14:20:51Z",
          eventSource: "route53resolver.amazonaws.com",
          eventName: "DeleteResolverQueryLogConfig",
          identity: iamUser("arn:aws:iam::111122223333:user/christophe"),
          region: REGION,
          requestParameters: { resolverQueryLogConfigId: CONFIG_ID },
          error: {
            code: "InvalidRequestException",
            message: "The query logging configuration still has associated VPCs; disassociate them before deleting it.",
          },
        }),
      },
      {
        description: "AssociateResolverQueryLogConfig: a VPC starts being logged",
        record: apiCall({
          eventID: "bff01011-6ef4-44bc-8478-49d55f1e4961",
          eventTime: "2024-09-10T21:48:05Z",
          eventSource: "route53resolver.amazonaws.com",
          eventName: "AssociateResolverQueryLogConfig",
          identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_NetworkAdmin_5a4b3c2d1e0f9a8b", "p.novak@example.com"),
          region: REGION,
          requestParameters: { resolverQueryLogConfigId: CONFIG_ID, resourceId: "vpc-0a9b8c7d6e5f43210" },
        }),
      },
    ],
  },
});
