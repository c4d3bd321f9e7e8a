import type { Detector } from "../core/detector.js";
import bedrockModelInvocationBurst from "./bedrock/model-invocation-burst.js";
import behaviourFirstActivityInRegion from "./behaviour/first-activity-in-region.js";
import behaviourFirstSensitiveApiUse from "./behaviour/first-sensitive-api-use.js";
import behaviourNewExternalAccount from "./behaviour/new-external-account.js";
import changesActivityOutsideAllowedRegions from "./changes/activity-outside-allowed-regions.js";
import changesClickopsInProduction from "./changes/clickops-in-production.js";
import changesHumanCallFromOutsideNetworks from "./changes/human-call-from-outside-networks.js";
import changesProxyBypassed from "./changes/proxy-bypassed.js";
import cloudtrailEventSelectorsChanged from "./cloudtrail/event-selectors-changed.js";
import cloudtrailLoggingStopped from "./cloudtrail/logging-stopped.js";
import cloudtrailTrailDeleted from "./cloudtrail/trail-deleted.js";
import configDeliveryChannelDeleted from "./config/delivery-channel-deleted.js";
import configRecorderStopped from "./config/recorder-stopped.js";
import ec2AmiDeregistered from "./ec2/ami-deregistered.js";
import ec2AmiShared from "./ec2/ami-shared.js";
import ec2DiscoveryBurstFromInstance from "./ec2/discovery-burst-from-instance.js";
import ec2FlowLogsDeleted from "./ec2/flow-logs-deleted.js";
import ec2InstanceConnectSshKeySent from "./ec2/instance-connect-ssh-key-sent.js";
import ec2InstanceCredentialsUsedOutsideEc2 from "./ec2/instance-credentials-used-outside-ec2.js";
import ec2NetworkAclAllowAll from "./ec2/network-acl-allow-all.js";
import ec2PasswordDataBurst from "./ec2/password-data-burst.js";
import ec2SecurityGroupOpenAdminPort from "./ec2/security-group-open-admin-port.js";
import ec2SnapshotShared from "./ec2/snapshot-shared.js";
import ec2UnusualInstanceLaunched from "./ec2/unusual-instance-launched.js";
import ec2UserDataChanged from "./ec2/user-data-changed.js";
import ec2UserDataRead from "./ec2/user-data-read.js";
import ecrRepositoryPolicyPublic from "./ecr/repository-policy-public.js";
import eventsTrailwardenRuleTampered from "./events/trailwarden-rule-tampered.js";
import guarddutyDetectorDeletedOrDisabled from "./guardduty/detector-deleted-or-disabled.js";
import guarddutyFindingsExportRemoved from "./guardduty/findings-export-removed.js";
import iamAccessDeniedStorm from "./iam/access-denied-storm.js";
import iamAccessKeyCreatedForOtherUser from "./iam/access-key-created-for-other-user.js";
import iamAdminPolicyAttached from "./iam/admin-policy-attached.js";
import iamIdentityProviderChanged from "./iam/identity-provider-changed.js";
import iamLoginProfileForOtherUser from "./iam/login-profile-for-other-user.js";
import iamMfaDeviceDeactivated from "./iam/mfa-device-deactivated.js";
import iamPasswordPolicyWeakened from "./iam/password-policy-weakened.js";
import iamPolicyDefaultVersionChanged from "./iam/policy-default-version-changed.js";
import iamPolicyGrantsFullAdmin from "./iam/policy-grants-full-admin.js";
import iamRoleTrustUntrustedAccount from "./iam/role-trust-untrusted-account.js";
import iamUserCreatedOutsideIac from "./iam/user-created-outside-iac.js";
import kmsKeyDeletionScheduled from "./kms/key-deletion-scheduled.js";
import kmsKeyDisabled from "./kms/key-disabled.js";
import kmsKeyPolicyOpened from "./kms/key-policy-opened.js";
import lambdaFunctionCodeChangedOutsideIac from "./lambda/function-code-changed-outside-iac.js";
import lambdaFunctionUrlPublic from "./lambda/function-url-public.js";
import lambdaPublicPermission from "./lambda/public-permission.js";
import logsSecurityLogGroupDeleted from "./logs/security-log-group-deleted.js";
import organizationsDelegatedAdminChanged from "./organizations/delegated-admin-changed.js";
import organizationsLeftOrganization from "./organizations/left-organization.js";
import organizationsScpChanged from "./organizations/scp-changed.js";
import organizationsScpDetachedOrDeleted from "./organizations/scp-detached-or-deleted.js";
import rdsSnapshotShared from "./rds/snapshot-shared.js";
import rolesanywhereTrustAnchorCreated from "./rolesanywhere/trust-anchor-created.js";
import rootAccountUsed from "./root/account-used.js";
import route53resolverQueryLoggingRemoved from "./route53resolver/query-logging-removed.js";
import s3AccessLoggingDisabled from "./s3/access-logging-disabled.js";
import s3AccountPublicAccessBlockRemoved from "./s3/account-public-access-block-removed.js";
import s3BucketAclPublic from "./s3/bucket-acl-public.js";
import s3BucketPolicyGrantsUntrustedAccount from "./s3/bucket-policy-grants-untrusted-account.js";
import s3BucketPolicyPublic from "./s3/bucket-policy-public.js";
import s3BulkObjectDeletion from "./s3/bulk-object-deletion.js";
import s3DefaultEncryptionRemoved from "./s3/default-encryption-removed.js";
import s3PublicAccessBlockRemoved from "./s3/public-access-block-removed.js";
import s3ReplicationToUntrustedAccount from "./s3/replication-to-untrusted-account.js";
import s3TrailBucketLifecycleShortened from "./s3/trail-bucket-lifecycle-shortened.js";
import s3VersioningSuspended from "./s3/versioning-suspended.js";
import sagemakerNotebookLifecycleChanged from "./sagemaker/notebook-lifecycle-changed.js";
import secretsmanagerBulkSecretReads from "./secretsmanager/bulk-secret-reads.js";
import secretsmanagerResourcePolicyPublic from "./secretsmanager/resource-policy-public.js";
import securityhubDisabled from "./securityhub/disabled.js";
import sesEnumeration from "./ses/enumeration.js";
import signinConsoleLoginWithoutMfa from "./signin/console-login-without-mfa.js";
import snsTopicPolicyPublic from "./sns/topic-policy-public.js";
import sqsQueuePolicyPublic from "./sqs/queue-policy-public.js";
import ssmBulkSecurestringReads from "./ssm/bulk-securestring-reads.js";
import ssmSendCommandByHuman from "./ssm/send-command-by-human.js";
import ssmStartSessionByHuman from "./ssm/start-session-by-human.js";
import stsFederationToken from "./sts/federation-token.js";

