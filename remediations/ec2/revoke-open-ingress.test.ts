import { randomUUID } from "node:crypto";
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateVpcCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  type IpPermission,
} from "@aws-sdk/client-ec2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BASELINE, parseBaseline } from "../../core/baseline.js";
import { normaliseRecord } from "../../core/cloudtrail.js";
import { buildFinding, type Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, ThrottledError } from "../../core/remediation-errors.js";
import openAdminPort from "../../detectors/ec2/security-group-open-admin-port.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { actionAllowed, isReadOnlyCommand } from "../permissions.js";
import revokeOpenIngress from "./revoke-open-ingress.js";
import { findingFromRecord } from "../../test/support/findings.js";

const ACCOUNT = "123456789012";
const GROUP = "sg-0a4f6e1d2c3b5a789";

/** An IP permission as CloudTrail logs an AuthorizeSecurityGroupIngress request. */
function logged(protocol: string, from: number | undefined, to: number | undefined, v4: string[], v6: string[] = []) {
  return {
    ipProtocol: protocol,
    ...(from === undefined ? {} : { fromPort: from, toPort: to }),
    ipRanges: v4.length ? { items: v4.map((cidrIp) => ({ cidrIp })) } : {},
    ipv6Ranges: v6.length ? { items: v6.map((cidrIpv6) => ({ cidrIpv6 })) } : {},
  };
}

/** A finding as the detector makes it, from its console RDP example with the group and permissions swapped in. */
function findingFor(groupId: string, permissions: ReturnType<typeof logged>[]): Finding {
  const raw = structuredClone(openAdminPort.examples.match[1]!.record) as Record<string, unknown>;
  Object.assign(raw, {
    eventID: randomUUID(),
    recipientAccountId: ACCOUNT,
    awsRegion: "us-east-1",
    requestParameters: { groupId, ipPermissions: { items: permissions } },
    responseElements: { _return: true },
  });
  return evaluated(raw);
}

