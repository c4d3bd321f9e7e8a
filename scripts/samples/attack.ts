/**
 * The attack story of `samples/attack/`: an hour on the production account,
 * from a phished IAM user to root, tripping every detector once at least.
 */
import {
  accessKeyCreated,
  aclParams,
  ALL_USERS,
  bucketPolicyParams,
  groupGrant,
  iamRead,
  iamResource,
  iamWrite,
  policyJson,
  s3Call,
  signInCall,
  trailArn,
  userInfo,
} from "./calls.js";
import { ACCOUNTS, ATTACKER_IPS, OUS, SCPS, USER_AGENTS } from "./organisation.js";
import { rootActor, userActor } from "./principals.js";
import { accessKeyId, type Gen } from "./random.js";
import { LIST_BUCKETS } from "./reads.js";
import { type Actor, buildRecord, type Call, type Json, sortByTime } from "./records.js";
import { awsDate } from "./time.js";

export const ATTACK = {
  phishedUser: "l.moreau",
  otherUser: "svc-reporting",
  createdUser: "aws-support-sync",
  bucket: "payments-prod-settlement-reports",
  reducedTrail: "payments-prod-audit",
  deletedTrail: "payments-prod-eu-audit",
  secret: "ops/org-automation-credentials",
  managementUser: "org-automation",
  scp: SCPS.protectLogging,
  scpTarget: OUS.prod,
} as const;

/** Detector ids the attack story must trip, at least once each. */
export const ATTACK_DETECTORS = [
  "signin.console-login-without-mfa",
  "iam.access-key-created-for-other-user",
  "iam.user-created-outside-iac",
  "iam.admin-policy-attached",
  "s3.public-access-block-removed",
  "s3.bucket-policy-public",
  "s3.bucket-acl-public",
  "cloudtrail.event-selectors-changed",
  "cloudtrail.logging-stopped",
  "cloudtrail.trail-deleted",
  "organizations.scp-detached-or-deleted",
  "root.account-used",
] as const;

const consoleLogin = (): Call =>
  signInCall("ConsoleLogin", {
    LoginTo: "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_a81f0c3e6d2b9475",
    MobileVersion: "No",
    MFAUsed: "No",
  });

const cloudTrail = (name: string, readOnly: boolean, params: Json, more: Partial<Call> = {}): Call => ({ source: "cloudtrail.amazonaws.com", name, readOnly, params, ...more });
const organizations = (name: string, readOnly: boolean, params?: Json): Call => ({ source: "organizations.amazonaws.com", name, readOnly, params });

/**
 * The attack story, about an hour long, starting at `start`:
 *
 * 1. A phished legacy IAM user (l.moreau, console password, no MFA device)
 *    signs in to payments-prod from a VPN exit: one failed attempt, then
 *    success without MFA.
 * 2. From the console it looks around, then creates an access key for the
 *    service user svc-reporting, whose legacy policy allows IAM writes.
 * 3. With that key (aws-cli, same VPN): creates user aws-support-sync,
 *    attaches AdministratorAccess to it, gives it a key and a console
 *    password, and adds an inline "*"/"*" policy to svc-reporting.
 * 4. As aws-support-sync (Boto3, a rented server): removes the bucket's
 *    Block Public Access, writes a public bucket policy and a public-read
 *    ACL on payments-prod-settlement-reports, and reads a secret holding an
 *    access key of the management account.
 * 5. Covers tracks: the account trail stops logging management events
 *    (event selectors), then stops logging, and the EU trail is deleted.
 *    The organisation trail, out of its reach, keeps recording.
 * 6. With the management account's org-automation key: detaches the SCP that
 *    protects logging from the production OU, then deletes it.
 * 7. Through the phished mailbox, resets the production root password and
 *    signs in as root, changing the account's security contact.
 */
