import { randomUUID } from "node:crypto";
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, InvalidRequestError, ThrottledError } from "../../core/remediation-errors.js";
import { ruleFor } from "../../core/rules.js";
import ruleTampered from "../../detectors/events/trailwarden-rule-tampered.js";
import { detectors } from "../../detectors/index.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { actionAllowed, isReadOnlyCommand } from "../permissions.js";
import restoreRule from "./restore-rule.js";
import { findingFromRecord } from "../../test/support/findings.js";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const DETECT = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:prod-trailwarden-Detection-Detect`;
/** A detector that watches read-only calls: its rule's deployed state is not the plain ENABLED that EnableRule sets. */
const READ_ONLY = detectors.find((d) => d.id === "ec2.user-data-read")!;
const DEPLOYED = ruleFor(READ_ONLY);

/** A finding as the detector makes it; examples: 0 DisableRule, 1 RemoveTargets, 3 DeleteRule. */
function findingFor(example: 0 | 1 | 3, name: string, extra: Record<string, unknown> = {}): Finding {
  const raw = structuredClone(ruleTampered.examples.match[example]!.record) as Record<string, unknown>;
  const parameters = example === 1 ? { rule: name, ids: ["detect"] } : { name };
  Object.assign(raw, { eventID: randomUUID(), recipientAccountId: ACCOUNT, awsRegion: REGION, requestParameters: { ...parameters, ...extra } });
  return findingFromRecord(ruleTampered, raw);
}

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the test`), { name, $metadata: { httpStatusCode: status } });
}

const offline: AwsClients = { client: (ctor, region) => new ctor({ region: region ?? REGION, credentials: { accessKeyId: "x", secretAccessKey: "x" } }) };

describe("eventbridge.restore-rule, from the finding alone", () => {
  it("finds the detector behind a stack rule, a core rule, and a stack rule cut to 64 characters", () => {
    const cut = "prod-trailwarden-Detection-changes.human-call-from-outside-networks".slice(0, 64);
    const names = ["prod-trailwarden-Detection-ec2.user-data-read", "trailwarden-s3.bucket-policy-public", cut];
    const detected = names.map((name) => restoreRule.intent(findingFor(0, name)).changes[0]);
    expect(detected[0]).toContain("the deployed pattern of ec2.user-data-read, state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS");
    expect(detected[1]).toContain("the deployed pattern of s3.bucket-policy-public, state ENABLED");
    expect(detected[2]).toContain("the deployed pattern of changes.human-call-from-outside-networks");
  });

  it("names the rule's bus when it is not the default one, and changes nothing for a rule of no known detector", () => {
    const onBus = findingFor(0, "prod-trailwarden-Detection-ec2.user-data-read", { eventBusName: "security" });
    expect(restoreRule.intent(onBus).changes[0]).toMatch(/^events:PutRule prod-trailwarden-Detection-ec2\.user-data-read on bus security in us-east-1/);
    expect(restoreRule.intent(findingFor(0, "trailwarden-some.retired-detector")).changes).toEqual([]);
  });
});

