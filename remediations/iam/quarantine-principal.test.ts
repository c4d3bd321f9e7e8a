import { randomUUID } from "node:crypto";
import {
  CreateRoleCommand,
  CreateUserCommand,
  DeleteUserPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  NoSuchEntityException,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Detector } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import { parsePolicyDocument } from "../../core/policy.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, InvalidRequestError, ThrottledError } from "../../core/remediation-errors.js";
import { assumedRole, iamUser, root } from "../../detectors/examples.js";
import bulkSecretReads from "../../detectors/secretsmanager/bulk-secret-reads.js";
import federationToken from "../../detectors/sts/federation-token.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { actionAllowed, isReadOnlyCommand } from "../permissions.js";
import quarantinePrincipal, { QUARANTINE_POLICY, QUARANTINE_POLICY_NAME } from "./quarantine-principal.js";
import { findingFromRecord } from "../../test/support/findings.js";

const ACCOUNT = "123456789012";
const OTHER_ACCOUNT = "999988887777";
const DENY_ALL = JSON.stringify(QUARANTINE_POLICY);

/** A finding as a detector makes it, from its first example with the caller swapped in. */
function findingFor(detector: Detector, identity: Record<string, unknown>): Finding {
  const raw = structuredClone(detector.examples.match[0]!.record) as Record<string, unknown>;
  Object.assign(raw, { eventID: randomUUID(), recipientAccountId: ACCOUNT, userIdentity: identity });
  return findingFromRecord(detector, raw);
}

