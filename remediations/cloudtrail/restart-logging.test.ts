import { randomUUID } from "node:crypto";
import { CloudTrailClient, CreateTrailCommand, GetTrailStatusCommand, StartLoggingCommand, StopLoggingCommand } from "@aws-sdk/client-cloudtrail";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, ThrottledError } from "../../core/remediation-errors.js";
import loggingStopped from "../../detectors/cloudtrail/logging-stopped.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { actionAllowed, isReadOnlyCommand } from "../permissions.js";
import restartLogging from "./restart-logging.js";
import { findingFromRecord } from "../../test/support/findings.js";

const ACCOUNT = "123456789012";

/** A finding as the detector makes it, from its Stratus example with the trail (name or ARN) swapped in. */
function findingFor(trail: string, region = "us-east-1"): Finding {
  const raw = structuredClone(loggingStopped.examples.match[1]!.record) as Record<string, unknown>;
  Object.assign(raw, { eventID: randomUUID(), recipientAccountId: ACCOUNT, awsRegion: region, requestParameters: { name: trail } });
  return findingFromRecord(loggingStopped, raw);
}

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the test`), { name, $metadata: { httpStatusCode: status } });
}

const offline: AwsClients = { client: (ctor, region) => new ctor({ region: region ?? "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } }) };

describe("cloudtrail.restart-logging with a mocked CloudTrail", () => {
  // Mocks every CloudTrailClient until restored, so the moto tests below get real clients again.
  let cloudtrail: AwsClientStub<CloudTrailClient>;
  const sent = () => cloudtrail.calls().map((call) => (call.args[0] as object).constructor.name);
  beforeAll(() => void (cloudtrail = mockClient(CloudTrailClient)));
  afterEach(() => cloudtrail.reset());
  afterAll(() => cloudtrail.restore());

  it("describes the StartLogging it would make from the finding alone", () => {
    const intent = restartLogging.intent(findingFor("arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-audit-trail", "eu-west-1"));
    expect(intent.changes).toEqual(["cloudtrail:StartLogging on trail org-audit-trail in eu-west-1"]);
  });

  it("plans with GetTrailStatus only, and plans a restart when the trail is not logging", async () => {
    cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: false });
    const plan = await restartLogging.plan(findingFor("audit-trail"), offline);
    expect(plan.needed).toBe(true);
    expect(sent()).toEqual(["GetTrailStatusCommand"]);
    expect(sent().every(isReadOnlyCommand)).toBe(true);
  });

  it("needs nothing when the trail already logs, or is gone", async () => {
    cloudtrail.on(GetTrailStatusCommand).resolvesOnce({ IsLogging: true }).rejectsOnce(awsError("TrailNotFoundException", 400));
    expect((await restartLogging.plan(findingFor("audit-trail"), offline)).needed).toBe(false);
    const gone = await restartLogging.plan(findingFor("audit-trail"), offline);
    expect(gone.needed).toBe(false);
    expect(gone.summary).toMatch(/no longer exists/);
  });

  it("applies with StartLogging on the trail named by the finding's ARN, a declared action", async () => {
    cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: false });
    const trail = "arn:aws:cloudtrail:us-east-1:123456789012:trail/audit-trail";
    const plan = await restartLogging.plan(findingFor(trail), offline);
    cloudtrail.reset();
    await restartLogging.apply(plan, offline);
    expect(cloudtrail.commandCalls(StartLoggingCommand)[0]?.args[0].input).toEqual({ Name: "audit-trail" });
    for (const command of sent()) expect(actionAllowed(iamActionFor("CloudTrailClient", command), restartLogging.permissions)).toBe(true);
  });

  it("calls by ARN for another account's trail, such as an organization trail stopped by a delegated administrator", async () => {
    cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: false });
    const orgTrail = "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-audit-trail";
    const plan = await restartLogging.plan(findingFor(orgTrail), offline);
    await restartLogging.apply(plan, offline);
    expect(cloudtrail.commandCalls(GetTrailStatusCommand)[0]?.args[0].input).toEqual({ Name: orgTrail });
    expect(cloudtrail.commandCalls(StartLoggingCommand)[0]?.args[0].input).toEqual({ Name: orgTrail });
  });

  it("classifies throttling and access denied so the workflow can retry or stop", async () => {
    cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: false });
    const plan = await restartLogging.plan(findingFor("audit-trail"), offline);
    cloudtrail.on(GetTrailStatusCommand).rejects(awsError("ThrottlingException", 400));
    cloudtrail.on(StartLoggingCommand).rejects(awsError("AccessDeniedException", 400));
    await expect(restartLogging.plan(findingFor("audit-trail"), offline)).rejects.toBeInstanceOf(ThrottledError);
    await expect(restartLogging.apply(plan, offline)).rejects.toBeInstanceOf(AccessDeniedError);
  });
});

describe("cloudtrail.restart-logging against moto", () => {
  it("restarts a stopped trail, verifies it, and changes nothing the second time", async () => {
    const admin = motoClientConfig();
    const bucket = `trailwarden-logs-${randomUUID()}`;
    const name = `trailwarden-it-${randomUUID().slice(0, 8)}`;
    await new S3Client(admin).send(new CreateBucketCommand({ Bucket: bucket }));
    const cloudtrail = new CloudTrailClient(admin);
    const { TrailARN } = await cloudtrail.send(new CreateTrailCommand({ Name: name, S3BucketName: bucket }));
    await cloudtrail.send(new StartLoggingCommand({ Name: name }));
    await cloudtrail.send(new StopLoggingCommand({ Name: name }));
    const finding = findingFor(TrailARN!);
    const { aws, calls, reset } = recordingClients(motoClientConfig);

    const plan = await restartLogging.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.map((c) => c.command).every(isReadOnlyCommand)).toBe(true);

    await restartLogging.apply(plan, aws);
    expect(await restartLogging.verify(finding, aws)).toMatchObject({ compliant: true });
    expect((await cloudtrail.send(new GetTrailStatusCommand({ Name: name }))).IsLogging).toBe(true);

    reset();
    await restartLogging.apply(plan, aws);
    expect(calls.map((c) => c.command)).toEqual(["StartLoggingCommand"]);
    expect((await restartLogging.plan(finding, aws)).needed).toBe(false);
    expect(calls.every((c) => actionAllowed(c.action, restartLogging.permissions))).toBe(true);
  });

  it("needs nothing for a trail that does not exist, asked for in the finding's region", async () => {
    const { aws } = recordingClients(motoClientConfig);
    const plan = await restartLogging.plan(findingFor(`no-such-trail-${randomUUID().slice(0, 8)}`), aws);
    expect(plan).toMatchObject({ needed: false, region: "us-east-1" });
  });
});