/** Every detector, sorted by id. The catalog, the coverage map and the rules are generated from this list. */
export const detectors: Detector[] = [
  bedrockModelInvocationBurst,
  behaviourFirstActivityInRegion,
  behaviourFirstSensitiveApiUse,
  behaviourNewExternalAccount,
  changesActivityOutsideAllowedRegions,
  changesClickopsInProduction,
  changesHumanCallFromOutsideNetworks,
  changesProxyBypassed,
  cloudtrailEventSelectorsChanged,
  cloudtrailLoggingStopped,
  cloudtrailTrailDeleted,
  configDeliveryChannelDeleted,
  configRecorderStopped,
  ec2AmiDeregistered,
  ec2AmiShared,
  ec2DiscoveryBurstFromInstance,
  ec2FlowLogsDeleted,
  ec2InstanceConnectSshKeySent,
  ec2InstanceCredentialsUsedOutsideEc2,
  ec2NetworkAclAllowAll,
  ec2PasswordDataBurst,
  ec2SecurityGroupOpenAdminPort,
  ec2SnapshotShared,
  ec2UnusualInstanceLaunched,
  ec2UserDataChanged,
  ec2UserDataRead,
  ecrRepositoryPolicyPublic,
  eventsTrailwardenRuleTampered,
  guarddutyDetectorDeletedOrDisabled,
  guarddutyFindingsExportRemoved,
  iamAccessDeniedStorm,
  iamAccessKeyCreatedForOtherUser,
  iamAdminPolicyAttached,
  iamIdentityProviderChanged,
  iamLoginProfileForOtherUser,
  iamMfaDeviceDeactivated,
  iamPasswordPolicyWeakened,
  iamPolicyDefaultVersionChanged,
  iamPolicyGrantsFullAdmin,
  iamRoleTrustUntrustedAccount,
  iamUserCreatedOutsideIac,
  kmsKeyDeletionScheduled,
  kmsKeyDisabled,
  kmsKeyPolicyOpened,
  lambdaFunctionCodeChangedOutsideIac,
  lambdaFunctionUrlPublic,
  lambdaPublicPermission,
  logsSecurityLogGroupDeleted,
  organizationsDelegatedAdminChanged,
  organizationsLeftOrganization,
  organizationsScpChanged,
  organizationsScpDetachedOrDeleted,
  rdsSnapshotShared,
  rolesanywhereTrustAnchorCreated,
  rootAccountUsed,
  route53resolverQueryLoggingRemoved,
  s3AccessLoggingDisabled,
  s3AccountPublicAccessBlockRemoved,
  s3BucketAclPublic,
  s3BucketPolicyGrantsUntrustedAccount,
  s3BucketPolicyPublic,
  s3BulkObjectDeletion,
  s3DefaultEncryptionRemoved,
  s3PublicAccessBlockRemoved,
  s3ReplicationToUntrustedAccount,
  s3TrailBucketLifecycleShortened,
  s3VersioningSuspended,
  sagemakerNotebookLifecycleChanged,
  secretsmanagerBulkSecretReads,
  secretsmanagerResourcePolicyPublic,
  securityhubDisabled,
  sesEnumeration,
  signinConsoleLoginWithoutMfa,
  snsTopicPolicyPublic,
  sqsQueuePolicyPublic,
  ssmBulkSecurestringReads,
  ssmSendCommandByHuman,
  ssmStartSessionByHuman,
  stsFederationToken,
];
