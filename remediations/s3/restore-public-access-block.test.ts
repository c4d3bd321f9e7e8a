import { randomBytes } from "node:crypto";
import {
  CreateBucketCommand,
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, ThrottledError } from "../../core/remediation-errors.js";
import detector from "../../detectors/s3/public-access-block-removed.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { isReadOnlyCommand, undeclaredActions } from "../permissions.js";
import remediation from "./restore-public-access-block.js";
import { exampleFinding as exampleFindingOf } from "../../test/support/findings.js";

const REGION = "eu-west-1";
const ALL_ON = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
const POLICY_FLAGS_OFF = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false };

/** The finding the detector makes from its own match example, pointed at `bucket` when given. */
const exampleFinding = (index: number, bucket?: string): Finding => exampleFindingOf(detector, index, bucket);

function awsError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(`${name} from the mock`), { name, $metadata: { httpStatusCode } });
}

describe("s3.restore-public-access-block with a mocked S3", () => {
  let s3: AwsClientStub<S3Client>;
  const aws: AwsClients = { client: (ctor, region) => new ctor({ region, credentials: { accessKeyId: "unit", secretAccessKey: "unit" } }) };
  const sent = () => s3.calls().map((call) => (call.args[0] as object).constructor.name);
  const finding = exampleFinding(0);

  beforeEach(() => {
    s3 = mockClient(S3Client);
  });
  afterEach(() => s3.restore());

  it("states its change from the finding alone", () => {
    expect(remediation.intent(finding)).toEqual({
      summary: "Restore Block Public Access on S3 bucket acme-prod-invoices: all four settings on.",
      changes: ["s3:PutBucketPublicAccessBlock on bucket acme-prod-invoices: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets all true"],
    });
  });

  it("plans to turn every flag on when the bucket has no configuration, reading only", async () => {
    s3.on(GetPublicAccessBlockCommand).rejects(awsError("NoSuchPublicAccessBlockConfiguration", 404));
    const plan = await remediation.plan(finding, aws);
    expect(plan).toMatchObject({ needed: true, region: REGION, account: "111122223333", intended: ALL_ON });
    expect(plan.resource.id).toBe("acme-prod-invoices");
    expect(sent()).toEqual(["GetPublicAccessBlockCommand"]);
    expect(sent().every(isReadOnlyCommand)).toBe(true);
  });

  it("plans nothing when all four flags are already on", async () => {
    s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: ALL_ON });
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false, current: ALL_ON });
  });

  it("plans nothing when the bucket is gone", async () => {
    s3.on(GetPublicAccessBlockCommand).rejects(awsError("NoSuchBucket", 404));
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false, current: null });
  });

  it("writes all four flags and sends only declared actions", async () => {
    s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: POLICY_FLAGS_OFF });
    s3.on(PutPublicAccessBlockCommand).resolves({});
    await remediation.apply(await remediation.plan(finding, aws), aws);
    expect(s3.commandCalls(PutPublicAccessBlockCommand)[0]?.args[0].input).toEqual({ Bucket: "acme-prod-invoices", PublicAccessBlockConfiguration: ALL_ON });
    expect(undeclaredActions(sent().map((command) => iamActionFor("S3Client", command)), remediation.permissions)).toEqual([]);
  });

  it("reports a throttled read as ThrottledError", async () => {
    s3.on(GetPublicAccessBlockCommand).rejects(awsError("ThrottlingException", 400));
    await expect(remediation.plan(finding, aws)).rejects.toBeInstanceOf(ThrottledError);
  });

  it("reports a refused write as AccessDeniedError", async () => {
    s3.on(GetPublicAccessBlockCommand).resolves({});
    s3.on(PutPublicAccessBlockCommand).rejects(awsError("AccessDenied", 403));
    const plan = await remediation.plan(finding, aws);
    await expect(remediation.apply(plan, aws)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it("verifies against what it reads back, not what apply sent", async () => {
    s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: POLICY_FLAGS_OFF });
    expect(await remediation.verify(finding, aws)).toEqual({
      compliant: false,
      detail: "S3 bucket acme-prod-invoices still has BlockPublicPolicy, RestrictPublicBuckets off.",
    });
  });
});

describe("s3.restore-public-access-block against moto", () => {
  async function bucketWith(configuration?: typeof POLICY_FLAGS_OFF): Promise<string> {
    const bucket = `acme-prod-invoices-${randomBytes(4).toString("hex")}`;
    const admin = new S3Client(motoClientConfig(REGION));
    await admin.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    if (configuration) await admin.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: configuration }));
    return bucket;
  }

  it.each([
    { example: 0, what: "a deleted configuration", configuration: undefined },
    { example: 1, what: "policy flags turned off", configuration: POLICY_FLAGS_OFF },
  ])("restores every flag after $what; plan only reads and a second apply writes nothing", async ({ example, configuration }) => {
    const bucket = await bucketWith(configuration);
    const finding = exampleFinding(example, bucket);
    const { aws, calls } = recordingClients(motoClientConfig);

    const plan = await remediation.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((call) => !isReadOnlyCommand(call.command))).toEqual([]);

    await remediation.apply(plan, aws);
    expect(await remediation.verify(finding, aws)).toMatchObject({ compliant: true });
    const readBack = await new S3Client(motoClientConfig(REGION)).send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    expect(readBack.PublicAccessBlockConfiguration).toEqual(ALL_ON);

    const beforeSecondApply = calls.length;
    await remediation.apply(plan, aws);
    expect(calls.slice(beforeSecondApply).filter((call) => !isReadOnlyCommand(call.command))).toEqual([]);
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false });

    expect(calls.some((call) => call.action === "s3:PutBucketPublicAccessBlock")).toBe(true);
    expect(undeclaredActions(calls.map((call) => call.action), remediation.permissions)).toEqual([]);
  });

  it("plans nothing for a bucket that no longer exists", async () => {
    const finding = exampleFinding(0, `acme-gone-${randomBytes(4).toString("hex")}`);
    const { aws } = recordingClients(motoClientConfig);
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false, current: null });
  });
});
