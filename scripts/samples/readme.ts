/** The text of samples/README.md, from what the generator wrote. */
import type { StoryLine } from "./attack.js";
import { ACCOUNTS, ATTACKER_ACCOUNT, OFFICE_CIDR, VENDOR_ACCOUNT, VPN_CIDR } from "./organisation.js";
import type { Json } from "./records.js";

export interface ReadmeInput {
  routine: readonly Json[];
  routineSet: { records: number; files: number };
  attack: readonly Json[];
  noise: readonly Json[];
  attackSet: { records: number; files: number };
  lines: readonly StoryLine[];
  attackStart: number;
  /** How many detectors the registry has. */
  detectors: number;
}

function countBy(records: readonly Json[], key: (r: Json) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  return counts;
}

/** Every detector's event done the sanctioned way in routine/, where there is one. */
const NEAR_MISSES: readonly [string, string][] = [
  ["signin.console-login-without-mfa", "the on-call IAM user signs in with MFA; Identity Center console sign-ins say `MFAUsed: No` but are assumed-role sessions (MFA happened at the identity provider)"],
  ["iam.access-key-created-for-other-user", "the on-call user rotates its own key (`CreateAccessKey` naming itself)"],
  ["iam.user-created-outside-iac", "`CreateUser` by Terraform and by the CloudFormation service role"],
  ["iam.admin-policy-attached", "IaC attaches `AWSLambdaBasicExecutionRole`, `ReadOnlyAccess` and scoped customer policies; inline policies are scoped (one has a `Deny` of `*`/`*` outside the VPC endpoint)"],
  ["iam.role-trust-untrusted-account", "Terraform rewrites trust policies: the vendor's role trusts the vendor's account (trusted, with an external id), the audit role the security account's scanner"],
  ["kms.key-policy-opened", "Terraform creates keys whose policies name the account's root, the security account's scanner, and `\"*\"` held to the account itself by `kms:CallerAccount`"],
  ["ec2.security-group-open-admin-port", "Terraform opens port 443: to the VPC, and on the public load balancer's group to the internet"],
  ["s3.public-access-block-removed", "IaC writes `PutBucketPublicAccessBlock` with every flag true"],
  ["s3.bucket-policy-public", "bucket policies grant a named role, CloudFront (by `AWS:SourceArn`), ELB log delivery, or `\"*\"` restricted by `aws:SourceVpce`"],
  ["s3.bucket-acl-public", "owner-only ACLs, and the S3 log-delivery group on the ALB log bucket"],
  ["s3.trail-bucket-lifecycle-shortened", "Terraform's lifecycle rules keep log buckets' objects for a year or more"],
  ["cloudtrail.event-selectors-changed", "selectors that add S3 data events and keep all management events (basic and advanced selectors)"],
  ["cloudtrail.logging-stopped", "IaC runs `UpdateTrail` and `StartLogging`"],
  ["organizations.scp-detached-or-deleted, organizations.scp-changed", "Terraform updates and attaches SCPs in the management account"],
  ["events.trailwarden-rule-tampered", "CloudFormation re-applies trailwarden's forwarding rule, enabled, with its target"],
  ["lambda.function-code-changed-outside-iac", "CI releases Lambda functions through CloudFormation change sets; the service role replaces the code"],
  ["rds.snapshot-shared, changes.proxy-bypassed", "the control-plane proxy makes every RDS and ElastiCache change, and shares pre-change snapshots with the security account's backup vault"],
  ["changes.clickops-in-production", "in production people only read; the on-call engineer scales services through the proxy and rotates only its own key"],
  ["changes.human-call-from-outside-networks", `people work from the office (${OFFICE_CIDR}) or through the VPN (${VPN_CIDR}); workloads and CI are not people`],
  ["secretsmanager.bulk-secret-reads, ssm.bulk-securestring-reads", "workloads and developers read a secret or two; workloads read plain String parameters, nothing to decrypt"],
  ["ec2.instance-credentials-used-outside-ec2, ec2.discovery-burst-from-instance", "the batch host's role calls from the host (NAT address, Linux SDK), a few calls at a time"],
  ["behaviour.*", "the profiled principals (batch role, CI, on-call user, Developer and ReadOnly permission sets) stay within their profiles"],
  ["root.account-used", "no root activity at all"],
];

