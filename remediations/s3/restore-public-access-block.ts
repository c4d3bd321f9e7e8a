import { GetPublicAccessBlockCommand, PutPublicAccessBlockCommand, S3Client, type PublicAccessBlockConfiguration } from "@aws-sdk/client-s3";
import type { FindingResource } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import { defineRemediation, type AwsClients } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError } from "../../core/remediation-errors.js";

const ID = "s3.restore-public-access-block";
const FLAGS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;
type Flags = Record<(typeof FLAGS)[number], boolean>;
const ALL_ON: Flags = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

function bucketOf(finding: Finding): FindingResource {
  const bucket = finding.resources.find((resource) => resource.type === "AWS::S3::Bucket");
  if (!bucket) throw new InvalidRequestError(`finding ${finding.id} names no S3 bucket`);
  return bucket;
}

/** A missing flag is off: that is how S3 reads a partial configuration. */
function flagsOf(configuration: PublicAccessBlockConfiguration | undefined): Flags {
  return Object.fromEntries(FLAGS.map((flag) => [flag, configuration?.[flag] === true])) as Flags;
}

function flagsOff(flags: Flags): string[] {
  return FLAGS.filter((flag) => !flags[flag]);
}

/** The bucket's Block Public Access flags (all off when it has none), or undefined when the bucket is gone. */
async function readFlags(aws: AwsClients, bucket: string, region: string): Promise<Flags | undefined> {
  try {
    const out = await aws.client(S3Client, region).send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    return flagsOf(out.PublicAccessBlockConfiguration);
  } catch (error) {
    const name = (error as { name?: string } | undefined)?.name;
    if (name === "NoSuchPublicAccessBlockConfiguration") return flagsOf(undefined);
    if (name === "NoSuchBucket") return undefined;
    throw classifyAwsError(error);
  }
}

export default defineRemediation({
  id: ID,
  title: "Turn all four S3 Block Public Access settings back on for the bucket",
  risk: "low",
  permissions: [{ actions: ["s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"], resources: ["arn:aws:s3:::*"] }],
  intent(finding) {
    const bucket = bucketOf(finding);
    return {
      summary: `Restore Block Public Access on S3 bucket ${bucket.id}: all four settings on.`,
      changes: [`s3:PutBucketPublicAccessBlock on bucket ${bucket.id}: ${FLAGS.join(", ")} all true`],
    };
  },
  async plan(finding, aws) {
    const bucket = bucketOf(finding);
    const region = bucket.region ?? finding.region;
    const current = await readFlags(aws, bucket.id, region);
    const base = { remediation: ID, findingId: finding.id, account: bucket.account ?? finding.account, region, resource: bucket };
    if (!current) return { ...base, needed: false, summary: `S3 bucket ${bucket.id} no longer exists: nothing to restore.`, current: null, intended: null };
    const off = flagsOff(current);
    if (off.length === 0) {
      return { ...base, needed: false, summary: `Block Public Access is already fully on for S3 bucket ${bucket.id}.`, current, intended: current };
    }
    return { ...base, needed: true, summary: `Turn ${off.join(", ")} back on for S3 bucket ${bucket.id}.`, current, intended: ALL_ON };
  },
  async apply(plan, aws) {
    if (!plan.needed) return;
    const bucket = plan.resource.id;
    const current = await readFlags(aws, bucket, plan.region);
    // Read first so a repeated apply writes nothing (and makes no CloudTrail event to react to).
    if (!current || flagsOff(current).length === 0) return;
    try {
      await aws.client(S3Client, plan.region).send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: ALL_ON }));
    } catch (error) {
      throw classifyAwsError(error);
    }
  },
  async verify(finding, aws) {
    const bucket = bucketOf(finding);
    const current = await readFlags(aws, bucket.id, bucket.region ?? finding.region);
    if (!current) return { compliant: true, detail: `S3 bucket ${bucket.id} no longer exists.` };
    const off = flagsOff(current);
    return off.length === 0
      ? { compliant: true, detail: `Block Public Access is fully on for S3 bucket ${bucket.id}.` }
      : { compliant: false, detail: `S3 bucket ${bucket.id} still has ${off.join(", ")} off.` };
  },
});
