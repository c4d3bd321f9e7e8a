import {
  DeletePublicAccessBlockCommand,
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  S3ControlClient,
} from "@aws-sdk/client-s3-control";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, InvalidRequestError, ThrottledError } from "../../core/remediation-errors.js";
import detector from "../../detectors/s3/account-public-access-block-removed.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { s3ControlOnMoto } from "../../test/support/s3-control.js";
import { iamActionFor } from "../iam-actions.js";
import { isReadOnlyCommand, undeclaredActions } from "../permissions.js";
import remediation from "./restore-account-public-access-block.js";
import { exampleFinding as exampleFindingOf } from "../../test/support/findings.js";

const ACCOUNT = "111122223333";
const ALL_ON = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
const ACLS_OPEN = { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false };

const exampleFinding = (index: number): Finding => exampleFindingOf(detector, index);

function awsError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(`${name} from the mock`), { name, $metadata: { httpStatusCode } });
}

describe("s3.restore-account-public-access-block with a mocked S3 Control", () => {
  let control: AwsClientStub<S3ControlClient>;
  const aws: AwsClients = { client: (ctor, region) => new ctor({ region, credentials: { accessKeyId: "unit", secretAccessKey: "unit" } }) };
  const sent = () => control.calls().map((call) => (call.args[0] as object).constructor.name);
  const finding = exampleFinding(0);

  beforeEach(() => {
    control = mockClient(S3ControlClient);
  });
  afterEach(() => control.restore());

  it("states its change for the finding's account from the finding alone", () => {
    expect(remediation.intent(finding).changes).toEqual([
      `s3:PutAccountPublicAccessBlock on account ${ACCOUNT}: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets all true`,
    ]);
  });

  it("is high risk: the account block also closes the buckets approved as public", () => {
    expect(remediation.risk).toBe("high");
  });

  it("plans every flag on when the account has no configuration, reading only", async () => {
    control.on(GetPublicAccessBlockCommand).rejects(awsError("NoSuchPublicAccessBlockConfiguration", 404));
    const plan = await remediation.plan(finding, aws);
    expect(plan).toMatchObject({ needed: true, account: ACCOUNT, region: "us-east-1", intended: ALL_ON });
    expect(sent()).toEqual(["GetPublicAccessBlockCommand"]);
    expect(control.commandCalls(GetPublicAccessBlockCommand)[0]?.args[0].input).toEqual({ AccountId: ACCOUNT });
  });

  it("plans nothing when all four flags are on", async () => {
    control.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: ALL_ON });
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false });
  });

  it("writes all four flags for the account and sends only declared actions", async () => {
    control.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: ACLS_OPEN });
    control.on(PutPublicAccessBlockCommand).resolves({});
    await remediation.apply(await remediation.plan(finding, aws), aws);
    expect(control.commandCalls(PutPublicAccessBlockCommand)[0]?.args[0].input).toEqual({ AccountId: ACCOUNT, PublicAccessBlockConfiguration: ALL_ON });
    expect(undeclaredActions(sent().map((command) => iamActionFor("S3ControlClient", command)), remediation.permissions)).toEqual([]);
  });

  it("reports a throttled read as ThrottledError", async () => {
    control.on(GetPublicAccessBlockCommand).rejects(awsError("ThrottlingException", 400));
    await expect(remediation.plan(finding, aws)).rejects.toBeInstanceOf(ThrottledError);
  });

  it("reports a write refused by an organisation-managed setting as AccessDeniedError", async () => {
    control.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: ACLS_OPEN });
    control.on(PutPublicAccessBlockCommand).rejects(awsError("AccessDenied", 403));
    await expect(remediation.apply(await remediation.plan(finding, aws), aws)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it("refuses a finding whose account is not a 12-digit id, before any call", async () => {
    const forged = { ...finding, resources: [{ type: "AWS::::Account", id: "evil.example.com#" }] };
    await expect(remediation.plan(forged, aws)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(sent()).toEqual([]);
  });
});

describe("s3.restore-account-public-access-block against moto", () => {
  async function accountClients() {
    const { clientConfig, adjustClient } = await s3ControlOnMoto(ACCOUNT);
    const recording = recordingClients(clientConfig, adjustClient);
    return { aws: recording.aws, calls: recording.calls, admin: recording.aws.client(S3ControlClient, "us-east-1") };
  }

  it("restores every flag for the account; plan only reads and a second apply writes nothing", async () => {
    const { aws, calls, admin } = await accountClients();
    await admin.send(new PutPublicAccessBlockCommand({ AccountId: ACCOUNT, PublicAccessBlockConfiguration: ACLS_OPEN }));
    await admin.send(new DeletePublicAccessBlockCommand({ AccountId: ACCOUNT }));
    calls.length = 0;
    const finding = exampleFinding(0);

    const plan = await remediation.plan(finding, aws);
    expect(plan).toMatchObject({ needed: true, current: { BlockPublicAcls: false, IgnorePublicAcls: false } });
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((call) => !isReadOnlyCommand(call.command))).toEqual([]);

    await remediation.apply(plan, aws);
    expect(await remediation.verify(finding, aws)).toMatchObject({ compliant: true });
    const readBack = await admin.send(new GetPublicAccessBlockCommand({ AccountId: ACCOUNT }));
    expect(readBack.PublicAccessBlockConfiguration).toEqual(ALL_ON);

    const beforeSecondApply = calls.length;
    await remediation.apply(plan, aws);
    const secondApply = calls.slice(beforeSecondApply);
    expect(secondApply.filter((call) => !isReadOnlyCommand(call.command))).toEqual([]);
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false });

    expect(calls.filter((call) => call.action === "s3:PutAccountPublicAccessBlock")).toHaveLength(1);
    expect(undeclaredActions(calls.map((call) => call.action), remediation.permissions)).toEqual([]);
  });

  it("turns back on the flags a partial configuration left off", async () => {
    const { aws, admin } = await accountClients();
    await admin.send(new PutPublicAccessBlockCommand({ AccountId: ACCOUNT, PublicAccessBlockConfiguration: ACLS_OPEN }));
    const finding = exampleFinding(1);
    const plan = await remediation.plan(finding, aws);
    expect(plan.summary).toContain("Turn IgnorePublicAcls, RestrictPublicBuckets back on");
    await remediation.apply(plan, aws);
    expect(await remediation.verify(finding, aws)).toMatchObject({ compliant: true });
  });
});
