import { randomBytes } from "node:crypto";
import { CreateBucketCommand, GetBucketAclCommand, PutBucketAclCommand, S3Client, type Grant } from "@aws-sdk/client-s3";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Finding } from "../../core/finding.js";
import type { AwsClients } from "../../core/remediation.js";
import { AccessDeniedError, ThrottledError } from "../../core/remediation-errors.js";
import detector from "../../detectors/s3/bucket-acl-public.js";
import { motoClientConfig } from "../../test/support/aws.js";
import { recordingClients } from "../../test/support/recording-clients.js";
import { iamActionFor } from "../iam-actions.js";
import { isReadOnlyCommand, undeclaredActions } from "../permissions.js";
import remediation from "./make-bucket-acl-private.js";
import { exampleFinding as exampleFindingOf } from "../../test/support/findings.js";

const REGION = "eu-west-1";
const OWNER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";
const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery";

const exampleFinding = (index: number, bucket?: string): Finding => exampleFindingOf(detector, index, bucket);

function awsError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(`${name} from the mock`), { name, $metadata: { httpStatusCode } });
}

const ownerFullControl = (id: string): Grant => ({ Grantee: { Type: "CanonicalUser", ID: id }, Permission: "FULL_CONTROL" });
const groupGrant = (uri: string, permission: Grant["Permission"]): Grant => ({ Grantee: { Type: "Group", URI: uri }, Permission: permission });

