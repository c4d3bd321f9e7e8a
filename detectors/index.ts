import type { Detector } from "../core/detector.js";
import cloudtrailEventSelectorsChanged from "./cloudtrail/event-selectors-changed.js";
import cloudtrailLoggingStopped from "./cloudtrail/logging-stopped.js";
import cloudtrailTrailDeleted from "./cloudtrail/trail-deleted.js";
import iamAccessKeyCreatedForOtherUser from "./iam/access-key-created-for-other-user.js";
import iamAdminPolicyAttached from "./iam/admin-policy-attached.js";
import iamUserCreatedOutsideIac from "./iam/user-created-outside-iac.js";
import organizationsScpDetachedOrDeleted from "./organizations/scp-detached-or-deleted.js";
import rootAccountUsed from "./root/account-used.js";
import s3BucketAclPublic from "./s3/bucket-acl-public.js";
import s3BucketPolicyPublic from "./s3/bucket-policy-public.js";
import s3PublicAccessBlockRemoved from "./s3/public-access-block-removed.js";
import signinConsoleLoginWithoutMfa from "./signin/console-login-without-mfa.js";

/** Every detector, sorted by id. The catalog, the coverage map and the rules are generated from this list. */
export const detectors: Detector[] = [
  cloudtrailEventSelectorsChanged,
  cloudtrailLoggingStopped,
  cloudtrailTrailDeleted,
  iamAccessKeyCreatedForOtherUser,
  iamAdminPolicyAttached,
  iamUserCreatedOutsideIac,
  organizationsScpDetachedOrDeleted,
  rootAccountUsed,
  s3BucketAclPublic,
  s3BucketPolicyPublic,
  s3PublicAccessBlockRemoved,
  signinConsoleLoginWithoutMfa,
];
