import { randomUUID } from "node:crypto";
import { CancelKeyDeletionCommand, CreateKeyCommand, DescribeKeyCommand, EnableKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, ThrottledError } from "../../core/remediation-errors.js";
import keyDeletionScheduled from "../../detectors/kms/key-deletion-scheduled.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { actionAllowed, isReadOnlyCommand } from "../permissions.js";
import cancelKeyDeletion from "./cancel-key-deletion.js";
import { findingFromRecord } from "../../test/support/findings.js";

const ACCOUNT = "123456789012";
const KEY_ID = "7f1c2a3b-4d5e-46f7-8a9b-0c1d2e3f4a5b";
const keyArn = (id: string, region = "us-east-1") => `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;

/** A finding as the detector makes it, from its first example with the key swapped in. */
function findingFor(arn: string, region = "us-east-1"): Finding {
  const raw = structuredClone(keyDeletionScheduled.examples.match[0]!.record) as Record<string, unknown>;
  Object.assign(raw, {
    eventID: randomUUID(),
    recipientAccountId: ACCOUNT,
    awsRegion: region,
    requestParameters: { keyId: arn, pendingWindowInDays: 7 },
    responseElements: { keyId: arn, keyState: "PendingDeletion", pendingWindowInDays: 7 },
    resources: [{ accountId: ACCOUNT, type: "AWS::KMS::Key", ARN: arn }],
  });
  return findingFromRecord(keyDeletionScheduled, raw);
}

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the test`), { name, $metadata: { httpStatusCode: status } });
}

const offline: AwsClients = { client: (ctor, region) => new ctor({ region: region ?? "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }) };

describe("kms.cancel-key-deletion with a mocked KMS", () => {
  // Mocks every KMSClient until restored, so the moto tests below get real clients again.
  let kms: AwsClientStub<KMSClient>;
  const sent = () => kms.calls().map((call) => (call.args[0] as object).constructor.name);
  beforeAll(() => void (kms = mockClient(KMSClient)));
  afterEach(() => kms.reset());
  afterAll(() => kms.restore());

  it("says from the finding alone that the key is rescued but left Disabled", () => {
    const intent = cancelKeyDeletion.intent(findingFor(keyArn(KEY_ID, "eu-west-1"), "eu-west-1"));
    expect(intent.changes).toEqual([`kms:CancelKeyDeletion on key ${keyArn(KEY_ID, "eu-west-1")} in eu-west-1 (the key comes back Disabled and is not re-enabled)`]);
  });

  it("plans with DescribeKey only, and tells the approver the key stays Disabled", async () => {
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, KeyState: "PendingDeletion", DeletionDate: new Date("2024-12-10T02:17:44Z") } });
    const plan = await cancelKeyDeletion.plan(findingFor(keyArn(KEY_ID)), offline);
    expect(plan).toMatchObject({ needed: true, intended: { keyState: "Disabled" } });
    expect(plan.summary).toMatch(/stays so/);
    expect(sent()).toEqual(["DescribeKeyCommand"]);
    expect(sent().every(isReadOnlyCommand)).toBe(true);
  });

  it("needs nothing for a key no longer pending deletion, or already deleted", async () => {
    kms.on(DescribeKeyCommand).resolvesOnce({ KeyMetadata: { KeyId: KEY_ID, KeyState: "Enabled" } }).rejectsOnce(awsError("NotFoundException", 400));
    expect((await cancelKeyDeletion.plan(findingFor(keyArn(KEY_ID)), offline)).needed).toBe(false);
    expect(await cancelKeyDeletion.plan(findingFor(keyArn(KEY_ID)), offline)).toMatchObject({ needed: false, summary: expect.stringMatching(/no longer exists/) });
  });

  it("applies with a declared CancelKeyDeletion on the key id, and sends no write once the key is rescued", async () => {
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, KeyState: "PendingDeletion" } });
    const plan = await cancelKeyDeletion.plan(findingFor(keyArn(KEY_ID)), offline);
    kms.reset();
    kms.on(DescribeKeyCommand).resolvesOnce({ KeyMetadata: { KeyId: KEY_ID, KeyState: "PendingDeletion" } }).resolves({ KeyMetadata: { KeyId: KEY_ID, KeyState: "Disabled" } });
    await cancelKeyDeletion.apply(plan, offline);
    await cancelKeyDeletion.apply(plan, offline);
    expect(kms.commandCalls(CancelKeyDeletionCommand).map((c) => c.args[0].input)).toEqual([{ KeyId: KEY_ID }]);
    expect(sent()).toEqual(["DescribeKeyCommand", "CancelKeyDeletionCommand", "DescribeKeyCommand"]);
    for (const command of sent()) expect(actionAllowed(iamActionFor("KMSClient", command), cancelKeyDeletion.permissions)).toBe(true);
  });

  it("classifies throttling and access denied so the workflow can retry or stop", async () => {
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: KEY_ID, KeyState: "PendingDeletion" } });
    const plan = await cancelKeyDeletion.plan(findingFor(keyArn(KEY_ID)), offline);
    kms.on(CancelKeyDeletionCommand).rejects(awsError("AccessDeniedException", 400));
    await expect(cancelKeyDeletion.apply(plan, offline)).rejects.toBeInstanceOf(AccessDeniedError);
    kms.on(DescribeKeyCommand).rejects(awsError("ThrottlingException", 400));
    await expect(cancelKeyDeletion.plan(findingFor(keyArn(KEY_ID)), offline)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe("kms.cancel-key-deletion against moto", () => {
  it("cancels a scheduled deletion, leaves the key Disabled, and changes nothing the second time", async () => {
    const kms = new KMSClient(motoClientConfig());
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: `trailwarden-it-${randomUUID()}` }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId, PendingWindowInDays: 7 }));
    const finding = findingFor(KeyMetadata!.Arn!);
    const { aws, calls, reset } = recordingClients(motoClientConfig);

    const plan = await cancelKeyDeletion.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.map((c) => c.command).every(isReadOnlyCommand)).toBe(true);

    await cancelKeyDeletion.apply(plan, aws);
    expect(await cancelKeyDeletion.verify(finding, aws)).toMatchObject({ compliant: true });
    expect((await kms.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }))).KeyMetadata?.KeyState).toBe("Disabled");

    // The owner re-enables it; a repeated apply must not disable it again (moto's CancelKeyDeletion would).
    await kms.send(new EnableKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    reset();
    await cancelKeyDeletion.apply(plan, aws);
    expect(calls.map((c) => c.command)).toEqual(["DescribeKeyCommand"]);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }))).KeyMetadata?.KeyState).toBe("Enabled");
    expect((await cancelKeyDeletion.plan(finding, aws)).needed).toBe(false);
    expect(calls.every((c) => actionAllowed(c.action, cancelKeyDeletion.permissions))).toBe(true);
  });
});
