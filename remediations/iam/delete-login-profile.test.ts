import { randomUUID } from "node:crypto";
import { CreateLoginProfileCommand, CreateUserCommand, DeleteLoginProfileCommand, GetLoginProfileCommand, IAMClient, NoSuchEntityException } from "@aws-sdk/client-iam";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, ThrottledError } from "../../core/remediation-errors.js";
import loginProfileForOtherUser from "../../detectors/iam/login-profile-for-other-user.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { actionAllowed, isReadOnlyCommand } from "../permissions.js";
import deleteLoginProfile from "./delete-login-profile.js";
import { findingFromRecord } from "../../test/support/findings.js";

const ACCOUNT = "123456789012";

/** A finding as the detector makes it, from its Stratus examples (0 CreateLoginProfile, 1 UpdateLoginProfile) with the user swapped in. */
function findingFor(userName: string, example: 0 | 1 = 0): Finding {
  const raw = structuredClone(loginProfileForOtherUser.examples.match[example]!.record) as Record<string, unknown>;
  Object.assign(raw, { eventID: randomUUID(), recipientAccountId: ACCOUNT, requestParameters: { ...(raw.requestParameters as object), userName } });
  return findingFromRecord(loginProfileForOtherUser, raw);
}

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the test`), { name, $metadata: { httpStatusCode: status } });
}

const noSuchEntity = () => new NoSuchEntityException({ message: "Login Profile for User x cannot be found.", $metadata: { httpStatusCode: 404 } });
const offline: AwsClients = { client: (ctor, region) => new ctor({ region: region ?? "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }) };

describe("iam.delete-login-profile with a mocked IAM", () => {
  // Mocks every IAMClient until restored, so the moto tests below get real clients again.
  let iam: AwsClientStub<IAMClient>;
  const sent = () => iam.calls().map((call) => (call.args[0] as object).constructor.name);
  beforeAll(() => void (iam = mockClient(IAMClient)));
  afterEach(() => iam.reset());
  afterAll(() => iam.restore());

  it("names the user whose password was set, from the finding alone, and is high risk", () => {
    expect(deleteLoginProfile.intent(findingFor("svc-legacy-sftp", 1)).changes).toEqual(["iam:DeleteLoginProfile of IAM user svc-legacy-sftp"]);
    expect(deleteLoginProfile.risk).toBe("high");
  });

  it("plans with GetLoginProfile only, and plans a delete while the user has a password", async () => {
    iam.on(GetLoginProfileCommand).resolves({ LoginProfile: { UserName: "svc-legacy-sftp", CreateDate: new Date("2024-08-01T13:42:21Z"), PasswordResetRequired: false } });
    const plan = await deleteLoginProfile.plan(findingFor("svc-legacy-sftp"), offline);
    expect(plan).toMatchObject({ needed: true, current: { loginProfile: true, createDate: "2024-08-01T13:42:21.000Z" }, intended: { userName: "svc-legacy-sftp" } });
    expect(sent()).toEqual(["GetLoginProfileCommand"]);
    expect(sent().every(isReadOnlyCommand)).toBe(true);
  });

  it("needs nothing when the user has no password or is gone", async () => {
    iam.on(GetLoginProfileCommand).rejects(noSuchEntity());
    expect(await deleteLoginProfile.plan(findingFor("svc-legacy-sftp"), offline)).toMatchObject({ needed: false, summary: expect.stringMatching(/has no console password/) });
  });

  it("applies with DeleteLoginProfile, a declared action, and takes an already deleted profile as done", async () => {
    iam.on(GetLoginProfileCommand).resolves({ LoginProfile: { UserName: "svc-legacy-sftp", CreateDate: new Date() } });
    const plan = await deleteLoginProfile.plan(findingFor("svc-legacy-sftp"), offline);
    iam.reset();
    iam.on(DeleteLoginProfileCommand).resolvesOnce({}).rejectsOnce(noSuchEntity());
    await deleteLoginProfile.apply(plan, offline);
    await deleteLoginProfile.apply(plan, offline);
    expect(iam.commandCalls(DeleteLoginProfileCommand).map((c) => c.args[0].input)).toEqual([{ UserName: "svc-legacy-sftp" }, { UserName: "svc-legacy-sftp" }]);
    for (const command of sent()) expect(actionAllowed(iamActionFor("IAMClient", command), deleteLoginProfile.permissions)).toBe(true);
  });

  it("classifies throttling and access denied so the workflow can retry or stop", async () => {
    iam.on(GetLoginProfileCommand).resolves({ LoginProfile: { UserName: "svc-legacy-sftp", CreateDate: new Date() } });
    const plan = await deleteLoginProfile.plan(findingFor("svc-legacy-sftp"), offline);
    iam.on(GetLoginProfileCommand).rejects(awsError("Throttling", 400));
    iam.on(DeleteLoginProfileCommand).rejects(awsError("AccessDenied", 403));
    await expect(deleteLoginProfile.plan(findingFor("svc-legacy-sftp"), offline)).rejects.toBeInstanceOf(ThrottledError);
    await expect(deleteLoginProfile.apply(plan, offline)).rejects.toBeInstanceOf(AccessDeniedError);
  });
});

describe("iam.delete-login-profile against moto", () => {
  it("deletes the password set for another user, verifies it, and changes nothing the second time", async () => {
    const iam = new IAMClient(motoClientConfig());
    const userName = `login-profile-user-${randomUUID().slice(0, 8)}`;
    await iam.send(new CreateUserCommand({ UserName: userName }));
    await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: `Tw-${randomUUID()}` }));
    const finding = findingFor(userName);
    const { aws, calls, reset } = recordingClients(motoClientConfig);

    const plan = await deleteLoginProfile.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.map((c) => c.command).every(isReadOnlyCommand)).toBe(true);

    await deleteLoginProfile.apply(plan, aws);
    expect(await deleteLoginProfile.verify(finding, aws)).toMatchObject({ compliant: true });
    await expect(iam.send(new GetLoginProfileCommand({ UserName: userName }))).rejects.toBeInstanceOf(NoSuchEntityException);
    expect(calls.every((c) => actionAllowed(c.action, deleteLoginProfile.permissions))).toBe(true);

    reset();
    await deleteLoginProfile.apply(plan, aws);
    expect(calls.map((c) => c.command)).toEqual(["DeleteLoginProfileCommand"]);
    expect((await deleteLoginProfile.plan(finding, aws)).needed).toBe(false);
    expect(calls.every((c) => actionAllowed(c.action, deleteLoginProfile.permissions))).toBe(true);
  });

  it("needs nothing for a user that no longer exists", async () => {
    const { aws } = recordingClients(motoClientConfig);
    const finding = findingFor(`deleted-user-${randomUUID().slice(0, 8)}`, 1);
    expect(await deleteLoginProfile.plan(finding, aws)).toMatchObject({ needed: false });
    expect(await deleteLoginProfile.verify(finding, aws)).toMatchObject({ compliant: true });
  });
});
