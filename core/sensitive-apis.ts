import type { CloudTrailRecord } from "./cloudtrail.js";

/**
 * API calls that change who can do what, what is logged, or what is exposed.
 * `baseline learn` profiles each principal's use of them, and the behavioural
 * detectors report a principal's first use of one. Names are
 * `<service prefix>:<eventName>`, the way IAM names actions.
 */
export const SENSITIVE_APIS: ReadonlySet<string> = new Set([
  "iam:CreateUser",
  "iam:CreateAccessKey",
  "iam:CreateLoginProfile",
  "iam:UpdateLoginProfile",
  "iam:AttachUserPolicy",
  "iam:AttachRolePolicy",
  "iam:AttachGroupPolicy",
  "iam:PutUserPolicy",
  "iam:PutRolePolicy",
  "iam:PutGroupPolicy",
  "iam:CreateRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:CreatePolicy",
  "iam:CreatePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:AddUserToGroup",
  "iam:DeactivateMFADevice",
  "iam:UpdateAccountPasswordPolicy",
  "iam:CreateSAMLProvider",
  "iam:CreateOpenIDConnectProvider",
  "sts:GetFederationToken",
  "cloudtrail:StopLogging",
  "cloudtrail:DeleteTrail",
  "cloudtrail:PutEventSelectors",
  "cloudtrail:UpdateTrail",
  "organizations:DetachPolicy",
  "organizations:UpdatePolicy",
  "organizations:LeaveOrganization",
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:PutBucketAcl",
  "s3:DeleteBucketPublicAccessBlock",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketReplication",
  "s3:DeleteBucketEncryption",
  "kms:ScheduleKeyDeletion",
  "kms:DisableKey",
  "kms:PutKeyPolicy",
  "ec2:AuthorizeSecurityGroupIngress",
  "ec2:ModifySnapshotAttribute",
  "ec2:ModifyImageAttribute",
  "ec2:ModifyInstanceAttribute",
  "ec2:DeleteFlowLogs",
  "ec2:GetPasswordData",
  "rds:ModifyDBSnapshotAttribute",
  "lambda:AddPermission20150331v2",
  "lambda:UpdateFunctionCode20150331v2",
  "secretsmanager:GetSecretValue",
  "secretsmanager:PutResourcePolicy",
  "ssm:SendCommand",
  "ssm:StartSession",
  "guardduty:DeleteDetector",
  "config:StopConfigurationRecorder",
  "securityhub:DisableSecurityHub",
]);

/** `iam:CreateUser` from a record: the event source's service prefix and the event name. */
export function apiNameOf(record: Pick<CloudTrailRecord, "eventSource" | "eventName">): string {
  return `${record.eventSource.replace(/\.amazonaws\.com$/, "")}:${record.eventName}`;
}

export function isSensitiveApi(record: Pick<CloudTrailRecord, "eventSource" | "eventName">): boolean {
  return SENSITIVE_APIS.has(apiNameOf(record));
}
