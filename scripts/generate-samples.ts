/**
 * Writes the sample CloudTrail logs of `samples/` (see samples/README.md):
 *
 *   samples/routine/   a morning of routine activity of a fictional organisation
 *   samples/attack/    an hour-long attack on its production account, with noise
 *   samples/baseline.yaml, samples/README.md
 *
 * Usage: npm run samples   (or: node dist/scripts/generate-samples.js [--out <dir>] [--no-check])
 *
 * Deterministic: the same seed gives the same bytes (no clock, sorted keys,
 * gzip with mtime 0). Then it checks the result with the real pipeline:
 * routine activity must produce no finding under the baseline, and the attack
 * must trip every detector of the registry.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { loadBaselineFile } from "../core/baseline-file.js";
import { replay, type ReplaySummary } from "../core/replay.js";
import { detectors } from "../detectors/index.js";
import { sampleBaselineYaml } from "./sample-baseline.js";
import { ATTACK, ATTACK_DETECTORS, generateAttackRecords } from "./samples/attack.js";
import { cloudTrailKey, groupIntoFiles } from "./samples/layout.js";
import { ACCOUNTS, ATTACKER_IPS } from "./samples/organisation.js";
import { Gen } from "./samples/random.js";
import { type Json, sortByTime } from "./samples/records.js";
import { generateRoutineRecords } from "./samples/routine.js";
import { generateSanctionedChanges } from "./samples/sanctioned.js";
import { HOUR, MINUTE } from "./samples/time.js";

export const SEED = 20250314;
export const ROUTINE_COUNT = 3000;
export const ROUTINE_START = Date.UTC(2025, 2, 14, 7, 0, 0);
export const ROUTINE_END = ROUTINE_START + 4 * HOUR;
export const ATTACK_START = Date.UTC(2025, 2, 14, 13, 2, 11);
export const ATTACK_NOISE = 300;

/** `{"Records":[...]}` gzipped, byte for byte reproducible: mtime 0 (Node's default) and the OS byte pinned to Unix. */
export function gzipRecords(records: readonly Json[], level = 6): Buffer {
  const gz = gzipSync(Buffer.from(JSON.stringify({ Records: records })), { level });
  gz[9] = 3;
  return gz;
}

export interface WrittenSet {
  files: number;
  records: number;
  bytes: number;
}

/** Writes records as CloudTrail log files under `dir`, one per account, region and five minutes. */
export function writeLogFiles(dir: string, records: readonly Json[], names: Gen): WrittenSet {
  const written: WrittenSet = { files: 0, records: 0, bytes: 0 };
  for (const group of groupIntoFiles(records)) {
    const path = join(dir, cloudTrailKey(names, group.account, group.region, group.windowStart));
    mkdirSync(dirname(path), { recursive: true });
    const bytes = gzipRecords(group.records);
    writeFileSync(path, bytes);
    written.files++;
    written.records += group.records.length;
    written.bytes += bytes.length;
  }
  return written;
}

/** Random routine activity plus every sanctioned change once, ROUTINE_COUNT records in all. */
export function routineRecords(): Json[] {
  const sanctioned = generateSanctionedChanges(Gen.seeded(SEED + 5), ROUTINE_START, ROUTINE_END - 10 * MINUTE);
  const random = generateRoutineRecords(Gen.seeded(SEED), ROUTINE_COUNT - sanctioned.length, { start: ROUTINE_START, end: ROUTINE_END });
  return sortByTime([...random, ...sanctioned]);
}

export function attackRecords(): { attack: Json[]; noise: Json[] } {
  const attack = generateAttackRecords(Gen.seeded(SEED + 1), ATTACK_START);
  const noise = generateRoutineRecords(Gen.seeded(SEED + 2), ATTACK_NOISE, { start: ATTACK_START - 2 * MINUTE, end: ATTACK_START + 62 * MINUTE });
  return { attack, noise };
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, "package.json"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("cannot find the repository root (package.json) above " + dirname(fileURLToPath(import.meta.url)));
}

