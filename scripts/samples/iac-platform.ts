/**
 * Platform changes Terraform applies: security group rules (internal, and
 * HTTPS on the public load balancer), log retention, KMS keys and their
 * policies, role trust policies and log bucket lifecycles. Each is the
 * sanctioned twin of something a detector watches, and none trips it:
 * port 443 is no admin port, the key policies name only the organisation's
 * accounts, the trusted vendor comes with an external id, and log buckets keep
 * their objects for months.
 */
import { iamResource, iamWrite, keyIdFor, kmsKeyArn, policyJson, s3Call } from "./calls.js";
import { apply, type IacContext } from "./iac.js";
import {
  ACCOUNTS,
  AUDIT_ROLE,
  BUCKETS,
  FUNCTIONS,
  homeRegion,
  SCANNER_ROLE,
  VENDOR_ACCOUNT,
  VENDOR_EXTERNAL_ID,
  VENDOR_ROLE,
} from "./organisation.js";
import { roleArn } from "./principals.js";
import type { Json } from "./records.js";
import { awsDate } from "./time.js";

function ingress(cidr: string, v6?: string): Json {
  return {
    ipProtocol: "tcp",
    fromPort: 443,
    toPort: 443,
    groups: {},
    ipRanges: { items: [{ cidrIp: cidr, description: cidr === "0.0.0.0/0" ? "HTTPS from the internet" : "payments VPC" }] },
    ipv6Ranges: v6 ? { items: [{ cidrIpv6: v6, description: "HTTPS from the internet" }] } : {},
    prefixListIds: {},
  };
}

/** HTTPS from the VPC, or (the public load balancer's group) from the whole internet: 443 is no admin port. */
export function iacSecurityGroup(x: IacContext, forcedPublic?: boolean): void {
  const { g } = x.c;
  const sg = `sg-0${g.hex(16)}`;
  const open = forcedPublic ?? g.chance(0.3);
  const permission = open ? ingress("0.0.0.0/0", "::/0") : ingress("10.20.0.0/16");
  const rule = (cidr: Json) => ({ groupId: sg, securityGroupRuleId: `sgr-0${g.hex(16)}`, isEgress: false, ipProtocol: "tcp", fromPort: 443, toPort: 443, ...cidr });
  const rules = open ? [rule({ cidrIpv4: "0.0.0.0/0" }), rule({ cidrIpv6: "::/0" })] : [rule({ cidrIpv4: "10.20.0.0/16" })];
  apply(x, homeRegion(x.account), {
    source: "ec2.amazonaws.com",
    name: "AuthorizeSecurityGroupIngress",
    readOnly: false,
    params: { groupId: sg, ipPermissions: { items: [permission] } },
    response: { requestId: g.uuid(), _return: true, securityGroupRuleSet: { items: rules } },
  });
}

export function iacLogGroup(x: IacContext): void {
  const { g } = x.c;
  const group = `/aws/lambda/${g.pick(FUNCTIONS)}`;
  const region = homeRegion(x.account);
  apply(x, region, { source: "logs.amazonaws.com", name: "PutRetentionPolicy", readOnly: false, params: { logGroupName: group, retentionInDays: g.pick([30, 90, 365]) } });
  apply(x, region, { source: "logs.amazonaws.com", name: "TagResource", readOnly: false, params: { resourceArn: `arn:aws:logs:eu-west-1:${x.account}:log-group:${group}`, tags: { "managed-by": "terraform" } } });
}

/**
 * A customer-managed key: the account's own root, the security account's
 * posture scanner (read-only), and any principal of this account through
 * Secrets Manager (`kms:CallerAccount`): nobody outside the organisation.
 */
