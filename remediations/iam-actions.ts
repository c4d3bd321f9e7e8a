/**
 * The IAM action an AWS SDK v3 command needs. Most are `<prefix>:<command
 * name without "Command">`; this table holds the ones whose IAM action is
 * named differently. A registry meta-test maps every command a remediation
 * sends through here and checks it against the remediation's declared
 * permissions.
 */

const PREFIX_BY_CLIENT: Record<string, string> = {
  S3Client: "s3",
  S3ControlClient: "s3",
  IAMClient: "iam",
  CloudTrailClient: "cloudtrail",
  EventBridgeClient: "events",
  OrganizationsClient: "organizations",
  EC2Client: "ec2",
  KMSClient: "kms",
  STSClient: "sts",
  SNSClient: "sns",
};

/** `<client>:<command>` → IAM action, where the API and IAM names differ. */
const DIFFERENT_NAMES: Record<string, string> = {
  "S3Client:PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
  "S3Client:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
  "S3Client:DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
  "S3Client:PutBucketEncryption": "s3:PutEncryptionConfiguration",
  "S3Client:GetBucketEncryption": "s3:GetEncryptionConfiguration",
  "S3Client:GetBucketPolicyStatus": "s3:GetBucketPolicyStatus",
  "S3Client:DeleteBucketPolicy": "s3:DeleteBucketPolicy",
  "S3Client:HeadBucket": "s3:ListBucket",
  "S3ControlClient:PutPublicAccessBlock": "s3:PutAccountPublicAccessBlock",
  "S3ControlClient:GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock",
  "CloudTrailClient:GetTrailStatus": "cloudtrail:GetTrailStatus",
  "EC2Client:DescribeSecurityGroupRules": "ec2:DescribeSecurityGroupRules",
};

export function iamActionFor(clientName: string, commandName: string): string {
  const command = commandName.replace(/Command$/, "");
  const special = DIFFERENT_NAMES[`${clientName}:${command}`];
  if (special) return special;
  const prefix = PREFIX_BY_CLIENT[clientName];
  if (!prefix) throw new Error(`no IAM prefix known for ${clientName}: add it to remediations/iam-actions.ts`);
  return `${prefix}:${command}`;
}
