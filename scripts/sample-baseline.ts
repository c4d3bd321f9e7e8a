import {
  ACCOUNTS,
  ALLOWED_REGIONS,
  AUDIT_ROLE,
  BREAK_GLASS_ROLE,
  CFN_ROLE,
  CI_ROLE,
  IAC_ROLE,
  OFFICE_CIDR,
  ONCALL_USER,
  PRIVILEGED_POLICIES,
  PROXY_ROLE,
  PROXY_SERVICES,
  REMEDIATOR_ROLE,
  SCANNER_ROLE,
  SSO_REGION,
  VENDOR_ACCOUNT,
  VPN_CIDR,
} from "./samples/organisation.js";

/**
 * Profiles of a few routine principals: every sensitive API they call and
 * every region they work in, in routine activity (scripts/samples/). A
 * profiled principal doing anything else is reported by the behaviour.*
 * detectors; principals without a profile are not judged.
 */
const PROFILES: readonly { comment: string; principal: string; apis: string[]; regions: string[] }[] = [
  {
    comment: "The settlement batch host's instance role: reads its secret, in the home and DR regions.",
    principal: `arn:aws:iam::${ACCOUNTS.prod.id}:role/app/settlement-batch`,
    apis: ["secretsmanager:GetSecretValue"],
    regions: ["eu-west-1", "eu-central-1"],
  },
  {
    comment: "GitHub Actions, in every account: pushes images and deploys; no sensitive API.",
    principal: `arn:aws:iam::*:role${CI_ROLE.path}${CI_ROLE.name}`,
    apis: [],
    regions: ["eu-west-1"],
  },
  {
    comment: "The on-call IAM user: rotates its own key, reads in the home region.",
    principal: `arn:aws:iam::${ACCOUNTS.prod.id}:user/${ONCALL_USER}`,
    apis: ["iam:CreateAccessKey"],
    regions: ["eu-west-1"],
  },
  {
    comment: "Developers (Identity Center, staging): read a secret now and then.",
    principal: `arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/${SSO_REGION}/AWSReservedSSO_Developer_*`,
    apis: ["secretsmanager:GetSecretValue"],
    regions: ["eu-west-1", "us-east-1"],
  },
  {
    comment: "Read-only sessions (Identity Center, production).",
    principal: `arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/${SSO_REGION}/AWSReservedSSO_ReadOnly_*`,
    apis: [],
    regions: ["eu-west-1", "us-east-1", "eu-central-1"],
  },
];

function profilesYaml(): string {
  const list = (items: readonly string[]) => (items.length === 0 ? " []" : `\n${items.map((i) => `      - ${i}`).join("\n")}`);
  return PROFILES.map((p) => `  # ${p.comment}\n  "${p.principal}":\n    apis:${list(p.apis)}\n    regions:${list(p.regions)}`).join("\n");
}

/**
 * The security baseline of the fictional organisation in `samples/`: the
 * text of `samples/baseline.yaml`. Written by `scripts/generate-samples.ts`
 * and parsed by the replay benchmark, so both judge with the same baseline.
 */
export function sampleBaselineYaml(): string {
  const accounts = Object.values(ACCOUNTS)
    .map((a) => `  "${a.id}":\n    name: ${a.name}\n    environment: ${a.environment}`)
    .join("\n");
  return `# Security baseline of "Example Payments", the fictional organisation of the
# sample CloudTrail logs (samples/README.md). Written by
# scripts/generate-samples.ts from scripts/sample-baseline.ts: edit that
# script, not this file.
#
# Under this baseline the routine logs (samples/routine) produce no findings,
# and the attack logs (samples/attack) trip every detector:
#   trailwarden replay samples --baseline samples/baseline.yaml
version: 1

# Every account of the organisation. Account ids are quoted: YAML would read
# them as numbers.
accounts:
${accounts}

# Where the organisation runs. IAM, Organizations and console sign-in events
# are recorded in us-east-1 whatever the caller's region.
regions:
  allowed:
${ALLOWED_REGIONS.map((r) => `    - ${r}`).join("\n")}

principals:
  # Infrastructure as code: the only principals that create IAM users and
  # roles, write bucket policies and change trails. Assumed-role sessions are
  # matched by the role ARN with its path (sessionContext.sessionIssuer.arn).
  iac:
    - arn:aws:iam::*:role${IAC_ROLE.path}${IAC_ROLE.name}        # Terraform, from the CI role
    - arn:aws:iam::*:role${CFN_ROLE.path}${CFN_ROLE.name}    # CloudFormation service role
  # Emergency access: never remediated, always investigated.
  breakGlass:
    - arn:aws:iam::*:role${BREAK_GLASS_ROLE.path}*
  # Security tooling: posture scanning and trailwarden's own remediator.
  securityAutomation:
    - arn:aws:iam::${ACCOUNTS.security.id}:role${SCANNER_ROLE.path}${SCANNER_ROLE.name}
    - arn:aws:iam::*:role${AUDIT_ROLE.path}${AUDIT_ROLE.name}
    - arn:aws:iam::*:role${REMEDIATOR_ROLE.path}${REMEDIATOR_ROLE.name}

trust:
  # Accounts outside the organisation allowed to assume roles here: the
  # observability vendor (read-only role, with an external id).
  externalAccounts:
    - "${VENDOR_ACCOUNT}"

s3:
  # No bucket is meant to be public: static assets go through CloudFront
  # with origin access control.
  publicBuckets: []

# Where people work from: the office, and the VPN everyone uses from home.
# A person's credentials used from anywhere else are a finding.
networks:
  human:
    - ${OFFICE_CIDR}     # office
    - ${VPN_CIDR}   # VPN egress

# The control-plane proxy carries out approved changes; the databases and
# caches change only through it (an SCP reserves their writes to it).
proxy:
  principals:
    - arn:aws:iam::*:role${PROXY_ROLE.path}${PROXY_ROLE.name}
  services:
${PROXY_SERVICES.map((s) => `    - ${s}`).join("\n")}

iam:
  # Customer-managed policies that grant admin: attaching one is judged like
  # attaching AdministratorAccess.
  privilegedPolicies:
${PRIVILEGED_POLICIES.map((p) => `    - "${p}"`).join("\n")}

# Learned per-principal profiles, reviewed: sensitive API calls and regions.
# (Keys may be ARN patterns; the role ARN for assumed roles.)
profiles:
${profilesYaml()}

# Accepted risks, each with an owner and an expiry. None yet.
exceptions: []
`;
}
