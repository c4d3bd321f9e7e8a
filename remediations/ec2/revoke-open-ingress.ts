import { DescribeSecurityGroupsCommand, EC2Client, RevokeSecurityGroupIngressCommand, type IpPermission, type SecurityGroup } from "@aws-sdk/client-ec2";
import { z } from "zod";
import type { FindingResource } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import { defineRemediation, type AwsClients, type Plan } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError, ResourceNotFoundError } from "../../core/remediation-errors.js";

/**
 * Revokes exactly the internet-open ingress that the finding's record added
 * (ec2.security-group-open-admin-port): each range of prefix length zero
 * (0.0.0.0/0, ::/0) on a permission that reaches an administrative or
 * database port, or all traffic. Other ranges and ports of the same call stay.
 * High risk: whatever reached the port from outside loses access.
 */

const ID = "ec2.revoke-open-ingress";

/** The detector's list (detectors/ec2/security-group-open-admin-port.ts); a test checks the two agree on its examples. */
const ADMIN_PORTS = [22, 23, 445, 1433, 1521, 2375, 2376, 3306, 3389, 5432, 5439, 5900, 5985, 5986, 6379, 9200, 11211, 27017];

const OpenRule = z.object({
  /** As EC2 describes it: "tcp", "udp" or "-1". */
  protocol: z.string().min(1),
  fromPort: z.number().int().optional(),
  toPort: z.number().int().optional(),
  cidr: z.string().min(1),
  ipv6: z.boolean(),
});
type OpenRule = z.infer<typeof OpenRule>;
const Revocation = z.object({ groupId: z.string().min(1), rules: z.array(OpenRule).min(1) });
type Revocation = z.infer<typeof Revocation>;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** A field whatever the casing of its first letter: CloudTrail logs camelCase, tools that copy the API write PascalCase. */
function field(object: unknown, name: string): unknown {
  if (!isObject(object)) return undefined;
  if (name in object) return object[name];
  return object[name.charAt(0).toUpperCase() + name.slice(1)];
}

/** EC2 query-protocol lists arrive as `{ items: [...] }`, an empty one as `{}`; a single item may stand alone. */
function items(value: unknown): Json[] {
  if (Array.isArray(value)) return value.filter(isObject);
  if (isObject(value)) return "items" in value ? items(value.items) : Object.keys(value).length > 0 ? [value] : [];
  return [];
}

