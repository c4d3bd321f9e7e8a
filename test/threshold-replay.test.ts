import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./support/cli.js";

/** A burst of secret reads by one principal, as replay sees it in a log file. */
function secretReads(count: number, startMinute: number) {
  return Array.from({ length: count }, (_, i) => ({
    eventVersion: "1.09",
    eventTime: `2025-06-02T10:${String(startMinute + Math.floor(i / 6)).padStart(2, "0")}:${String((i * 7) % 60).padStart(2, "0")}Z`,
    eventSource: "secretsmanager.amazonaws.com",
    eventName: "GetSecretValue",
    awsRegion: "eu-west-1",
    eventType: "AwsApiCall",
    readOnly: true,
    recipientAccountId: "111122223333",
    eventID: `6b0f2c7e-1d3a-4f5b-9c8d-${String(startMinute * 100 + i).padStart(12, "0")}`,
    sourceIPAddress: "198.51.100.23",
    userAgent: "aws-cli/2.15.30 Python/3.11.8 Darwin/23.4.0",
    requestParameters: { secretId: `arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-${i}-AbCdEf` },
    responseElements: null,
    userIdentity: {
      type: "IAMUser",
      principalId: "AIDAEXAMPLEEXAMPLE01",
      arn: "arn:aws:iam::111122223333:user/contractor",
      accountId: "111122223333",
      userName: "contractor",
    },
  }));
}

function findingsOf(records: unknown[]): { detector: string; id: string }[] {
  const dir = mkdtempSync(join(tmpdir(), "tw-burst-"));
  const file = join(dir, "burst.json");
  writeFileSync(file, JSON.stringify({ Records: records }));
  const run = cli(["replay", file, "--format", "jsonl"]);
  expect(run.code).toBe(0);
  return run.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { detector: string; id: string });
}

describe("threshold detectors in replay", () => {
  it("fire once when a burst crosses the threshold, not once per event", () => {
    const burst = findingsOf(secretReads(25, 1)).filter((f) => f.detector === "secretsmanager.bulk-secret-reads");
    expect(burst).toHaveLength(1);
  });

  it("stay quiet below the threshold", () => {
    expect(findingsOf(secretReads(5, 1)).filter((f) => f.detector === "secretsmanager.bulk-secret-reads")).toEqual([]);
  });

  it("give the same finding when the log is read in another order", () => {
    const records = secretReads(25, 1);
    const forward = findingsOf(records).filter((f) => f.detector === "secretsmanager.bulk-secret-reads");
    const backward = findingsOf([...records].reverse()).filter((f) => f.detector === "secretsmanager.bulk-secret-reads");
    expect(backward.map((f) => f.id)).toEqual(forward.map((f) => f.id));
  });
});