describe("s3.make-bucket-acl-private with a mocked S3", () => {
  let s3: AwsClientStub<S3Client>;
  const aws: AwsClients = { client: (ctor, region) => new ctor({ region, credentials: { accessKeyId: "unit", secretAccessKey: "unit" } }) };
  const sent = () => s3.calls().map((call) => (call.args[0] as object).constructor.name);
  const finding = exampleFinding(0);

  beforeEach(() => {
    s3 = mockClient(S3Client);
  });
  afterEach(() => s3.restore());

  it("states its change from the finding alone", () => {
    expect(remediation.intent(finding).changes).toEqual([
      "s3:PutBucketAcl on bucket acme-prod-invoices: no grant to AllUsers or AuthenticatedUsers; the owner keeps FULL_CONTROL",
    ]);
  });

  it("plans the removal of the public grants, reading only", async () => {
    s3.on(GetBucketAclCommand).resolves({
      Owner: { ID: OWNER },
      Grants: [ownerFullControl(OWNER), groupGrant(ALL_USERS, "READ"), groupGrant(AUTHENTICATED_USERS.replace("http:", "https:"), "WRITE")],
    });
    const plan = await remediation.plan(finding, aws);
    expect(plan).toMatchObject({
      needed: true,
      summary: "Remove READ to AllUsers, WRITE to AuthenticatedUsers from the ACL of S3 bucket acme-prod-invoices; the owner keeps FULL_CONTROL.",
      intended: { owner: OWNER, grants: [{ grantee: OWNER, permission: "FULL_CONTROL" }] },
    });
    expect(sent()).toEqual(["GetBucketAclCommand"]);
  });

  it("plans nothing when only the owner and the log delivery group have grants", async () => {
    s3.on(GetBucketAclCommand).resolves({ Owner: { ID: OWNER }, Grants: [ownerFullControl(OWNER), groupGrant(LOG_DELIVERY, "WRITE")] });
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false });
  });

  it("plans nothing when the bucket is gone", async () => {
    s3.on(GetBucketAclCommand).rejects(awsError("NoSuchBucket", 404));
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false, current: null });
  });

  it("writes the canned private ACL when only the owner's grant remains, sending only declared actions", async () => {
    s3.on(GetBucketAclCommand).resolves({ Owner: { ID: OWNER }, Grants: [ownerFullControl(OWNER), groupGrant(ALL_USERS, "READ")] });
    await remediation.apply(await remediation.plan(finding, aws), aws);
    expect(s3.commandCalls(PutBucketAclCommand)[0]?.args[0].input).toEqual({ Bucket: "acme-prod-invoices", ACL: "private" });
    expect(undeclaredActions(sent().map((command) => iamActionFor("S3Client", command)), remediation.permissions)).toEqual([]);
  });

  it("keeps the other grants, and restores the owner's FULL_CONTROL if it was missing", async () => {
    s3.on(GetBucketAclCommand).resolves({ Owner: { ID: OWNER }, Grants: [groupGrant(LOG_DELIVERY, "WRITE"), groupGrant(ALL_USERS, "READ")] });
    await remediation.apply(await remediation.plan(finding, aws), aws);
    expect(s3.commandCalls(PutBucketAclCommand)[0]?.args[0].input).toEqual({
      Bucket: "acme-prod-invoices",
      AccessControlPolicy: { Owner: { ID: OWNER }, Grants: [ownerFullControl(OWNER), groupGrant(LOG_DELIVERY, "WRITE")] },
    });
  });

  it("reports a throttled read as ThrottledError", async () => {
    s3.on(GetBucketAclCommand).rejects(awsError("SlowDown", 503));
    await expect(remediation.plan(finding, aws)).rejects.toBeInstanceOf(ThrottledError);
  });

  it("reports a refused write as AccessDeniedError", async () => {
    s3.on(GetBucketAclCommand).resolves({ Owner: { ID: OWNER }, Grants: [ownerFullControl(OWNER), groupGrant(ALL_USERS, "READ")] });
    s3.on(PutBucketAclCommand).rejects(awsError("AccessDenied", 403));
    await expect(remediation.apply(await remediation.plan(finding, aws), aws)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it("verifies against the grants it reads back", async () => {
    s3.on(GetBucketAclCommand).resolves({ Owner: { ID: OWNER }, Grants: [ownerFullControl(OWNER), groupGrant(AUTHENTICATED_USERS, "READ")] });
    expect(await remediation.verify(finding, aws)).toEqual({
      compliant: false,
      detail: "The ACL of S3 bucket acme-prod-invoices still grants READ to AuthenticatedUsers.",
    });
  });
});

describe("s3.make-bucket-acl-private against moto", () => {
  async function newBucket(): Promise<{ bucket: string; admin: S3Client; owner: string }> {
    const bucket = `acme-prod-invoices-${randomBytes(4).toString("hex")}`;
    const admin = new S3Client(motoClientConfig(REGION));
    await admin.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    const owner = (await admin.send(new GetBucketAclCommand({ Bucket: bucket }))).Owner?.ID;
    if (!owner) throw new Error("moto returned no bucket owner");
    return { bucket, admin, owner };
  }

  it("removes the public grants and keeps log delivery; plan only reads and a second apply writes nothing", async () => {
    const { bucket, admin, owner } = await newBucket();
    const grants = [ownerFullControl(owner), groupGrant(ALL_USERS, "READ"), groupGrant(LOG_DELIVERY, "WRITE")];
    await admin.send(new PutBucketAclCommand({ Bucket: bucket, AccessControlPolicy: { Owner: { ID: owner }, Grants: grants } }));
    const finding = exampleFinding(0, bucket);
    const { aws, calls } = recordingClients(motoClientConfig);

    const plan = await remediation.plan(finding, aws);
    expect(plan.needed).toBe(true);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((call) => !isReadOnlyCommand(call.command))).toEqual([]);

    await remediation.apply(plan, aws);
    expect(await remediation.verify(finding, aws)).toMatchObject({ compliant: true });
    const readBack = await admin.send(new GetBucketAclCommand({ Bucket: bucket }));
    expect(readBack.Grants?.map((g) => [g.Grantee?.URI ?? g.Grantee?.ID, g.Permission])).toEqual([
      [owner, "FULL_CONTROL"],
      [LOG_DELIVERY, "WRITE"],
    ]);

    const beforeSecondApply = calls.length;
    await remediation.apply(plan, aws);
    expect(calls.slice(beforeSecondApply).filter((call) => !isReadOnlyCommand(call.command))).toEqual([]);
    expect(await remediation.plan(finding, aws)).toMatchObject({ needed: false });

    expect(calls.some((call) => call.action === "s3:PutBucketAcl")).toBe(true);
    expect(undeclaredActions(calls.map((call) => call.action), remediation.permissions)).toEqual([]);
  });

  it("resets a canned authenticated-read ACL to private", async () => {
    const { bucket, admin, owner } = await newBucket();
    await admin.send(new PutBucketAclCommand({ Bucket: bucket, ACL: "authenticated-read" }));
    const finding = exampleFinding(1, bucket);
    const { aws, calls } = recordingClients(motoClientConfig);

    await remediation.apply(await remediation.plan(finding, aws), aws);
    const readBack = await admin.send(new GetBucketAclCommand({ Bucket: bucket }));
    expect(readBack.Grants?.map((g) => [g.Grantee?.URI ?? g.Grantee?.ID, g.Permission])).toEqual([[owner, "FULL_CONTROL"]]);
    expect(await remediation.verify(finding, aws)).toMatchObject({ compliant: true });
    expect(undeclaredActions(calls.map((call) => call.action), remediation.permissions)).toEqual([]);
  });
});
