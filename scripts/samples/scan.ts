/**
 * The security account's posture scanner: it assumes the audit role in each
 * member account and reads the settings the detectors care about (public
 * access, policies, trails, GuardDuty, Config, Security Hub).
 */
import { assumeRoleCall, s3Call } from "./calls.js";
import { ACCOUNTS, AUDIT_ROLE, BUCKETS, natIp, pickAccount, SCANNER_ROLE, USER_AGENTS } from "./organisation.js";
import { externalAccountActor, roleActor, roleArn, roleId } from "./principals.js";
import { IAM_READS, LIST_BUCKETS, ORG_READS, type ReadCall, simple, TRAIL_READS } from "./reads.js";
import { type Call, type Ctx, emit, type Json } from "./records.js";
import { MINUTE } from "./time.js";

const bucketRead =
  (name: string, key: Json): ReadCall =>
  (g, account, region) =>
    s3Call(g, account, region, g.pick(BUCKETS[account]!), name, true, key);

/** What the posture scanner reads in the management account, and in the others. */
const SCAN_MANAGEMENT: readonly ReadCall[] = [
  ORG_READS.listPolicies,
  ORG_READS.listTargetsForPolicy,
  ORG_READS.describeOrganization,
  ORG_READS.listAccounts,
  TRAIL_READS,
  simple("iam.amazonaws.com", "GetAccountSummary", () => null, true),
];
const SCAN_WORKLOAD: readonly ReadCall[] = [
  bucketRead("GetBucketPublicAccessBlock", { publicAccessBlock: "" }),
  bucketRead("GetBucketPolicyStatus", { policyStatus: "" }),
  bucketRead("GetBucketAcl", { acl: "" }),
  LIST_BUCKETS,
  TRAIL_READS,
  TRAIL_READS,
  ...IAM_READS,
  simple("kms.amazonaws.com", "ListKeys", () => ({ limit: 1000 })),
  simple("guardduty.amazonaws.com", "ListDetectors", () => null),
  simple("config.amazonaws.com", "DescribeConfigurationRecorderStatus", () => null),
  simple("securityhub.amazonaws.com", "GetEnabledStandards", () => null),
];

/**
 * The security account's posture scanner: assumes the audit role in a member
 * account (recorded on both sides with one sharedEventID) and reads the
 * settings the detectors care about.
 */
export function postureScan(c: Ctx, forced?: { target: string; region: string }): void {
  const { g } = c;
  const target = forced?.target ?? pickAccount(g, [["prod", 4], ["staging", 3], ["management", 1]]);
  const security = ACCOUNTS.security.id;
  const region = forced?.region ?? (target === ACCOUNTS.management.id ? "us-east-1" : g.pick(["eu-west-1", "eu-west-1", "us-east-1"]));
  const ip = natIp(g, security);
  const userAgent = USER_AGENTS.boto3Lambda;
  const scanner = roleActor({ account: security, roleName: SCANNER_ROLE.name, path: SCANNER_ROLE.path, session: "posture-scanner", ip, userAgent });
  const session = `posture-scan-${g.hex(8)}`;
  const requestID = g.uuid();
  const sharedEventID = g.uuid();
  const assume: Call = { ...assumeRoleCall({ account: target, role: AUDIT_ROLE, session, durationSeconds: 900, expires: c.t + 15 * MINUTE }), requestID, sharedEventID };
  emit(c, security, region, scanner, assume, 0, 0);
  // The member account sees a caller from another account: type AWSAccount, not the caller's session.
  const scannerId = roleId(roleArn(security, SCANNER_ROLE.name, SCANNER_ROLE.path));
  emit(c, target, region, externalAccountActor(security, `${scannerId}:posture-scanner`, ip, userAgent), assume, 1, 2);
  const actor = roleActor({ account: target, roleName: AUDIT_ROLE.name, path: AUDIT_ROLE.path, session, ip, userAgent });
  const reads = target === ACCOUNTS.management.id ? SCAN_MANAGEMENT : SCAN_WORKLOAD;
  const n = g.range(6, 16);
  for (let i = 0; i < n; i++) emit(c, target, region, actor, g.pick(reads)(g, target, region), 0, 2);
}

/** Every account and region the scanner covers. */
export const SCANNED: readonly { target: string; region: string }[] = [
  { target: ACCOUNTS.prod.id, region: "eu-west-1" },
  { target: ACCOUNTS.prod.id, region: "us-east-1" },
  { target: ACCOUNTS.staging.id, region: "eu-west-1" },
  { target: ACCOUNTS.staging.id, region: "us-east-1" },
  { target: ACCOUNTS.management.id, region: "us-east-1" },
];
