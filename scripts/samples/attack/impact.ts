/**
 * Impact: GPU instances and a Bedrock model run on the victim's bill in a
 * region nobody watches, the ledger archive emptied after its replication
 * (versioning and encryption off first), the ledger key disabled and
 * scheduled for deletion, the settlement AMI deregistered, and at the end the
 * root user, through the phished mailbox, trying to take the account out of
 * the organisation.
 */
import { iamRead, s3Call, signInCall } from "../calls.js";
import { ACCOUNTS, ATTACKER_IPS, DATABASES } from "../organisation.js";
import type { Call, Json } from "../records.js";
import { consoleLogin } from "./access.js";
import { LEDGER_KEY, SETTLEMENT_AMI } from "./exposure.js";
import { ATTACK, CAST, type Story } from "./story.js";

const PROD = ACCOUNTS.prod.id;
const EUW1 = "eu-west-1";
const USW2 = "us-west-2";
const XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";
const MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";

const call = (service: string, name: string, readOnly: boolean, params: Json | null = null, more: Partial<Call> = {}): Call => ({
  source: `${service}.amazonaws.com`,
  name,
  readOnly,
  params,
  ...more,
});

/** 14:30: compute and inference in us-west-2, which the rewritten SCP no longer denies. */
export function runUpTheBill(s: Story): void {
  const admin = CAST.admin(s);
  const who = `\`${ATTACK.createdUser}\``;
  s.at("14:30:10", PROD, USW2, admin, call("ec2", "DescribeRegions", true, { regionSet: {} }));
  const ids = Array.from({ length: 8 }, (_, i) => `i-0a3c5e7b9d1f24${i}c8`);
  s.at("14:31:00", PROD, USW2, admin, call("ec2", "RunInstances", false, {
    instancesSet: { items: [{ imageId: "ami-0f9a8b7c6d5e4f3a2", minCount: 8, maxCount: 8 }] },
    instanceType: "g5.12xlarge",
    blockDeviceMapping: {},
    monitoring: { enabled: false },
    disableApiTermination: false,
    disableApiStop: false,
    userData: "<sensitiveDataRemoved>",
    clientToken: "3f8e2d1c-9b7a-4c65-8e43-d2c1b0a9f8e7",
  }, {
    response: {
      reservationId: "r-0e4c2a8b6d1f39570",
      ownerId: PROD,
      groupSet: {},
      instancesSet: { items: ids.map((instanceId, amiLaunchIndex) => ({ instanceId, imageId: "ami-0f9a8b7c6d5e4f3a2", instanceType: "g5.12xlarge", amiLaunchIndex, currentState: { code: 0, name: "pending" } })) },
    },
  }));
  s.tell("14:30:10", who, "launches eight g5.12xlarge GPU instances in us-west-2, outside the allowed regions (the rewritten SCP no longer keeps anyone out)", ["ec2.unusual-instance-launched", "changes.activity-outside-allowed-regions"]);
  s.at("14:33:00", PROD, USW2, admin, call("bedrock", "ListFoundationModels", true, { byOutputModality: "TEXT" }));
  const runtime = { host: `bedrock-runtime.${USW2}.amazonaws.com` };
  const first = s.offset("14:34:00");
  for (let i = 0; i < 110; i++) {
    s.at(first + Math.floor(i * 2.9), PROD, USW2, admin, call("bedrock", "InvokeModel", true, { modelId: MODEL }, runtime));
  }
  s.tell("14:33:00", who, "invokes a Claude model 110 times in five minutes in us-west-2, reselling inference on the victim's bill", ["bedrock.model-invocation-burst"]);
}

