import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from "@aws-sdk/client-s3";
import type { FindingResource } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import { isObject } from "../../core/json.js";
import {
  allowsPublicAccess,
  asList,
  parsePolicyDocument,
  principalIsPublic,
  statementsOf,
  type PolicyDocument,
  type PolicyStatement,
} from "../../core/policy.js";
import { defineRemediation, type AwsClients } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError } from "../../core/remediation-errors.js";

const ID = "s3.remove-public-bucket-policy-statements";

function bucketOf(finding: Finding): FindingResource {
  const bucket = finding.resources.find((resource) => resource.type === "AWS::S3::Bucket");
  if (!bucket) throw new InvalidRequestError(`finding ${finding.id} names no S3 bucket`);
  return bucket;
}

/**
 * `{"AWS": ["*", "arn:...:role/app"], "Service": "..."}` without its `"*"`:
 * the named principals keep their access. Undefined when only `"*"` was there.
 */
function withoutAnyone(principal: unknown): Record<string, unknown> | undefined {
  if (!isObject(principal)) return undefined;
  const named = asList(principal.AWS).filter((p) => !(typeof p === "string" && p.trim() === "*"));
  const rest = Object.fromEntries(Object.entries(principal).filter(([key]) => key !== "AWS"));
  const narrowed = named.length === 0 ? rest : { ...rest, AWS: named.length === 1 ? named[0] : named };
  return Object.keys(narrowed).length > 0 ? narrowed : undefined;
}

function statementName(statement: PolicyStatement, index: number): string {
  return typeof statement.Sid === "string" && statement.Sid !== "" ? `statement ${statement.Sid}` : `statement #${index + 1}`;
}

export interface PolicyRewrite {
  /** The policy without public access; null when nothing of it remains (delete it). */
  policy: PolicyDocument | null;
  /** Each statement that allowed the public, by Sid or position, and what became of it. */
  changes: string[];
}

/**
 * The policy with its public Allow statements taken out (core/policy.ts:
 * `"*"` principals or NotPrincipal, with no restricting condition). A
 * statement that also names principals keeps them; every other statement,
 * Deny statements with `"*"` (the TLS guard) among them, is kept as it is.
 */
export function removePublicStatements(document: PolicyDocument): PolicyRewrite {
  const kept: PolicyStatement[] = [];
  const changes: string[] = [];
  statementsOf(document).forEach((statement, index) => {
    if (!allowsPublicAccess(statement)) return void kept.push(statement);
    const name = statementName(statement, index);
    const principal = statement.NotPrincipal === undefined && principalIsPublic(statement.Principal) ? withoutAnyone(statement.Principal) : undefined;
    if (principal) {
      kept.push({ ...statement, Principal: principal });
      changes.push(`${name}: "*" removed from its principals, the named ones kept`);
    } else {
      changes.push(`${name}: removed`);
    }
  });
  return { policy: kept.length > 0 ? { ...document, Statement: kept } : null, changes };
}

type Read = { state: "gone" } | { state: "none" } | { state: "policy"; document: PolicyDocument };