function text(value: unknown): string | undefined {
  if (typeof value === "number") return String(value);
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function port(value: unknown): number | undefined {
  const number = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof number === "number" && Number.isInteger(number) ? number : undefined;
}

/** EC2 answers with names for the common protocol numbers and -1 for all. */
function normaliseProtocol(protocol: string): string {
  const lower = protocol.toLowerCase();
  return ({ "6": "tcp", "17": "udp", "1": "icmp", all: "-1" } as Record<string, string>)[lower] ?? lower;
}

function exposesAdminPort(rule: Omit<OpenRule, "cidr" | "ipv6">): boolean {
  if (rule.protocol === "-1") return true;
  if (rule.protocol !== "tcp" && rule.protocol !== "udp") return false;
  const low = rule.fromPort === undefined || rule.fromPort < 0 ? 0 : rule.fromPort;
  const high = rule.toPort === undefined || rule.toPort < 0 ? 65535 : rule.toPort;
  return ADMIN_PORTS.some((p) => p >= low && p <= high);
}

function rule(protocol: string | undefined, fromPort: number | undefined, toPort: number | undefined, cidr: string, ipv6: boolean): OpenRule | undefined {
  if (!protocol || !/\/0$/.test(cidr)) return undefined;
  const normalised = normaliseProtocol(protocol);
  const ports = normalised === "-1" ? {} : { ...(fromPort === undefined ? {} : { fromPort }), ...(toPort === undefined ? {} : { toPort }) };
  const candidate = { protocol: normalised, ...ports, cidr, ipv6 };
  return exposesAdminPort(candidate) ? candidate : undefined;
}

/** What the record added: AuthorizeSecurityGroupIngress (permission list or the flat form) or ModifySecurityGroupRules. */
function addedOpenRules(finding: Finding): { groupId?: string; rules: OpenRule[] } {
  const request = finding.record.requestParameters ?? {};
  const found: (OpenRule | undefined)[] = [];
  if (finding.eventName === "ModifySecurityGroupRules") {
    const body = isObject(field(request, "modifySecurityGroupRulesRequest")) ? (field(request, "modifySecurityGroupRulesRequest") as Json) : request;
    for (const update of items(field(body, "securityGroupRule") ?? field(body, "securityGroupRules"))) {
      const spec = field(update, "securityGroupRule");
      const [v4, v6] = [text(field(spec, "cidrIpv4")), text(field(spec, "cidrIpv6"))];
      const args = [text(field(spec, "ipProtocol")), port(field(spec, "fromPort")), port(field(spec, "toPort"))] as const;
      if (v4) found.push(rule(...args, v4, false));
      if (v6) found.push(rule(...args, v6, true));
    }
    return { groupId: text(field(body, "groupId")), rules: unique(found) };
  }
  for (const permission of items(field(request, "ipPermissions"))) {
    const args = [text(field(permission, "ipProtocol")), port(field(permission, "fromPort")), port(field(permission, "toPort"))] as const;
    for (const range of items(field(permission, "ipRanges"))) found.push(rule(...args, text(field(range, "cidrIp")) ?? "", false));
    for (const range of items(field(permission, "ipv6Ranges"))) found.push(rule(...args, text(field(range, "cidrIpv6")) ?? "", true));
  }
  const flat = text(field(request, "cidrIp"));
  if (flat) found.push(rule(text(field(request, "ipProtocol")), port(field(request, "fromPort")), port(field(request, "toPort")), flat, false));
  return { groupId: text(field(request, "groupId")), rules: unique(found) };
}

function unique(rules: (OpenRule | undefined)[]): OpenRule[] {
  const seen = new Map<string, OpenRule>();
  for (const r of rules) if (r) seen.set(describeRule(r), r);
  return [...seen.values()];
}

function describeRule(r: OpenRule): string {
  const ports = r.protocol === "-1" ? "all traffic" : `${r.protocol} ${r.fromPort ?? "*"}-${r.toPort ?? "*"}`;
  return `${ports} from ${r.cidr}`;
}

/** Whether the group's ingress holds the rule now (EC2 groups ranges under one permission per protocol and port range). */
function holds(permissions: IpPermission[], r: OpenRule): boolean {
  return permissions.some((p) => {
    if (normaliseProtocol(p.IpProtocol ?? "") !== r.protocol) return false;
    if (r.protocol !== "-1" && (p.FromPort !== r.fromPort || p.ToPort !== r.toPort)) return false;
    return r.ipv6 ? (p.Ipv6Ranges ?? []).some((range) => range.CidrIpv6 === r.cidr) : (p.IpRanges ?? []).some((range) => range.CidrIp === r.cidr);
  });
}

function groupOf(finding: Finding): FindingResource | undefined {
  return finding.resources.find((r) => r.type === "AWS::EC2::SecurityGroup");
}

/** The group as EC2 describes it, or undefined when it is gone. A group id looks like sg-…; anything else is a default-VPC group name. */
async function describeGroup(aws: AwsClients, region: string, group: string): Promise<SecurityGroup | undefined> {
  try {
    const query = group.startsWith("sg-") ? { GroupIds: [group] } : { GroupNames: [group] };
    return (await aws.client(EC2Client, region).send(new DescribeSecurityGroupsCommand(query))).SecurityGroups?.[0];
  } catch (error) {
    const classified = classifyAwsError(error);
    if (classified instanceof ResourceNotFoundError) return undefined;
    throw classified;
  }
}

export default defineRemediation({
  id: ID,
  title: "Revoke security group ingress that opens an administrative or database port to the internet",
  risk: "high",
  permissions: [
    // Describe calls take no resource-level permissions in EC2.
    { actions: ["ec2:DescribeSecurityGroups"], resources: ["*"] },
    { actions: ["ec2:RevokeSecurityGroupIngress"], resources: ["arn:aws:ec2:*:*:security-group/*"] },
  ],
  undo: "Re-authorise only a narrower source: aws ec2 authorize-security-group-ingress --group-id GROUP --ip-permissions … with the office or VPN range instead of /0.",

  intent(finding) {
    const group = groupOf(finding);
    const { rules } = addedOpenRules(finding);
    if (!group || rules.length === 0) return { summary: "Nothing to revoke: the record added no internet-open admin-port ingress.", changes: [] };
    return {
      summary: `Revoke ${rules.length === 1 ? "the internet-open rule" : `${rules.length} internet-open rules`} the record added to security group ${group.id}.`,
      changes: rules.map((r) => `ec2:RevokeSecurityGroupIngress on ${group.id}: ${describeRule(r)}`),
    };
  },

  async plan(finding, aws): Promise<Plan> {
    const resource = groupOf(finding);
    if (!resource) throw new InvalidRequestError(`${ID}: finding ${finding.id} names no security group`);
    const region = resource.region ?? finding.region;
    const base = { remediation: ID, findingId: finding.id, account: finding.account, region, resource };
    const { rules } = addedOpenRules(finding);
    if (rules.length === 0) return { ...base, needed: false, summary: "Nothing to revoke: the record added no internet-open admin-port ingress.", current: null, intended: null };
    const group = await describeGroup(aws, region, resource.id);
    if (!group?.GroupId) return { ...base, needed: false, summary: `Security group ${resource.id} no longer exists.`, current: { exists: false }, intended: null };
    const present = rules.filter((r) => holds(group.IpPermissions ?? [], r));
    const current = { groupId: group.GroupId, open: present.map(describeRule) };
    if (present.length === 0) return { ...base, needed: false, summary: `Security group ${resource.id} no longer allows the rules the record added.`, current, intended: current };
    const intended: Revocation = { groupId: group.GroupId, rules: present };
    return { ...base, needed: true, summary: `Revoke from ${group.GroupId}: ${present.map(describeRule).join("; ")}.`, current, intended };
  },

  async apply(plan, aws) {
    const parsed = Revocation.safeParse(plan.intended);
    if (!parsed.success) throw new InvalidRequestError(`${ID}: the plan's intended change is malformed: ${parsed.error.message}`);
    const ec2 = aws.client(EC2Client, plan.region);
    // One call per rule, so a rule already gone (InvalidPermission.NotFound) does not keep the others open.
    for (const r of parsed.data.rules) {
      const permission: IpPermission = {
        IpProtocol: r.protocol,
        ...(r.protocol === "-1" ? {} : { FromPort: r.fromPort, ToPort: r.toPort }),
        ...(r.ipv6 ? { Ipv6Ranges: [{ CidrIpv6: r.cidr }] } : { IpRanges: [{ CidrIp: r.cidr }] }),
      };
      try {
        await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: parsed.data.groupId, IpPermissions: [permission] }));
      } catch (error) {
        const name = (error as { name?: string }).name ?? "";
        if (name === "InvalidPermission.NotFound") continue;
        if (name === "InvalidGroup.NotFound") return;
        throw classifyAwsError(error);
      }
    }
  },

  async verify(finding, aws) {
    const resource = groupOf(finding);
    if (!resource) return { compliant: false, detail: "The finding names no security group." };
    const group = await describeGroup(aws, resource.region ?? finding.region, resource.id);
    if (!group) return { compliant: true, detail: `Security group ${resource.id} no longer exists: nothing is exposed through it.` };
    const open = addedOpenRules(finding).rules.filter((r) => holds(group.IpPermissions ?? [], r));
    return open.length === 0
      ? { compliant: true, detail: `Security group ${resource.id} allows none of the internet-open rules the record added.` }
      : { compliant: false, detail: `Security group ${resource.id} still allows ${open.map(describeRule).join("; ")}.` };
  },
});
