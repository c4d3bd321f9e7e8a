import { GetBucketVersioningCommand, PutBucketVersioningCommand, S3Client } from "@aws-sdk/client-s3";
import type { FindingResource } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import { defineRemediation, type AwsClients } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError } from "../../core/remediation-errors.js";

const ID = "s3.resume-versioning";

function bucketOf(finding: Finding): FindingResource {
  const bucket = finding.resources.find((resource) => resource.type === "AWS::S3::Bucket");
  if (!bucket) throw new InvalidRequestError(`finding ${finding.id} names no S3 bucket`);
  return bucket;
}

/** Versioning as S3 reports it: no Status for a bucket that was never versioned. */
interface Versioning {
  Status: string | null;
  MFADelete: string | null;
}

/** The bucket's versioning state, or undefined when the bucket is gone. */
async function readVersioning(aws: AwsClients, bucket: string, region: string): Promise<Versioning | undefined> {
  try {
    const out = await aws.client(S3Client, region).send(new GetBucketVersioningCommand({ Bucket: bucket }));
    return { Status: out.Status ?? null, MFADelete: out.MFADelete ?? null };
  } catch (error) {
    if ((error as { name?: string } | undefined)?.name === "NoSuchBucket") return undefined;
    throw classifyAwsError(error);
  }
}

const MFA_DELETE_NOTE = "MFA delete is off; only the root user with its MFA device can turn it back on";

export default defineRemediation({
  id: ID,
  title: "Resume versioning on an S3 bucket",
  risk: "low",
  permissions: [{ actions: ["s3:GetBucketVersioning", "s3:PutBucketVersioning"], resources: ["arn:aws:s3:::*"] }],
  intent(finding) {
    const bucket = bucketOf(finding);
    return {
      summary: `Resume versioning on S3 bucket ${bucket.id}. MFA delete is left as it is: only the root user with its MFA device can turn it on.`,
      changes: [`s3:PutBucketVersioning on bucket ${bucket.id}: Status Enabled`],
    };
  },
  async plan(finding, aws) {
    const bucket = bucketOf(finding);
    const region = bucket.region ?? finding.region;
    const base = { remediation: ID, findingId: finding.id, account: bucket.account ?? finding.account, region, resource: bucket };
    const current = await readVersioning(aws, bucket.id, region);
    if (!current) return { ...base, needed: false, summary: `S3 bucket ${bucket.id} no longer exists: nothing to resume.`, current: null, intended: null };
    const mfaNote = current.MFADelete === "Disabled" ? `; ${MFA_DELETE_NOTE}` : "";
    if (current.Status === "Enabled") {
      return { ...base, needed: false, summary: `Versioning is already on for S3 bucket ${bucket.id}${mfaNote}.`, current, intended: current };
    }
    return {
      ...base,
      needed: true,
      summary: `Resume versioning on S3 bucket ${bucket.id} (now ${current.Status ?? "never enabled"})${mfaNote}.`,
      current,
      intended: { ...current, Status: "Enabled" },
    };
  },
  async apply(plan, aws) {
    if (!plan.needed) return;
    // Read first so a repeated apply writes nothing (and makes no CloudTrail event to react to).
    const current = await readVersioning(aws, plan.resource.id, plan.region);
    if (!current || current.Status === "Enabled") return;
    try {
      // MFADelete is left out: S3 then keeps it as it is, and changing it needs the root user's MFA device.
      await aws
        .client(S3Client, plan.region)
        .send(new PutBucketVersioningCommand({ Bucket: plan.resource.id, VersioningConfiguration: { Status: "Enabled" } }));
    } catch (error) {
      throw classifyAwsError(error);
    }
  },
  async verify(finding, aws) {
    const bucket = bucketOf(finding);
    const current = await readVersioning(aws, bucket.id, bucket.region ?? finding.region);
    if (!current) return { compliant: true, detail: `S3 bucket ${bucket.id} no longer exists.` };
    return current.Status === "Enabled"
      ? { compliant: true, detail: `Versioning is on for S3 bucket ${bucket.id}.` }
      : { compliant: false, detail: `Versioning of S3 bucket ${bucket.id} is ${current.Status ?? "not enabled"}.` };
  },
});
