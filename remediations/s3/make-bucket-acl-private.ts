import { GetBucketAclCommand, PutBucketAclCommand, S3Client, type Grant, type Owner } from "@aws-sdk/client-s3";
import type { FindingResource } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import { defineRemediation, type AwsClients } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError } from "../../core/remediation-errors.js";

const ID = "s3.make-bucket-acl-private";
const PUBLIC_GROUP = /^https?:\/\/acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)$/i;

function bucketOf(finding: Finding): FindingResource {
  const bucket = finding.resources.find((resource) => resource.type === "AWS::S3::Bucket");
  if (!bucket) throw new InvalidRequestError(`finding ${finding.id} names no S3 bucket`);
  return bucket;
}

interface Acl {
  owner: Owner;
  grants: Grant[];
}

/** A grant to everyone (AllUsers) or to every AWS account (AuthenticatedUsers). */
function isPublicGrant(grant: Grant): boolean {
  return grant.Grantee?.Type === "Group" && PUBLIC_GROUP.test(grant.Grantee.URI?.trim() ?? "");
}

function describeGrant(grant: Grant): string {
  const group = PUBLIC_GROUP.exec(grant.Grantee?.URI?.trim() ?? "")?.[1] ?? "a group";
  return `${grant.Permission ?? "access"} to ${group}`;
}

function isOwnerFullControl(grant: Grant, owner: Owner): boolean {
  return grant.Permission === "FULL_CONTROL" && grant.Grantee?.Type === "CanonicalUser" && grant.Grantee.ID === owner.ID;
}

/**
 * The ACL without its public grants. The owner's FULL_CONTROL stays (and is
 * added if it was missing); grants to the LogDelivery group or to named
 * accounts stay too, so access logging and partners keep working.
 */
function privateAcl(acl: Acl): Acl {
  const grants = acl.grants.filter((grant) => !isPublicGrant(grant));
  const ownerGrant: Grant = { Grantee: { Type: "CanonicalUser", ID: acl.owner.ID }, Permission: "FULL_CONTROL" };
  const withOwner = acl.owner.ID && !grants.some((grant) => isOwnerFullControl(grant, acl.owner)) ? [ownerGrant, ...grants] : grants;
  return { owner: acl.owner, grants: withOwner };
}

/** The bucket's ACL, or undefined when the bucket is gone. */
async function readAcl(aws: AwsClients, bucket: string, region: string): Promise<Acl | undefined> {
  try {
    const out = await aws.client(S3Client, region).send(new GetBucketAclCommand({ Bucket: bucket }));
    return { owner: { ID: out.Owner?.ID, DisplayName: out.Owner?.DisplayName }, grants: out.Grants ?? [] };
  } catch (error) {
    if ((error as { name?: string } | undefined)?.name === "NoSuchBucket") return undefined;
    throw classifyAwsError(error);
  }
}

/** What is written: the canned ACL `private` when only the owner's grant remains, the explicit ACL otherwise. */
async function writeAcl(aws: AwsClients, bucket: string, region: string, acl: Acl): Promise<void> {
  const onlyOwner = acl.grants.every((grant) => isOwnerFullControl(grant, acl.owner));
  const input = onlyOwner
    ? { Bucket: bucket, ACL: "private" as const }
    : { Bucket: bucket, AccessControlPolicy: { Owner: { ID: acl.owner.ID }, Grants: acl.grants.map(({ Grantee, Permission }) => ({ Grantee, Permission })) } };
  try {
    await aws.client(S3Client, region).send(new PutBucketAclCommand(input));
  } catch (error) {
    throw classifyAwsError(error);
  }
}

function state(acl: Acl) {
  return { owner: acl.owner.ID ?? null, grants: acl.grants.map((grant) => ({ grantee: grant.Grantee?.URI ?? grant.Grantee?.ID ?? null, permission: grant.Permission ?? null })) };
}

export default defineRemediation({
  id: ID,
  title: "Remove the public grants from an S3 bucket ACL, keeping the owner's full control",
  risk: "low",
  permissions: [{ actions: ["s3:GetBucketAcl", "s3:PutBucketAcl"], resources: ["arn:aws:s3:::*"] }],
  intent(finding) {
    const bucket = bucketOf(finding);
    return {
      summary: `Make the ACL of S3 bucket ${bucket.id} private: remove the grants to AllUsers and AuthenticatedUsers, keep the owner's FULL_CONTROL and the other grants.`,
      changes: [`s3:PutBucketAcl on bucket ${bucket.id}: no grant to AllUsers or AuthenticatedUsers; the owner keeps FULL_CONTROL`],
    };
  },
  async plan(finding, aws) {
    const bucket = bucketOf(finding);
    const region = bucket.region ?? finding.region;
    const base = { remediation: ID, findingId: finding.id, account: bucket.account ?? finding.account, region, resource: bucket };
    const acl = await readAcl(aws, bucket.id, region);
    if (!acl) return { ...base, needed: false, summary: `S3 bucket ${bucket.id} no longer exists: nothing to change.`, current: null, intended: null };
    const open = acl.grants.filter(isPublicGrant);
    if (open.length === 0) {
      return { ...base, needed: false, summary: `The ACL of S3 bucket ${bucket.id} grants nothing to the public.`, current: state(acl), intended: state(acl) };
    }
    return {
      ...base,
      needed: true,
      summary: `Remove ${open.map(describeGrant).join(", ")} from the ACL of S3 bucket ${bucket.id}; the owner keeps FULL_CONTROL.`,
      current: state(acl),
      intended: state(privateAcl(acl)),
    };
  },
  async apply(plan, aws) {
    if (!plan.needed) return;
    // Read again: the grants kept are the ones there now, and a repeated apply writes nothing.
    const acl = await readAcl(aws, plan.resource.id, plan.region);
    if (!acl || !acl.grants.some(isPublicGrant)) return;
    await writeAcl(aws, plan.resource.id, plan.region, privateAcl(acl));
  },
  async verify(finding, aws) {
    const bucket = bucketOf(finding);
    const acl = await readAcl(aws, bucket.id, bucket.region ?? finding.region);
    if (!acl) return { compliant: true, detail: `S3 bucket ${bucket.id} no longer exists.` };
    const open = acl.grants.filter(isPublicGrant);
    if (open.length > 0) return { compliant: false, detail: `The ACL of S3 bucket ${bucket.id} still grants ${open.map(describeGrant).join(", ")}.` };
    return { compliant: true, detail: `The ACL of S3 bucket ${bucket.id} grants nothing to the public.` };
  },
});