export function generateAttackRecords(g: Gen, start: number): Json[] {
  const out: Json[] = [];
  const prod = ACCOUNTS.prod.id;
  const mgmt = ACCOUNTS.management.id;
  const at = (offsetSeconds: number, account: string, region: string, actor: Actor, call: Call) => {
    out.push(buildRecord(g, start + offsetSeconds * 1000, account, region, actor, call));
  };
  const A = ATTACK;
  const vpn = ATTACKER_IPS.vpn;

  // 1. Initial access.
  const login = userActor({ account: prod, userName: A.phishedUser, ip: vpn, userAgent: USER_AGENTS.chromeAttacker });
  at(0, prod, "us-east-1", login, { ...consoleLogin(), error: { code: "", message: "Failed authentication" } });
  // A failed console login has errorMessage but no errorCode, and still a ConsoleLogin response.
  const failed = out[out.length - 1]!;
  delete failed.errorCode;
  failed.responseElements = { ConsoleLogin: "Failure" };
  at(31, prod, "us-east-1", login, consoleLogin());

  // 2. Console reconnaissance and a key for another user.
  const web = userActor({ account: prod, userName: A.phishedUser, ip: vpn, userAgent: USER_AGENTS.console, console: true });
  const recon: [number, Call][] = [
    [74, iamRead("GetAccountSummary")],
    [88, iamRead("ListUsers", { maxItems: 100 })],
    [95, iamRead("ListRoles", { maxItems: 100 })],
    [131, iamRead("ListAttachedUserPolicies", { userName: A.phishedUser })],
    [140, iamRead("ListGroupsForUser", { userName: A.phishedUser })],
    [188, LIST_BUCKETS(g, prod, "eu-west-1")],
    [236, cloudTrail("DescribeTrails", true, { includeShadowTrails: true }, { region: "eu-west-1" })],
    [251, { ...organizations("ListAccounts", true), error: { code: "AccessDeniedException", message: "You don't have permissions to access this resource." } }],
    [302, iamRead("ListAttachedUserPolicies", { userName: A.otherUser })],
    [318, iamRead("GetPolicyVersion", { policyArn: `arn:aws:iam::${prod}:policy/legacy/reporting-iam-sync`, versionId: "v3" })],
    [420, iamRead("ListAccessKeys", { userName: A.otherUser })],
  ];
  for (const [offset, call] of recon) at(offset, prod, "eu-west-1", web, call);
  const otherKey = accessKeyId("AKIA", `attack/${A.otherUser}/${start}`);
  at(455, prod, "eu-west-1", web, iamWrite("CreateAccessKey", { userName: A.otherUser }, { response: accessKeyCreated(A.otherUser, otherKey, start + 455_000) }));

  // 3. Persistence and privilege escalation with the other user's key.
  const svc = userActor({ account: prod, userName: A.otherUser, ip: vpn, userAgent: USER_AGENTS.cliAttacker, accessKeyId: otherKey });
  at(610, prod, "us-east-1", svc, { source: "sts.amazonaws.com", name: "GetCallerIdentity", readOnly: true, region: "us-east-1" });
  at(641, prod, "us-east-1", svc, iamRead("ListAttachedUserPolicies", { userName: A.otherUser }));
  at(700, prod, "us-east-1", svc, iamWrite("CreateUser", { userName: A.createdUser }, {
    response: { user: userInfo(prod, A.createdUser, "/", start + 700_000) },
    resources: [iamResource(prod, "user", A.createdUser)],
  }));
  at(712, prod, "us-east-1", svc, iamWrite("AttachUserPolicy", { userName: A.createdUser, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }));
  const createdKey = accessKeyId("AKIA", `attack/${A.createdUser}/${start}`);
  at(725, prod, "us-east-1", svc, iamWrite("CreateAccessKey", { userName: A.createdUser }, { response: accessKeyCreated(A.createdUser, createdKey, start + 725_000) }));
  at(741, prod, "us-east-1", svc, iamWrite("PutUserPolicy", {
    userName: A.otherUser,
    policyName: "ReportingBackfill",
    policyDocument: policyJson([{ Effect: "Allow", Action: "*", Resource: "*" }]),
  }));
  at(763, prod, "us-east-1", svc, iamWrite("CreateLoginProfile", { userName: A.createdUser, passwordResetRequired: false }, {
    response: { loginProfile: { userName: A.createdUser, createDate: awsDate(start + 763_000), passwordResetRequired: false } },
  }));

  // 4. Collection: the settlement reports bucket made public three ways, and a secret read.
  const admin = userActor({ account: prod, userName: A.createdUser, ip: ATTACKER_IPS.server, userAgent: USER_AGENTS.boto3Attacker, accessKeyId: createdKey });
  const euw1 = "eu-west-1";
  const bucketCall = (name: string, readOnly: boolean, params: Json, extra?: Parameters<typeof s3Call>[7]) => s3Call(g, prod, euw1, A.bucket, name, readOnly, params, extra);
  at(902, prod, euw1, admin, { source: "sts.amazonaws.com", name: "GetCallerIdentity", readOnly: true });
  at(915, prod, euw1, admin, LIST_BUCKETS(g, prod, euw1));
  at(931, prod, euw1, admin, bucketCall("GetBucketPolicy", true, { policy: "" }, { error: { code: "NoSuchBucketPolicy", message: "The bucket policy does not exist" } }));
  at(937, prod, euw1, admin, bucketCall("GetBucketAcl", true, { acl: "" }));
  at(944, prod, euw1, admin, bucketCall("GetBucketPublicAccessBlock", true, { publicAccessBlock: "" }));
  at(1010, prod, euw1, admin, bucketCall("DeleteBucketPublicAccessBlock", false, { publicAccessBlock: "" }));
  const publicRead = { Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${A.bucket}/*` };
  at(1025, prod, euw1, admin, bucketCall("PutBucketPolicy", false, bucketPolicyParams([publicRead]), { bytesIn: 164 }));
  at(1040, prod, euw1, admin, bucketCall("PutBucketAcl", false, aclParams(prod, [groupGrant(ALL_USERS, "READ")]), { bytesIn: 587 }));
  at(1102, prod, euw1, admin, bucketCall("GetBucketPolicyStatus", true, { policyStatus: "" }));
  at(1300, prod, euw1, admin, { source: "secretsmanager.amazonaws.com", name: "ListSecrets", readOnly: true, params: { maxResults: 100 } });
  at(1331, prod, euw1, admin, { source: "secretsmanager.amazonaws.com", name: "GetSecretValue", readOnly: true, params: { secretId: A.secret } });

  // 5. Defence evasion on the account's own trails.
  const reduced = trailArn(prod, A.reducedTrail);
  const global = { region: "us-east-1" };
  at(1502, prod, "us-east-1", admin, cloudTrail("DescribeTrails", true, { includeShadowTrails: false }, global));
  at(1517, prod, "us-east-1", admin, cloudTrail("GetEventSelectors", true, { trailName: reduced }, global));
  at(1523, prod, "us-east-1", admin, cloudTrail("GetTrailStatus", true, { name: reduced }, global));
  const selectors = [{ readWriteType: "ReadOnly", includeManagementEvents: false, dataResources: [{ type: "AWS::S3::Object", values: [] }], excludeManagementEventSources: [] }];
  at(1561, prod, "us-east-1", admin, cloudTrail("PutEventSelectors", false, { trailName: reduced, eventSelectors: selectors }, { ...global, response: { trailARN: reduced, eventSelectors: selectors } }));
  at(1600, prod, "us-east-1", admin, cloudTrail("StopLogging", false, { name: reduced }, global));
  at(1652, prod, euw1, admin, cloudTrail("DeleteTrail", false, { name: trailArn(prod, A.deletedTrail, euw1) }));

  // 6. The management account, with the key found in the secret.
  const org = userActor({ account: mgmt, userName: A.managementUser, path: "/automation/", ip: ATTACKER_IPS.server, userAgent: USER_AGENTS.boto3Attacker });
  const orgCalls: [number, Call][] = [
    [2104, { source: "sts.amazonaws.com", name: "GetCallerIdentity", readOnly: true }],
    [2119, organizations("DescribeOrganization", true)],
    [2131, organizations("ListRoots", true)],
    [2150, organizations("ListPolicies", true, { filter: "SERVICE_CONTROL_POLICY" })],
    [2172, organizations("DescribePolicy", true, { policyId: A.scp })],
    [2190, organizations("ListTargetsForPolicy", true, { policyId: A.scp })],
    [2301, organizations("DetachPolicy", false, { policyId: A.scp, targetId: A.scpTarget })],
    [2334, organizations("DeletePolicy", false, { policyId: A.scp })],
  ];
  for (const [offset, call] of orgCalls) at(offset, mgmt, "us-east-1", org, call);

  // 7. Root of production, through the phished mailbox.
  const rootSignin = rootActor(prod, vpn, USER_AGENTS.chromeAttacker, false);
  at(3002, prod, "us-east-1", rootSignin, signInCall("PasswordRecoveryRequested", { MobileVersion: "No" }));
  at(3241, prod, "us-east-1", rootSignin, signInCall("PasswordRecoveryCompleted", { MobileVersion: "No" }));
  at(3302, prod, "us-east-1", rootSignin, consoleLogin());
  const rootConsole = rootActor(prod, vpn, USER_AGENTS.console, true);
  at(3361, prod, "us-east-1", rootConsole, iamRead("GetAccountSummary"));
  at(3377, prod, "us-east-1", rootConsole, iamRead("ListMFADevices"));
  const hidden = "HIDDEN_DUE_TO_SECURITY_REASONS";
  at(3420, prod, "us-east-1", rootConsole, {
    source: "account.amazonaws.com",
    name: "PutAlternateContact",
    readOnly: false,
    params: { alternateContactType: "SECURITY", emailAddress: hidden, name: hidden, phoneNumber: hidden, title: hidden },
  });
  return sortByTime(out);
}
