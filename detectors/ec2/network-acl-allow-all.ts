import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, field, isIacPrincipal, isObject, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS, viaCloudFormation } from "../examples.js";

function text(value: unknown): string | undefined {
  if (typeof value === "number") return String(value);
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

/** Ingress unless the request says egress: `egress` is a required boolean, logged as a boolean (some tools write "true"). */
function isEgress(value: unknown): boolean {
  return value === true || (typeof value === "string" && value.toLowerCase() === "true");
}

/**
 * Whether the entry admits every kind of traffic: protocol -1 (all), or TCP or
 * UDP over the whole port range. CloudTrail names the protocol `aclProtocol`
 * (the API's `Protocol`), as a number in a string.
 */
function allTraffic(request: Record<string, unknown>): string | undefined {
  const protocol = (text(field(request, "aclProtocol")) ?? text(field(request, "protocol")) ?? "").toLowerCase();
  if (protocol === "-1" || protocol === "all") return "all traffic";
  const name = protocol === "6" || protocol === "tcp" ? "TCP" : protocol === "17" || protocol === "udp" ? "UDP" : undefined;
  if (!name) return undefined;
  const range = field(request, "portRange");
  if (!isObject(range)) return undefined;
  const from = num(field(range, "from"));
  const to = num(field(range, "to"));
  return from !== undefined && to !== undefined && from <= 1 && to >= 65535 ? `every ${name} port` : undefined;
}

function networkAclResource(record: CloudTrailRecord, aclId: string): FindingResource {
  return {
    type: "AWS::EC2::NetworkAcl",
    id: aclId,
    arn: `arn:${partitionOf(record.awsRegion)}:ec2:${record.awsRegion}:${record.recipientAccountId}:network-acl/${aclId}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

const REGION = "eu-central-1";
const NETWORK_ADMIN = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-central-1/AWSReservedSSO_NetworkAdmin_7a6b5c4d3e2f1a0b";
const TERRAFORM = "arn:aws:iam::111122223333:role/iac/terraform-apply";

function entry(
  eventID: string,
  eventTime: string,
  eventName: "CreateNetworkAclEntry" | "ReplaceNetworkAclEntry",
  request: Record<string, unknown>,
  options: { identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  const identity = options.identity ?? assumedRole(NETWORK_ADMIN, "m.schulz@example.com");
  const userAgent = options.userAgent ?? (identity.invokedBy ? undefined : USER_AGENTS.console);
  return apiCall({
    eventID,
    eventTime,
    eventSource: "ec2.amazonaws.com",
    eventName,
    identity,
    region: REGION,
    requestParameters: { networkAclId: "acl-0a1b2c3d4e5f60718", icmpTypeCode: {}, portRange: {}, ...request },
    responseElements: { _return: true },
    ...(userAgent ? { userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "ec2.network-acl-allow-all",
  title: "Network ACL entry allows all inbound traffic from the internet",
  severity: "low",
  mitre: ["T1562.007"],
  pattern: {
    source: ["aws.ec2"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["ec2.amazonaws.com"],
      eventName: ["CreateNetworkAclEntry", "ReplaceNetworkAclEntry"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (isIacPrincipal(record, baseline) || record.userIdentity.invokedBy === "cloudformation.amazonaws.com") return undefined;
    const request = record.requestParameters;
    if (!request) return undefined;
    const action = text(field(request, "ruleAction"))?.toLowerCase();
    if (action !== "allow" || isEgress(field(request, "egress"))) return undefined;
    const cidr = text(field(request, "cidrBlock")) ?? text(field(request, "ipv6CidrBlock"));
    if (!cidr || !/\/0$/.test(cidr)) return undefined;
    const what = allTraffic(request);
    if (!what) return undefined;
    const aclId = text(field(request, "networkAclId"));
    if (!aclId) return undefined;
    const rule = text(field(request, "ruleNumber"));
    const verb = record.eventName === "ReplaceNetworkAclEntry" ? "replaced" : "added";
    return {
      summary: sentence(`${actorName(record)} ${verb} inbound rule ${rule ?? "(unnumbered)"} of network ACL ${aclId} to allow ${what} from ${cidr}, outside infrastructure as code.`),
      resources: [networkAclResource(record, aclId)],
    };
  },
  runbook:
    "A network ACL entry made by hand (not by the baseline's IaC principals or a CloudFormation stack) now allows every protocol, or every TCP or UDP port, into " +
    "the ACL's subnets from anywhere (a /0 range). Network ACLs are evaluated in rule-number order, so check whether this rule now sits in front of deny rules that " +
    "used to block traffic (DescribeNetworkAcls), which subnets the ACL is associated with, and whether those subnets are public. Security groups still apply, which " +
    "is why this is low severity on its own; look for open security-group findings on the same subnets. Ask the caller's owner for the change ticket; if there is " +
    "none, restore the previous entry from the IaC definition or from AWS Config history and review VPC flow logs for the subnets since the change. No remediation " +
    "is proposed yet. Allow-all entries written by infrastructure code are the usual design of public subnets and are not judged; egress rules and deny rules are " +
    "not judged. A refused call (errorCode) is not a finding: the ACL did not change.",
  examples: {
    match: [
      {
        description: "A network admin adds an allow-all inbound entry ahead of the deny rules from the console",
        record: entry("295c3f3e-c07d-46dd-8f71-16bca8086c27", "2024-10-08T14:22:31Z", "CreateNetworkAclEntry", {
          ruleNumber: 50,
          egress: false,
          ruleAction: "allow",
          aclProtocol: "-1",
          cidrBlock: "0.0.0.0/0",
        }),
      },
      {
        description: "An IAM user's script replaces a deny entry with an allow for every TCP port from any IPv6 address",
        record: entry(
          "15f4b6c2-bba2-42ff-9141-58ab30072756",
          "2024-10-09T02:47:10Z",
          "ReplaceNetworkAclEntry",
          { ruleNumber: 110, egress: false, ruleAction: "allow", portRange: { from: 0, to: 65535 }, aclProtocol: "6", ipv6CidrBlock: "::/0" },
          { identity: iamUser("arn:aws:iam::111122223333:user/ops-scripts"), userAgent: USER_AGENTS.boto3 },
        ),
      },
    ],
    noMatch: [
      {
        description: "The Terraform role builds a public subnet's allow-all ACL: infrastructure code, by design",
        record: entry(
          "7818f2e2-380b-4148-9bad-aa96d372b6ae",
          "2024-10-08T09:05:44Z",
          "CreateNetworkAclEntry",
          { ruleNumber: 100, egress: false, ruleAction: "allow", aclProtocol: "-1", cidrBlock: "0.0.0.0/0" },
          { identity: assumedRole(TERRAFORM, "terraform-run-9012"), userAgent: USER_AGENTS.terraform },
        ),
        baseline: { principals: { iac: ["arn:aws:iam::111122223333:role/iac/*"] } },
      },
      {
        description: "A CloudFormation stack creates the same entry",
        record: entry(
          "79415256-bec4-4b34-8e22-0dafdfb983ef",
          "2024-10-08T09:12:03Z",
          "CreateNetworkAclEntry",
          { ruleNumber: 100, egress: false, ruleAction: "allow", aclProtocol: "-1", cidrBlock: "0.0.0.0/0" },
          { identity: viaCloudFormation(assumedRole("arn:aws:iam::111122223333:role/cfn-exec-network", "AWSCloudFormation")) },
        ),
      },
      {
        description: "An allow-all outbound entry: egress is not judged",
        record: entry("4ebc628f-af13-4c63-9708-db560ea3dfca", "2024-10-08T14:25:02Z", "CreateNetworkAclEntry", {
          ruleNumber: 100,
          egress: true,
          ruleAction: "allow",
          aclProtocol: "-1",
          cidrBlock: "0.0.0.0/0",
        }),
      },
      {
        description: "HTTPS only from anywhere",
        record: entry("70e1ef39-82b4-47bf-87b7-c5ad14d9b8bd", "2024-10-08T14:27:19Z", "CreateNetworkAclEntry", {
          ruleNumber: 120,
          egress: false,
          ruleAction: "allow",
          portRange: { from: 443, to: 443 },
          aclProtocol: "6",
          cidrBlock: "0.0.0.0/0",
        }),
      },
      {
        description: "A deny-all entry from anywhere: the opposite of an opening",
        record: entry("93dc25d8-dcd5-4d82-9eb1-5527624ae7ac", "2024-10-08T14:29:51Z", "ReplaceNetworkAclEntry", {
          ruleNumber: 50,
          egress: false,
          ruleAction: "deny",
          aclProtocol: "-1",
          cidrBlock: "0.0.0.0/0",
        }),
      },
      {
        description: "An allow-all entry that EC2 refused",
        record: entry(
          "ee3d96de-3c34-4d95-9b17-60ce196dcbc3",
          "2024-10-08T14:31:26Z",
          "CreateNetworkAclEntry",
          { ruleNumber: 100, egress: false, ruleAction: "allow", aclProtocol: "-1", cidrBlock: "0.0.0.0/0" },
          { error: { code: "NetworkAclEntryAlreadyExists", message: "The network acl entry identified by 100 already exists." } },
        ),
      },
    ],
  },
});
