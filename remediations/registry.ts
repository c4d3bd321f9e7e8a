import type { Remediation } from "../core/remediation.js";
import cloudtrailRestartLogging from "./cloudtrail/restart-logging.js";
import ec2MakeSnapshotPrivate from "./ec2/make-snapshot-private.js";
import ec2RevokeOpenIngress from "./ec2/revoke-open-ingress.js";
import eventbridgeRestoreRule from "./eventbridge/restore-rule.js";
import iamDeactivateAccessKey from "./iam/deactivate-access-key.js";
import iamDeleteLoginProfile from "./iam/delete-login-profile.js";
import iamDetachAdminPolicy from "./iam/detach-admin-policy.js";
import iamQuarantinePrincipal from "./iam/quarantine-principal.js";
import iamRemoveUntrustedTrustStatements from "./iam/remove-untrusted-trust-statements.js";
import iamRestorePolicyDefaultVersion from "./iam/restore-policy-default-version.js";
import kmsCancelKeyDeletion from "./kms/cancel-key-deletion.js";
import organizationsReattachScp from "./organizations/reattach-scp.js";
import s3MakeBucketAclPrivate from "./s3/make-bucket-acl-private.js";
import s3RemovePublicBucketPolicyStatements from "./s3/remove-public-bucket-policy-statements.js";
import s3RestoreAccountPublicAccessBlock from "./s3/restore-account-public-access-block.js";
import s3RestoreDefaultEncryption from "./s3/restore-default-encryption.js";
import s3RestorePublicAccessBlock from "./s3/restore-public-access-block.js";
import s3ResumeVersioning from "./s3/resume-versioning.js";

/**
 * Every remediation module this deployment can run. The remediate function
 * looks a finding's remediation up here by id; remediations/index.ts lists the
 * ids detectors may propose.
 */
export const remediations: readonly Remediation[] = [
  cloudtrailRestartLogging,
  ec2MakeSnapshotPrivate,
  ec2RevokeOpenIngress,
  eventbridgeRestoreRule,
  iamDeactivateAccessKey,
  iamDeleteLoginProfile,
  iamDetachAdminPolicy,
  iamQuarantinePrincipal,
  iamRemoveUntrustedTrustStatements,
  iamRestorePolicyDefaultVersion,
  kmsCancelKeyDeletion,
  organizationsReattachScp,
  s3MakeBucketAclPrivate,
  s3RemovePublicBucketPolicyStatements,
  s3RestoreAccountPublicAccessBlock,
  s3RestoreDefaultEncryption,
  s3RestorePublicAccessBlock,
  s3ResumeVersioning,
];
