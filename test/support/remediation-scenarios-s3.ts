import { randomBytes } from "node:crypto";
import { S3ControlClient, DeletePublicAccessBlockCommand as DeleteAccountPublicAccessBlockCommand, GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand, PutPublicAccessBlockCommand as PutAccountPublicAccessBlockCommand } from "@aws-sdk/client-s3-control";
import { CreateBucketCommand, DeleteBucketEncryptionCommand, GetBucketAclCommand, GetBucketEncryptionCommand, GetBucketPolicyCommand, GetBucketVersioningCommand, GetPublicAccessBlockCommand, PutBucketAclCommand, PutBucketEncryptionCommand, PutBucketPolicyCommand, PutBucketVersioningCommand, PutPublicAccessBlockCommand, S3Client, type Grant } from "@aws-sdk/client-s3";
import { expect } from "vitest";
import type { Detector } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import accountPublicAccessBlockRemoved from "../../detectors/s3/account-public-access-block-removed.js";
import bucketAclPublic from "../../detectors/s3/bucket-acl-public.js";
import bucketPolicyPublic from "../../detectors/s3/bucket-policy-public.js";
import defaultEncryptionRemoved from "../../detectors/s3/default-encryption-removed.js";
import publicAccessBlockRemoved from "../../detectors/s3/public-access-block-removed.js";
import versioningSuspended from "../../detectors/s3/versioning-suspended.js";
import { motoClientConfig } from "./aws.js";
import { findingFromExample, MOTO_ACCOUNT, withBucket } from "./remediation-fixtures.js";
import type { Scenario } from "./remediation-scenarios.js";
import { s3ControlOnMoto } from "./s3-control.js";

/** The S3 scenarios of ./remediation-scenarios.ts: buckets made non-compliant in moto, and the account's public access block. */

const bucketName = () => `acme-prod-invoices-${randomBytes(4).toString("hex")}`;
const S3_REGION = "eu-west-1";
const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
const LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery";
const ALL_ON = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

/** The finding `detector` makes from its match example `index`, about `bucket` in moto's account (where the tests make it). */
function bucketFinding(detector: Detector, index: number, bucket: string): Finding {
  return withBucket(findingFromExample(detector, index, { recipientAccountId: MOTO_ACCOUNT }), bucket);
}

async function newBucket(): Promise<{ bucket: string; s3: S3Client }> {
  const bucket = bucketName();
  const s3 = new S3Client(motoClientConfig(S3_REGION));
  await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: S3_REGION } }));
  return { bucket, s3 };
}

export const S3_SCENARIOS: Scenario[] = [
  {
    remediation: "s3.restore-account-public-access-block",
    name: "the account's public access block deleted",
    async arrange() {
      const finding = findingFromExample(accountPublicAccessBlockRemoved, 0);
      const account = finding.account;
      // S3 Control names the account in the host, and moto answers only the caller's account: see ./s3-control.ts.
      const harness = await s3ControlOnMoto(account);
      const control = new S3ControlClient(harness.clientConfig("us-east-1"));
      harness.adjustClient(control);
      await control.send(new PutAccountPublicAccessBlockCommand({ AccountId: account, PublicAccessBlockConfiguration: { ...ALL_ON, RestrictPublicBuckets: false } }));
      await control.send(new DeleteAccountPublicAccessBlockCommand({ AccountId: account }));
      return {
        finding,
        harness,
        readBack: async () =>
          expect((await control.send(new GetAccountPublicAccessBlockCommand({ AccountId: account }))).PublicAccessBlockConfiguration).toEqual(ALL_ON),
      };
    },
  },
  {
    remediation: "s3.make-bucket-acl-private",
    name: "a bucket ACL granting AllUsers read",
    async arrange() {
      const { bucket, s3 } = await newBucket();
      const owner = (await s3.send(new GetBucketAclCommand({ Bucket: bucket }))).Owner!.ID!;
      const grants: Grant[] = [
        { Grantee: { Type: "CanonicalUser", ID: owner }, Permission: "FULL_CONTROL" },
        { Grantee: { Type: "Group", URI: ALL_USERS }, Permission: "READ" },
        { Grantee: { Type: "Group", URI: LOG_DELIVERY }, Permission: "WRITE" },
      ];
      await s3.send(new PutBucketAclCommand({ Bucket: bucket, AccessControlPolicy: { Owner: { ID: owner }, Grants: grants } }));
      return {
        finding: bucketFinding(bucketAclPublic, 0, bucket),
        readBack: async () => {
          const readBack = await s3.send(new GetBucketAclCommand({ Bucket: bucket }));
          expect(readBack.Grants?.map((g) => [g.Grantee?.URI ?? g.Grantee?.ID, g.Permission])).toEqual([
            [owner, "FULL_CONTROL"],
            [LOG_DELIVERY, "WRITE"],
          ]);
        },
      };
    },
  },
  {
    remediation: "s3.remove-public-bucket-policy-statements",
    name: "a bucket policy with a public statement",
    async arrange() {
      const { bucket, s3 } = await newBucket();
      const objects = `arn:aws:s3:::${bucket}/*`;
      const appRole = "arn:aws:iam::111122223333:role/app/invoice-service";
      const policy = {
        Version: "2012-10-17",
        Statement: [
          { Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: objects },
          { Sid: "AppWrites", Effect: "Allow", Principal: { AWS: appRole }, Action: "s3:PutObject", Resource: objects },
        ],
      };
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
      return {
        finding: bucketFinding(bucketPolicyPublic, 0, bucket),
        readBack: async () => {
          const { Policy } = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
          expect((JSON.parse(Policy ?? "{}") as { Statement: { Sid: string }[] }).Statement.map((s) => s.Sid)).toEqual(["AppWrites"]);
        },
      };
    },
  },
  {
    remediation: "s3.restore-default-encryption",
    name: "default encryption deleted",
    async arrange() {
      const { bucket, s3 } = await newBucket();
      await s3.send(new PutBucketEncryptionCommand({ Bucket: bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] } }));
      await s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
      return {
        finding: bucketFinding(defaultEncryptionRemoved, 0, bucket),
        readBack: async () => {
          const readBack = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
          expect(readBack.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("AES256");
        },
      };
    },
  },
  {
    remediation: "s3.restore-public-access-block",
    name: "a bucket's public access block with its policy flags off",
    async arrange() {
      const { bucket, s3 } = await newBucket();
      const flagsOff = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false };
      await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: flagsOff }));
      return {
        finding: bucketFinding(publicAccessBlockRemoved, 1, bucket),
        readBack: async () =>
          expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration).toEqual({
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          }),
      };
    },
  },
  {
    remediation: "s3.resume-versioning",
    name: "versioning suspended",
    async arrange() {
      const { bucket, s3 } = await newBucket();
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }));
      return {
        finding: bucketFinding(versioningSuspended, 0, bucket),
        readBack: async () => expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled"),
      };
    },
  },
];
