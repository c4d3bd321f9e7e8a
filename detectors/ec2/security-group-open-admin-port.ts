import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { asList } from "../../core/policy.js";
import { actorName, API_CALL, field, isObject, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, PROD, USER_AGENTS } from "../examples.js";

/**
 * Ports that administer a host or hold data, and must never face the internet.
 * The brief's list (SSH, RDP, databases and caches) plus the remote shells and
 * daemons attackers scan for the same reason (Telnet, SMB, Docker, VNC, WinRM).
 */
const ADMIN_PORTS: ReadonlyArray<readonly [number, string]> = [
  [22, "SSH"],
  [23, "Telnet"],
  [445, "SMB"],
  [1433, "SQL Server"],
  [1521, "Oracle"],
  [2375, "Docker API"],
  [2376, "Docker API"],
  [3306, "MySQL"],
  [3389, "RDP"],
  [5432, "PostgreSQL"],
  [5439, "Redshift"],
  [5900, "VNC"],
  [5985, "WinRM"],
  [5986, "WinRM"],
  [6379, "Redis"],
  [9200, "Elasticsearch"],
  [11211, "Memcached"],
  [27017, "MongoDB"],
];

interface IngressRule {
  protocol: string;
  from: number | undefined;
  to: number | undefined;
  cidrs: string[];
}

