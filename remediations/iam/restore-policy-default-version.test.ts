import { randomUUID } from "node:crypto";
import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  IAMClient,
  ListPolicyVersionsCommand,
  NoSuchEntityException,
  SetDefaultPolicyVersionCommand,
  type PolicyVersion,
} from "@aws-sdk/client-iam";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, InvalidRequestError, ThrottledError } from "../../core/remediation-errors.js";
import defaultVersionChanged from "../../detectors/iam/policy-default-version-changed.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { actionAllowed, isReadOnlyCommand } from "../permissions.js";
import restoreDefaultVersion, { previousDefault } from "./restore-policy-default-version.js";
import { findingFromRecord } from "../../test/support/findings.js";

const ACCOUNT = "123456789012";
const POLICY = `arn:aws:iam::${ACCOUNT}:policy/ci/orders-deploy`;
const EVENT_TIME = "2024-07-05T14:02:51Z";

/** A finding as the detector makes it, from its first example with the policy, version and time swapped in. */
function findingFor(policyArn: string, versionId: string, eventTime = EVENT_TIME): Finding {
  const raw = structuredClone(defaultVersionChanged.examples.match[0]!.record) as Record<string, unknown>;
  Object.assign(raw, { eventID: randomUUID(), eventTime, recipientAccountId: ACCOUNT, requestParameters: { policyArn, versionId } });
  return findingFromRecord(defaultVersionChanged, raw);
}