async function replayQuiet(paths: string[], baselineFile: string): Promise<ReplaySummary> {
  return replay({ paths, detectors, baseline: loadBaselineFile(baselineFile) }, { onFinding() {} });
}

function countBy(records: readonly Json[], key: (r: Json) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  return counts;
}

async function main(argv: string[]): Promise<number> {
  const outIndex = argv.indexOf("--out");
  const out = resolve(outIndex >= 0 && argv[outIndex + 1] ? argv[outIndex + 1]! : join(repoRoot(), "samples"));
  const check = !argv.includes("--no-check");

  const routine = routineRecords();
  const { attack, noise } = attackRecords();

  mkdirSync(out, { recursive: true });
  for (const part of ["routine", "attack"]) rmSync(join(out, part), { recursive: true, force: true });
  const routineSet = writeLogFiles(join(out, "routine"), routine, Gen.seeded(SEED + 3));
  const attackSet = writeLogFiles(join(out, "attack"), sortByTime([...attack, ...noise]), Gen.seeded(SEED + 4));

  const baselineFile = join(out, "baseline.yaml");
  writeFileSync(baselineFile, sampleBaselineYaml());
  loadBaselineFile(baselineFile); // throws a BaselineError naming the problem if the schema rejects it
  writeFileSync(join(out, "README.md"), readme(routine, routineSet, attack, noise, attackSet));

  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  console.log(`samples written to ${out}`);
  console.log(`  routine: ${routineSet.records} records in ${routineSet.files} files (${kb(routineSet.bytes)} gzipped)`);
  console.log(`  attack:  ${attackSet.records} records (${attack.length} attack, ${noise.length} noise) in ${attackSet.files} files (${kb(attackSet.bytes)} gzipped)`);
  if (!check) return 0;

  // The samples are only useful if the pipeline judges them as intended.
  let ok = true;
  const quiet = await replayQuiet([join(out, "routine")], baselineFile);
  if (quiet.findings > 0 || quiet.rejected > 0) {
    ok = false;
    console.error(`  FAIL routine: ${quiet.findings} findings (${[...quiet.byDetector.entries()].map(([k, v]) => `${k} ${v}`).join(", ")}), ${quiet.rejected} rejected`);
  } else console.log(`  check routine: ${quiet.eventsRead} events, no findings, no rejections`);
  const loud = await replayQuiet([join(out, "attack")], baselineFile);
  const fired = new Map(loud.byDetector.entries());
  const registry = detectors.map((d) => d.id);
  const missing = [...new Set([...ATTACK_DETECTORS, ...registry])].filter((id) => !fired.has(id));
  const unknown = ATTACK_DETECTORS.filter((id) => !registry.includes(id));
  if (unknown.length > 0) console.error(`  note: not in the detector registry: ${unknown.join(", ")}`);
  if (missing.length > 0 || loud.rejected > 0) {
    ok = false;
    console.error(`  FAIL attack: no finding from ${missing.join(", ") || "(none missing)"}; ${loud.rejected} rejected`);
  }
  console.log(`  check attack: ${loud.findings} findings from ${fired.size} of ${registry.length} detectors`);
  for (const [id, n] of [...fired.entries()].sort()) console.log(`    ${String(n).padStart(3)}  ${id}`);
  return ok ? 0 : 1;
}