export function iacKmsKey(x: IacContext): void {
  const { c, account } = x;
  const { g } = c;
  const region = homeRegion(account);
  const alias = g.pick(["chargebacks", "payouts", "exports", "webhooks"]);
  const keyId = keyIdFor(account, region, alias);
  const arn = kmsKeyArn(account, region, keyId);
  const resources = [{ accountId: account, type: "AWS::KMS::Key", ARN: arn }];
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Id: `${alias}-key-policy`,
    Statement: [
      { Sid: "EnableRootAccess", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
      {
        Sid: "AllowPostureScanner",
        Effect: "Allow",
        Principal: { AWS: roleArn(ACCOUNTS.security.id, SCANNER_ROLE.name, SCANNER_ROLE.path) },
        Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus"],
        Resource: "*",
      },
      {
        Sid: "AllowUseThroughSecretsManager",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "kms:CallerAccount": account, "kms:ViaService": `secretsmanager.${region}.amazonaws.com` } },
      },
    ],
  });
  const kms = (name: string, params: Json, response: Json | null = null) => apply(x, region, { source: "kms.amazonaws.com", name, readOnly: false, params, response, resources });
  kms(
    "CreateKey",
    { description: `${alias} data key`, keyUsage: "ENCRYPT_DECRYPT", keySpec: "SYMMETRIC_DEFAULT", origin: "AWS_KMS", multiRegion: false, bypassPolicyLockoutSafetyCheck: false, tags: [{ tagKey: "managed-by", tagValue: "terraform" }] },
    { keyMetadata: { aWSAccountId: account, keyId, arn, creationDate: awsDate(c.t), enabled: true, keyUsage: "ENCRYPT_DECRYPT", keyState: "Enabled", origin: "AWS_KMS", keyManager: "CUSTOMER", keySpec: "SYMMETRIC_DEFAULT", multiRegion: false } },
  );
  kms("PutKeyPolicy", { keyId, policyName: "default", policy, bypassPolicyLockoutSafetyCheck: false });
  kms("EnableKeyRotation", { keyId });
  kms("CreateAlias", { aliasName: `alias/${alias}`, targetKeyId: keyId });
}

/**
 * A trust policy rewritten: the vendor's read-only role trusts the vendor's
 * account (baseline `trust.externalAccounts`) with an external id, and the
 * audit role trusts the security account's posture scanner.
 */
export function iacTrustPolicy(x: IacContext, forced?: "vendor" | "audit"): void {
  const { c, account } = x;
  const vendorHere = account === ACCOUNTS.prod.id || account === ACCOUNTS.staging.id;
  const vendor = forced ? forced === "vendor" && vendorHere : vendorHere && c.g.chance(0.5);
  const role = vendor ? VENDOR_ROLE : AUDIT_ROLE;
  const statement = vendor
    ? { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${VENDOR_ACCOUNT}:root` }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": VENDOR_EXTERNAL_ID } } }
    : { Effect: "Allow", Principal: { AWS: roleArn(ACCOUNTS.security.id, SCANNER_ROLE.name, SCANNER_ROLE.path) }, Action: "sts:AssumeRole" };
  apply(x, "us-east-1", iamWrite("UpdateAssumeRolePolicy", { roleName: role.name, policyDocument: policyJson([statement]) }, { resources: [iamResource(account, "role", role.name, role.path)] }));
}

/** Log buckets keep their objects for months, moving them to Glacier on the way. */
export function iacLogLifecycle(x: IacContext): void {
  const { c, account } = x;
  const buckets = BUCKETS[account]!;
  const bucket = buckets.find((b) => b.endsWith("-logs")) ?? buckets.find((b) => b.includes("cloudtrail")) ?? buckets[0]!;
  const region = homeRegion(account);
  const days = c.g.pick([365, 400, 730]);
  const rule = { ID: "retain-then-expire", Status: "Enabled", Filter: { Prefix: "" }, Transition: { Days: 90, StorageClass: "GLACIER" }, Expiration: { Days: days }, NoncurrentVersionExpiration: { NoncurrentDays: 90 } };
  apply(x, region, s3Call(c.g, account, region, bucket, "PutBucketLifecycle", false, { lifecycle: "", LifecycleConfiguration: { xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", Rule: rule } }, { bytesIn: 412 }));
}
