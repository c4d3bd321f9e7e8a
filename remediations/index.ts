/**
 * Remediation ids that detectors may propose. The remediations themselves
 * (plan / apply / verify, declared IAM permissions) arrive with the
 * remediation workflow; until then this list is the contract detectors are
 * checked against, and the workflow's registry meta-test will require a module
 * for every id here.
 */
export const REMEDIATION_IDS = [
  "cloudtrail.restart-logging",
  "ec2.make-snapshot-private",
  "ec2.revoke-open-ingress",
  "eventbridge.restore-rule",
  "iam.deactivate-access-key",
  "iam.delete-login-profile",
  "iam.detach-admin-policy",
  "iam.quarantine-principal",
  "iam.remove-untrusted-trust-statements",
  "iam.restore-policy-default-version",
  "kms.cancel-key-deletion",
  "organizations.reattach-scp",
  "s3.make-bucket-acl-private",
  "s3.remove-public-bucket-policy-statements",
  "s3.restore-account-public-access-block",
  "s3.restore-default-encryption",
  "s3.restore-public-access-block",
  "s3.resume-versioning",
] as const;

export type RemediationId = (typeof REMEDIATION_IDS)[number];
