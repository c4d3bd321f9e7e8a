import { randomBytes } from "node:crypto";
import { CreateBucketCommand, DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, InvalidRequestError, ThrottledError } from "../../core/remediation-errors.js";
import detector from "../../detectors/s3/bucket-policy-public.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { isReadOnlyCommand, undeclaredActions } from "../permissions.js";
import remediation, { removePublicStatements } from "./remove-public-bucket-policy-statements.js";
import { exampleFinding as exampleFindingOf } from "../../test/support/findings.js";

const REGION = "eu-west-1";
const APP_ROLE = "arn:aws:iam::111122223333:role/app/invoice-service";

const exampleFinding = (index: number, bucket?: string): Finding => exampleFindingOf(detector, index, bucket);

function awsError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(`${name} from the mock`), { name, $metadata: { httpStatusCode } });
}

/** A policy with every kind of statement the remediation must tell apart. */
function mixedPolicy(bucket: string) {
  const objects = `arn:aws:s3:::${bucket}/*`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${bucket}`, objects],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      { Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: objects },
      { Sid: "AppAndAnyone", Effect: "Allow", Principal: { AWS: ["*", APP_ROLE] }, Action: "s3:GetObject", Resource: objects },
      { Sid: "AppWrites", Effect: "Allow", Principal: { AWS: APP_ROLE }, Action: "s3:PutObject", Resource: objects },
      {
        Sid: "OnlyFromVpce",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: objects,
        Condition: { StringEquals: { "aws:SourceVpce": "vpce-0a1b2c3d4e5f67890" } },
      },
    ],
  };
}

function onlyPublicPolicy(bucket: string) {
  return { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` }] };
}

describe("removePublicStatements", () => {
  it("removes public Allow statements, keeps the Deny guard, the restricted and the named ones", () => {
    const { policy, changes } = removePublicStatements(mixedPolicy("b"));
    expect(policy?.Statement).toEqual([
      mixedPolicy("b").Statement[0],
      { ...mixedPolicy("b").Statement[2], Principal: { AWS: APP_ROLE } },
      mixedPolicy("b").Statement[3],
      mixedPolicy("b").Statement[4],
    ]);
    expect(changes).toEqual(["statement PublicRead: removed", 'statement AppAndAnyone: "*" removed from its principals, the named ones kept']);
  });

  it("keeps the document's other elements (Version, Id)", () => {
    const { policy } = removePublicStatements({ ...mixedPolicy("b"), Id: "invoices" });
    expect(policy).toMatchObject({ Version: "2012-10-17", Id: "invoices" });
  });

  it("leaves nothing when every statement is public, so the policy is deleted", () => {
    expect(removePublicStatements(onlyPublicPolicy("b"))).toEqual({ policy: null, changes: ["statement #1: removed"] });
  });

  it("removes an Allow with NotPrincipal, which admits everyone else", () => {
    const policy = { Statement: { Sid: "AllButAdmin", Effect: "Allow", NotPrincipal: { AWS: APP_ROLE }, Action: "s3:GetObject", Resource: "*" } };
    expect(removePublicStatements(policy)).toEqual({ policy: null, changes: ["statement AllButAdmin: removed"] });
  });

  it("changes nothing when no statement is public", () => {
    const policy = { Statement: [mixedPolicy("b").Statement[0], mixedPolicy("b").Statement[3]] };
    expect(removePublicStatements(policy)).toEqual({ policy: { Statement: policy.Statement }, changes: [] });
  });
});

