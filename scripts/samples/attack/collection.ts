/**
 * Collection with the attacker's admin user: the settlement reports bucket
 * opened to the internet (account and bucket Block Public Access, policy,
 * ACL, no more access logs), then a sweep of Secrets Manager and of the
 * SecureString parameters. One secret holds a key of the management account.
 */
import { aclParams, ALL_USERS, bucketPolicyParams, groupGrant, s3Call, s3Extra, s3RequestId } from "../calls.js";
import { ACCOUNTS } from "../organisation.js";
import { LIST_BUCKETS } from "../reads.js";
import type { Call, Json } from "../records.js";
import { ATTACK, CAST, type Story } from "./story.js";

const PROD = ACCOUNTS.prod.id;
const EUW1 = "eu-west-1";

export const SECRETS_READ = [
  "prod/payments-api/db",
  "prod/ledger/db",
  "prod/settlement/sftp",
  "prod/psp/card-processor-api-key",
  "prod/psp/webhook-hmac",
  "prod/webhooks/signing-key",
  "prod/reporting/warehouse",
  "prod/kyc/provider-token",
  "prod/fx/rates-api-key",
  ATTACK.secret,
  "ops/pagerduty-token",
  "ops/github-deploy-key",
];

/** An S3 Control call on the account's own settings. */
function s3Control(s: Story, name: string, readOnly: boolean): Call {
  const host = `${PROD}.s3-control.${EUW1}.amazonaws.com`;
  return { source: "s3.amazonaws.com", name, readOnly, params: { Host: host }, additional: s3Extra(s.g, 0, readOnly ? 312 : 0), requestID: s3RequestId(s.g), host };
}

/** 13:17: the reports bucket made public, every way there is. */
export function exposeReports(s: Story): void {
  const A = ATTACK;
  const admin = CAST.admin(s);
  const bucket = (name: string, readOnly: boolean, params: Json, extra?: Parameters<typeof s3Call>[7]) => s3Call(s.g, PROD, EUW1, A.bucket, name, readOnly, params, extra);
  const at = (time: string, call: Call) => s.at(time, PROD, EUW1, admin, call);
  at("13:17:11", { source: "sts.amazonaws.com", name: "GetCallerIdentity", readOnly: true });
  at("13:17:24", LIST_BUCKETS(s.g, PROD, EUW1));
  at("13:17:40", bucket("GetBucketPolicy", true, { policy: "" }, { error: { code: "NoSuchBucketPolicy", message: "The bucket policy does not exist" } }));
  at("13:17:46", bucket("GetBucketAcl", true, { acl: "" }));
  at("13:17:53", bucket("GetBucketPublicAccessBlock", true, { publicAccessBlock: "" }));
  at("13:18:40", s3Control(s, "GetAccountPublicAccessBlock", true));
  at("13:18:55", s3Control(s, "DeleteAccountPublicAccessBlock", false));
  s.tell("13:17:11", `\`${A.createdUser}\`, Boto3 from a rented server`, "removes the account's S3 Block Public Access", ["s3.account-public-access-block-removed", "changes.human-call-from-outside-networks"]);
  at("13:19:21", bucket("DeleteBucketPublicAccessBlock", false, { publicAccessBlock: "" }));
  const publicRead = { Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${A.bucket}/*` };
  at("13:19:36", bucket("PutBucketPolicy", false, bucketPolicyParams([publicRead]), { bytesIn: 164 }));
  at("13:19:51", bucket("PutBucketAcl", false, aclParams(PROD, [groupGrant(ALL_USERS, "READ")]), { bytesIn: 587 }));
  at("13:20:10", bucket("GetBucketPolicyStatus", true, { policyStatus: "" }));
  at("13:20:30", bucket("PutBucketLogging", false, { logging: "", BucketLoggingStatus: { xmlns: "http://s3.amazonaws.com/doc/2006-03-01/" } }, { bytesIn: 94 }));
  s.tell("13:19:21", `\`${A.createdUser}\``, `removes Block Public Access from \`${A.bucket}\`, writes a public bucket policy and a public-read ACL, and turns its access logging off`, [
    "s3.public-access-block-removed",
    "s3.bucket-policy-public",
    "s3.bucket-acl-public",
    "s3.access-logging-disabled",
  ]);
}

/** 13:21: every secret and SecureString parameter worth having, in minutes. */
export function harvestSecrets(s: Story): void {
  const admin = CAST.admin(s);
  s.at("13:21:05", PROD, EUW1, admin, { source: "secretsmanager.amazonaws.com", name: "ListSecrets", readOnly: true, params: { maxResults: 100 } });
  const reads: Call[] = SECRETS_READ.map((secretId) => ({ source: "secretsmanager.amazonaws.com", name: "GetSecretValue", readOnly: true, params: { secretId } }));
  s.run("13:21:20", 12, PROD, EUW1, admin, reads);
  s.tell("13:21:05", `\`${ATTACK.createdUser}\``, `lists the secrets and reads twelve of them in two minutes; \`${ATTACK.secret}\` holds an access key of the management account`, [
    "secretsmanager.bulk-secret-reads",
  ]);
  const ssm = (name: string, params: Json): Call => ({ source: "ssm.amazonaws.com", name, readOnly: true, params });
  s.run("13:25:10", 6, PROD, EUW1, admin, [
    ssm("DescribeParameters", { maxResults: 50 }),
    ssm("GetParametersByPath", { path: "/payments", recursive: true, withDecryption: true }),
    ssm("GetParametersByPath", { path: "/payments", recursive: true, withDecryption: true, nextToken: "HIDDEN_DUE_TO_SECURITY_REASONS" }),
    ssm("GetParametersByPath", { path: "/ops", recursive: true, withDecryption: true }),
    ssm("GetParameters", { names: ["/payments/settlement/sftp-key", "/payments/psp/api-key", "/ops/deploy/token"], withDecryption: true }),
  ]);
  s.tell("13:25:10", `\`${ATTACK.createdUser}\``, "decrypts every SecureString parameter under `/payments` and `/ops`", ["ssm.bulk-securestring-reads"]);
}