function evaluated(raw: Record<string, unknown>, baseline = DEFAULT_BASELINE): Finding {
  return findingFromRecord(openAdminPort, raw, baseline);
}

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the test`), { name, $metadata: { httpStatusCode: status } });
}

const offline: AwsClients = { client: (ctor, region) => new ctor({ region: region ?? "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }) };

describe("ec2.revoke-open-ingress, from the finding alone", () => {
  it("revokes only the /0 ranges on admin ports, keeping HTTPS and the corporate range", () => {
    const finding = findingFor(GROUP, [
      logged("tcp", 443, 443, ["0.0.0.0/0"]),
      logged("tcp", 22, 22, ["0.0.0.0/0", "203.0.113.0/24"]),
      logged("tcp", 3389, 3389, [], ["::/0"]),
    ]);
    expect(revokeOpenIngress.intent(finding).changes).toEqual([
      `ec2:RevokeSecurityGroupIngress on ${GROUP}: tcp 22-22 from 0.0.0.0/0`,
      `ec2:RevokeSecurityGroupIngress on ${GROUP}: tcp 3389-3389 from ::/0`,
    ]);
  });

  it("agrees with the detector on every example: a change exactly where it fires", () => {
    const { match, noMatch } = openAdminPort.examples;
    for (const example of [...match, ...noMatch]) {
      const normalised = normaliseRecord(structuredClone(example.record));
      if (!normalised.ok || normalised.record.errorCode) continue;
      const hit = openAdminPort.evaluate(normalised.record, { baseline: parseBaseline(example.baseline) });
      const resources = hit?.resources ?? [{ type: "AWS::EC2::SecurityGroup", id: GROUP }];
      const finding = buildFinding(openAdminPort, normalised.record, { summary: "", resources }, "x");
      expect(revokeOpenIngress.intent(finding).changes.length > 0, example.description).toBe(hit !== undefined);
    }
  });

  it("agrees with the detector on every single TCP port opened to the world", () => {
    const normalised = normaliseRecord(structuredClone(openAdminPort.examples.match[1]!.record));
    if (!normalised.ok) throw new Error(normalised.reason);
    const record = normalised.record;
    const disagreements: number[] = [];
    for (let port = 0; port <= 65535; port++) {
      record.requestParameters = { groupId: GROUP, ipPermissions: { items: [logged("tcp", port, port, ["0.0.0.0/0"])] } };
      const fires = openAdminPort.evaluate(record, { baseline: DEFAULT_BASELINE }) !== undefined;
      const finding = buildFinding(openAdminPort, record, { summary: "", resources: [{ type: "AWS::EC2::SecurityGroup", id: GROUP }] }, "x");
      if (fires !== revokeOpenIngress.intent(finding).changes.length > 0) disagreements.push(port);
    }
    expect(disagreements).toEqual([]);
  });

  it("reads the flat request form and ModifySecurityGroupRules", () => {
    const [stratus, , , allTraffic, modified] = openAdminPort.examples.match;
    const changes = [stratus, allTraffic, modified].map((example) => revokeOpenIngress.intent(evaluated(structuredClone(example!.record))).changes);
    expect(changes).toEqual([
      ["ec2:RevokeSecurityGroupIngress on sg-003dc7f1f1c686164: tcp 22-22 from 0.0.0.0/0"],
      ["ec2:RevokeSecurityGroupIngress on sg-0c1d2e3f4a5b6c7d8: all traffic from 0.0.0.0/0"],
      ["ec2:RevokeSecurityGroupIngress on sg-0d2e3f4a5b6c7d8e9: tcp 5432-5432 from 0.0.0.0/0"],
    ]);
  });
});

describe("ec2.revoke-open-ingress with a mocked EC2", () => {
  // Mocks every EC2Client until restored, so the moto tests below get real clients again.
  let ec2: AwsClientStub<EC2Client>;
  const sent = () => ec2.calls().map((call) => (call.args[0] as object).constructor.name);
  beforeAll(() => void (ec2 = mockClient(EC2Client)));
  afterEach(() => ec2.reset());
  afterAll(() => ec2.restore());

  const open: IpPermission[] = [
    { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }, { CidrIp: "203.0.113.0/24" }] },
    { IpProtocol: "tcp", FromPort: 3389, ToPort: 3389, Ipv6Ranges: [{ CidrIpv6: "::/0" }] },
  ];
  const finding = () => findingFor(GROUP, [logged("tcp", 22, 22, ["0.0.0.0/0"]), logged("tcp", 3389, 3389, [], ["::/0"])]);

  it("plans with DescribeSecurityGroups only, and only for the rules still there", async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: GROUP, IpPermissions: [open[0]!] }] });
    const plan = await revokeOpenIngress.plan(finding(), offline);
    expect(plan).toMatchObject({ needed: true, intended: { groupId: GROUP, rules: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidr: "0.0.0.0/0", ipv6: false }] } });
    expect(sent()).toEqual(["DescribeSecurityGroupsCommand"]);
    expect(sent().every(isReadOnlyCommand)).toBe(true);
  });

  it("needs nothing once the rules are gone, or the group is", async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolvesOnce({ SecurityGroups: [{ GroupId: GROUP, IpPermissions: [] }] }).rejectsOnce(awsError("InvalidGroup.NotFound", 400));
    expect((await revokeOpenIngress.plan(finding(), offline)).needed).toBe(false);
    expect(await revokeOpenIngress.plan(finding(), offline)).toMatchObject({ needed: false, summary: expect.stringMatching(/no longer exists/) });
  });

  it("revokes rule by rule with a declared action, going on past a rule already revoked", async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: GROUP, IpPermissions: open }] });
    const plan = await revokeOpenIngress.plan(finding(), offline);
    ec2.reset();
    ec2.on(RevokeSecurityGroupIngressCommand).rejectsOnce(awsError("InvalidPermission.NotFound", 400)).resolves({ Return: true });
    await revokeOpenIngress.apply(plan, offline);
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input)).toEqual([
      { GroupId: GROUP, IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] },
      { GroupId: GROUP, IpPermissions: [{ IpProtocol: "tcp", FromPort: 3389, ToPort: 3389, Ipv6Ranges: [{ CidrIpv6: "::/0" }] }] },
    ]);
    for (const command of sent()) expect(actionAllowed(iamActionFor("EC2Client", command), revokeOpenIngress.permissions)).toBe(true);
  });

  it("classifies throttling and access denied so the workflow can retry or stop", async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: GROUP, IpPermissions: open }] });
    const plan = await revokeOpenIngress.plan(finding(), offline);
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(awsError("UnauthorizedOperation", 403));
    await expect(revokeOpenIngress.apply(plan, offline)).rejects.toBeInstanceOf(AccessDeniedError);
    ec2.on(DescribeSecurityGroupsCommand).rejects(awsError("RequestLimitExceeded", 503));
    await expect(revokeOpenIngress.plan(finding(), offline)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe("ec2.revoke-open-ingress against moto", () => {
  it("revokes the open SSH and RDP rules, keeps the rest, verifies, and changes nothing the second time", async () => {
    const ec2 = new EC2Client(motoClientConfig());
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.20.0.0/16" }))).Vpc!.VpcId!;
    const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `trailwarden-it-${randomUUID().slice(0, 8)}`, Description: "test", VpcId: vpc }));
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
          { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }, { CidrIp: "203.0.113.0/24" }] },
          { IpProtocol: "tcp", FromPort: 3389, ToPort: 3389, Ipv6Ranges: [{ CidrIpv6: "::/0" }] },
        ],
      }),
    );
    const finding = findingFor(GroupId!, [
      logged("tcp", 443, 443, ["0.0.0.0/0"]),
      logged("tcp", 22, 22, ["0.0.0.0/0", "203.0.113.0/24"]),
      logged("tcp", 3389, 3389, [], ["::/0"]),
    ]);
    const { aws, calls, reset } = recordingClients(motoClientConfig);

    const plan = await revokeOpenIngress.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.map((c) => c.command).every(isReadOnlyCommand)).toBe(true);

    await revokeOpenIngress.apply(plan, aws);
    expect(await revokeOpenIngress.verify(finding, aws)).toMatchObject({ compliant: true });
    const left = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] }))).SecurityGroups![0]!.IpPermissions!;
    const ranges = left.flatMap((p) => [...(p.IpRanges ?? []).map((r) => `${p.FromPort} ${r.CidrIp}`), ...(p.Ipv6Ranges ?? []).map((r) => `${p.FromPort} ${r.CidrIpv6}`)]);
    expect(ranges.sort()).toEqual(["22 203.0.113.0/24", "443 0.0.0.0/0"]);

    reset();
    await revokeOpenIngress.apply(plan, aws);
    expect((await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] }))).SecurityGroups![0]!.IpPermissions).toEqual(left);
    expect((await revokeOpenIngress.plan(finding, aws)).needed).toBe(false);
    expect(calls.every((c) => actionAllowed(c.action, revokeOpenIngress.permissions))).toBe(true);
  });
});
