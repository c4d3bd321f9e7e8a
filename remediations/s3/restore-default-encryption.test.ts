import { randomBytes } from "node:crypto";
import { CreateBucketCommand, DeleteBucketEncryptionCommand, GetBucketEncryptionCommand, PutBucketEncryptionCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, ThrottledError } from "../../core/remediation-errors.js";
import detector from "../../detectors/s3/default-encryption-removed.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { isReadOnlyCommand, undeclaredActions } from "../permissions.js";
import remediation from "./restore-default-encryption.js";
import { exampleFinding as exampleFindingOf } from "../../test/support/findings.js";

const REGION = "eu-west-1";
const KMS_KEY = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-4697-8877-665544332211";
const SSE_S3 = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" as const } }] };
const SSE_KMS = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" as const, KMSMasterKeyID: KMS_KEY }, BucketKeyEnabled: true }] };

const exampleFinding = (index: number, bucket?: string): Finding => exampleFindingOf(detector, index, bucket);

function awsError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(`${name} from the mock`), { name, $metadata: { httpStatusCode } });
}

describe("s3.restore-default-encryption with a mocked S3", () => {
  let s3: AwsClientStub<S3Client>;
  const aws: AwsClients = { client: (ctor, region) => new ctor({ region, credentials: { accessKeyId: "unit", secretAccessKey: "unit" } }) };
  const sent = () => s3.calls().map((call) => (call.args[0] as object).constructor.name);
  const finding = exampleFinding(0);

  beforeEach(() => {
    s3 = mockClient(S3Client);
  });
  afterEach(() => s3.restore());

  it("states its change from the finding alone", () => {
    expect(remediation.intent(finding).changes).toEqual(["s3:PutEncryptionConfiguration on bucket acme-prod-invoices: SSEAlgorithm AES256"]);
  });

  it("plans SSE-S3 when the bucket has no default encryption, reading only", async () => {
    s3.on(GetBucketEncryptionCommand).rejects(awsError("ServerSideEncryptionConfigurationNotFoundError", 404));
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: true, current: null, intended: { SSEAlgorithm: "AES256" } });
    expect(sent()).toEqual(["GetBucketEncryptionCommand"]);
  });

  it("plans nothing when AWS reads back the SSE-S3 default it resets to, and says the KMS key is a person's call", async () => {
    s3.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: SSE_S3 });
    const plan = await remediation.plan(finding, aws);
    expect(plan).toMatchObject({ needed: false, current: { SSEAlgorithm: "AES256", KMSMasterKeyID: null } });
    expect(plan.summary).toContain("customer-managed KMS key");
  });

  it("plans nothing when the bucket is gone", async () => {
    s3.on(GetBucketEncryptionCommand).rejects(awsError("NoSuchBucket", 404));
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false, current: null });
  });

  it("writes SSE-S3 and sends only declared actions", async () => {
    s3.on(GetBucketEncryptionCommand).rejects(awsError("ServerSideEncryptionConfigurationNotFoundError", 404));
    await remediation.apply(await remediation.plan(finding, aws), aws);
    expect(s3.commandCalls(PutBucketEncryptionCommand)[0]?.args[0].input).toEqual({ Bucket: "acme-prod-invoices", ServerSideEncryptionConfiguration: SSE_S3 });
    expect(undeclaredActions(sent().map((command) => iamActionFor("S3Client", command)), remediation.permissions)).toEqual([]);
  });

  it("does not overwrite a KMS configuration someone set after the plan", async () => {
    s3.on(GetBucketEncryptionCommand)
      .rejectsOnce(awsError("ServerSideEncryptionConfigurationNotFoundError", 404))
      .resolves({ ServerSideEncryptionConfiguration: SSE_KMS });
    await remediation.apply(await remediation.plan(finding, aws), aws);
    expect(s3.commandCalls(PutBucketEncryptionCommand)).toHaveLength(0);
  });

  it("reports a throttled read as ThrottledError", async () => {
    s3.on(GetBucketEncryptionCommand).rejects(awsError("ThrottlingException", 400));
    await expect(remediation.plan(finding, aws)).rejects.toBeInstanceOf(ThrottledError);
  });

  it("reports a refused write as AccessDeniedError", async () => {
    s3.on(GetBucketEncryptionCommand).rejects(awsError("ServerSideEncryptionConfigurationNotFoundError", 404));
    s3.on(PutBucketEncryptionCommand).rejects(awsError("AccessDenied", 403));
    await expect(remediation.apply(await remediation.plan(finding, aws), aws)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it("verifies against what it reads back", async () => {
    s3.on(GetBucketEncryptionCommand).rejects(awsError("ServerSideEncryptionConfigurationNotFoundError", 404));
    expect(await remediation.verify(finding, aws)).toEqual({ compliant: false, detail: "S3 bucket acme-prod-invoices still has no default encryption." });
  });
});

describe("s3.restore-default-encryption against moto", () => {
  // moto answers ServerSideEncryptionConfigurationNotFoundError after DeleteBucketEncryption,
  // as AWS did before 2023; AWS now reads back the SSE-S3 default (covered with the mock above).
  it("sets SSE-S3 after the configuration was deleted; plan only reads and a second apply writes nothing", async () => {
    const bucket = `acme-prod-invoices-${randomBytes(4).toString("hex")}`;
    const admin = new S3Client(motoClientConfig(REGION));
    await admin.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await admin.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: SSE_KMS }));
    await admin.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
    const finding = exampleFinding(0, bucket);
    const { aws, calls } = recordingClients(motoClientConfig);

    const plan = await remediation.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((call) => !isReadOnlyCommand(call.command))).toEqual([]);

    await remediation.apply(plan, aws);
    expect(await remediation.verify(finding, aws)).toMatchObject({ compliant: true });
    const readBack = await admin.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(readBack.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("AES256");

    const beforeSecondApply = calls.length;
    await remediation.apply(plan, aws);
    expect(calls.slice(beforeSecondApply).filter((call) => !isReadOnlyCommand(call.command))).toEqual([]);
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false });

    expect(calls.some((call) => call.action === "s3:PutEncryptionConfiguration")).toBe(true);
    expect(undeclaredActions(calls.map((call) => call.action), remediation.permissions)).toEqual([]);
  });
});
