import { randomUUID } from "node:crypto";
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeSnapshotAttributeCommand,
  EC2Client,
  ModifySnapshotAttributeCommand,
} from "@aws-sdk/client-ec2";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseBaseline } from "../../core/baseline.js";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, ThrottledError } from "../../core/remediation-errors.js";
import snapshotShared from "../../detectors/ec2/snapshot-shared.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { actionAllowed, isReadOnlyCommand } from "../permissions.js";
import makeSnapshotPrivate from "./make-snapshot-private.js";
import { findingFromRecord } from "../../test/support/findings.js";

const ACCOUNT = "123456789012";
const BACKUP = "222233334444";
const OUTSIDE = "999988887777";
const SNAPSHOT = "snap-0d2e4f6a8b0c1e3f5";
/** The backup account is the baseline's own: a share with it is allowed and must stay. */
const BASELINE = parseBaseline({ accounts: { [BACKUP]: { name: "backup", environment: "security" } } });

/** A finding as the detector makes it, from its mixed-share example with the snapshot and the added permissions swapped in. */
function findingFor(snapshotId: string, added: Record<string, string>[]): Finding {
  const raw = structuredClone(snapshotShared.examples.match[2]!.record) as Record<string, unknown>;
  Object.assign(raw, {
    eventID: randomUUID(),
    recipientAccountId: ACCOUNT,
    awsRegion: "us-east-1",
    requestParameters: { snapshotId, attributeType: "CREATE_VOLUME_PERMISSION", createVolumePermission: { add: { items: added } } },
  });
  return findingFromRecord(snapshotShared, raw, BASELINE);
}

