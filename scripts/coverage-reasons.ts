/**
 * Stratus Red Team techniques that no detector claims, and why CloudTrail
 * alone cannot reveal them reliably. The coverage test fails when a
 * technique is neither claimed by a detector nor explained here.
 */
export const UNCOVERED_REASONS: Record<string, string> = {
  "aws.discovery.ec2-enumerate-from-instance":
    "about nine ordinary Describe/List calls from an instance role look like the instance's own work; ec2.discovery-burst-from-instance catches the noisy form (50 reads per instance in 5 minutes), and ec2.instance-credentials-used-outside-ec2 the same calls made off the instance.",
  "aws.impact.bedrock-invoke-model":
    "one model invocation is indistinguishable from normal use in CloudTrail; bedrock.model-invocation-burst catches abuse at volume, and the prompt and cost that would tell are in Bedrock model-invocation logs and billing, not in CloudTrail.",
  "aws.impact.s3-ransomware-batch-deletion":
    "a single DeleteObjects data event does not say how many objects it removed (the keys are in the request body, not the record); S3 data events plus s3.bulk-object-deletion catch repeated calls, and S3 server access logs or Storage Lens the volume.",
  "aws.impact.s3-ransomware-client-side-encryption":
    "CopyObject with a customer-provided key (SSE-C) over existing objects is an S3 data event that carries no sign of the key change beyond request headers CloudTrail redacts; GuardDuty S3 protection and bucket policies denying SSE-C are the controls.",
};
