import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BASELINE } from "../core/baseline.js";
import { normaliseRecord } from "../core/cloudtrail.js";
import { DetectionEngine } from "../core/engine.js";
import type { Finding } from "../core/finding.js";
import { evaluateGuardrails, isOwnChange } from "../core/guardrails.js";
import { GuardrailRefusedError } from "../core/remediation-errors.js";
import { memoryStores } from "../core/stores.js";
import { detectors } from "../detectors/index.js";
import { remediations as registry } from "../remediations/registry.js";
import { cloudTrailRecordFor, remediationHarness, type SentCommand } from "./support/remediation-fixtures.js";
import { SCENARIOS } from "./support/remediation-scenarios.js";

/**
 * Loop-proofing: trailwarden must never react to its own changes. Every write
 * the remediations make (captured while each runs end to end against moto, as
 * in remediation-workflow-moto.test.ts) is turned into the CloudTrail record
 * CloudTrail would write for it, made by the remediator's assumed-role
 * session, and replayed through the detection engine. Some of those writes do
 * trip detectors; each finding they make must be refused by the guardrails as
 * the remediator's own change, so no remediation starts.
 */

interface Replayed {
  call: SentCommand;
  /** The account the remediation acted in (the finding's). */
  account: string;
  findings: Finding[];
}

describe("remediator's own changes do not loop", () => {
  const writes: { call: SentCommand; account: string }[] = [];
  const replayed: Replayed[] = [];

  beforeAll(async () => {
    for (const scenario of SCENARIOS) {
      const arranged = await scenario.arrange();
      const harness = remediationHarness(arranged.harness);
      const result = await harness.run(arranged.finding);
      if (result.status !== "verified") throw new Error(`${scenario.remediation} (${scenario.name}) ended ${result.status}: ${result.reason ?? ""}`);
      writes.push(...harness.writes().map((call) => ({ call, account: arranged.finding.account })));
    }
    const engine = new DetectionEngine(detectors, { baseline: DEFAULT_BASELINE });
    for (const { call, account } of writes) {
      const normalised = normaliseRecord(cloudTrailRecordFor(call, account));
      if (!normalised.ok) throw new Error(`${call.client}:${call.command} makes no valid record: ${normalised.reason}`);
      const result = await engine.process(normalised.record);
      replayed.push({ call, account, findings: [...result.findings, ...result.suppressed.map((s) => s.finding)] });
    }
  }, 120_000);

  const matched = () => replayed.filter((r) => r.findings.length > 0);
  const findings = () => replayed.flatMap((r) => r.findings);

  it("captures a write from every scenario", () => {
    expect(new Set(writes.map((w) => w.call.command)).size).toBeGreaterThan(10);
    expect(writes.filter((w) => w.call.client === "S3ControlClient").map((w) => [w.call.command, w.account])).toEqual([["PutPublicAccessBlock", "111122223333"]]);
  });

  it("names each replayed write as CloudTrail does, so the detectors that watch it see it", () => {
    const names = replayed.map((r) => `${r.call.client}:${r.call.command} → ${r.account} ${cloudTrailRecordFor(r.call, r.account).eventName as string}`);
    expect(names).toEqual(expect.arrayContaining(["S3ControlClient:PutPublicAccessBlock → 111122223333 PutAccountPublicAccessBlock", expect.stringMatching(/^S3Client:PutPublicAccessBlock → \d{12} PutBucketPublicAccessBlock$/)]));
  });

  it("some of the remediator's writes match detectors", () => {
    const summary = matched().map((r) => `${r.call.command} → ${r.findings.map((f) => f.detector).join(", ")}`);
    expect(summary.length, `matches: ${summary.join("; ")}`).toBeGreaterThan(0);
    // What matches today (at least these; more is fine as long as every one is refused): restoring a policy's default version
    // is itself a SetDefaultPolicyVersion, and the bucket policy left after removing the public statement still grants an
    // account the default baseline does not know.
    expect(matched().map((r) => `${r.call.command} → ${r.findings.map((f) => f.detector).join(", ")}`)).toEqual(
      expect.arrayContaining(["SetDefaultPolicyVersion → iam.policy-default-version-changed", "PutBucketPolicy → s3.bucket-policy-grants-untrusted-account"]),
    );
  });

  it("every such finding names the remediator as its actor and is the pipeline's own change", () => {
    expect(findings().length).toBeGreaterThan(0);
    for (const finding of findings()) {
      expect(finding.actor).toMatchObject({
        type: "AssumedRole",
        arn: `arn:aws:sts::${finding.account}:assumed-role/trailwarden-remediator/trailwarden-remediation`,
        sessionIssuer: `arn:aws:iam::${finding.account}:role/trailwarden-remediator`,
      });
      expect(isOwnChange(finding.actor, DEFAULT_BASELINE.remediation.remediatorRoleName)).toBe(true);
    }
  });

  it("the guardrails step refuses each one as the remediator's own change, even in auto", async () => {
    const { baseline } = remediationHarness();
    for (const finding of findings()) {
      const remediation = registry.find((r) => r.id === finding.remediation) ?? { id: "none.none", risk: "low" as const };
      await expect(evaluateGuardrails({ finding, remediation, baseline, stores: memoryStores(), now: new Date() }), finding.detector).rejects.toThrow(
        GuardrailRefusedError,
      );
      await expect(evaluateGuardrails({ finding, remediation, baseline, stores: memoryStores(), now: new Date() })).rejects.toThrow(/made by the remediator/);
    }
  });

  it("run through the workflow in auto, each is published refused and nothing is sent to the account", async () => {
    for (const finding of findings()) {
      const { run, sent } = remediationHarness();
      const result = await run(finding);
      expect(result, `${finding.detector}: ${JSON.stringify(result)}`).toMatchObject({ status: "refused", reason: expect.stringContaining("never reacts to its own changes") });
      expect(sent).toEqual([]);
    }
  });
});