function readme(routine: Json[], routineSet: WrittenSet, attack: Json[], noise: Json[], attackSet: WrittenSet): string {
  const at = (offset: number) => new Date(ATTACK_START + offset * 1000).toISOString().slice(11, 16);
  const accounts = Object.values(ACCOUNTS)
    .map((a) => `| \`${a.id}\` | ${a.name} | ${a.environment} | ${a.regions.join(", ")} |`)
    .join("\n");
  const byAccount = countBy(routine, (r) => r.recipientAccountId as string);
  const readOnly = routine.filter((r) => r.readOnly === true).length;
  const top = [...countBy(routine, (r) => r.eventName as string).entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 8);
  return `# Sample CloudTrail logs

Synthetic CloudTrail logs of a fictional organisation, "Example Payments", in
the layout CloudTrail writes to S3: gzipped \`{"Records": [...]}\` files, one per
account, region and five minutes, under
\`AWSLogs/<account>/CloudTrail/<region>/<YYYY>/<MM>/<DD>/\`.

\`\`\`
trailwarden replay samples --baseline samples/baseline.yaml           # every detector fires
trailwarden replay samples/routine --baseline samples/baseline.yaml   # no findings
\`\`\`

Replay lists this README and \`baseline.yaml\` as skipped (not log files).
Without \`--baseline\` the built-in baseline trusts no one, so the IAM users
that Terraform creates in \`routine/\` become findings too: the baseline is what
tells sanctioned infrastructure-as-code changes from the attacker's.

| folder | what | records | files |
|---|---|---|---|
| \`routine/\` | 2025-03-14, 07:00–11:00 UTC: a normal working morning | ${routineSet.records} | ${routineSet.files} |
| \`attack/\` | 2025-03-14, ${at(0)}–${at(3420)} UTC: an attack on production, mixed with routine noise | ${attackSet.records} (${attack.length} attack, ${noise.length} noise) | ${attackSet.files} |
| \`baseline.yaml\` | the organisation's security baseline: accounts, regions, IaC, break-glass and security-automation principals, trusted accounts | | |

## The organisation

| account | name | environment | regions |
|---|---|---|---|
${accounts}

\`210987654321\` is an observability vendor outside the organisation, trusted
in the baseline to assume a read-only role with an external id.

## Routine activity

${routineSet.records} records (${Math.round((100 * readOnly) / routine.length)} % read-only):
${[...byAccount.entries()].map(([a, n]) => `${n} in ${a}`).join(", ")}. Most frequent: ${top.map(([n, c]) => `${n} (${c})`).join(", ")}.

- Workloads (ECS tasks, Lambda functions, an EC2 batch host with
  \`ec2RoleDelivery\`) calling KMS, Secrets Manager and SSM through VPC
  endpoints, and the services assuming their roles (\`AWSService\`).
- AWS Config's service-linked role describing resources.
- Developers through IAM Identity Center (\`AWSReservedSSO_Developer_…\` in
  staging, \`AWSReservedSSO_ReadOnly_…\` in production), in the console and
  with the CLI; a read-only session refused a write now and then.
- GitHub Actions: OIDC web identity into \`role/ci/github-actions-deploy\`,
  ECR pushes, ECS and Lambda deploys, CloudFormation change sets.
- Terraform (\`role/deploy/terraform-apply\`, assumed by the CI role) planning
  and applying; CloudFormation's service role (\`role/deploy/cloudformation-exec\`,
  \`invokedBy: cloudformation.amazonaws.com\`).
- The security account's posture scanner assuming \`role/security/audit-readonly\`
  in each account (recorded on both sides with one \`sharedEventID\`), the
  vendor polling metrics, the on-call IAM user \`oncall-payments\`, and an
  occasional KMS key rotation (a service event without \`userIdentity.type\`,
  as in real logs: replay infers it and counts a warning).

Every detector's event also appears here, done the sanctioned way (near misses):

| detector | the sanctioned twin in \`routine/\` |
|---|---|
| signin.console-login-without-mfa | the on-call IAM user signs in with MFA; Identity Center console sign-ins say \`MFAUsed: No\` but are assumed-role sessions (MFA happened at the identity provider) |
| iam.access-key-created-for-other-user | the on-call user rotates its own key (\`CreateAccessKey\` naming itself) |
| iam.user-created-outside-iac | \`CreateUser\` by Terraform and by the CloudFormation service role |
| iam.admin-policy-attached | IaC attaches \`AWSLambdaBasicExecutionRole\`, \`ReadOnlyAccess\` and scoped customer policies; inline policies are scoped (one has a \`Deny\` of \`*\`/\`*\` outside the VPC endpoint) |
| s3.public-access-block-removed | IaC writes \`PutBucketPublicAccessBlock\` with every flag true |
| s3.bucket-policy-public | bucket policies grant a named role, CloudFront (by \`AWS:SourceArn\`), ELB log delivery, or \`"*"\` restricted by \`aws:SourceVpce\` |
| s3.bucket-acl-public | owner-only ACLs, and the S3 log-delivery group on the ALB log bucket |
| cloudtrail.event-selectors-changed | selectors that add S3 data events and keep all management events (basic and advanced selectors) |
| cloudtrail.logging-stopped | IaC runs \`UpdateTrail\` and \`StartLogging\` |
| cloudtrail.trail-deleted | trails are described, never deleted |
| organizations.scp-detached-or-deleted | IaC updates and attaches SCPs in the management account |
| root.account-used | no root activity at all |

## The attack (2025-03-14, times UTC)

| time | who | what | trips |
|---|---|---|---|
| ${at(0)} | \`${ATTACK.phishedUser}\` (phished legacy IAM user, VPN ${ATTACKER_IPS.vpn}) | a failed console sign-in, then a successful one without MFA | signin.console-login-without-mfa |
| ${at(74)} | \`${ATTACK.phishedUser}\`, console | looks around IAM, S3, CloudTrail; \`ListAccounts\` is refused | |
| ${at(455)} | \`${ATTACK.phishedUser}\`, console | creates an access key for \`${ATTACK.otherUser}\` | iam.access-key-created-for-other-user |
| ${at(700)} | \`${ATTACK.otherUser}\`, aws-cli | creates user \`${ATTACK.createdUser}\` | iam.user-created-outside-iac |
| ${at(712)} | \`${ATTACK.otherUser}\` | attaches \`AdministratorAccess\` to it, gives it a key and a console password, adds an inline \`*\`/\`*\` policy to itself | iam.admin-policy-attached, iam.access-key-created-for-other-user |
| ${at(1010)} | \`${ATTACK.createdUser}\`, Boto3 from a rented server | removes Block Public Access from \`${ATTACK.bucket}\`, writes a public bucket policy and a public-read ACL | s3.public-access-block-removed, s3.bucket-policy-public, s3.bucket-acl-public |
| ${at(1331)} | \`${ATTACK.createdUser}\` | reads the secret \`${ATTACK.secret}\`: a key of the management account | |
| ${at(1561)} | \`${ATTACK.createdUser}\` | trail \`${ATTACK.reducedTrail}\`: event selectors drop management events, then logging stops | cloudtrail.event-selectors-changed, cloudtrail.logging-stopped |
| ${at(1652)} | \`${ATTACK.createdUser}\` | deletes the trail \`${ATTACK.deletedTrail}\` (eu-west-1) | cloudtrail.trail-deleted |
| ${at(2104)} | \`${ATTACK.managementUser}\` (management account) | detaches the SCP that protects logging from the production OU, then deletes it | organizations.scp-detached-or-deleted |
| ${at(3002)} | root of payments-prod | password recovery through the phished mailbox, console sign-in without MFA, changes the security contact | root.account-used |

The account's own trails go quiet at ${at(1600)}, but the organisation trail
(owned by the management account, out of the attacker's reach) keeps
recording, which is why the later events are in the logs.

## Regenerate

\`\`\`
npm run samples
\`\`\`

\`scripts/generate-samples.ts\` writes this folder from a fixed seed with
\`scripts/samples/\` (record builders) and \`scripts/sample-baseline.ts\`:
the same seed gives the same bytes. It then replays the result and fails if
routine activity produces a finding or a detector does not fire on the attack.
(Compressed bytes can differ with another zlib build; the records do not.)

## Provenance and licence

Synthetic: no record comes from a real account. Account ids are the ones AWS
documentation uses, addresses come from the documentation ranges
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) and private ranges, people
and keys are invented. The data is under the repository's licence.
`;
}

function isEntryPoint(): boolean {
  const invoked = process.argv[1];
  return invoked !== undefined && resolve(invoked) === fileURLToPath(import.meta.url);
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    },
  );
}