const publicAndShared = (snapshotId = SNAPSHOT) => findingFor(snapshotId, [{ group: "all" }, { userId: BACKUP }, { userId: OUTSIDE }]);

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the test`), { name, $metadata: { httpStatusCode: status } });
}

const offline: AwsClients = { client: (ctor, region) => new ctor({ region: region ?? "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }) };

describe("ec2.make-snapshot-private, from the finding alone", () => {
  it("removes everyone and the unknown account the record added, never the baseline's own account", () => {
    expect(makeSnapshotPrivate.intent(publicAndShared()).changes).toEqual([
      `ec2:ModifySnapshotAttribute on ${SNAPSHOT}: remove createVolumePermission for group all (public)`,
      `ec2:ModifySnapshotAttribute on ${SNAPSHOT}: remove createVolumePermission for account ${OUTSIDE}`,
    ]);
  });

  it("reads the unknown accounts from the detector's own words, for one account or several", () => {
    const other = "444455556666";
    const finding = findingFor(SNAPSHOT, [{ userId: OUTSIDE }, { userId: BACKUP }, { userId: other }]);
    expect(finding.summary).toContain(`shared it with accounts ${OUTSIDE}, ${other}, which the baseline does not list`);
    expect(makeSnapshotPrivate.intent(finding).changes.filter((c) => c.includes("account"))).toHaveLength(2);
  });
});

describe("ec2.make-snapshot-private with a mocked EC2", () => {
  // Mocks every EC2Client until restored, so the moto tests below get real clients again.
  let ec2: AwsClientStub<EC2Client>;
  const sent = () => ec2.calls().map((call) => (call.args[0] as object).constructor.name);
  beforeAll(() => void (ec2 = mockClient(EC2Client)));
  afterEach(() => ec2.reset());
  afterAll(() => ec2.restore());

  it("plans with DescribeSnapshotAttribute only, for the permissions still granted", async () => {
    ec2.on(DescribeSnapshotAttributeCommand).resolves({ CreateVolumePermissions: [{ UserId: BACKUP }, { UserId: OUTSIDE }] });
    const plan = await makeSnapshotPrivate.plan(publicAndShared(), offline);
    expect(plan).toMatchObject({ needed: true, intended: { snapshotId: SNAPSHOT, everyone: false, accounts: [OUTSIDE] } });
    expect(sent()).toEqual(["DescribeSnapshotAttributeCommand"]);
    expect(sent().every(isReadOnlyCommand)).toBe(true);
  });

  it("needs nothing when only known accounts are left, or the snapshot is gone", async () => {
    ec2.on(DescribeSnapshotAttributeCommand).resolvesOnce({ CreateVolumePermissions: [{ UserId: BACKUP }] }).rejectsOnce(awsError("InvalidSnapshot.NotFound", 400));
    expect((await makeSnapshotPrivate.plan(publicAndShared(), offline)).needed).toBe(false);
    expect(await makeSnapshotPrivate.plan(publicAndShared(), offline)).toMatchObject({ needed: false, summary: expect.stringMatching(/no longer exists/) });
  });

  it("applies with declared ModifySnapshotAttribute removals: one for everyone, one for the accounts", async () => {
    ec2.on(DescribeSnapshotAttributeCommand).resolves({ CreateVolumePermissions: [{ Group: "all" }, { UserId: BACKUP }, { UserId: OUTSIDE }] });
    const plan = await makeSnapshotPrivate.plan(publicAndShared(), offline);
    ec2.reset();
    await makeSnapshotPrivate.apply(plan, offline);
    const base = { SnapshotId: SNAPSHOT, Attribute: "createVolumePermission", OperationType: "remove" };
    expect(ec2.commandCalls(ModifySnapshotAttributeCommand).map((c) => c.args[0].input)).toEqual([
      { ...base, GroupNames: ["all"] },
      { ...base, UserIds: [OUTSIDE] },
    ]);
    for (const command of sent()) expect(actionAllowed(iamActionFor("EC2Client", command), makeSnapshotPrivate.permissions)).toBe(true);
  });

  it("classifies throttling and access denied so the workflow can retry or stop", async () => {
    ec2.on(DescribeSnapshotAttributeCommand).resolves({ CreateVolumePermissions: [{ Group: "all" }] });
    const plan = await makeSnapshotPrivate.plan(publicAndShared(), offline);
    ec2.on(ModifySnapshotAttributeCommand).rejects(awsError("UnauthorizedOperation", 403));
    await expect(makeSnapshotPrivate.apply(plan, offline)).rejects.toBeInstanceOf(AccessDeniedError);
    ec2.on(DescribeSnapshotAttributeCommand).rejects(awsError("RequestLimitExceeded", 503));
    await expect(makeSnapshotPrivate.plan(publicAndShared(), offline)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe("ec2.make-snapshot-private against moto", () => {
  it("makes a public, shared snapshot private, keeps the backup share, and changes nothing the second time", async () => {
    const ec2 = new EC2Client(motoClientConfig());
    const volume = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }))).VolumeId!;
    const snapshot = (await ec2.send(new CreateSnapshotCommand({ VolumeId: volume, Description: `trailwarden-it-${randomUUID()}` }))).SnapshotId!;
    await ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: snapshot, Attribute: "createVolumePermission", OperationType: "add", GroupNames: ["all"] }));
    await ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: snapshot, Attribute: "createVolumePermission", OperationType: "add", UserIds: [BACKUP, OUTSIDE] }));
    const finding = publicAndShared(snapshot);
    const { aws, calls, reset } = recordingClients(motoClientConfig);

    const plan = await makeSnapshotPrivate.plan(finding, aws);
    expect(plan).toMatchObject({ needed: true, intended: { everyone: true, accounts: [OUTSIDE] } });
    expect(calls.map((c) => c.command).every(isReadOnlyCommand)).toBe(true);

    await makeSnapshotPrivate.apply(plan, aws);
    expect(await makeSnapshotPrivate.verify(finding, aws)).toMatchObject({ compliant: true });
    const left = await ec2.send(new DescribeSnapshotAttributeCommand({ SnapshotId: snapshot, Attribute: "createVolumePermission" }));
    expect(left.CreateVolumePermissions).toEqual([{ UserId: BACKUP }]);

    reset();
    await makeSnapshotPrivate.apply(plan, aws);
    expect((await ec2.send(new DescribeSnapshotAttributeCommand({ SnapshotId: snapshot, Attribute: "createVolumePermission" }))).CreateVolumePermissions).toEqual([
      { UserId: BACKUP },
    ]);
    expect((await makeSnapshotPrivate.plan(finding, aws)).needed).toBe(false);
    expect(calls.every((c) => actionAllowed(c.action, makeSnapshotPrivate.permissions))).toBe(true);
  });
});