/** GetFederationToken by an IAM user's key (sts.federation-token). */
const userFinding = (userName: string, account = ACCOUNT) => findingFor(federationToken, iamUser(`arn:aws:iam::${account}:user/${userName}`));
/** Bulk secret reads by a role session (secretsmanager.bulk-secret-reads): the role ARN keeps its path. */
const roleFinding = (roleName: string, path = "/app/", account = ACCOUNT) => findingFor(bulkSecretReads, assumedRole(`arn:aws:iam::${account}:role${path}${roleName}`, "i-0f3c9d2e1b4a56789"));

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the test`), { name, $metadata: { httpStatusCode: status } });
}

const noSuchEntity = () => new NoSuchEntityException({ message: "The user policy with name trailwarden-quarantine cannot be found.", $metadata: { httpStatusCode: 404 } });
const offline: AwsClients = { client: (ctor, region) => new ctor({ region: region ?? "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }) };

describe("iam.quarantine-principal from the finding alone", () => {
  it("quarantines the IAM user behind the finding, with the undo command in the summary", () => {
    const intent = quarantinePrincipal.intent(userFinding("stratus-user"));
    expect(intent.changes).toEqual([`iam:PutUserPolicy ${QUARANTINE_POLICY_NAME} on IAM user stratus-user: Deny * on *`]);
    expect(intent.summary).toContain(`aws iam delete-user-policy --user-name stratus-user --policy-name ${QUARANTINE_POLICY_NAME}`);
    expect(quarantinePrincipal.undo).toContain("aws iam delete-user-policy --user-name USER --policy-name trailwarden-quarantine");
  });

  it("quarantines the role behind an assumed-role session, by the role's name without its path", () => {
    const intent = quarantinePrincipal.intent(roleFinding("orders-api"));
    expect(intent.changes).toEqual([`iam:PutRolePolicy ${QUARANTINE_POLICY_NAME} on IAM role orders-api: Deny * on *`]);
    expect(intent.summary).toContain(`aws iam delete-role-policy --role-name orders-api --policy-name ${QUARANTINE_POLICY_NAME}`);
  });

  it("quarantines the IAM user that issued a federated user's session", () => {
    const userArn = `arn:aws:iam::${ACCOUNT}:user/broker`;
    const federated = {
      type: "FederatedUser",
      principalId: `${ACCOUNT}:stratus_red_team`,
      arn: `arn:aws:sts::${ACCOUNT}:federated-user/stratus_red_team`,
      accountId: ACCOUNT,
      accessKeyId: "ASIARZ5BM7QWFEDERATE",
      sessionContext: { sessionIssuer: { type: "IAMUser", principalId: "AIDARZ5BM7QWBROKER00", arn: userArn, accountId: ACCOUNT, userName: "broker" }, attributes: {} },
    };
    expect(quarantinePrincipal.intent(findingFor(bulkSecretReads, federated)).changes).toEqual([
      `iam:PutUserPolicy ${QUARANTINE_POLICY_NAME} on IAM user broker: Deny * on *`,
    ]);
  });

  it("names no change for the root user, another account's role or a service-linked role", () => {
    const cannot = [
      findingFor(bulkSecretReads, root(ACCOUNT)),
      roleFinding("partner-role", "/", OTHER_ACCOUNT),
      roleFinding("AWSServiceRoleForSupport", "/aws-service-role/support.amazonaws.com/"),
    ];
    for (const finding of cannot) expect(quarantinePrincipal.intent(finding)).toMatchObject({ changes: [], summary: expect.stringMatching(/^Cannot quarantine/) });
  });
});

describe("iam.quarantine-principal with a mocked IAM", () => {
  // Mocks every IAMClient until restored, so the moto tests below get real clients again.
  let iam: AwsClientStub<IAMClient>;
  const sent = () => iam.calls().map((call) => (call.args[0] as object).constructor.name);
  beforeAll(() => void (iam = mockClient(IAMClient)));
  afterEach(() => iam.reset());
  afterAll(() => iam.restore());

  it("plans with GetUser and GetUserPolicy only, and plans a quarantine while the user has none", async () => {
    iam.on(GetUserCommand).resolves({ User: { UserName: "stratus-user", Arn: `arn:aws:iam::${ACCOUNT}:user/stratus-user`, UserId: "AIDA", Path: "/", CreateDate: new Date() } });
    iam.on(GetUserPolicyCommand).rejects(noSuchEntity());
    const plan = await quarantinePrincipal.plan(userFinding("stratus-user"), offline);
    expect(plan).toMatchObject({ needed: true, resource: { type: "AWS::IAM::User", id: "stratus-user" }, intended: { kind: "user", name: "stratus-user", policyName: QUARANTINE_POLICY_NAME } });
    expect(sent()).toEqual(["GetUserCommand", "GetUserPolicyCommand"]);
    expect(sent().every(isReadOnlyCommand)).toBe(true);
  });

  it("needs nothing when the role is already quarantined or gone, but re-quarantines a weakened policy of that name", async () => {
    iam.on(GetRoleCommand).resolves({ Role: { RoleName: "orders-api", Arn: `arn:aws:iam::${ACCOUNT}:role/app/orders-api`, RoleId: "AROA", Path: "/app/", CreateDate: new Date() } });
    const weakened = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:ViaAWSService": "false" } } }] });
    iam
      .on(GetRolePolicyCommand)
      .resolvesOnce({ RoleName: "orders-api", PolicyName: QUARANTINE_POLICY_NAME, PolicyDocument: encodeURIComponent(DENY_ALL) })
      .resolvesOnce({ RoleName: "orders-api", PolicyName: QUARANTINE_POLICY_NAME, PolicyDocument: encodeURIComponent(weakened) });
    expect(await quarantinePrincipal.plan(roleFinding("orders-api"), offline)).toMatchObject({ needed: false, summary: expect.stringMatching(/already quarantined/) });
    expect(await quarantinePrincipal.plan(roleFinding("orders-api"), offline)).toMatchObject({ needed: true });
    iam.on(GetRoleCommand).rejects(noSuchEntity());
    expect(await quarantinePrincipal.plan(roleFinding("orders-api"), offline)).toMatchObject({ needed: false, summary: expect.stringMatching(/no longer exists/) });
  });

  it("refuses to plan for a principal it cannot quarantine, without calling IAM", async () => {
    await expect(quarantinePrincipal.plan(roleFinding("partner-role", "/", OTHER_ACCOUNT), offline)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(sent()).toEqual([]);
  });

  it("applies with PutRolePolicy of the deny-all document, a declared action", async () => {
    iam.on(GetRoleCommand).resolves({ Role: { RoleName: "orders-api", Arn: `arn:aws:iam::${ACCOUNT}:role/app/orders-api`, RoleId: "AROA", Path: "/app/", CreateDate: new Date() } });
    iam.on(GetRolePolicyCommand).rejects(noSuchEntity());
    const plan = await quarantinePrincipal.plan(roleFinding("orders-api"), offline);
    iam.reset();
    await quarantinePrincipal.apply(plan, offline);
    const input = iam.commandCalls(PutRolePolicyCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ RoleName: "orders-api", PolicyName: QUARANTINE_POLICY_NAME });
    expect(parsePolicyDocument(input?.PolicyDocument)).toEqual({ Version: "2012-10-17", Statement: [{ Sid: "TrailwardenQuarantine", Effect: "Deny", Action: "*", Resource: "*" }] });
    for (const command of sent()) expect(actionAllowed(iamActionFor("IAMClient", command), quarantinePrincipal.permissions)).toBe(true);
  });

  it("classifies throttling and access denied so the workflow can retry or stop", async () => {
    iam.on(GetUserCommand).resolves({ User: { UserName: "stratus-user", Arn: `arn:aws:iam::${ACCOUNT}:user/stratus-user`, UserId: "AIDA", Path: "/", CreateDate: new Date() } });
    iam.on(GetUserPolicyCommand).rejects(noSuchEntity());
    const plan = await quarantinePrincipal.plan(userFinding("stratus-user"), offline);
    iam.on(GetUserCommand).rejects(awsError("Throttling", 400));
    iam.on(PutUserPolicyCommand).rejects(awsError("AccessDenied", 403));
    await expect(quarantinePrincipal.plan(userFinding("stratus-user"), offline)).rejects.toBeInstanceOf(ThrottledError);
    await expect(quarantinePrincipal.apply(plan, offline)).rejects.toBeInstanceOf(AccessDeniedError);
  });
});

describe("iam.quarantine-principal against moto", () => {
  const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

  async function quarantineTwice(finding: Finding, readBack: () => Promise<string | undefined>) {
    const { aws, calls, reset } = recordingClients(motoClientConfig);
    const plan = await quarantinePrincipal.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.map((c) => c.command).every(isReadOnlyCommand)).toBe(true);

    await quarantinePrincipal.apply(plan, aws);
    expect(await quarantinePrincipal.verify(finding, aws)).toMatchObject({ compliant: true });
    expect(parsePolicyDocument(await readBack())).toEqual(QUARANTINE_POLICY);
    expect(calls.every((c) => actionAllowed(c.action, quarantinePrincipal.permissions))).toBe(true);

    reset();
    await quarantinePrincipal.apply(plan, aws);
    expect(calls).toHaveLength(1);
    expect((await quarantinePrincipal.plan(finding, aws)).needed).toBe(false);
    expect(calls.every((c) => actionAllowed(c.action, quarantinePrincipal.permissions))).toBe(true);
  }

  it("quarantines an IAM user, verifies it, changes nothing the second time, and the undo releases it", async () => {
    const iam = new IAMClient(motoClientConfig());
    const userName = unique("federation-user");
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const finding = userFinding(userName);
    await quarantineTwice(finding, async () => (await iam.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: QUARANTINE_POLICY_NAME }))).PolicyDocument);

    // The documented undo: aws iam delete-user-policy --user-name X --policy-name trailwarden-quarantine
    await iam.send(new DeleteUserPolicyCommand({ UserName: userName, PolicyName: QUARANTINE_POLICY_NAME }));
    const { aws } = recordingClients(motoClientConfig);
    expect(await quarantinePrincipal.verify(finding, aws)).toMatchObject({ compliant: false });
  });

  it("quarantines the role behind an assumed-role session, verifies it, and changes nothing the second time", async () => {
    const iam = new IAMClient(motoClientConfig());
    const roleName = unique("orders-api");
    const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] });
    await iam.send(new CreateRoleCommand({ RoleName: roleName, Path: "/app/", AssumeRolePolicyDocument: trust }));
    await quarantineTwice(roleFinding(roleName), async () => (await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: QUARANTINE_POLICY_NAME }))).PolicyDocument);
  });

  it("needs nothing for a principal that no longer exists", async () => {
    const { aws } = recordingClients(motoClientConfig);
    const finding = roleFinding(unique("deleted-role"));
    expect(await quarantinePrincipal.plan(finding, aws)).toMatchObject({ needed: false });
    expect(await quarantinePrincipal.verify(finding, aws)).toMatchObject({ compliant: true });
  });
});
