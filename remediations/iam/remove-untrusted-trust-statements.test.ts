import { randomUUID } from "node:crypto";
import { CreateRoleCommand, GetRoleCommand, IAMClient, NoSuchEntityException, UpdateAssumeRolePolicyCommand } from "@aws-sdk/client-iam";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseBaseline, type BaselineInput } from "../../core/baseline.js";
import type { Finding } from "../../core/finding.js";
import { parsePolicyDocument } from "../../core/policy.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, InvalidRequestError, ThrottledError } from "../../core/remediation-errors.js";
import roleTrustUntrusted from "../../detectors/iam/role-trust-untrusted-account.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { actionAllowed, isReadOnlyCommand } from "../permissions.js";
import removeUntrustedTrust, { pruneTrustPolicy, untrustedParties } from "./remove-untrusted-trust-statements.js";
import { findingFromRecord } from "../../test/support/findings.js";

const ACCOUNT = "123456789012";
const ATTACKER = "193672423079";
const VENDOR = "999988887777";
const ASSUME = "sts:AssumeRole";
const EC2_TRUST = { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: ASSUME };
const ATTACKER_TRUST = { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ATTACKER}:root` }, Action: ASSUME };
const VENDOR_TRUST = { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${VENDOR}:role/integration` }, Action: ASSUME, Condition: { StringEquals: { "sts:ExternalId": "c7f1e2d9" } } };
const ANYONE_BY_IP = { Effect: "Allow", Principal: { AWS: "*" }, Action: ASSUME, Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } } };

const trustPolicy = (...statements: object[]) => ({ Version: "2012-10-17", Statement: statements });

/**
 * A finding as the detector makes it under a baseline, from its Stratus iam-backdoor-role example
 * (UpdateAssumeRolePolicy) with the role and the trust policy swapped in.
 */