function num(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

/** EC2's query-protocol lists arrive as `{ items: [...] }`; an empty list as `{}`. Tools that copy the API write plain arrays. */
function items(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter(isObject);
  if (isObject(value)) return asList(value.items).filter(isObject);
  return [];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : typeof value === "number" ? String(value) : undefined;
}

/** AuthorizeSecurityGroupIngress: a list of IP permissions, or the older flat form (cidrIp, fromPort, toPort, ipProtocol). */
function authorizedRules(request: Record<string, unknown>): IngressRule[] {
  const rules: IngressRule[] = items(field(request, "ipPermissions")).map((permission) => ({
    protocol: text(field(permission, "ipProtocol")) ?? "",
    from: num(field(permission, "fromPort")),
    to: num(field(permission, "toPort")),
    cidrs: [
      ...items(field(permission, "ipRanges")).map((range) => text(field(range, "cidrIp"))),
      ...items(field(permission, "ipv6Ranges")).map((range) => text(field(range, "cidrIpv6"))),
    ].filter((cidr): cidr is string => cidr !== undefined),
  }));
  const flatCidr = text(field(request, "cidrIp"));
  if (flatCidr) {
    rules.push({ protocol: text(field(request, "ipProtocol")) ?? "", from: num(field(request, "fromPort")), to: num(field(request, "toPort")), cidrs: [flatCidr] });
  }
  return rules;
}

/**
 * ModifySecurityGroupRules is logged with the API's own names:
 * `ModifySecurityGroupRulesRequest.SecurityGroupRule` is one update or a list,
 * each `{ SecurityGroupRuleId, SecurityGroupRule: { IpProtocol, FromPort, ToPort, CidrIpv4 | CidrIpv6 } }`.
 */
function modifiedRules(request: Record<string, unknown>): { groupId: string | undefined; ruleIds: string[]; rules: IngressRule[] } {
  const wrapper = field(request, "modifySecurityGroupRulesRequest");
  const body = isObject(wrapper) ? wrapper : request;
  const updates = asList(field(body, "securityGroupRule") ?? field(body, "securityGroupRules")).filter(isObject);
  const ruleIds: string[] = [];
  const rules: IngressRule[] = [];
  for (const update of updates) {
    const id = text(field(update, "securityGroupRuleId"));
    if (id) ruleIds.push(id);
    const rule = field(update, "securityGroupRule");
    if (!isObject(rule)) continue;
    const cidrs = [text(field(rule, "cidrIpv4")), text(field(rule, "cidrIpv6"))].filter((cidr): cidr is string => cidr !== undefined);
    rules.push({ protocol: text(field(rule, "ipProtocol")) ?? "", from: num(field(rule, "fromPort")), to: num(field(rule, "toPort")), cidrs });
  }
  return { groupId: text(field(body, "groupId")), ruleIds, rules };
}

/** Anyone: a prefix length of zero (0.0.0.0/0, ::/0, or the same written from another address). */
function isWorld(cidr: string): boolean {
  return /\/0$/.test(cidr);
}

const PROTOCOL_NAMES: Record<string, string> = { tcp: "TCP", "6": "TCP", udp: "UDP", "17": "UDP" };

/** What an internet-facing rule exposes among the admin ports, in words; undefined when it exposes none. */
function adminExposure(rule: IngressRule): string | undefined {
  const protocol = rule.protocol.toLowerCase();
  // -1 means every protocol and port (CLOUDTRAIL.md is silent; the EC2 API reference says so).
  if (protocol === "-1" || protocol === "all") return "all traffic";
  const name = PROTOCOL_NAMES[protocol];
  // ICMP has types, not ports (fromPort -1 there means every ICMP type); other protocol numbers carry no admin service.
  if (!name) return undefined;
  const low = rule.from === undefined || rule.from < 0 ? 0 : rule.from;
  const high = rule.to === undefined || rule.to < 0 ? 65535 : rule.to;
  const hit = ADMIN_PORTS.filter(([port]) => port >= low && port <= high);
  if (hit.length === 0) return undefined;
  const services = [...new Set(hit.map(([, service]) => service))];
  if (low <= 1 && high >= 65535) return `every ${name} port`;
  if (low === high) return `${name} ${low} (${services.join(", ")})`;
  const shown = services.length > 3 ? `${services.slice(0, 3).join(", ")} and ${services.length - 3} more` : services.join(", ");
  return `${name} ${low}-${high} (including ${shown})`;
}

function exposures(rules: IngressRule[]): string[] {
  const found = new Set<string>();
  for (const rule of rules) {
    const world = rule.cidrs.filter(isWorld);
    if (world.length === 0) continue;
    const what = adminExposure(rule);
    if (what) for (const cidr of world) found.add(`${what} from ${cidr}`);
  }
  return [...found];
}

function securityGroupResource(record: CloudTrailRecord, groupId: string | undefined, groupName: string | undefined): FindingResource {
  const id = groupId ?? groupName ?? "(unnamed security group)";
  const arn = groupId?.startsWith("sg-")
    ? `arn:${partitionOf(record.awsRegion)}:ec2:${record.awsRegion}:${record.recipientAccountId}:security-group/${groupId}`
    : undefined;
  return { type: "AWS::EC2::SecurityGroup", id, ...(arn ? { arn } : {}), account: record.recipientAccountId, region: record.awsRegion };
}

/** The ids of the exposing rules AWS created, when the response lists them (one rule per range). */
function exposingRuleIds(record: CloudTrailRecord): string[] {
  const set = record.responseElements ? field(record.responseElements, "securityGroupRuleSet") : undefined;
  return items(set)
    .filter((rule) => {
      const cidrs = [text(field(rule, "cidrIpv4")), text(field(rule, "cidrIpv6"))].filter((cidr): cidr is string => cidr !== undefined);
      const created = { protocol: text(field(rule, "ipProtocol")) ?? "", from: num(field(rule, "fromPort")), to: num(field(rule, "toPort")), cidrs };
      return exposures([created]).length > 0;
    })
    .map((rule) => text(field(rule, "securityGroupRuleId")))
    .filter((id): id is string => id !== undefined);
}

const REGION = "eu-west-1";
const PLATFORM_ENGINEER = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformEngineer_5c4b3a2d1e0f9a8b";

function permission(protocol: string, from: number | undefined, to: number | undefined, v4: string[], v6: string[] = []) {
  return {
    ipProtocol: protocol,
    ...(from === undefined ? {} : { fromPort: from }),
    ...(to === undefined ? {} : { toPort: to }),
    groups: {},
    ipRanges: v4.length ? { items: v4.map((cidrIp) => ({ cidrIp })) } : {},
    ipv6Ranges: v6.length ? { items: v6.map((cidrIpv6) => ({ cidrIpv6 })) } : {},
    prefixListIds: {},
  };
}

function authorize(
  eventID: string,
  eventTime: string,
  groupId: string,
  permissions: ReturnType<typeof permission>[],
  options: { identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  const hex = eventID.replace(/-/g, "").slice(0, 15);
  const ruleSet = permissions.flatMap((p) => {
    const cidrs = [...items(p.ipRanges).map((r) => ({ cidrIpv4: r.cidrIp })), ...items(p.ipv6Ranges).map((r) => ({ cidrIpv6: r.cidrIpv6 }))];
    return cidrs.map((cidr) => ({
      groupOwnerId: PROD,
      groupId,
      securityGroupRuleId: "",
      isEgress: false,
      ipProtocol: p.ipProtocol,
      fromPort: p.fromPort ?? -1,
      toPort: p.toPort ?? -1,
      ...cidr,
    }));
  });
  ruleSet.forEach((rule, k) => (rule.securityGroupRuleId = `sgr-0${hex}${k % 10}`));
  return apiCall({
    eventID,
    eventTime,
    eventSource: "ec2.amazonaws.com",
    eventName: "AuthorizeSecurityGroupIngress",
    identity: options.identity ?? assumedRole(PLATFORM_ENGINEER, "a.khan@example.com"),
    region: REGION,
    requestParameters: { groupId, ipPermissions: { items: permissions } },
    responseElements: { _return: true, securityGroupRuleSet: { items: ruleSet } },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "ec2.security-group-open-admin-port",
  title: "Security group opens an administrative or database port to the internet",
  severity: "high",
  mitre: ["T1562.007"],
  stratus: ["aws.exfiltration.ec2-security-group-open-port-22-ingress"],
  pattern: {
    source: ["aws.ec2"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["ec2.amazonaws.com"],
      eventName: ["AuthorizeSecurityGroupIngress", "ModifySecurityGroupRules"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const request = record.requestParameters;
    if (!request) return undefined;
    if (record.eventName === "ModifySecurityGroupRules") {
      const { groupId, ruleIds, rules } = modifiedRules(request);
      const open = exposures(rules);
      if (open.length === 0) return undefined;
      const resource = securityGroupResource(record, groupId, undefined);
      const which = ruleIds.length > 0 ? `rule ${ruleIds.join(", ")} of ` : "a rule of ";
      return {
        summary: sentence(`${actorName(record)} changed ${which}security group ${resource.id} to allow ${open.join("; ")}.`),
        resources: [resource],
      };
    }
    const open = exposures(authorizedRules(request));
    if (open.length === 0) return undefined;
    const groupName = text(field(request, "groupName"));
    const resource = securityGroupResource(record, text(field(request, "groupId")), groupName);
    const ruleIds = exposingRuleIds(record);
    const rules = ruleIds.length > 0 ? ` (rule${ruleIds.length > 1 ? "s" : ""} ${ruleIds.join(", ")})` : "";
    return {
      summary: sentence(`${actorName(record)} opened ${open.join("; ")} on security group ${resource.id}${rules}.`),
      resources: [resource],
    };
  },
  remediation: "ec2.revoke-open-ingress",
  runbook:
    "An ingress rule now lets anyone on the internet (a /0 range, IPv4 or IPv6) reach SSH, RDP, a remote shell or a database port, or all traffic, on whatever the " +
    "security group is attached to. Check which ENIs and instances use the group (DescribeNetworkInterfaces with group-id), whether they have public addresses, and " +
    "what listens on the port; then revoke the rule (the proposed remediation removes only the /0 ranges on the exposed ports) unless its owner shows it is an " +
    "approved exposure, in which case record it as a baseline exception for this security group with an expiry. Review VPC flow logs and the host's auth logs for " +
    "connections since the change, and what else the caller did. Infrastructure-as-code principals are judged like everyone else here: an open admin port is an " +
    "exposure whoever wrote it. ModifySecurityGroupRules does not say whether the edited rule is ingress or egress: confirm the direction with " +
    "DescribeSecurityGroupRules before acting (an edited default egress rule reads the same). HTTPS, HTTP and other service ports are not judged. A refused call " +
    "(errorCode such as Client.UnauthorizedOperation or InvalidPermission.Duplicate) is not a finding: the group did not change.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's ec2-security-group-open-port-22-ingress: TCP 22 from 0.0.0.0/0 in the flat request form",
        record: apiCall({
          eventID: "8e9886a8-e4e2-4eff-81ca-ccd1266031a2",
          eventTime: "2024-08-01T12:23:55Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "AuthorizeSecurityGroupIngress",
          identity: iamUser("arn:aws:iam::111122223333:user/christophe"),
          region: "us-east-1",
          requestParameters: { groupId: "sg-003dc7f1f1c686164", ipPermissions: {}, ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIp: "0.0.0.0/0" },
          responseElements: {
            _return: true,
            securityGroupRuleSet: {
              items: [
                {
                  groupOwnerId: PROD,
                  groupId: "sg-003dc7f1f1c686164",
                  securityGroupRuleId: "sgr-09b3e3d2ca1edf2a2",
                  isEgress: false,
                  ipProtocol: "tcp",
                  fromPort: 22,
                  toPort: 22,
                  cidrIpv4: "0.0.0.0/0",
                },
              ],
            },
          },
          userAgent: USER_AGENTS.stratus,
        }),
      },
      {
        description: "RDP opened to every IPv6 address from the console",
        record: authorize("21201ca3-94b3-422b-b36c-c8a436202f4a", "2024-09-03T09:14:27Z", "sg-0a4f6e1d2c3b5a789", [permission("tcp", 3389, 3389, [], ["::/0"])], {
          userAgent: USER_AGENTS.console,
        }),
      },
      {
        description: "A wide TCP range from anywhere that takes in MySQL and PostgreSQL",
        record: authorize("2430305b-cc41-4d15-9f5b-62e44eeb2b7c", "2024-09-03T10:02:51Z", "sg-0b7c8d9e0f1a2b3c4", [
          permission("tcp", 443, 443, ["0.0.0.0/0"]),
          permission("tcp", 3000, 6000, ["0.0.0.0/0"]),
        ]),
      },
      {
        description: "All traffic from anywhere, added by the Terraform role: an exposure whoever writes it",
        record: authorize(
          "9ed02268-6df8-433f-a193-f601781aa5c7",
          "2024-09-04T16:40:12Z",
          "sg-0c1d2e3f4a5b6c7d8",
          [permission("-1", undefined, undefined, ["0.0.0.0/0"])],
          { identity: assumedRole("arn:aws:iam::111122223333:role/iac/terraform-apply", "terraform-run-8841"), userAgent: USER_AGENTS.terraform },
        ),
      },
      {
        description: "ModifySecurityGroupRules widens an existing PostgreSQL rule from the VPC to 0.0.0.0/0",
        record: apiCall({
          eventID: "bff24ec5-104d-4e9c-a60c-bdfe8e494cd7",
          eventTime: "2024-09-05T07:55:03Z",
          eventSource: "ec2.amazonaws.com",
          eventName: "ModifySecurityGroupRules",
          identity: assumedRole(PLATFORM_ENGINEER, "a.khan@example.com"),
          region: REGION,
          requestParameters: {
            ModifySecurityGroupRulesRequest: {
              GroupId: "sg-0d2e3f4a5b6c7d8e9",
              SecurityGroupRule: {
                SecurityGroupRuleId: "sgr-0f1e2d3c4b5a69788",
                SecurityGroupRule: { IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, CidrIpv4: "0.0.0.0/0", Description: "temp access" },
                tag: 1,
              },
            },
          },
          responseElements: { ModifySecurityGroupRulesResponse: { xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/", return: true } },
          userAgent: USER_AGENTS.console,
        }),
      },
    ],
    noMatch: [
      {
        description: "HTTPS and HTTP from anywhere on a load balancer's group: service ports, meant to be public",
        record: authorize("9987a2fc-62be-4f24-839b-0a0842008d38", "2024-09-06T11:20:45Z", "sg-0e3f4a5b6c7d8e9f0", [
          permission("tcp", 443, 443, ["0.0.0.0/0"], ["::/0"]),
          permission("tcp", 80, 80, ["0.0.0.0/0"]),
        ]),
      },
      {
        description: "SSH from the corporate range only",
        record: authorize("0cf96dc0-e49b-4ee9-af5f-749606ecd54a", "2024-09-06T11:31:09Z", "sg-0f4a5b6c7d8e9f0a1", [permission("tcp", 22, 22, ["203.0.113.0/24"])]),
      },
      {
        description: "Every ICMP type from anywhere: fromPort -1 is an ICMP type there, not every port",
        record: authorize("82c0d8b5-55ff-4c7a-ba15-36e16dd50262", "2024-09-06T11:42:36Z", "sg-0f4a5b6c7d8e9f0a1", [permission("icmp", -1, -1, ["0.0.0.0/0"])]),
      },
      {
        description: "A TCP range from anywhere that holds no admin or database port",
        record: authorize("059c32d6-874c-4aed-93fe-7d3f5970a4c4", "2024-09-06T11:48:02Z", "sg-0a5b6c7d8e9f0a1b2", [permission("tcp", 8000, 8100, ["0.0.0.0/0"])]),
      },
      {
        description: "SSH from anywhere, refused: the group did not change",
        record: authorize("42ae7739-6bc3-4b9a-85ef-c57a48d12429", "2024-09-06T12:03:18Z", "sg-0b6c7d8e9f0a1b2c3", [permission("tcp", 22, 22, ["0.0.0.0/0"])], {
          identity: assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          userAgent: USER_AGENTS.boto3,
          error: {
            code: "Client.UnauthorizedOperation",
            message: "You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: ec2:AuthorizeSecurityGroupIngress on resource: arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0b6c7d8e9f0a1b2c3 because no identity-based policy allows the ec2:AuthorizeSecurityGroupIngress action.",
          },
        }),
      },
    ],
  },
});