describe("s3.remove-public-bucket-policy-statements with a mocked S3", () => {
  let s3: AwsClientStub<S3Client>;
  const aws: AwsClients = { client: (ctor, region) => new ctor({ region, credentials: { accessKeyId: "unit", secretAccessKey: "unit" } }) };
  const sent = () => s3.calls().map((call) => (call.args[0] as object).constructor.name);
  const finding = exampleFinding(0);

  beforeEach(() => {
    s3 = mockClient(S3Client);
  });
  afterEach(() => s3.restore());

  it("states from the logged policy alone that the only statement goes, so the policy is deleted", () => {
    expect(remediation.intent(finding).changes).toEqual(["s3:DeleteBucketPolicy on bucket acme-prod-invoices: statement PublicReadOverTls: removed"]);
  });

  it("plans the rewritten policy, reading only", async () => {
    s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(mixedPolicy("acme-prod-invoices")) });
    const plan = await remediation.plan(finding, aws);
    expect(plan).toMatchObject({ needed: true, intended: removePublicStatements(mixedPolicy("acme-prod-invoices")).policy });
    expect(sent()).toEqual(["GetBucketPolicyCommand"]);
  });

  it.each([
    { what: "the bucket has no policy", error: "NoSuchBucketPolicy" },
    { what: "the bucket is gone", error: "NoSuchBucket" },
  ])("plans nothing when $what", async ({ error }) => {
    s3.on(GetBucketPolicyCommand).rejects(awsError(error, 404));
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false });
  });

  it("refuses a policy it cannot parse instead of overwriting it", async () => {
    s3.on(GetBucketPolicyCommand).resolves({ Policy: "{not json" });
    await expect(remediation.plan(finding, aws)).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it("puts the rewritten policy and sends only declared actions", async () => {
    s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(mixedPolicy("acme-prod-invoices")) });
    await remediation.apply(await remediation.plan(finding, aws), aws);
    const put = s3.commandCalls(PutBucketPolicyCommand)[0]?.args[0].input;
    expect(JSON.parse(put?.Policy ?? "null")).toEqual(removePublicStatements(mixedPolicy("acme-prod-invoices")).policy);
    expect(s3.commandCalls(DeleteBucketPolicyCommand)).toHaveLength(0);
    expect(undeclaredActions(sent().map((command) => iamActionFor("S3Client", command)), remediation.permissions)).toEqual([]);
  });

  it("deletes the policy when nothing but public statements was in it", async () => {
    s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(onlyPublicPolicy("acme-prod-invoices")) });
    await remediation.apply(await remediation.plan(finding, aws), aws);
    expect(sent()).toEqual(["GetBucketPolicyCommand", "GetBucketPolicyCommand", "DeleteBucketPolicyCommand"]);
    expect(undeclaredActions(sent().map((command) => iamActionFor("S3Client", command)), remediation.permissions)).toEqual([]);
  });

  it("reports a throttled read as ThrottledError", async () => {
    s3.on(GetBucketPolicyCommand).rejects(awsError("ThrottlingException", 400));
    await expect(remediation.plan(finding, aws)).rejects.toBeInstanceOf(ThrottledError);
  });

  it("reports a refused write as AccessDeniedError", async () => {
    s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(mixedPolicy("acme-prod-invoices")) });
    s3.on(PutBucketPolicyCommand).rejects(awsError("AccessDenied", 403));
    await expect(remediation.apply(await remediation.plan(finding, aws), aws)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it("verifies by naming the public statements it still reads", async () => {
    s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(mixedPolicy("acme-prod-invoices")) });
    expect(await remediation.verify(finding, aws)).toEqual({
      compliant: false,
      detail: "The bucket policy of S3 bucket acme-prod-invoices still allows public access: statement PublicRead, statement AppAndAnyone.",
    });
  });
});

describe("s3.remove-public-bucket-policy-statements against moto", () => {
  async function bucketWithPolicy(policy: (bucket: string) => object): Promise<string> {
    const bucket = `acme-prod-invoices-${randomBytes(4).toString("hex")}`;
    const admin = new S3Client(motoClientConfig(REGION));
    await admin.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await admin.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy(bucket)) }));
    return bucket;
  }

  it("keeps the non-public statements; plan only reads and a second apply writes nothing", async () => {
    const bucket = await bucketWithPolicy(mixedPolicy);
    const finding = exampleFinding(0, bucket);
    const { aws, calls } = recordingClients(motoClientConfig);

    const plan = await remediation.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((call) => !isReadOnlyCommand(call.command))).toEqual([]);

    await remediation.apply(plan, aws);
    expect(await remediation.verify(finding, aws)).toMatchObject({ compliant: true });
    const readBack = await new S3Client(motoClientConfig(REGION)).send(new GetBucketPolicyCommand({ Bucket: bucket }));
    const statements = (JSON.parse(readBack.Policy ?? "{}") as { Statement: { Sid: string; Principal: unknown }[] }).Statement;
    expect(statements.map((s) => s.Sid)).toEqual(["DenyInsecureTransport", "AppAndAnyone", "AppWrites", "OnlyFromVpce"]);
    expect(statements[1]?.Principal).toEqual({ AWS: APP_ROLE });

    const beforeSecondApply = calls.length;
    await remediation.apply(plan, aws);
    expect(calls.slice(beforeSecondApply).filter((call) => !isReadOnlyCommand(call.command))).toEqual([]);
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false });

    expect(calls.some((call) => call.action === "s3:PutBucketPolicy")).toBe(true);
    expect(undeclaredActions(calls.map((call) => call.action), remediation.permissions)).toEqual([]);
  });

  it("deletes a policy that held nothing but public access", async () => {
    const bucket = await bucketWithPolicy(onlyPublicPolicy);
    const finding = exampleFinding(1, bucket);
    const { aws, calls } = recordingClients(motoClientConfig);

    await remediation.apply(await remediation.plan(finding, aws), aws);
    await expect(new S3Client(motoClientConfig(REGION)).send(new GetBucketPolicyCommand({ Bucket: bucket }))).rejects.toMatchObject({
      name: "NoSuchBucketPolicy",
    });
    expect(await remediation.verify(finding, aws)).toMatchObject({ compliant: true });
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false });
    expect(calls.map((call) => call.action)).toContain("s3:DeleteBucketPolicy");
    expect(undeclaredActions(calls.map((call) => call.action), remediation.permissions)).toEqual([]);
  });
});