function findingFor(roleName: string, policy: object, baseline: BaselineInput = {}): Finding {
  const raw = structuredClone(roleTrustUntrusted.examples.match[0]!.record) as Record<string, unknown>;
  Object.assign(raw, { eventID: randomUUID(), recipientAccountId: ACCOUNT, requestParameters: { roleName, policyDocument: JSON.stringify(policy, null, 2) } });
  return findingFromRecord(roleTrustUntrusted, raw, parseBaseline(baseline));
}

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the test`), { name, $metadata: { httpStatusCode: status } });
}

const noSuchEntity = () => new NoSuchEntityException({ message: "The role with name x cannot be found.", $metadata: { httpStatusCode: 404 } });
const offline: AwsClients = { client: (ctor, region) => new ctor({ region: region ?? "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }) };
const own = new Set([ACCOUNT]);

describe("iam.remove-untrusted-trust-statements: who is untrusted", () => {
  it("takes the untrusted parties from the detector's judgement, leaving a vendor the baseline trusts", () => {
    const finding = findingFor("backdoor-role", trustPolicy(EC2_TRUST, VENDOR_TRUST, ATTACKER_TRUST), { trust: { externalAccounts: [VENDOR] } });
    expect(untrustedParties(finding)).toEqual({ accounts: [ATTACKER], anyone: false });
    expect(removeUntrustedTrust.intent(finding).changes).toEqual([`iam:UpdateAssumeRolePolicy on role backdoor-role: without the trust of account ${ATTACKER}`]);
  });

  it("names anyone for a public principal limited only by source IP, and both kinds together", () => {
    expect(untrustedParties(findingFor("debug-access", trustPolicy(ANYONE_BY_IP)))).toEqual({ accounts: [], anyone: true });
    expect(untrustedParties(findingFor("debug-access", trustPolicy(ANYONE_BY_IP, VENDOR_TRUST)))).toEqual({ accounts: [VENDOR], anyone: true });
  });

  it("refuses a finding whose summary names nobody rather than guess", async () => {
    const finding = { ...findingFor("backdoor-role", trustPolicy(ATTACKER_TRUST)), summary: "Something about role backdoor-role." };
    expect(removeUntrustedTrust.intent(finding).changes).toEqual([]);
    await expect(removeUntrustedTrust.plan(finding, offline)).rejects.toBeInstanceOf(InvalidRequestError);
  });
});

describe("iam.remove-untrusted-trust-statements: pruning a trust policy", () => {
  const attackerOnly = { accounts: [ATTACKER], anyone: false };

  it("drops the untrusted account's statement and keeps the service trust and the role's own account", () => {
    const ownTrust = { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ASSUME };
    const { document, changed } = pruneTrustPolicy(trustPolicy(EC2_TRUST, ownTrust, ATTACKER_TRUST), attackerOnly, own);
    expect(changed).toBe(true);
    expect(document).toEqual(trustPolicy(EC2_TRUST, ownTrust));
  });

  it("takes only the untrusted principals out of a shared statement, whichever way they are written", () => {
    const shared = {
      Effect: "Allow",
      Principal: { AWS: [`arn:aws:iam::${VENDOR}:role/integration`, ATTACKER, `arn:aws:sts::${ATTACKER}:assumed-role/x/y`], Service: "lambda.amazonaws.com" },
      Action: ASSUME,
    };
    const { document } = pruneTrustPolicy(trustPolicy(shared), attackerOnly, own);
    expect(document).toEqual(trustPolicy({ ...shared, Principal: { AWS: `arn:aws:iam::${VENDOR}:role/integration`, Service: "lambda.amazonaws.com" } }));
  });

  it("drops a public trust when the finding says anyone, unless it is pinned to the organisation", () => {
    const orgOnly = { Effect: "Allow", Principal: "*", Action: ASSUME, Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } };
    const pinnedToAttacker = { Effect: "Allow", Principal: { AWS: "*" }, Action: ASSUME, Condition: { StringEquals: { "aws:PrincipalAccount": ATTACKER } } };
    const { document } = pruneTrustPolicy(trustPolicy(ANYONE_BY_IP, orgOnly, pinnedToAttacker), { accounts: [ATTACKER], anyone: true }, own);
    expect(document).toEqual(trustPolicy(orgOnly));
    expect(pruneTrustPolicy(trustPolicy(ANYONE_BY_IP), attackerOnly, own).changed).toBe(false);
  });

  it("leaves Deny statements and unrelated accounts alone, and reports no change", () => {
    const deny = { Effect: "Deny", Principal: { AWS: `arn:aws:iam::${ATTACKER}:root` }, Action: ASSUME };
    const policy = trustPolicy(EC2_TRUST, deny, VENDOR_TRUST);
    expect(pruneTrustPolicy(policy, attackerOnly, own)).toEqual({ document: policy, changed: false });
  });

  it("never removes the role's own account, even when the summary names it", () => {
    const ownTrust = { Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: ASSUME };
    expect(pruneTrustPolicy(trustPolicy(ownTrust), { accounts: [ACCOUNT], anyone: false }, own).changed).toBe(false);
  });

  it("leaves a statement that denies everyone when nothing trusted is left, since a trust policy cannot be empty", () => {
    const { document } = pruneTrustPolicy(trustPolicy(ATTACKER_TRUST), attackerOnly, own);
    expect(document).toEqual(trustPolicy({ Sid: "TrailwardenNoTrust", Effect: "Deny", Principal: { AWS: "*" }, Action: ASSUME }));
  });
});

describe("iam.remove-untrusted-trust-statements with a mocked IAM", () => {
  // Mocks every IAMClient until restored, so the moto tests below get real clients again.
  let iam: AwsClientStub<IAMClient>;
  const sent = () => iam.calls().map((call) => (call.args[0] as object).constructor.name);
  const role = (policy: object) => ({
    Role: { RoleName: "backdoor-role", Arn: `arn:aws:iam::${ACCOUNT}:role/backdoor-role`, RoleId: "AROA", Path: "/", CreateDate: new Date(), AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(policy)) },
  });
  beforeAll(() => void (iam = mockClient(IAMClient)));
  afterEach(() => iam.reset());
  afterAll(() => iam.restore());

  it("plans with GetRole only, decoding the URL-encoded trust policy, and shows the policy it would write", async () => {
    iam.on(GetRoleCommand).resolves(role(trustPolicy(EC2_TRUST, ATTACKER_TRUST)));
    const plan = await removeUntrustedTrust.plan(findingFor("backdoor-role", trustPolicy(EC2_TRUST, ATTACKER_TRUST)), offline);
    expect(plan).toMatchObject({ needed: true, current: trustPolicy(EC2_TRUST, ATTACKER_TRUST), intended: { roleName: "backdoor-role", trustPolicy: trustPolicy(EC2_TRUST) } });
    expect(sent()).toEqual(["GetRoleCommand"]);
    expect(sent().every(isReadOnlyCommand)).toBe(true);
  });

  it("needs nothing once the account is no longer trusted, or the role is gone", async () => {
    iam.on(GetRoleCommand).resolvesOnce(role(trustPolicy(EC2_TRUST))).rejectsOnce(noSuchEntity());
    const finding = findingFor("backdoor-role", trustPolicy(EC2_TRUST, ATTACKER_TRUST));
    expect(await removeUntrustedTrust.plan(finding, offline)).toMatchObject({ needed: false, summary: expect.stringMatching(/no longer trusts/) });
    expect(await removeUntrustedTrust.plan(finding, offline)).toMatchObject({ needed: false, summary: expect.stringMatching(/no longer exists/) });
  });

  it("applies from the trust policy as it is then, keeping a statement added since the plan, with declared actions only", async () => {
    const finding = findingFor("backdoor-role", trustPolicy(EC2_TRUST, ATTACKER_TRUST));
    iam.on(GetRoleCommand).resolves(role(trustPolicy(EC2_TRUST, ATTACKER_TRUST)));
    const plan = await removeUntrustedTrust.plan(finding, offline);
    iam.reset();
    const lambdaTrust = { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: ASSUME };
    iam.on(GetRoleCommand).resolves(role(trustPolicy(EC2_TRUST, lambdaTrust, ATTACKER_TRUST)));
    await removeUntrustedTrust.apply(plan, offline);
    const written = iam.commandCalls(UpdateAssumeRolePolicyCommand)[0]?.args[0].input;
    expect(written?.RoleName).toBe("backdoor-role");
    expect(parsePolicyDocument(written?.PolicyDocument)).toEqual(trustPolicy(EC2_TRUST, lambdaTrust));
    for (const command of sent()) expect(actionAllowed(iamActionFor("IAMClient", command), removeUntrustedTrust.permissions)).toBe(true);
  });

  it("classifies throttling and access denied so the workflow can retry or stop", async () => {
    const finding = findingFor("backdoor-role", trustPolicy(EC2_TRUST, ATTACKER_TRUST));
    iam.on(GetRoleCommand).resolves(role(trustPolicy(EC2_TRUST, ATTACKER_TRUST)));
    const plan = await removeUntrustedTrust.plan(finding, offline);
    iam.on(UpdateAssumeRolePolicyCommand).rejects(awsError("AccessDenied", 403));
    await expect(removeUntrustedTrust.apply(plan, offline)).rejects.toBeInstanceOf(AccessDeniedError);
    iam.on(GetRoleCommand).rejects(awsError("Throttling", 400));
    await expect(removeUntrustedTrust.plan(finding, offline)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe("iam.remove-untrusted-trust-statements against moto", () => {
  const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

  it.each([
    { name: "the attacker's account next to a service trust", policy: trustPolicy(EC2_TRUST, ATTACKER_TRUST), left: trustPolicy(EC2_TRUST) },
    {
      name: "anyone, the only statement",
      policy: trustPolicy(ANYONE_BY_IP),
      left: trustPolicy({ Sid: "TrailwardenNoTrust", Effect: "Deny", Principal: { AWS: "*" }, Action: ASSUME }),
    },
  ])("removes $name, verifies it, and writes nothing the second time", async ({ policy, left }) => {
    const iam = new IAMClient(motoClientConfig());
    const roleName = unique("backdoor-role");
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(policy) }));
    const finding = findingFor(roleName, policy);
    const { aws, calls, reset } = recordingClients(motoClientConfig);

    const plan = await removeUntrustedTrust.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.map((c) => c.command).every(isReadOnlyCommand)).toBe(true);

    await removeUntrustedTrust.apply(plan, aws);
    expect(await removeUntrustedTrust.verify(finding, aws)).toMatchObject({ compliant: true });
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    expect(parsePolicyDocument(Role?.AssumeRolePolicyDocument)).toEqual(left);
    expect(calls.every((c) => actionAllowed(c.action, removeUntrustedTrust.permissions))).toBe(true);

    reset();
    await removeUntrustedTrust.apply(plan, aws);
    expect(calls.map((c) => c.command)).toEqual(["GetRoleCommand"]);
    expect((await removeUntrustedTrust.plan(finding, aws)).needed).toBe(false);
    expect(calls.every((c) => actionAllowed(c.action, removeUntrustedTrust.permissions))).toBe(true);
  });

  it("needs nothing for a role that no longer exists", async () => {
    const { aws } = recordingClients(motoClientConfig);
    const finding = findingFor(unique("deleted-role"), trustPolicy(ATTACKER_TRUST));
    expect(await removeUntrustedTrust.plan(finding, aws)).toMatchObject({ needed: false });
    expect(await removeUntrustedTrust.verify(finding, aws)).toMatchObject({ compliant: true });
  });
});
