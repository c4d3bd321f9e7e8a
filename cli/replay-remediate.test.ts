import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { GetBucketVersioningCommand, PutBucketVersioningCommand, S3Client } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import versioningSuspended from "../detectors/s3/versioning-suspended.js";
import { EXIT } from "./exit-codes.js";
import { buildProgram } from "./main.js";

/**
 * `replay --remediate apply` must not exit 0 when a remediation failed: a
 * script running it cannot read the result lines. The CLI runs in process
 * with the SDK clients mocked (moto has no way to refuse a write), so the
 * bucket write is refused with AccessDenied, which the workflow does not retry.
 */

const ACCOUNT = "111122223333";
const sts = mockClient(STSClient);
const s3 = mockClient(S3Client);
let dir: string;

function accessDenied(): Error {
  return Object.assign(new Error("Access Denied"), { name: "AccessDenied", $fault: "client", $metadata: { httpStatusCode: 403 } });
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  let code: number = EXIT.ok;
  const io = { out: (text: string) => void (stdout += text), err: (text: string) => void (stderr += text), stdin: Readable.from([]), errIsTTY: false };
  await buildProgram(io, (exit) => void (code = exit)).parseAsync(["node", "trailwarden", ...args]);
  return { code, stdout, stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tw-apply-exit-"));
  const record = structuredClone(versioningSuspended.examples.match[0]!.record) as Record<string, unknown>;
  writeFileSync(join(dir, "trail.json"), JSON.stringify({ Records: [{ ...record, recipientAccountId: ACCOUNT }] }));
  writeFileSync(join(dir, "auto.yaml"), `version: 1\nremediation:\n  modes:\n    - { detector: ${versioningSuspended.id}, mode: auto }\n`);
  vi.stubEnv("AWS_ACCESS_KEY_ID", "unit");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "unit");
  vi.stubEnv("AWS_REGION", "us-east-1");
  vi.stubEnv("TRAILWARDEN_AWS_ENDPOINT", "");
});
afterEach(() => {
  sts.reset();
  s3.reset();
});
afterAll(() => {
  vi.unstubAllEnvs();
  sts.restore();
  s3.restore();
  rmSync(dir, { recursive: true, force: true });
});

function mockAccount(write: "works" | "denied"): void {
  sts.on(GetCallerIdentityCommand).resolves({ Arn: `arn:aws:iam::${ACCOUNT}:user/oncall`, Account: ACCOUNT });
  sts.on(AssumeRoleCommand).resolves({
    Credentials: { AccessKeyId: "ASIAUNIT", SecretAccessKey: "unit", SessionToken: "unit", Expiration: new Date(Date.now() + 3600_000) },
  });
  // The bucket as S3 would keep it: suspended until a write gets through.
  let status = "Suspended";
  s3.on(GetBucketVersioningCommand).callsFake(() => ({ Status: status }));
  if (write === "denied") s3.on(PutBucketVersioningCommand).rejects(accessDenied());
  else s3.on(PutBucketVersioningCommand).callsFake(() => void (status = "Enabled"));
}

describe("replay --remediate apply exit code", () => {
  const args = () => ["replay", join(dir, "trail.json"), "--baseline", join(dir, "auto.yaml"), "--remediate", "apply", "--live", "--yes", "--format", "jsonl"];

  it("is 5 when a remediation failed, with its failed result printed", async () => {
    mockAccount("denied");
    const result = await run(args());
    expect(result.code).toBe(EXIT.remediationFailed);
    const results = result.stderr.split("\n").filter((line) => line.includes('"type":"remediation-result"'));
    expect(results).toHaveLength(1);
    expect(JSON.parse(results[0]!)).toMatchObject({ status: "failed", remediation: "s3.resume-versioning", error: expect.objectContaining({ name: "AccessDeniedError" }) });
    expect(result.stderr).toContain("trailwarden: 1 remediation(s) failed");
    expect(s3.commandCalls(PutBucketVersioningCommand)).toHaveLength(1);
  });

  it("stays 5 when findings reach --fail-on too: a failed remediation is not hidden behind them", async () => {
    mockAccount("denied");
    const result = await run([...args(), "--fail-on", "info"]);
    expect(result.code).toBe(EXIT.remediationFailed);
  });

  it("is 0 when the remediation is verified", async () => {
    mockAccount("works");
    const result = await run(args());
    expect(result.stderr).toContain('"status":"verified"');
    expect(s3.commandCalls(PutBucketVersioningCommand)).toHaveLength(1);
    expect(result.code).toBe(EXIT.ok);
  });
});
