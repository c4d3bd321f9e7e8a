import { randomUUID } from "node:crypto";
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand, NoSuchEntityException, UpdateAccessKeyCommand } from "@aws-sdk/client-iam";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, InvalidRequestError, ThrottledError } from "../../core/remediation-errors.js";
import keyCreatedForOtherUser from "../../detectors/iam/access-key-created-for-other-user.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { actionAllowed, isReadOnlyCommand } from "../permissions.js";
import deactivateAccessKey from "./deactivate-access-key.js";
import { findingFromRecord } from "../../test/support/findings.js";

const ACCOUNT = "123456789012";
const KEY = "AKIARZ5BM7QWHT3LPC6D";

/** A finding as the detector makes it, from its Stratus example with the user and key swapped in (or the key left out). */
function findingFor(userName: string, accessKeyId: string | undefined): Finding {
  const raw = structuredClone(keyCreatedForOtherUser.examples.match[0]!.record) as Record<string, unknown>;
  const accessKey = { ...((raw.responseElements as { accessKey: Record<string, unknown> }).accessKey), userName, accessKeyId };
  if (accessKeyId === undefined) delete accessKey.accessKeyId;
  Object.assign(raw, { eventID: randomUUID(), recipientAccountId: ACCOUNT, requestParameters: { userName }, responseElements: { accessKey } });
  return findingFromRecord(keyCreatedForOtherUser, raw);
}

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the test`), { name, $metadata: { httpStatusCode: status } });
}

const noSuchEntity = () => new NoSuchEntityException({ message: "The user with name x cannot be found.", $metadata: { httpStatusCode: 404 } });
const offline: AwsClients = { client: (ctor, region) => new ctor({ region: region ?? "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }) };

describe("iam.deactivate-access-key with a mocked IAM", () => {
  // Mocks every IAMClient until restored, so the moto tests below get real clients again.
  let iam: AwsClientStub<IAMClient>;
  const sent = () => iam.calls().map((call) => (call.args[0] as object).constructor.name);
  beforeAll(() => void (iam = mockClient(IAMClient)));
  afterEach(() => iam.reset());
  afterAll(() => iam.restore());

  it("names the key the record created, from the finding alone", () => {
    expect(deactivateAccessKey.intent(findingFor("backdoor-user", KEY)).changes).toEqual([`iam:UpdateAccessKey ${KEY} of IAM user backdoor-user: Status Inactive`]);
  });

  it("plans with ListAccessKeys only, and plans a deactivation while the key is active", async () => {
    iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [{ AccessKeyId: "AKIAOTHERKEY00000000", Status: "Active" }, { AccessKeyId: KEY, Status: "Active" }] });
    const plan = await deactivateAccessKey.plan(findingFor("backdoor-user", KEY), offline);
    expect(plan).toMatchObject({ needed: true, resource: { type: "AWS::IAM::AccessKey", id: KEY }, intended: { userName: "backdoor-user", accessKeyId: KEY } });
    expect(sent()).toEqual(["ListAccessKeysCommand"]);
    expect(sent().every(isReadOnlyCommand)).toBe(true);
  });

  it("needs nothing when the key is already inactive, deleted, or its user is gone", async () => {
    iam
      .on(ListAccessKeysCommand)
      .resolvesOnce({ AccessKeyMetadata: [{ AccessKeyId: KEY, Status: "Inactive" }] })
      .resolvesOnce({ AccessKeyMetadata: [] })
      .rejectsOnce(noSuchEntity());
    for (const expected of [/is Inactive/, /no longer exists/, /no longer exists/]) {
      expect(await deactivateAccessKey.plan(findingFor("backdoor-user", KEY), offline)).toMatchObject({ needed: false, summary: expect.stringMatching(expected) });
    }
  });

  it("refuses a record that does not name the created key rather than guess", async () => {
    const finding = findingFor("backdoor-user", undefined);
    expect(deactivateAccessKey.intent(finding).changes).toEqual([]);
    await expect(deactivateAccessKey.plan(finding, offline)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(sent()).toEqual([]);
  });

  it("applies with UpdateAccessKey Inactive, a declared action, and takes a deleted key as done", async () => {
    iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [{ AccessKeyId: KEY, Status: "Active" }] });
    const plan = await deactivateAccessKey.plan(findingFor("backdoor-user", KEY), offline);
    iam.reset();
    iam.on(UpdateAccessKeyCommand).resolvesOnce({}).rejectsOnce(noSuchEntity());
    await deactivateAccessKey.apply(plan, offline);
    await deactivateAccessKey.apply(plan, offline);
    expect(iam.commandCalls(UpdateAccessKeyCommand)[0]?.args[0].input).toEqual({ UserName: "backdoor-user", AccessKeyId: KEY, Status: "Inactive" });
    for (const command of sent()) expect(actionAllowed(iamActionFor("IAMClient", command), deactivateAccessKey.permissions)).toBe(true);
  });

  it("classifies throttling and access denied so the workflow can retry or stop", async () => {
    iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [{ AccessKeyId: KEY, Status: "Active" }] });
    const plan = await deactivateAccessKey.plan(findingFor("backdoor-user", KEY), offline);
    iam.on(ListAccessKeysCommand).rejects(awsError("Throttling", 400));
    iam.on(UpdateAccessKeyCommand).rejects(awsError("AccessDenied", 403));
    await expect(deactivateAccessKey.plan(findingFor("backdoor-user", KEY), offline)).rejects.toBeInstanceOf(ThrottledError);
    await expect(deactivateAccessKey.apply(plan, offline)).rejects.toBeInstanceOf(AccessDeniedError);
  });
});

describe("iam.deactivate-access-key against moto", () => {
  it("deactivates the key made for another user, verifies it, and changes nothing the second time", async () => {
    const iam = new IAMClient(motoClientConfig());
    const userName = `backdoor-user-${randomUUID().slice(0, 8)}`;
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const own = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!.AccessKeyId!;
    const created = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!.AccessKeyId!;
    const finding = findingFor(userName, created);
    const { aws, calls, reset } = recordingClients(motoClientConfig);

    const plan = await deactivateAccessKey.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.map((c) => c.command).every(isReadOnlyCommand)).toBe(true);

    await deactivateAccessKey.apply(plan, aws);
    expect(await deactivateAccessKey.verify(finding, aws)).toMatchObject({ compliant: true });
    const keys = (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
    expect(Object.fromEntries(keys.map((k) => [k.AccessKeyId, k.Status]))).toEqual({ [own]: "Active", [created]: "Inactive" });
    expect(calls.every((c) => actionAllowed(c.action, deactivateAccessKey.permissions))).toBe(true);

    reset();
    await deactivateAccessKey.apply(plan, aws);
    expect(calls.map((c) => c.command)).toEqual(["UpdateAccessKeyCommand"]);
    expect((await deactivateAccessKey.plan(finding, aws)).needed).toBe(false);
    expect(calls.every((c) => actionAllowed(c.action, deactivateAccessKey.permissions))).toBe(true);
  });

  it("needs nothing for a user that no longer exists", async () => {
    const { aws } = recordingClients(motoClientConfig);
    const finding = findingFor(`deleted-user-${randomUUID().slice(0, 8)}`, KEY);
    expect(await deactivateAccessKey.plan(finding, aws)).toMatchObject({ needed: false });
    expect(await deactivateAccessKey.verify(finding, aws)).toMatchObject({ compliant: true });
  });
});
