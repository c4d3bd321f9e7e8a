/**
 * The fictional organisation of the samples ("Example Payments"): its
 * accounts, regions, people, addresses, tools (user agents), well-known roles
 * and resources.
 *
 *   111122223333  payments-prod     production   eu-west-1 (home), us-east-1, eu-central-1 (DR)
 *   444455556666  payments-staging  staging      eu-west-1, us-east-1
 *   777788889999  security          security     eu-west-1, us-east-1 (scanners, log archive, trailwarden)
 *   123456789012  org-management    shared       us-east-1 (AWS Organizations, SCPs)
 *   210987654321  an observability vendor outside the organisation (trusted, read-only)
 *   999988887777  the attacker's own account (outside the organisation, never trusted)
 *
 * Everything here is synthetic: addresses come from the documentation ranges
 * (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 10.0.0.0/8), people and
 * keys are invented, and ids only look like AWS ids.
 */
import type { Gen } from "./random.js";

export interface AccountInfo {
  id: string;
  name: string;
  environment: "production" | "staging" | "security" | "shared";
  regions: readonly string[];
}

export const ACCOUNTS = {
  prod: { id: "111122223333", name: "payments-prod", environment: "production", regions: ["eu-west-1", "us-east-1", "eu-central-1"] },
  staging: { id: "444455556666", name: "payments-staging", environment: "staging", regions: ["eu-west-1", "us-east-1"] },
  security: { id: "777788889999", name: "security", environment: "security", regions: ["eu-west-1", "us-east-1"] },
  management: { id: "123456789012", name: "org-management", environment: "shared", regions: ["us-east-1"] },
} as const satisfies Record<string, AccountInfo>;

export type AccountKey = keyof typeof ACCOUNTS;
export const ALLOWED_REGIONS = ["us-east-1", "eu-west-1", "eu-central-1"] as const;
export const ORG_ID = "o-k3x9q2m7tb";
export const ROOT_ID = "r-8fq2";
export const VENDOR_ACCOUNT = "210987654321";
export const VENDOR_EXTERNAL_ID = "exp-7c1e5b2a9f";
/** An account the attacker controls: outside the organisation and every trust list. */
export const ATTACKER_ACCOUNT = "999988887777";
/** The S3 gateway endpoint of the production VPC: bucket policies restricted to it are not public. */
export const PROD_VPCE = "vpce-0a7c3e91d5b2f4861";
const STAGING_VPCE = "vpce-04be8d21c6a9f7035";
/** The production VPC's interface endpoints (KMS, Secrets Manager, SSM): workload calls arrive through them. */
export const PROD_INTERFACE_VPCE = "vpce-0f31e91d5b2f48a6c";
export const SSO_REGION = "eu-west-1";

/** Organizational units and SCPs of the management account. */
export const OUS = { workloads: "ou-8fq2-w0rk1o4d", prod: "ou-8fq2-pr0dw7k5", security: "ou-8fq2-secu1ty9" };
export const SCPS = {
  denyLeaveOrg: "p-3nq8x0kd7e",
  regionGuard: "p-9w2m4v7xha",
  protectLogging: "p-5c1j8r6zt2",
};

/** The random suffix of each IAM Identity Center permission set's roles. */
export const SSO_SUFFIX: Record<string, string> = {
  Developer: "5d3a1c9e8b7f2a40",
  ReadOnly: "9b0e4f27c81d6a53",
  PlatformAdmin: "2e7f8a1b3c4d5e6f",
};

export const DEVELOPERS = [
  "amara.osei",
  "ben.kowalski",
  "chen.wei",
  "dana.levi",
  "emeka.obi",
  "farah.haddad",
  "gustav.lind",
  "hana.sato",
  "ivan.petrov",
  "julia.santos",
];
export const PLATFORM_ENGINEERS = ["kofi.mensah", "lena.fischer", "mateo.ruiz"];
export const EMAIL_DOMAIN = "example.com";

/** Where people work from (the baseline's networks.human): the office's range, and the VPN people use from home. */
export const OFFICE_CIDR = "203.0.113.0/26";
export const VPN_CIDR = "203.0.113.128/25";
export const OFFICE_IPS = ["203.0.113.12", "203.0.113.17", "203.0.113.23", "203.0.113.41", "203.0.113.58"];
/** Home, through the corporate VPN: its egress addresses. */
export const HOME_IPS = ["203.0.113.131", "203.0.113.164", "203.0.113.187", "203.0.113.209", "203.0.113.226"];
const NAT_IPS: Record<string, readonly string[]> = {
  "111122223333": ["198.51.100.10", "198.51.100.11"],
  "444455556666": ["198.51.100.20"],
  "777788889999": ["198.51.100.30"],
  "123456789012": ["198.51.100.40"],
};
/** The attacker's addresses: a VPN exit and a rented server. */
export const ATTACKER_IPS = { vpn: "198.51.100.77", server: "198.51.100.142" };

