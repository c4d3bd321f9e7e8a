import { GetBucketEncryptionCommand, PutBucketEncryptionCommand, S3Client, type ServerSideEncryptionRule } from "@aws-sdk/client-s3";
import type { FindingResource } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import { defineRemediation, type AwsClients } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError } from "../../core/remediation-errors.js";

const ID = "s3.restore-default-encryption";
const SSE_S3: ServerSideEncryptionRule[] = [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }];

function bucketOf(finding: Finding): FindingResource {
  const bucket = finding.resources.find((resource) => resource.type === "AWS::S3::Bucket");
  if (!bucket) throw new InvalidRequestError(`finding ${finding.id} names no S3 bucket`);
  return bucket;
}

type Read = { state: "gone" } | { state: "none" } | { state: "encrypted"; algorithm: string; keyId?: string };

/**
 * The bucket's default encryption. On AWS a bucket without a configuration
 * still reads back SSE-S3 (since January 2023 DeleteBucketEncryption resets
 * to it), so "none" is what emulators and older buckets answer.
 */
async function readEncryption(aws: AwsClients, bucket: string, region: string): Promise<Read> {
  try {
    const out = await aws.client(S3Client, region).send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    const rule = out.ServerSideEncryptionConfiguration?.Rules?.find((r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm);
    const byDefault = rule?.ApplyServerSideEncryptionByDefault;
    if (!byDefault?.SSEAlgorithm) return { state: "none" };
    return { state: "encrypted", algorithm: byDefault.SSEAlgorithm, ...(byDefault.KMSMasterKeyID ? { keyId: byDefault.KMSMasterKeyID } : {}) };
  } catch (error) {
    const name = (error as { name?: string } | undefined)?.name;
    if (name === "ServerSideEncryptionConfigurationNotFoundError") return { state: "none" };
    if (name === "NoSuchBucket") return { state: "gone" };
    throw classifyAwsError(error);
  }
}

function encryptionText(read: Extract<Read, { state: "encrypted" }>): string {
  return read.keyId ? `${read.algorithm} with key ${read.keyId}` : read.algorithm;
}

export default defineRemediation({
  id: ID,
  title: "Restore default encryption (SSE-S3) on an S3 bucket that has none",
  risk: "low",
  permissions: [{ actions: ["s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration"], resources: ["arn:aws:s3:::*"] }],
  intent(finding) {
    const bucket = bucketOf(finding);
    return {
      summary: `Restore default encryption on S3 bucket ${bucket.id} with SSE-S3 (AES256) if it has none; a customer-managed KMS key must come back from the bucket's code.`,
      changes: [`s3:PutEncryptionConfiguration on bucket ${bucket.id}: SSEAlgorithm AES256`],
    };
  },
  async plan(finding, aws) {
    const bucket = bucketOf(finding);
    const region = bucket.region ?? finding.region;
    const base = { remediation: ID, findingId: finding.id, account: bucket.account ?? finding.account, region, resource: bucket };
    const read = await readEncryption(aws, bucket.id, region);
    if (read.state === "gone") return { ...base, needed: false, summary: `S3 bucket ${bucket.id} no longer exists: nothing to restore.`, current: null, intended: null };
    if (read.state === "encrypted") {
      // What AWS answers right after DeleteBucketEncryption: the SSE-S3 default. A KMS key the bucket used is not in the finding.
      const current = { SSEAlgorithm: read.algorithm, KMSMasterKeyID: read.keyId ?? null };
      return {
        ...base,
        needed: false,
        summary: `S3 bucket ${bucket.id} has default encryption (${encryptionText(read)}); if it used a customer-managed KMS key before, set that key from the bucket's code.`,
        current,
        intended: current,
      };
    }
    return {
      ...base,
      needed: true,
      summary: `Set default encryption SSE-S3 (AES256) on S3 bucket ${bucket.id}, which has none.`,
      current: null,
      intended: { SSEAlgorithm: "AES256" },
    };
  },
  async apply(plan, aws) {
    if (!plan.needed) return;
    // Read again: a configuration set since the plan (a KMS key, say) is not overwritten, and a repeated apply writes nothing.
    if ((await readEncryption(aws, plan.resource.id, plan.region)).state !== "none") return;
    try {
      await aws
        .client(S3Client, plan.region)
        .send(new PutBucketEncryptionCommand({ Bucket: plan.resource.id, ServerSideEncryptionConfiguration: { Rules: SSE_S3 } }));
    } catch (error) {
      throw classifyAwsError(error);
    }
  },
  async verify(finding, aws) {
    const bucket = bucketOf(finding);
    const read = await readEncryption(aws, bucket.id, bucket.region ?? finding.region);
    if (read.state === "gone") return { compliant: true, detail: `S3 bucket ${bucket.id} no longer exists.` };
    if (read.state === "none") return { compliant: false, detail: `S3 bucket ${bucket.id} still has no default encryption.` };
    return { compliant: true, detail: `S3 bucket ${bucket.id} encrypts new objects by default with ${encryptionText(read)}.` };
  },
});
