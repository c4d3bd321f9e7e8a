import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./support/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "tw-exc-"));
const stop = (n: number, time: string) => ({
  eventTime: time,
  eventSource: "cloudtrail.amazonaws.com",
  eventName: "StopLogging",
  awsRegion: "us-east-1",
  eventType: "AwsApiCall",
  recipientAccountId: "111122223333",
  eventID: `00000000-0000-4000-8000-00000000000${n}`,
  requestParameters: { name: "sandbox-trail" },
  userIdentity: { type: "IAMUser", arn: "arn:aws:iam::111122223333:user/ops", accountId: "111122223333", userName: "ops" },
});
const logs = join(dir, "logs.json");
writeFileSync(logs, JSON.stringify({ Records: [stop(1, "2026-03-01T10:00:00Z"), stop(2, "2026-05-01T10:00:00Z")] }));
const baseline = join(dir, "baseline.yaml");
writeFileSync(
  baseline,
  `exceptions:
  - detector: cloudtrail.logging-stopped
    resource: sandbox-trail
    owner: platform@example.com
    reason: sandbox trail is rebuilt nightly (PLAT-42)
    expires: 2026-03-31
`,
);

function run(args: string[], now: string) {
  return spawnSync(process.execPath, [join(REPO_ROOT, "dist", "cli", "main.js"), ...args], {
    encoding: "utf8",
    env: { ...process.env, TRAILWARDEN_NOW: now },
  });
}

describe("baseline exceptions in replay", () => {
  it("suppress events before their expiry only, and are counted", () => {
    const result = run(["replay", logs, "--baseline", baseline, "--format", "jsonl"], "2026-03-15T00:00:00Z");
    const found = result.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { time: string }).time);
    expect(found).toEqual(["2026-05-01T10:00:00Z"]);
    expect(result.stderr).toMatch(/suppressed\s+1 by baseline exceptions/);
  });

  it("are listed with their owner and expiry with --show-suppressed", () => {
    const result = run(["replay", logs, "--baseline", baseline, "--show-suppressed"], "2026-03-15T00:00:00Z");
    expect(result.stdout).toMatch(/Suppressed by baseline exceptions \(1\)/);
    expect(result.stdout).toMatch(/2026-03-01T10:00:00Z\s+cloudtrail\.logging-stopped\s+user\/ops\s+platform@example\.com\s+2026-03-31/);
  });

  it("warn once expired by today's date, from the injectable clock", () => {
    expect(run(["replay", logs, "--baseline", baseline], "2026-03-15T00:00:00Z").stderr).not.toMatch(/expired/);
    expect(run(["replay", logs, "--baseline", baseline], "2026-04-01T00:00:00Z").stderr).toContain(
      "trailwarden: warning: exception 0 (cloudtrail.logging-stopped, owner platform@example.com) expired on 2026-03-31",
    );
  });
});
