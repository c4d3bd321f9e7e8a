import { randomUUID } from "node:crypto";
import {
  AttachPolicyCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, ThrottledError } from "../../core/remediation-errors.js";
import scpDetachedOrDeleted from "../../detectors/organizations/scp-detached-or-deleted.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { actionAllowed, isReadOnlyCommand } from "../permissions.js";
import reattachScp from "./reattach-scp.js";
import { findingFromRecord } from "../../test/support/findings.js";

const ACCOUNT = "123456789012";
const SCP = "p-7f3k2j9d";
const OU = "ou-ab12-34cd5678";

/** A finding as the detector makes it: example 0 is a DetachPolicy from an OU, example 2 a DeletePolicy. */
function findingFor(example: 0 | 2, parameters: Record<string, string>): Finding {
  const raw = structuredClone(scpDetachedOrDeleted.examples.match[example]!.record) as Record<string, unknown>;
  Object.assign(raw, { eventID: randomUUID(), recipientAccountId: ACCOUNT, requestParameters: parameters });
  return findingFromRecord(scpDetachedOrDeleted, raw);
}

const detached = (policyId = SCP, targetId = OU) => findingFor(0, { policyId, targetId });

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the test`), { name, $metadata: { httpStatusCode: status } });
}

const offline: AwsClients = { client: (ctor, region) => new ctor({ region: region ?? "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }) };
const SCP_SUMMARY = { Id: SCP, Name: "guardrails", Type: "SERVICE_CONTROL_POLICY" as const };

describe("organizations.reattach-scp with a mocked Organizations", () => {
  // Mocks every OrganizationsClient until restored, so the moto tests below get real clients again.
  let organizations: AwsClientStub<OrganizationsClient>;
  const sent = () => organizations.calls().map((call) => (call.args[0] as object).constructor.name);
  beforeAll(() => void (organizations = mockClient(OrganizationsClient)));
  afterEach(() => organizations.reset());
  afterAll(() => organizations.restore());

  it("describes the AttachPolicy from the finding alone, and nothing for a deleted policy", () => {
    expect(reattachScp.intent(detached()).changes).toEqual([`organizations:AttachPolicy ${SCP} to target ${OU}`]);
    expect(reattachScp.intent(findingFor(2, { policyId: SCP })).changes).toEqual([]);
  });

  it("plans with reads only: the policy's type, then the target's policies of that type, page by page", async () => {
    organizations.on(DescribePolicyCommand).resolves({ Policy: { PolicySummary: SCP_SUMMARY } });
    organizations
      .on(ListPoliciesForTargetCommand)
      .resolvesOnce({ Policies: [{ Id: "p-FullAWSAccess", Type: "SERVICE_CONTROL_POLICY" }], NextToken: "next" })
      .resolvesOnce({ Policies: [] });
    const plan = await reattachScp.plan(detached(), offline);
    expect(plan).toMatchObject({ needed: true, intended: { policyId: SCP, targetId: OU, policyType: "SERVICE_CONTROL_POLICY" } });
    expect(organizations.commandCalls(ListPoliciesForTargetCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, "next"]);
    expect(sent().every(isReadOnlyCommand)).toBe(true);
  });

  it("needs nothing when the policy is back, the policy or target is gone, or the finding is a DeletePolicy", async () => {
    organizations.on(DescribePolicyCommand).resolves({ Policy: { PolicySummary: SCP_SUMMARY } });
    organizations.on(ListPoliciesForTargetCommand).resolvesOnce({ Policies: [SCP_SUMMARY] }).rejectsOnce(awsError("TargetNotFoundException", 400));
    expect((await reattachScp.plan(detached(), offline)).needed).toBe(false);
    expect(await reattachScp.plan(detached(), offline)).toMatchObject({ needed: false, summary: expect.stringMatching(/no longer in the organization/) });
    organizations.on(DescribePolicyCommand).rejects(awsError("PolicyNotFoundException", 400));
    expect(await reattachScp.plan(detached(), offline)).toMatchObject({ needed: false, summary: expect.stringMatching(/no longer exists/) });
    organizations.reset();
    expect(await reattachScp.plan(findingFor(2, { policyId: SCP }), offline)).toMatchObject({ needed: false, summary: expect.stringMatching(/recreate it from code/) });
    expect(sent()).toEqual([]);
  });

  it("applies with a declared AttachPolicy and takes AWS's duplicate-attachment answer as done", async () => {
    organizations.on(DescribePolicyCommand).resolves({ Policy: { PolicySummary: SCP_SUMMARY } });
    organizations.on(ListPoliciesForTargetCommand).resolves({ Policies: [] });
    const plan = await reattachScp.plan(detached(), offline);
    organizations.reset();
    organizations.on(AttachPolicyCommand).resolvesOnce({}).rejects(awsError("DuplicatePolicyAttachmentException", 400));
    await reattachScp.apply(plan, offline);
    await reattachScp.apply(plan, offline);
    expect(organizations.commandCalls(AttachPolicyCommand).map((c) => c.args[0].input)).toEqual([
      { PolicyId: SCP, TargetId: OU },
      { PolicyId: SCP, TargetId: OU },
    ]);
    for (const command of sent()) expect(actionAllowed(iamActionFor("OrganizationsClient", command), reattachScp.permissions)).toBe(true);
  });

  it("classifies throttling and access denied so the workflow can retry or stop", async () => {
    organizations.on(DescribePolicyCommand).resolves({ Policy: { PolicySummary: SCP_SUMMARY } });
    organizations.on(ListPoliciesForTargetCommand).resolves({ Policies: [] });
    const plan = await reattachScp.plan(detached(), offline);
    organizations.on(AttachPolicyCommand).rejects(awsError("AccessDeniedException", 400));
    await expect(reattachScp.apply(plan, offline)).rejects.toBeInstanceOf(AccessDeniedError);
    organizations.on(DescribePolicyCommand).rejects(awsError("TooManyRequestsException", 400));
    await expect(reattachScp.plan(detached(), offline)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe("organizations.reattach-scp against moto", () => {
  it("reattaches a detached SCP to its OU, verifies it, and changes nothing the second time", async () => {
    const organizations = new OrganizationsClient(motoClientConfig());
    await organizations.send(new CreateOrganizationCommand({ FeatureSet: "ALL" })).catch((error: Error) => {
      if (error.name !== "AlreadyInOrganizationException") throw error;
    });
    const rootId = (await organizations.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    const ou = (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: `trailwarden-it-${randomUUID().slice(0, 8)}` })))
      .OrganizationalUnit!.Id!;
    const policy = (
      await organizations.send(
        new CreatePolicyCommand({
          Name: `guardrails-${randomUUID().slice(0, 8)}`,
          Description: "deny leaving the organisation",
          Type: "SERVICE_CONTROL_POLICY",
          Content: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }] }),
        }),
      )
    ).Policy!.PolicySummary!.Id!;
    await organizations.send(new AttachPolicyCommand({ PolicyId: policy, TargetId: ou }));
    await organizations.send(new DetachPolicyCommand({ PolicyId: policy, TargetId: ou }));
    const finding = detached(policy, ou);
    const { aws, calls, reset } = recordingClients(motoClientConfig);

    const plan = await reattachScp.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.map((c) => c.command).every(isReadOnlyCommand)).toBe(true);

    await reattachScp.apply(plan, aws);
    expect(await reattachScp.verify(finding, aws)).toMatchObject({ compliant: true });
    const attached = await organizations.send(new ListPoliciesForTargetCommand({ TargetId: ou, Filter: "SERVICE_CONTROL_POLICY" }));
    expect(attached.Policies?.map((p) => p.Id)).toContain(policy);

    reset();
    await reattachScp.apply(plan, aws);
    expect(calls.map((c) => c.command)).toEqual(["AttachPolicyCommand"]);
    expect((await organizations.send(new ListPoliciesForTargetCommand({ TargetId: ou, Filter: "SERVICE_CONTROL_POLICY" }))).Policies).toHaveLength(
      attached.Policies!.length,
    );
    expect((await reattachScp.plan(finding, aws)).needed).toBe(false);
    expect(calls.every((c) => actionAllowed(c.action, reattachScp.permissions))).toBe(true);
  });
});