export const USER_AGENTS = {
  cliMac: "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/macos#23.4.0 md/arch#arm64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe",
  cliLinux: "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0-1017-azure md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython exec-env#GitHub-Actions cfg/retry-mode#standard md/installer#exe",
  cliAttacker: "aws-cli/2.13.4 Python/3.11.4 Linux/6.2.0-26-generic exe/x86_64.ubuntu.22 prompt/off",
  terraform:
    "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64",
  boto3Lambda:
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-224.815.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython exec-env#AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.69",
  boto3Attacker: "Boto3/1.28.40 md/Botocore#1.31.40 ua/2.0 os/linux#6.2.0-26-generic md/arch#x86_64 lang/python#3.10.12 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.31.40",
  nodeSdk: "aws-sdk-js/3.540.0 ua/2.0 os/linux#5.10.213-224.815.amzn2.x86_64 lang/js md/nodejs#20.12.0 api/kms#3.540.0",
  javaSdk: "aws-sdk-java/2.25.16 Linux/5.10.213-224.815.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.2+13-LTS Java/21.0.2 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
  goSdkVendor: "aws-sdk-go/1.51.6 (go1.22.1; linux; amd64) observability-agent/7.52.0",
  console: "AWS Internal",
  chromeMac: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
  firefoxLinux: "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
  chromeAttacker: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
  /** The AWS CLI on the attacker's Kali laptop. */
  cliKali: "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2024 prompt/off",
  /** The AWS CLI on the settlement batch host itself (Amazon Linux 2023). */
  cliInstance: "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.84-99.169.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off",
  /** The control-plane proxy: a Lambda function of the platform team that carries out approved changes. */
  proxy: "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-224.815.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 exec-env#AWS_Lambda_python3.12 app/control-plane-proxy#2.3.1 Botocore/1.34.69",
} as const;

// ------------------------------------------------------------------ well-known roles and users

/** A role by name and path (path with leading and trailing slash). */
export interface RoleRef {
  name: string;
  path: string;
}

export const IAC_ROLE: RoleRef = { name: "terraform-apply", path: "/deploy/" };
export const CFN_ROLE: RoleRef = { name: "cloudformation-exec", path: "/deploy/" };
export const CI_ROLE: RoleRef = { name: "github-actions-deploy", path: "/ci/" };
export const SCANNER_ROLE: RoleRef = { name: "posture-scanner", path: "/security/" };
export const AUDIT_ROLE: RoleRef = { name: "audit-readonly", path: "/security/" };
export const REMEDIATOR_ROLE: RoleRef = { name: "trailwarden-remediator", path: "/security/" };
export const BREAK_GLASS_ROLE: RoleRef = { name: "emergency-admin", path: "/break-glass/" };
export const VENDOR_ROLE: RoleRef = { name: "observability-readonly", path: "/integrations/" };
/** The control-plane proxy: carries out approved changes to the services that must go through it. */
export const PROXY_ROLE: RoleRef = { name: "control-plane-proxy", path: "/platform/" };
/** Services whose control plane changes only through the proxy (the baseline's proxy.services). */
export const PROXY_SERVICES = ["rds.amazonaws.com", "elasticache.amazonaws.com"] as const;
/** Customer-managed policies that grant admin (the baseline's iam.privilegedPolicies). */
export const PRIVILEGED_POLICIES = ["arn:aws:iam::*:policy/platform/*-admin"] as const;
export const ONCALL_USER = "oncall-payments";

/** A workload's execution role, and what it reads at runtime. */
export interface AppRole {
  account: string;
  role: string;
  kind: "lambda" | "ecs" | "ec2";
  session: string;
  secret?: string;
  param?: string;
}

export const APP_ROLES: readonly AppRole[] = [
  { account: ACCOUNTS.prod.id, role: "payments-api-task", kind: "ecs", session: "7f3d2a9c41b84e0f9a6c5d1e2b3f4a5c", secret: "prod/payments-api/db", param: "/payments/api/feature-flags" },
  { account: ACCOUNTS.prod.id, role: "ledger-writer", kind: "lambda", session: "ledger-writer", secret: "prod/ledger/db", param: "/payments/ledger/batch-size" },
  { account: ACCOUNTS.prod.id, role: "settlement-batch", kind: "ec2", session: "i-0c4f7a2d9e81b3f56", secret: "prod/settlement/sftp", param: "/payments/settlement/cutoff" },
  { account: ACCOUNTS.prod.id, role: "reporting-export", kind: "lambda", session: "reporting-export", param: "/payments/reporting/schedule" },
  { account: ACCOUNTS.staging.id, role: "payments-api-task", kind: "ecs", session: "2b9e1f4c7d0a48e6b3c5a7d9e1f2a4b6", secret: "staging/payments-api/db", param: "/payments/api/feature-flags" },
  { account: ACCOUNTS.staging.id, role: "ledger-writer", kind: "lambda", session: "ledger-writer", secret: "staging/ledger/db" },
  { account: ACCOUNTS.security.id, role: "trailwarden-detect", kind: "lambda", session: "trailwarden-detect" },
];