/** 14:41: the archive, once replicated, emptied; the ledger key and the AMI destroyed. */
export function destroy(s: Story): void {
  const A = ATTACK;
  const admin = CAST.admin(s);
  const who = `\`${A.createdUser}\``;
  const archive = (name: string, params: Json, bytesIn = 0) => s3Call(s.g, PROD, EUW1, A.archive, name, false, params, { bytesIn });
  s.at("14:41:00", PROD, EUW1, admin, archive("PutBucketVersioning", { versioning: "", VersioningConfiguration: { xmlns: XMLNS, Status: "Suspended" } }, 121));
  s.at("14:41:30", PROD, EUW1, admin, archive("DeleteBucketEncryption", { encryption: "" }));
  s.tell("14:41:00", who, `suspends versioning on \`${A.archive}\` and deletes its default encryption`, ["s3.versioning-suspended", "s3.default-encryption-removed"]);

  const first = s.offset("14:45:05");
  for (let i = 0; i < 60; i++) {
    const month = String(1 + (i % 12)).padStart(2, "0");
    const key = `ledger/${2023 + Math.floor(i / 12) % 2}/${month}/ledger-entries-${String(i).padStart(3, "0")}.parquet`;
    const record = s.at(first + Math.floor(i * 3.3), PROD, EUW1, admin, s3Call(s.g, PROD, EUW1, A.archive, "DeleteObject", false, { key, "x-id": "DeleteObject" }));
    // An object-level call is a data event.
    record.resources = [
      { type: "AWS::S3::Object", ARN: `arn:aws:s3:::${A.archive}/${key}` },
      { accountId: PROD, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${A.archive}` },
    ];
    record.managementEvent = false;
    record.eventCategory = "Data";
  }
  s.tell("14:45:05", who, `deletes sixty objects of \`${A.archive}\` one by one in three minutes (its replica is in the attacker's account)`, ["s3.bulk-object-deletion"]);

  const db = DATABASES[PROD]!;
  s.at("14:48:40", PROD, EUW1, admin, call("rds", "ModifyDBInstance", false, { dBInstanceIdentifier: db, backupRetentionPeriod: 0, applyImmediately: true }, {
    response: { dBInstanceIdentifier: db, dBInstanceClass: "db.r6g.xlarge", engine: "postgres", dBInstanceStatus: "modifying", backupRetentionPeriod: 0, dBInstanceArn: `arn:aws:rds:${EUW1}:${PROD}:db:${db}` },
  }));
  const key = [{ accountId: PROD, type: "AWS::KMS::Key", ARN: LEDGER_KEY }];
  s.at("14:49:00", PROD, EUW1, admin, call("kms", "DisableKey", false, { keyId: LEDGER_KEY }, { resources: key }));
  s.at("14:49:20", PROD, EUW1, admin, call("kms", "ScheduleKeyDeletion", false, { keyId: LEDGER_KEY, pendingWindowInDays: 7 }, {
    resources: key,
    response: { keyId: LEDGER_KEY, keyState: "PendingDeletion", pendingWindowInDays: 7 },
  }));
  s.at("14:50:30", PROD, EUW1, admin, call("ec2", "DeregisterImage", false, { imageId: SETTLEMENT_AMI, deleteAssociatedSnapshots: true }, { response: { _return: true } }));
  s.tell("14:48:40", who, "switches off the ledger database's backups (again not through the proxy), disables the ledger key and schedules its deletion in seven days, and deregisters the settlement AMI with its snapshots", [
    "changes.proxy-bypassed",
    "kms.key-disabled",
    "kms.key-deletion-scheduled",
    "ec2.ami-deregistered",
  ]);
}

/** 14:52: root of production, through the phished mailbox. */
export function takeRoot(s: Story): void {
  const signIn = CAST.rootSignIn();
  const web = CAST.rootConsole();
  const global = (time: string, actor: typeof web, c: Call) => s.at(time, PROD, "us-east-1", actor, c);
  global("14:52:40", signIn, signInCall("PasswordRecoveryRequested", { MobileVersion: "No" }));
  global("14:56:39", signIn, signInCall("PasswordRecoveryCompleted", { MobileVersion: "No" }));
  global("14:57:40", signIn, consoleLogin());
  global("14:58:39", web, iamRead("GetAccountSummary"));
  global("14:58:55", web, iamRead("ListMFADevices"));
  const hidden = "HIDDEN_DUE_TO_SECURITY_REASONS";
  global("14:59:58", web, {
    source: "account.amazonaws.com",
    name: "PutAlternateContact",
    readOnly: false,
    params: { alternateContactType: "SECURITY", emailAddress: hidden, name: hidden, phoneNumber: hidden, title: hidden },
  });
  s.tell("14:52:40", `root of payments-prod (VPN exit ${ATTACKER_IPS.vpn})`, "password recovery through the phished mailbox, console sign-in without MFA, and a new security contact", [
    "root.account-used",
    "signin.console-login-without-mfa",
    "changes.clickops-in-production",
  ]);
  global("15:01:10", web, call("organizations", "LeaveOrganization", false, null, {
    error: { code: "AccessDeniedException", message: `You don't have permissions to access this resource. (explicit deny in a service control policy)` },
  }));
  s.tell("15:01:10", "root of payments-prod", "tries to take the account out of the organisation; the SCP that denies it still holds", ["organizations.left-organization"]);
}