async function readPolicy(aws: AwsClients, bucket: string, region: string): Promise<Read> {
  let text: string | undefined;
  try {
    text = (await aws.client(S3Client, region).send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy;
  } catch (error) {
    const name = (error as { name?: string } | undefined)?.name;
    if (name === "NoSuchBucketPolicy") return { state: "none" };
    if (name === "NoSuchBucket") return { state: "gone" };
    throw classifyAwsError(error);
  }
  if (text === undefined || text.trim() === "") return { state: "none" };
  const document = parsePolicyDocument(text);
  if (!document) throw new InvalidRequestError(`the bucket policy of S3 bucket ${bucket} is not a JSON policy document`);
  return { state: "policy", document };
}

async function write(aws: AwsClients, bucket: string, region: string, policy: PolicyDocument | null): Promise<void> {
  const s3 = aws.client(S3Client, region);
  try {
    if (policy) await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    else await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
  } catch (error) {
    throw classifyAwsError(error);
  }
}

function describeRewrite(bucket: string, rewrite: PolicyRewrite): string {
  if (!rewrite.policy) return `Delete the bucket policy of S3 bucket ${bucket}: every statement of it allows public access (${rewrite.changes.join("; ")}).`;
  return `Take public access out of the bucket policy of S3 bucket ${bucket} and keep the rest: ${rewrite.changes.join("; ")}.`;
}

export default defineRemediation({
  id: ID,
  title: "Remove the statements of an S3 bucket policy that allow public access",
  risk: "low",
  permissions: [{ actions: ["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"], resources: ["arn:aws:s3:::*"] }],
  intent(finding) {
    const bucket = bucketOf(finding);
    const parameters = finding.record.requestParameters;
    const logged = parsePolicyDocument(parameters ? parameters.bucketPolicy : undefined);
    const rewrite = logged ? removePublicStatements(logged) : undefined;
    if (!rewrite || rewrite.changes.length === 0) {
      return {
        summary: `Remove the statements of the bucket policy of S3 bucket ${bucket.id} that allow public access, and keep the others.`,
        changes: [`s3:PutBucketPolicy on bucket ${bucket.id}: the policy without its public Allow statements (s3:DeleteBucketPolicy if none remain)`],
      };
    }
    const action = rewrite.policy ? "s3:PutBucketPolicy" : "s3:DeleteBucketPolicy";
    return { summary: describeRewrite(bucket.id, rewrite), changes: rewrite.changes.map((change) => `${action} on bucket ${bucket.id}: ${change}`) };
  },
  async plan(finding, aws) {
    const bucket = bucketOf(finding);
    const region = bucket.region ?? finding.region;
    const base = { remediation: ID, findingId: finding.id, account: bucket.account ?? finding.account, region, resource: bucket };
    const read = await readPolicy(aws, bucket.id, region);
    if (read.state === "gone") return { ...base, needed: false, summary: `S3 bucket ${bucket.id} no longer exists: nothing to change.`, current: null, intended: null };
    if (read.state === "none") return { ...base, needed: false, summary: `S3 bucket ${bucket.id} has no bucket policy any more.`, current: null, intended: null };
    const rewrite = removePublicStatements(read.document);
    if (rewrite.changes.length === 0) {
      return { ...base, needed: false, summary: `No statement of the bucket policy of S3 bucket ${bucket.id} allows public access.`, current: read.document, intended: read.document };
    }
    return { ...base, needed: true, summary: describeRewrite(bucket.id, rewrite), current: read.document, intended: rewrite.policy };
  },
  async apply(plan, aws) {
    if (!plan.needed) return;
    // The policy is read again and rewritten from what is there now, so a
    // statement added since the plan is not lost and a repeated apply writes nothing.
    const read = await readPolicy(aws, plan.resource.id, plan.region);
    if (read.state !== "policy") return;
    const rewrite = removePublicStatements(read.document);
    if (rewrite.changes.length === 0) return;
    await write(aws, plan.resource.id, plan.region, rewrite.policy);
  },
  async verify(finding, aws) {
    const bucket = bucketOf(finding);
    const read = await readPolicy(aws, bucket.id, bucket.region ?? finding.region);
    if (read.state === "gone") return { compliant: true, detail: `S3 bucket ${bucket.id} no longer exists.` };
    if (read.state === "none") return { compliant: true, detail: `S3 bucket ${bucket.id} has no bucket policy.` };
    const open = statementsOf(read.document).flatMap((statement, index) => (allowsPublicAccess(statement) ? [statementName(statement, index)] : []));
    return open.length === 0
      ? { compliant: true, detail: `No statement of the bucket policy of S3 bucket ${bucket.id} allows public access.` }
      : { compliant: false, detail: `The bucket policy of S3 bucket ${bucket.id} still allows public access: ${open.join(", ")}.` };
  },
});