// ------------------------------------------------------------------ resources

export const BUCKETS: Record<string, readonly string[]> = {
  [ACCOUNTS.prod.id]: [
    "payments-prod-settlement-reports",
    "payments-prod-ledger-archive",
    "payments-prod-app-artifacts",
    "payments-prod-alb-logs",
    "payments-prod-static-assets",
  ],
  [ACCOUNTS.staging.id]: ["payments-staging-app-artifacts", "payments-staging-fixtures", "payments-staging-alb-logs"],
  [ACCOUNTS.security.id]: ["security-cloudtrail-archive", "security-trailwarden-findings", "security-config-snapshots"],
  [ACCOUNTS.management.id]: ["org-management-terraform-state"],
};

export const TRAILS: Record<string, readonly string[]> = {
  [ACCOUNTS.prod.id]: ["payments-prod-audit", "payments-prod-data-events"],
  [ACCOUNTS.staging.id]: ["payments-staging-audit"],
  [ACCOUNTS.security.id]: ["security-audit"],
  [ACCOUNTS.management.id]: ["org-trail"],
};

export const INSTANCE_IDS = ["i-0c4f7a2d9e81b3f56", "i-09d2e6b1a7c3f4e80", "i-0a5b8c1d2e3f40617", "i-0e7f6a5b4c3d21098"];
export const FUNCTIONS = ["ledger-writer", "reporting-export", "webhook-dispatcher", "fx-rates-sync", "settlement-notifier"];
export const LOG_GROUPS = ["/aws/lambda/ledger-writer", "/aws/lambda/webhook-dispatcher", "/ecs/payments-api", "/aws/lambda/fx-rates-sync"];
export const TABLES = ["payments-idempotency", "ledger-entries", "merchant-config"];
export const CLUSTERS = ["payments", "payments-batch"];
/** The RDS databases and the ElastiCache replication group of each workload account. */
export const DATABASES: Record<string, string> = { [ACCOUNTS.prod.id]: "payments-ledger-prod", [ACCOUNTS.staging.id]: "payments-ledger-staging" };
export const CACHE_GROUP = "checkout-sessions";

/** The S3 gateway endpoint of the account's VPC. */
export function s3Vpce(account: string): string {
  return account === ACCOUNTS.staging.id ? STAGING_VPCE : PROD_VPCE;
}

// ------------------------------------------------------------------ random picks

export function pickAccount(g: Gen, weights: readonly (readonly [AccountKey, number])[]): string {
  return ACCOUNTS[g.weighted(weights)].id;
}

export const WORKLOAD_ACCOUNTS = [["prod", 5], ["staging", 4]] as const;

export function homeRegion(account: string): string {
  return account === ACCOUNTS.management.id ? "us-east-1" : "eu-west-1";
}

export function regionOf(g: Gen, account: string): string {
  const info = Object.values(ACCOUNTS).find((a) => a.id === account)!;
  if (info.regions.length === 1) return info.regions[0]!;
  return g.weighted(info.regions.map((r, i) => [r, i === 0 ? 6 : i === 1 ? 3 : 1] as const));
}

/** Workloads run in eu-west-1; production keeps a warm standby in eu-central-1. */
export function workloadRegion(g: Gen, account: string): string {
  return account === ACCOUNTS.prod.id && g.chance(0.12) ? "eu-central-1" : "eu-west-1";
}

/** The NAT gateway address an account's workloads reach the internet from. */
export function natIp(g: Gen, account: string): string {
  return g.pick(NAT_IPS[account] ?? ["198.51.100.99"]);
}

export function privateIp(g: Gen): string {
  return `10.${g.range(20, 23)}.${g.range(0, 63)}.${g.range(4, 250)}`;
}

/** A GitHub Actions runner's address. */
export function runnerIp(g: Gen): string {
  return `192.0.2.${g.range(10, 250)}`;
}

/** A GitHub Actions run id. */
export function runId(g: Gen): string {
  return String(g.range(8_100_000_000, 8_399_999_999));
}
