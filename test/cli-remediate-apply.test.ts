import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetBucketVersioningCommand, PutBucketVersioningCommand, S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { findingIdFromEvent } from "../core/finding.js";
import type { RemediationResult } from "../core/remediation.js";
import versioningSuspended from "../detectors/s3/versioning-suspended.js";
import { motoClientConfig } from "./support/aws.js";
import type { CliRun } from "./support/cli.js";
import { REPO_ROOT } from "./support/fixtures.js";
import { MOTO_ACCOUNT } from "./support/remediation-fixtures.js";

/**
 * `trailwarden replay <file> --remediate apply --live --yes` end to end against
 * moto: the compiled CLI (built by `npm test`) replays one CloudTrail record
 * about a bucket whose versioning was suspended in moto, and its remediator
 * clients, pointed at moto by TRAILWARDEN_AWS_ENDPOINT, resume versioning.
 *
 * S3 is reachable from the CLI because awsClientConfig sets forcePathStyle
 * with the endpoint: virtual-host addressing would put the bucket in the host
 * name, which a loopback IP cannot carry. AssumeRole into the remediator role
 * needs no role in moto, and the assumed credentials act in moto's account.
 */

const REGION = "eu-west-1";
const DETECTOR = versioningSuspended.id;
const REMEDIATION = "s3.resume-versioning";

let dir: string;
let s3: S3Client;

/** The CLI with only the moto endpoint and fake credentials: no AWS_* or TRAILWARDEN_* from the outer environment, no shared config files. */
function cliOnMoto(args: string[]): CliRun {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("AWS_") && !key.startsWith("TRAILWARDEN_")));
  const result = spawnSync(process.execPath, [join(REPO_ROOT, "dist", "cli", "main.js"), ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
    env: {
      ...clean,
      HOME: dir,
      AWS_CONFIG_FILE: join(dir, "config"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      TRAILWARDEN_AWS_ENDPOINT: inject("motoEndpoint"),
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh bucket in moto with versioning enabled, then suspended: what the detector reports. */
async function suspendedBucket(): Promise<string> {
  const bucket = `acme-prod-invoices-${randomBytes(4).toString("hex")}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }));
  return bucket;
}

const versioningOf = async (bucket: string) => (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;

/**
 * A trail file with the detector's first match example (a data engineer
 * suspends versioning) pointed at `bucket` in moto's account, and the id of
 * the finding it makes.
 */
function trailFileAbout(bucket: string): { file: string; findingId: string } {
  const record = structuredClone(versioningSuspended.examples.match[0]!.record) as Record<string, unknown>;
  const eventID = randomUUID();
  Object.assign(record, {
    eventID,
    recipientAccountId: MOTO_ACCOUNT,
    requestParameters: { ...(record.requestParameters as object), bucketName: bucket, Host: `${bucket}.s3.${REGION}.amazonaws.com` },
    resources: [{ accountId: MOTO_ACCOUNT, type: "AWS::S3::Bucket", ARN: `arn:aws:s3:::${bucket}` }],
  });
  expect(record.awsRegion).toBe(REGION);
  const file = join(dir, `${bucket}.json`);
  writeFileSync(file, JSON.stringify({ Records: [record] }));
  return { file, findingId: findingIdFromEvent(DETECTOR, eventID) };
}

/** The remediation results, which --format jsonl writes to stderr as JSON lines. */
function resultsOf(run: CliRun): RemediationResult[] {
  return run.stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as RemediationResult & { type: string })
    .filter((line) => line.type === "remediation-result");
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tw-remediate-apply-"));
  // Empty shared files, so nothing from the developer's ~/.aws leaks into the runs.
  writeFileSync(join(dir, "config"), "");
  writeFileSync(join(dir, "credentials"), "");
  // auto for this detector only; s3.resume-versioning is low-risk, so allowAutoHighRisk is not needed.
  writeFileSync(join(dir, "auto.yaml"), `version: 1\nremediation:\n  defaultMode: dry-run\n  modes:\n    - { detector: ${DETECTOR}, mode: auto }\n`);
  s3 = new S3Client(motoClientConfig(REGION));
});

describe("trailwarden replay --remediate apply --live --yes (moto)", () => {
  it("in auto mode resumes versioning and reports verified; a second run reports not-needed and changes nothing", async () => {
    const bucket = await suspendedBucket();
    const { file, findingId } = trailFileAbout(bucket);
    const args = ["replay", file, "--baseline", join(dir, "auto.yaml"), "--remediate", "apply", "--live", "--yes"];

    const first = cliOnMoto(args);
    expect(first.stderr).not.toContain("internal error");
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(DETECTOR);
    expect(first.stdout).toContain("Remediation results: 1");
    expect(first.stdout).toContain(`  ${findingId}  ${REMEDIATION}: verified (mode auto, ${MOTO_ACCOUNT}/${REGION})`);
    expect(first.stderr).not.toContain("remediation workflow failed");
    expect(await versioningOf(bucket)).toBe("Enabled");

    // Each run has fresh in-memory stores, so the same finding goes through the workflow again: the plan finds nothing to do.
    const second = cliOnMoto([...args, "--format", "jsonl"]);
    expect(second.code, second.stderr).toBe(0);
    expect(resultsOf(second)).toEqual([
      expect.objectContaining({ findingId, remediation: REMEDIATION, status: "not-needed", mode: "auto", account: MOTO_ACCOUNT, region: REGION }),
    ]);
    expect(await versioningOf(bucket)).toBe("Enabled");
  });

  it("in the default mode (dry-run, no --baseline) only plans: reports planned and leaves the bucket suspended", async () => {
    const bucket = await suspendedBucket();
    const { file, findingId } = trailFileAbout(bucket);

    const run = cliOnMoto(["replay", file, "--remediate", "apply", "--live", "--yes", "--format", "jsonl"]);

    expect(run.code, run.stderr).toBe(0);
    const [result, ...rest] = resultsOf(run);
    expect(rest).toEqual([]);
    expect(result).toMatchObject({ findingId, remediation: REMEDIATION, status: "planned", mode: "dry-run" });
    // The live plan was read from moto: it knows the bucket is suspended.
    expect(result?.plan).toMatchObject({ needed: true, current: { Status: "Suspended" }, intended: { Status: "Enabled" } });
    expect(await versioningOf(bucket)).toBe("Suspended");
  });
});
