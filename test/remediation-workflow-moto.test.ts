import { describe, expect, it } from "vitest";
import { remediations as registry } from "../remediations/registry.js";
import { remediationHarness } from "./support/remediation-fixtures.js";
import { SCENARIOS } from "./support/remediation-scenarios.js";

/**
 * Every remediation moto can run, end to end: the resource made non-compliant
 * in moto through the real SDK, the finding built from the proposing
 * detector's own match example (pointed at the moto resource), run through the
 * local state machine in `auto` (high-risk ones allowed) with the remediate
 * handler's clients pointed at moto, and the resource read back compliant.
 *
 * s3.restore-account-public-access-block brings its own client settings: S3
 * Control puts the account id in the host name, so its scenario routes the
 * client back to moto's loopback address (test/support/s3-control.ts).
 */

describe("remediation workflow against moto, auto mode", () => {
  it("covers every remediation in the registry", () => {
    const covered = new Set(SCENARIOS.map((s) => s.remediation));
    expect(registry.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  it.each(SCENARIOS)("$remediation: $name → verified, and reads back compliant", async ({ remediation, arrange }) => {
    const { finding, readBack, harness } = await arrange();
    expect(finding.remediation).toBe(remediation);
    const { run, writes, results } = remediationHarness(harness);

    const result = await run(finding);

    expect(result, JSON.stringify(result)).toMatchObject({ status: "verified", mode: "auto", remediation, findingId: finding.id });
    expect(results).toEqual([result]);
    expect(writes().length).toBeGreaterThan(0);
    await readBack();
  });
});
