import { randomUUID } from "node:crypto";
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DetachUserPolicyCommand,
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  NoSuchEntityException,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, InvalidRequestError, ThrottledError } from "../../core/remediation-errors.js";
import adminPolicyAttached from "../../detectors/iam/admin-policy-attached.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { actionAllowed, isReadOnlyCommand } from "../permissions.js";
import detachAdminPolicy from "./detach-admin-policy.js";
import { findingFromRecord } from "../../test/support/findings.js";

const ACCOUNT = "123456789012";
const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
const ADMIN_DOCUMENT = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });

/** The detector's examples: 0 AttachUserPolicy, 1 AttachRolePolicy, 3 PutRolePolicy (URL-encoded), 4 PutGroupPolicy. */
const EXAMPLE = { attachUser: 0, attachRole: 1, putRole: 3, putGroup: 4 } as const;

/** A finding as the detector makes it, from one of its examples with the names swapped in. */
function findingFor(example: keyof typeof EXAMPLE, requestParameters: Record<string, unknown>): Finding {
  const raw = structuredClone(adminPolicyAttached.examples.match[EXAMPLE[example]]!.record) as Record<string, unknown>;
  const request = { ...(raw.requestParameters as Record<string, unknown>), ...requestParameters };
  Object.assign(raw, { eventID: randomUUID(), recipientAccountId: ACCOUNT, requestParameters: request });
  return findingFromRecord(adminPolicyAttached, raw);
}

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the test`), { name, $metadata: { httpStatusCode: status } });
}

const noSuchEntity = () => new NoSuchEntityException({ message: "The user with name x cannot be found.", $metadata: { httpStatusCode: 404 } });
const offline: AwsClients = { client: (ctor, region) => new ctor({ region: region ?? "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }) };

describe("iam.detach-admin-policy with a mocked IAM", () => {
  // Mocks every IAMClient until restored, so the moto tests below get real clients again.
  let iam: AwsClientStub<IAMClient>;
  const sent = () => iam.calls().map((call) => (call.args[0] as object).constructor.name);
  beforeAll(() => void (iam = mockClient(IAMClient)));
  afterEach(() => iam.reset());
  afterAll(() => iam.restore());

  it("describes a detach or an inline delete from the finding alone", () => {
    expect(detachAdminPolicy.intent(findingFor("attachUser", { userName: "mallory" })).changes).toEqual([`iam:DetachUserPolicy ${ADMIN} from IAM user mallory`]);
    expect(detachAdminPolicy.intent(findingFor("putGroup", { groupName: "developers" })).changes).toEqual([
      "iam:DeleteGroupPolicy inline policy temporary-access of IAM group developers",
    ]);
  });

  it("plans with ListAttachedUserPolicies only, following its pages, and plans a detach while the policy is attached", async () => {
    iam
      .on(ListAttachedUserPoliciesCommand)
      .resolvesOnce({ AttachedPolicies: [{ PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }], IsTruncated: true, Marker: "page-2" })
      .resolvesOnce({ AttachedPolicies: [{ PolicyArn: ADMIN, PolicyName: "AdministratorAccess" }], IsTruncated: false });
    const plan = await detachAdminPolicy.plan(findingFor("attachUser", { userName: "mallory" }), offline);
    expect(plan).toMatchObject({ needed: true, intended: { kind: "user", name: "mallory", policyArn: ADMIN } });
    expect(sent()).toEqual(["ListAttachedUserPoliciesCommand", "ListAttachedUserPoliciesCommand"]);
    expect(iam.commandCalls(ListAttachedUserPoliciesCommand)[1]?.args[0].input).toEqual({ UserName: "mallory", Marker: "page-2" });
    expect(sent().every(isReadOnlyCommand)).toBe(true);
  });

  it("needs nothing once the policy is detached or the user is gone", async () => {
    iam.on(ListAttachedUserPoliciesCommand).resolvesOnce({ AttachedPolicies: [] }).rejectsOnce(noSuchEntity());
    expect((await detachAdminPolicy.plan(findingFor("attachUser", { userName: "mallory" }), offline)).needed).toBe(false);
    const gone = await detachAdminPolicy.plan(findingFor("attachUser", { userName: "mallory" }), offline);
    expect(gone).toMatchObject({ needed: false, summary: expect.stringMatching(/no longer exists/) });
  });

  it("needs nothing when the inline policy was since narrowed under the same name", async () => {
    const narrowed = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "logs:GetLogEvents", Resource: "*" }] });
    iam.on(GetRolePolicyCommand).resolves({ RoleName: "orders-api", PolicyName: "debug", PolicyDocument: encodeURIComponent(narrowed) });
    const plan = await detachAdminPolicy.plan(findingFor("putRole", { roleName: "orders-api" }), offline);
    expect(plan).toMatchObject({ needed: false, summary: expect.stringMatching(/no longer allows every action/) });
  });

  it("applies with DeleteRolePolicy, a declared action, and takes an already deleted policy as done", async () => {
    iam.on(GetRolePolicyCommand).resolves({ PolicyDocument: encodeURIComponent(ADMIN_DOCUMENT) });
    const plan = await detachAdminPolicy.plan(findingFor("putRole", { roleName: "orders-api" }), offline);
    iam.reset();
    iam.on(DeleteRolePolicyCommand).resolvesOnce({}).rejectsOnce(noSuchEntity());
    await detachAdminPolicy.apply(plan, offline);
    await detachAdminPolicy.apply(plan, offline);
    expect(iam.commandCalls(DeleteRolePolicyCommand)[0]?.args[0].input).toEqual({ RoleName: "orders-api", PolicyName: "debug" });
    for (const command of sent()) expect(actionAllowed(iamActionFor("IAMClient", command), detachAdminPolicy.permissions)).toBe(true);
  });

  it("classifies throttling and access denied so the workflow can retry or stop", async () => {
    iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: ADMIN }] });
    const plan = await detachAdminPolicy.plan(findingFor("attachUser", { userName: "mallory" }), offline);
    iam.on(ListAttachedUserPoliciesCommand).rejects(awsError("Throttling", 400));
    iam.on(DetachUserPolicyCommand).rejects(awsError("AccessDenied", 403));
    await expect(detachAdminPolicy.plan(findingFor("attachUser", { userName: "mallory" }), offline)).rejects.toBeInstanceOf(ThrottledError);
    await expect(detachAdminPolicy.apply(plan, offline)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it("refuses a plan whose intended change is not a grant", async () => {
    const plan = { ...(await detachAdminPolicy.plan(findingFor("attachUser", { userName: "mallory" }), offline)), intended: { kind: "account" } };
    await expect(detachAdminPolicy.apply(plan, offline)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(sent()).toEqual(["ListAttachedUserPoliciesCommand"]);
  });
});

describe("iam.detach-admin-policy against moto", () => {
  const admin = () => new IAMClient(motoClientConfig());
  const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

  /** Each case grants admin in moto the way its record says, and returns the finding about it. */
  const cases: { name: string; grant: (iam: IAMClient) => Promise<Finding>; stillThere: (iam: IAMClient, finding: Finding) => Promise<boolean> }[] = [
    {
      name: "AdministratorAccess attached to a user",
      grant: async (iam) => {
        const userName = unique("malicious-iam-user");
        await iam.send(new CreateUserCommand({ UserName: userName }));
        await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: ADMIN }));
        return findingFor("attachUser", { userName });
      },
      stillThere: async (iam, finding) => {
        const { AttachedPolicies } = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: finding.resources[0]!.id }));
        return (AttachedPolicies ?? []).some((p) => p.PolicyArn === ADMIN);
      },
    },
    {
      name: "AdministratorAccess attached to a role",
      grant: async (iam) => {
        const roleName = unique("backdoor-role");
        const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] });
        await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trust }));
        await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: ADMIN }));
        return findingFor("attachRole", { roleName });
      },
      stillThere: async (iam, finding) => {
        const { AttachedPolicies } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: finding.resources[0]!.id }));
        return (AttachedPolicies ?? []).some((p) => p.PolicyArn === ADMIN);
      },
    },
    {
      name: "an inline admin policy put on a group",
      grant: async (iam) => {
        const groupName = unique("developers");
        await iam.send(new CreateGroupCommand({ GroupName: groupName }));
        await iam.send(new PutGroupPolicyCommand({ GroupName: groupName, PolicyName: "temporary-access", PolicyDocument: ADMIN_DOCUMENT }));
        return findingFor("putGroup", { groupName });
      },
      stillThere: async (iam, finding) => {
        const { PolicyNames } = await iam.send(new ListGroupPoliciesCommand({ GroupName: finding.resources[0]!.id }));
        return (PolicyNames ?? []).includes("temporary-access");
      },
    },
    {
      name: "an inline admin policy put on a role",
      grant: async (iam) => {
        const roleName = unique("orders-api");
        const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] });
        await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trust }));
        await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: "debug", PolicyDocument: ADMIN_DOCUMENT }));
        return findingFor("putRole", { roleName });
      },
      stillThere: async (iam, finding) => {
        try {
          await iam.send(new GetRolePolicyCommand({ RoleName: finding.resources[0]!.id, PolicyName: "debug" }));
          return true;
        } catch (error) {
          if (error instanceof NoSuchEntityException) return false;
          throw error;
        }
      },
    },
  ];

  it.each(cases)("takes back $name, verifies it, and changes nothing the second time", async ({ grant, stillThere }) => {
    const iam = admin();
    const finding = await grant(iam);
    const { aws, calls, reset } = recordingClients(motoClientConfig);

    const plan = await detachAdminPolicy.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.map((c) => c.command).every(isReadOnlyCommand)).toBe(true);

    await detachAdminPolicy.apply(plan, aws);
    expect(await detachAdminPolicy.verify(finding, aws)).toMatchObject({ compliant: true });
    expect(await stillThere(iam, finding)).toBe(false);
    expect(calls.every((c) => actionAllowed(c.action, detachAdminPolicy.permissions))).toBe(true);

    reset();
    await detachAdminPolicy.apply(plan, aws);
    expect(calls.map((c) => c.command)).toHaveLength(1);
    expect((await detachAdminPolicy.plan(finding, aws)).needed).toBe(false);
    expect(calls.every((c) => actionAllowed(c.action, detachAdminPolicy.permissions))).toBe(true);
  });

  it("needs nothing for a user that no longer exists", async () => {
    const { aws } = recordingClients(motoClientConfig);
    const finding = findingFor("attachUser", { userName: unique("deleted-user") });
    expect(await detachAdminPolicy.plan(finding, aws)).toMatchObject({ needed: false });
    expect(await detachAdminPolicy.verify(finding, aws)).toMatchObject({ compliant: true });
  });
});