describe("eventbridge.restore-rule with a mocked EventBridge", () => {
  // Mocks every EventBridgeClient until restored, so the moto tests below get real clients again.
  let events: AwsClientStub<EventBridgeClient>;
  const sent = () => events.calls().map((call) => (call.args[0] as object).constructor.name);
  const name = "prod-trailwarden-Detection-ec2.user-data-read";
  const asDeployed = { Name: name, State: DEPLOYED.state, EventPattern: JSON.stringify(DEPLOYED.eventPattern) };
  const detectTarget = { Id: "detect", Arn: DETECT, InputTransformer: { InputPathsMap: {}, InputTemplate: DEPLOYED.inputTemplate } };
  beforeAll(() => void (events = mockClient(EventBridgeClient)));
  afterEach(() => {
    events.reset();
    vi.unstubAllEnvs();
  });
  afterAll(() => events.restore());

  it("plans with DescribeRule and ListTargetsByRule only, and restores the deployed state rather than ENABLED", async () => {
    events.on(DescribeRuleCommand).resolves({ ...asDeployed, State: "DISABLED" });
    events.on(ListTargetsByRuleCommand).resolves({ Targets: [detectTarget] });
    const plan = await restoreRule.plan(findingFor(0, name), offline);
    expect(plan).toMatchObject({ needed: true, intended: { name, state: "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" } });
    expect(plan.intended).not.toHaveProperty("target");
    expect(sent()).toEqual(["DescribeRuleCommand", "ListTargetsByRuleCommand"]);
    expect(sent().every(isReadOnlyCommand)).toBe(true);
  });

  it("takes a rule re-enabled with EnableRule for drift, and a rule as deployed for done", async () => {
    events.on(DescribeRuleCommand).resolvesOnce({ ...asDeployed, State: "ENABLED" }).resolves(asDeployed);
    events.on(ListTargetsByRuleCommand).resolves({ Targets: [detectTarget] });
    expect(await restoreRule.plan(findingFor(0, name), offline)).toMatchObject({ needed: true, summary: expect.stringMatching(/state is ENABLED, not/) });
    expect((await restoreRule.plan(findingFor(0, name), offline)).needed).toBe(false);
  });

  it("puts back a removed target with the function the environment names, and fails clearly without it", async () => {
    events.on(DescribeRuleCommand).resolves(asDeployed);
    events.on(ListTargetsByRuleCommand).resolves({ Targets: [] });
    await expect(restoreRule.plan(findingFor(1, name), offline)).rejects.toThrow(/TRAILWARDEN_DETECT_FUNCTION_ARN/);
    vi.stubEnv("TRAILWARDEN_DETECT_FUNCTION_ARN", `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:elsewhere`);
    await expect(restoreRule.plan(findingFor(1, name), offline)).rejects.toBeInstanceOf(InvalidRequestError);
    vi.stubEnv("TRAILWARDEN_DETECT_FUNCTION_ARN", DETECT);
    const plan = await restoreRule.plan(findingFor(1, name), offline);
    expect(plan.intended).toMatchObject({ target: { id: "detect", arn: DETECT, inputTemplate: DEPLOYED.inputTemplate } });
  });

  it("takes a detect target pointed at another function for drift when the detect function is known", async () => {
    vi.stubEnv("TRAILWARDEN_DETECT_FUNCTION_ARN", DETECT);
    events.on(DescribeRuleCommand).resolves(asDeployed);
    events.on(ListTargetsByRuleCommand).resolves({ Targets: [{ ...detectTarget, Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sink` }] });
    const plan = await restoreRule.plan(findingFor(0, name), offline);
    expect(plan).toMatchObject({ needed: true, intended: { target: { arn: DETECT } } });
  });

  it("applies with declared PutRule and PutTargets, and reports a target EventBridge refused", async () => {
    vi.stubEnv("TRAILWARDEN_DETECT_FUNCTION_ARN", DETECT);
    events.on(DescribeRuleCommand).rejects(awsError("ResourceNotFoundException", 400));
    const plan = await restoreRule.plan(findingFor(3, name), offline);
    events.reset();
    events.on(PutRuleCommand).resolves({}).on(PutTargetsCommand).resolvesOnce({ FailedEntryCount: 0 }).resolves({ FailedEntryCount: 1, FailedEntries: [{ ErrorCode: "ValidationException" }] });
    await restoreRule.apply(plan, offline);
    expect(events.commandCalls(PutRuleCommand)[0]?.args[0].input).toEqual({
      Name: name,
      Description: DEPLOYED.description,
      EventPattern: JSON.stringify(DEPLOYED.eventPattern),
      State: "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
    });
    expect(sent()).toEqual(["PutRuleCommand", "PutTargetsCommand"]);
    for (const command of sent()) expect(actionAllowed(iamActionFor("EventBridgeClient", command), restoreRule.permissions)).toBe(true);
    await expect(restoreRule.apply(plan, offline)).rejects.toThrow(/ValidationException/);
  });

  it("classifies throttling and access denied so the workflow can retry or stop", async () => {
    events.on(DescribeRuleCommand).resolves({ ...asDeployed, State: "DISABLED" });
    events.on(ListTargetsByRuleCommand).resolves({ Targets: [detectTarget] });
    const plan = await restoreRule.plan(findingFor(0, name), offline);
    events.on(PutRuleCommand).rejects(awsError("AccessDeniedException", 400));
    await expect(restoreRule.apply(plan, offline)).rejects.toBeInstanceOf(AccessDeniedError);
    events.on(DescribeRuleCommand).rejects(awsError("ThrottlingException", 400));
    await expect(restoreRule.plan(findingFor(0, name), offline)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe("eventbridge.restore-rule against moto", () => {
  const admin = () => new EventBridgeClient(motoClientConfig());
  afterEach(() => vi.unstubAllEnvs());

  /** Deploys the read-only detector's rule as stacks/Detection.ts does, under a name of its own. */
  async function deploy(): Promise<string> {
    const name = `t${randomUUID().slice(0, 6)}-trailwarden-Detection-${READ_ONLY.id}`;
    await admin().send(new PutRuleCommand({ Name: name, Description: DEPLOYED.description, EventPattern: JSON.stringify(DEPLOYED.eventPattern), State: DEPLOYED.state }));
    await admin().send(
      new PutTargetsCommand({ Rule: name, Targets: [{ Id: "detect", Arn: DETECT, InputTransformer: { InputPathsMap: {}, InputTemplate: DEPLOYED.inputTemplate } }] }),
    );
    return name;
  }

  it("restores a disabled read-only rule to its deployed state, not EnableRule's, and changes nothing the second time", async () => {
    const name = await deploy();
    await admin().send(new DisableRuleCommand({ Name: name }));
    const finding = findingFor(0, name);
    const { aws, calls, reset } = recordingClients(motoClientConfig);

    const plan = await restoreRule.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.map((c) => c.command).every(isReadOnlyCommand)).toBe(true);

    await restoreRule.apply(plan, aws);
    expect(await restoreRule.verify(finding, aws)).toMatchObject({ compliant: true });
    const rule = await admin().send(new DescribeRuleCommand({ Name: name }));
    expect(rule.State).toBe("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS");
    expect(calls.map((c) => c.command)).not.toContain("EnableRuleCommand");

    reset();
    await restoreRule.apply(plan, aws);
    expect(calls.map((c) => c.command)).toEqual(["PutRuleCommand"]);
    expect((await restoreRule.plan(finding, aws)).needed).toBe(false);
    expect(calls.every((c) => actionAllowed(c.action, restoreRule.permissions))).toBe(true);
  });

  it("sees EnableRule's plain ENABLED as not restored", async () => {
    const name = await deploy();
    await admin().send(new DisableRuleCommand({ Name: name }));
    await admin().send(new EnableRuleCommand({ Name: name }));
    const { aws } = recordingClients(motoClientConfig);
    expect(await restoreRule.verify(findingFor(0, name), aws)).toMatchObject({ compliant: false, detail: expect.stringMatching(/state is ENABLED, not ENABLED_WITH_ALL/) });
  });

  it("re-creates a deleted rule and its detect target from the registry and the configured function", async () => {
    const name = await deploy();
    await admin().send(new RemoveTargetsCommand({ Rule: name, Ids: ["detect"] }));
    await admin().send(new DeleteRuleCommand({ Name: name }));
    const finding = findingFor(3, name);
    const { aws, calls } = recordingClients(motoClientConfig);
    await expect(restoreRule.plan(finding, aws)).rejects.toBeInstanceOf(InvalidRequestError);

    vi.stubEnv("TRAILWARDEN_DETECT_FUNCTION_ARN", DETECT);
    const plan = await restoreRule.plan(finding, aws);
    expect(plan).toMatchObject({ needed: true, current: { exists: false } });
    expect(calls.map((c) => c.command).every(isReadOnlyCommand)).toBe(true);

    await restoreRule.apply(plan, aws);
    expect(await restoreRule.verify(finding, aws)).toMatchObject({ compliant: true });
    const targets = (await admin().send(new ListTargetsByRuleCommand({ Rule: name }))).Targets;
    expect(targets).toEqual([expect.objectContaining({ Id: "detect", Arn: DETECT, InputTransformer: expect.objectContaining({ InputTemplate: DEPLOYED.inputTemplate }) })]);
    await restoreRule.apply(plan, aws);
    expect((await admin().send(new ListTargetsByRuleCommand({ Rule: name }))).Targets).toHaveLength(1);
    expect((await restoreRule.plan(finding, aws)).needed).toBe(false);
    expect(calls.every((c) => actionAllowed(c.action, restoreRule.permissions))).toBe(true);
  });
});
