import { randomBytes } from "node:crypto";
import { CreateBucketCommand, GetBucketVersioningCommand, PutBucketVersioningCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, ThrottledError } from "../../core/remediation-errors.js";
import detector from "../../detectors/s3/versioning-suspended.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { isReadOnlyCommand, undeclaredActions } from "../permissions.js";
import remediation from "./resume-versioning.js";
import { exampleFinding as exampleFindingOf } from "../../test/support/findings.js";

const REGION = "eu-west-1";

const exampleFinding = (index: number, bucket?: string): Finding => exampleFindingOf(detector, index, bucket);

function awsError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(`${name} from the mock`), { name, $metadata: { httpStatusCode } });
}

describe("s3.resume-versioning with a mocked S3", () => {
  let s3: AwsClientStub<S3Client>;
  const aws: AwsClients = { client: (ctor, region) => new ctor({ region, credentials: { accessKeyId: "unit", secretAccessKey: "unit" } }) };
  const sent = () => s3.calls().map((call) => (call.args[0] as object).constructor.name);
  const suspended = exampleFinding(0);

  beforeEach(() => {
    s3 = mockClient(S3Client);
  });
  afterEach(() => s3.restore());

  it("states its change from the finding alone", () => {
    expect(remediation.intent(suspended).changes).toEqual(["s3:PutBucketVersioning on bucket acme-prod-invoices: Status Enabled"]);
  });

  it("plans to resume suspended versioning, reading only", async () => {
    s3.on(GetBucketVersioningCommand).resolves({ Status: "Suspended" });
    expect(await remediation.plan(suspended, aws)).toMatchObject({
      needed: true,
      current: { Status: "Suspended", MFADelete: null },
      intended: { Status: "Enabled", MFADelete: null },
    });
    expect(sent()).toEqual(["GetBucketVersioningCommand"]);
  });

  it("plans nothing when MFA delete alone was turned off, and says only the root user can turn it back on", async () => {
    s3.on(GetBucketVersioningCommand).resolves({ Status: "Enabled", MFADelete: "Disabled" });
    const plan = await remediation.plan(exampleFinding(1), aws);
    expect(plan).toMatchObject({ needed: false });
    expect(plan.summary).toContain("only the root user with its MFA device");
  });

  it("plans nothing when the bucket is gone", async () => {
    s3.on(GetBucketVersioningCommand).rejects(awsError("NoSuchBucket", 404));
    expect(await remediation.plan(suspended, aws)).toMatchObject({ needed: false, current: null });
  });

  it("enables versioning without touching MFA delete, sending only declared actions", async () => {
    s3.on(GetBucketVersioningCommand).resolves({ Status: "Suspended" });
    await remediation.apply(await remediation.plan(suspended, aws), aws);
    expect(s3.commandCalls(PutBucketVersioningCommand)[0]?.args[0].input).toEqual({ Bucket: "acme-prod-invoices", VersioningConfiguration: { Status: "Enabled" } });
    expect(undeclaredActions(sent().map((command) => iamActionFor("S3Client", command)), remediation.permissions)).toEqual([]);
  });

  it("reports a throttled read as ThrottledError", async () => {
    s3.on(GetBucketVersioningCommand).rejects(awsError("ThrottlingException", 400));
    await expect(remediation.plan(suspended, aws)).rejects.toBeInstanceOf(ThrottledError);
  });

  it("reports a refused write as AccessDeniedError", async () => {
    s3.on(GetBucketVersioningCommand).resolves({ Status: "Suspended" });
    s3.on(PutBucketVersioningCommand).rejects(awsError("AccessDenied", 403));
    await expect(remediation.apply(await remediation.plan(suspended, aws), aws)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it("verifies against what it reads back", async () => {
    s3.on(GetBucketVersioningCommand).resolves({ Status: "Suspended" });
    expect(await remediation.verify(suspended, aws)).toEqual({ compliant: false, detail: "Versioning of S3 bucket acme-prod-invoices is Suspended." });
  });
});

describe("s3.resume-versioning against moto", () => {
  it("resumes suspended versioning; plan only reads and a second apply writes nothing", async () => {
    const bucket = `acme-prod-invoices-${randomBytes(4).toString("hex")}`;
    const admin = new S3Client(motoClientConfig(REGION));
    await admin.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await admin.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    await admin.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }));
    const finding = exampleFinding(0, bucket);
    const { aws, calls } = recordingClients(motoClientConfig);

    const plan = await remediation.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((call) => !isReadOnlyCommand(call.command))).toEqual([]);

    await remediation.apply(plan, aws);
    expect(await remediation.verify(finding, aws)).toMatchObject({ compliant: true });
    expect((await admin.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");

    const beforeSecondApply = calls.length;
    await remediation.apply(plan, aws);
    expect(calls.slice(beforeSecondApply).filter((call) => !isReadOnlyCommand(call.command))).toEqual([]);
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false });

    expect(calls.some((call) => call.action === "s3:PutBucketVersioning")).toBe(true);
    expect(undeclaredActions(calls.map((call) => call.action), remediation.permissions)).toEqual([]);
  });
});