/** Versions as ListPolicyVersions returns them: [id, created, default?]. */
function versions(...list: [string, string, boolean?][]): PolicyVersion[] {
  return list.map(([VersionId, created, IsDefaultVersion = false]) => ({ VersionId, CreateDate: new Date(created), IsDefaultVersion }));
}

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the test`), { name, $metadata: { httpStatusCode: status } });
}

const offline: AwsClients = { client: (ctor, region) => new ctor({ region: region ?? "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }) };

describe("iam.restore-policy-default-version: which version was the default", () => {
  const changed = (versionId: string) => ({ policyArn: POLICY, versionId });

  it("after a rollback to an old version: the newest version", () => {
    const list = versions(["v1", "2024-01-01T00:00:00Z", true], ["v2", "2024-03-01T00:00:00Z"], ["v3", "2024-06-01T00:00:00Z"]);
    expect(previousDefault(list, changed("v1"), EVENT_TIME)).toBe("v3");
  });

  it("after a staged version is promoted: the version before it", () => {
    const list = versions(["v1", "2024-01-01T00:00:00Z"], ["v2", "2024-03-01T00:00:00Z"], ["v3", "2024-06-01T00:00:00Z", true]);
    expect(previousDefault(list, changed("v3"), EVENT_TIME)).toBe("v2");
  });

  it("ignores versions created after the event, and orders versions of the same second by number", () => {
    const list = versions(["v9", "2024-07-05T14:02:51.400Z"], ["v10", "2024-07-05T14:02:51.100Z"], ["v11", "2024-07-05T14:02:52Z"], ["v1", "2024-01-01T00:00:00Z", true]);
    expect(previousDefault(list, changed("v1"), EVENT_TIME)).toBe("v10");
  });

  it("describes the restore from the finding alone", () => {
    expect(restoreDefaultVersion.intent(findingFor(POLICY, "v1")).changes).toEqual([
      `iam:SetDefaultPolicyVersion on ${POLICY}: the newest version other than v1 as of ${EVENT_TIME}`,
    ]);
  });
});

describe("iam.restore-policy-default-version with a mocked IAM", () => {
  // Mocks every IAMClient until restored, so the moto tests below get real clients again.
  let iam: AwsClientStub<IAMClient>;
  const sent = () => iam.calls().map((call) => (call.args[0] as object).constructor.name);
  const rolledBack = versions(["v1", "2024-01-01T00:00:00Z", true], ["v2", "2024-03-01T00:00:00Z"]);
  beforeAll(() => void (iam = mockClient(IAMClient)));
  afterEach(() => iam.reset());
  afterAll(() => iam.restore());

  it("plans with ListPolicyVersions only, following its pages, and shows every version to the approver", async () => {
    iam
      .on(ListPolicyVersionsCommand)
      .resolvesOnce({ Versions: rolledBack.slice(0, 1), IsTruncated: true, Marker: "page-2" })
      .resolvesOnce({ Versions: rolledBack.slice(1), IsTruncated: false });
    const plan = await restoreDefaultVersion.plan(findingFor(POLICY, "v1"), offline);
    expect(plan).toMatchObject({ needed: true, intended: { policyArn: POLICY, versionId: "v2", replacing: "v1" } });
    expect(plan.current).toHaveLength(2);
    expect(sent()).toEqual(["ListPolicyVersionsCommand", "ListPolicyVersionsCommand"]);
    expect(sent().every(isReadOnlyCommand)).toBe(true);
  });

  it("needs nothing once the default has moved on, or the policy is gone", async () => {
    iam
      .on(ListPolicyVersionsCommand)
      .resolvesOnce({ Versions: versions(["v1", "2024-01-01T00:00:00Z"], ["v2", "2024-03-01T00:00:00Z", true]) })
      .rejectsOnce(new NoSuchEntityException({ message: "Policy does not exist.", $metadata: { httpStatusCode: 404 } }));
    expect(await restoreDefaultVersion.plan(findingFor(POLICY, "v1"), offline)).toMatchObject({ needed: false, summary: expect.stringMatching(/is v2, no longer v1/) });
    expect(await restoreDefaultVersion.plan(findingFor(POLICY, "v1"), offline)).toMatchObject({ needed: false, summary: expect.stringMatching(/no longer exists/) });
  });

  it("refuses when no other version exists to restore", async () => {
    iam.on(ListPolicyVersionsCommand).resolves({ Versions: versions(["v1", "2024-01-01T00:00:00Z", true]) });
    await expect(restoreDefaultVersion.plan(findingFor(POLICY, "v1"), offline)).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it("applies with SetDefaultPolicyVersion, a declared action, only while the finding's version is still the default", async () => {
    iam.on(ListPolicyVersionsCommand).resolves({ Versions: rolledBack });
    const plan = await restoreDefaultVersion.plan(findingFor(POLICY, "v1"), offline);
    iam.reset();
    iam
      .on(ListPolicyVersionsCommand)
      .resolvesOnce({ Versions: rolledBack })
      .resolvesOnce({ Versions: versions(["v1", "2024-01-01T00:00:00Z"], ["v2", "2024-03-01T00:00:00Z", true]) });
    await restoreDefaultVersion.apply(plan, offline);
    await restoreDefaultVersion.apply(plan, offline);
    expect(iam.commandCalls(SetDefaultPolicyVersionCommand).map((c) => c.args[0].input)).toEqual([{ PolicyArn: POLICY, VersionId: "v2" }]);
    for (const command of sent()) expect(actionAllowed(iamActionFor("IAMClient", command), restoreDefaultVersion.permissions)).toBe(true);
  });

  it("classifies throttling and access denied so the workflow can retry or stop", async () => {
    iam.on(ListPolicyVersionsCommand).resolves({ Versions: rolledBack });
    const plan = await restoreDefaultVersion.plan(findingFor(POLICY, "v1"), offline);
    iam.on(SetDefaultPolicyVersionCommand).rejects(awsError("AccessDenied", 403));
    await expect(restoreDefaultVersion.apply(plan, offline)).rejects.toBeInstanceOf(AccessDeniedError);
    iam.on(ListPolicyVersionsCommand).rejects(awsError("Throttling", 400));
    await expect(restoreDefaultVersion.plan(findingFor(POLICY, "v1"), offline)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe("iam.restore-policy-default-version against moto", () => {
  const document = (action: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] });
  /** An event time just after now, in CloudTrail's whole seconds. */
  const justAfterNow = () => new Date(Date.now() + 2000).toISOString().replace(/\.\d{3}Z$/, "Z");

  /** A policy with v1 (broad), v2 and v3 (narrower), v3 the default unless `staged`. */
  async function policyWithVersions(iam: IAMClient, options: { staged?: boolean } = {}): Promise<string> {
    const name = `orders-deploy-${randomUUID().slice(0, 8)}`;
    const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: name, Path: "/ci/", PolicyDocument: document("*") }));
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: Policy!.Arn, PolicyDocument: document("s3:*"), SetAsDefault: true }));
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: Policy!.Arn, PolicyDocument: document("s3:GetObject"), SetAsDefault: !options.staged }));
    return Policy!.Arn!;
  }

  async function defaultOf(iam: IAMClient, policyArn: string): Promise<string | undefined> {
    return (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn }))).Versions?.find((v) => v.IsDefaultVersion)?.VersionId;
  }

  it.each([
    { name: "a rollback to v1", staged: false, attackerSets: "v1", restored: "v3" },
    { name: "a promotion of staged v3", staged: true, attackerSets: "v3", restored: "v2" },
  ])("undoes $name, verifies it, and changes nothing the second time", async ({ staged, attackerSets, restored }) => {
    const iam = new IAMClient(motoClientConfig());
    const policyArn = await policyWithVersions(iam, { staged });
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: policyArn, VersionId: attackerSets }));
    const finding = findingFor(policyArn, attackerSets, justAfterNow());
    const { aws, calls, reset } = recordingClients(motoClientConfig);

    const plan = await restoreDefaultVersion.plan(finding, aws);
    expect(plan).toMatchObject({ needed: true, intended: { versionId: restored } });
    expect(calls.map((c) => c.command).every(isReadOnlyCommand)).toBe(true);

    await restoreDefaultVersion.apply(plan, aws);
    expect(await restoreDefaultVersion.verify(finding, aws)).toMatchObject({ compliant: true });
    expect(await defaultOf(iam, policyArn)).toBe(restored);
    expect(calls.every((c) => actionAllowed(c.action, restoreDefaultVersion.permissions))).toBe(true);

    reset();
    await restoreDefaultVersion.apply(plan, aws);
    expect(calls.map((c) => c.command)).toEqual(["ListPolicyVersionsCommand"]);
    expect((await restoreDefaultVersion.plan(finding, aws)).needed).toBe(false);
    expect(calls.every((c) => actionAllowed(c.action, restoreDefaultVersion.permissions))).toBe(true);
  });

  it("needs nothing for a policy that no longer exists", async () => {
    const { aws } = recordingClients(motoClientConfig);
    const finding = findingFor(`arn:aws:iam::${ACCOUNT}:policy/ci/deleted-${randomUUID().slice(0, 8)}`, "v1");
    expect(await restoreDefaultVersion.plan(finding, aws)).toMatchObject({ needed: false });
    expect(await restoreDefaultVersion.verify(finding, aws)).toMatchObject({ compliant: true });
  });
});