export function sampleReadme(input: ReadmeInput): string {
  const { routine, routineSet, attack, noise, attackSet, lines } = input;
  const at = (offset: number) => new Date(input.attackStart + offset * 1000).toISOString().slice(11, 16);
  const last = Math.max(...lines.map((l) => l.at));
  const accounts = Object.values(ACCOUNTS)
    .map((a) => `| \`${a.id}\` | ${a.name} | ${a.environment} | ${a.regions.join(", ")} |`)
    .join("\n");
  const byAccount = countBy(routine, (r) => r.recipientAccountId as string);
  const readOnly = routine.filter((r) => r.readOnly === true).length;
  const top = [...countBy(routine, (r) => r.eventName as string).entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 8);
  const story = lines.map((l) => `| ${at(l.at)} | ${l.who} | ${l.what} | ${l.trips.join(", ")} |`).join("\n");
  const nearMisses = NEAR_MISSES.map(([id, twin]) => `| ${id} | ${twin} |`).join("\n");
  return `# Sample CloudTrail logs

Synthetic CloudTrail logs of a fictional organisation, "Example Payments", in
the layout CloudTrail writes to S3: gzipped \`{"Records": [...]}\` files, one per
account, region and five minutes, under
\`AWSLogs/<account>/CloudTrail/<region>/<YYYY>/<MM>/<DD>/\`.

\`\`\`
trailwarden replay samples --baseline samples/baseline.yaml           # all ${input.detectors} detectors fire
trailwarden replay samples/routine --baseline samples/baseline.yaml   # no findings
\`\`\`

Replay lists this README and \`baseline.yaml\` as skipped (not log files).
Without \`--baseline\` the built-in baseline trusts no one, so the IAM users
that Terraform creates in \`routine/\` become findings too, and the detectors
that judge against the organisation's networks, proxy, environments and
profiles judge nothing: the baseline is what tells sanctioned changes from
the attacker's.

| folder | what | records | files |
|---|---|---|---|
| \`routine/\` | 2025-03-14, 07:00–11:00 UTC: a normal working morning | ${routineSet.records} | ${routineSet.files} |
| \`attack/\` | 2025-03-14, ${at(0)}–${at(last)} UTC: an attack on production and the management account, mixed with routine noise | ${attackSet.records} (${attack.length} attack, ${noise.length} noise) | ${attackSet.files} |
| \`baseline.yaml\` | the organisation's security baseline: accounts and environments, regions, IaC, break-glass and security-automation principals, trusted accounts, people's networks, the control-plane proxy, privileged policies, and reviewed profiles of a few principals | | |

## The organisation

| account | name | environment | regions |
|---|---|---|---|
${accounts}

\`${VENDOR_ACCOUNT}\` is an observability vendor outside the organisation, trusted
in the baseline to assume a read-only role with an external id.
\`${ATTACKER_ACCOUNT}\` is the attacker's own account.

## Routine activity

${routineSet.records} records (${Math.round((100 * readOnly) / routine.length)} % read-only):
${[...byAccount.entries()].map(([a, n]) => `${n} in ${a}`).join(", ")}. Most frequent: ${top.map(([n, c]) => `${n} (${c})`).join(", ")}.

- Workloads (ECS tasks, Lambda functions, an EC2 batch host with
  \`ec2RoleDelivery\`) calling KMS, Secrets Manager and SSM through VPC
  endpoints, and the services assuming their roles (\`AWSService\`).
- AWS Config's service-linked role describing resources.
- Developers through IAM Identity Center (\`AWSReservedSSO_Developer_…\` in
  staging, \`AWSReservedSSO_ReadOnly_…\` in production), in the console and
  with the CLI, from the office or the VPN; a read-only session refused a
  write now and then, a developer reading a staging secret.
- GitHub Actions: OIDC web identity into \`role/ci/github-actions-deploy\`,
  ECR pushes, ECS deploys, Lambda releases and other stacks through
  CloudFormation change sets.
- Terraform (\`role/deploy/terraform-apply\`, assumed by the CI role) planning
  and applying, KMS keys and trust policies among its changes;
  CloudFormation's service role (\`role/deploy/cloudformation-exec\`,
  \`invokedBy: cloudformation.amazonaws.com\`).
- The control-plane proxy (\`role/platform/control-plane-proxy\`) making the
  approved RDS and ElastiCache changes, and scaling services for the on-call
  engineer.
- The security account's posture scanner assuming \`role/security/audit-readonly\`
  in each account (recorded on both sides with one \`sharedEventID\`), the
  vendor polling metrics, the on-call IAM user \`oncall-payments\`, and an
  occasional KMS key rotation (a service event without \`userIdentity.type\`,
  as in real logs: replay infers it and counts a warning).

Many detectors' events also appear here, done the sanctioned way (near misses):

| detector | the sanctioned twin in \`routine/\` |
|---|---|
${nearMisses}

## The attack (2025-03-14, times UTC)

| time | who | what | trips |
|---|---|---|---|
${story}

The account's own trails go quiet at 13:40, but the organisation trail
(owned by the management account; the attacker never touches it) and the
data-events trail keep recording, which is why the later events are in the
logs. The attack trips more than each line names: every change the
attacker's IAM users and root make in production is ClickOps, and every call
from their addresses comes from outside the people's networks.

## A learned baseline

\`trailwarden baseline learn samples/routine --out learned.yaml\` proposes a
baseline from the routine logs alone: the four accounts (without
environments), the three regions in use, Terraform and the CloudFormation
role as IaC, the vendor's account, and a profile of every principal. Under
it the routine logs give no finding, and the attack still trips every
detector that fires on it without a baseline, plus the region and behaviour
detectors. What history cannot teach (environments, the people's networks,
the proxy, privileged policies) is what \`baseline.yaml\` adds by hand.

## Regenerate

\`\`\`
npm run samples
\`\`\`

\`scripts/generate-samples.ts\` writes this folder from a fixed seed with
\`scripts/samples/\` (the organisation, record builders, routine scenarios,
IaC, the proxy) and \`scripts/samples/attack/\` (the story, step by step),
and \`scripts/sample-baseline.ts\`: the same seed gives the same bytes. It
then replays the result and fails if routine activity or the routine noise in
\`attack/\` produces a finding, if a registered detector does not fire on the
attack, if a detector fires that no line of the story names, or if a baseline
learned from \`routine/\` finds anything there or silences a detector that
fires on the attack without a baseline. (Compressed bytes can differ with
another zlib build; the records do not.)

## Provenance and licence

Synthetic: no record comes from a real account. Account ids are the ones AWS
documentation uses, addresses come from the documentation ranges
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) and private ranges, people
and keys are invented. The data is under the repository's licence.
`;
}
