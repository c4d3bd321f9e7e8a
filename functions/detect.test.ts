import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { describe, expect, it } from "vitest";
import { loadBaselineFile } from "../core/baseline-file.js";
import { DEFAULT_BASELINE } from "../core/baseline.js";
import { normaliseRecord } from "../core/cloudtrail.js";
import { toEnvelope } from "../core/envelope.js";
import type { Finding } from "../core/finding.js";
import { matchesPattern } from "../core/pattern.js";
import { replay } from "../core/replay.js";
import { batchRecords, parseLogBuffer } from "../core/reader.js";
import { detectors } from "../detectors/index.js";
import { REPO_ROOT } from "../test/support/fixtures.js";
import { createDetectHandler } from "./detect.js";

const SAMPLES_ATTACK = join(REPO_ROOT, "samples", "attack");
const SAMPLE_BASELINE = loadBaselineFile(join(REPO_ROOT, "samples", "baseline.yaml"));

function quietHandler(baseline = SAMPLE_BASELINE) {
  return createDetectHandler({
    detectors,
    baseline,
    logger: new Logger({ logLevel: "SILENT" }),
    metrics: new Metrics({ namespace: "test", singleMetric: false }),
  });
}

function sampleRecords(): Record<string, unknown>[] {
  const files = readdirSync(SAMPLES_ATTACK, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".json.gz"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  return files.flatMap((file) =>
    parseLogBuffer(file, readFileSync(file)).flatMap((event) =>
      event.kind === "records" ? batchRecords(event).map((r) => r.raw as Record<string, unknown>) : [],
    ),
  );
}

/** What EventBridge would send: the rule of every detector whose pattern matches, through the input transformer. */
function deliveries(raw: Record<string, unknown>) {
  const normalised = normaliseRecord(structuredClone(raw));
  if (!normalised.ok) throw new Error(normalised.reason);
  const event = JSON.parse(JSON.stringify(toEnvelope(normalised.record))) as Record<string, unknown>;
  return detectors.filter((d) => matchesPattern(d.pattern, event)).map((d) => ({ detectorId: d.id, event }));
}

describe("detect handler", () => {
  it("finds in every sample attack event exactly what replay finds", async () => {
    const replayed: Finding[] = [];
    await replay({ paths: [SAMPLES_ATTACK], detectors, baseline: SAMPLE_BASELINE }, { onFinding: (f) => void replayed.push(f) });
    expect(replayed.length).toBeGreaterThan(0);

    const handler = quietHandler();
    const handled: Finding[] = [];
    for (const raw of sampleRecords()) {
      for (const input of deliveries(raw)) {
        const result = await handler(input);
        if (result.finding) handled.push(result.finding);
      }
    }
    const byId = (list: Finding[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId(handled)).toEqual(byId(replayed));
    expect(new Set(handled.map((f) => f.detector)).size).toBe(detectors.length);
  });

  it("returns no finding when the detector judges the event benign", async () => {
    const example = detectors.find((d) => d.id === "cloudtrail.logging-stopped")!.examples.noMatch[1]!;
    const normalised = normaliseRecord(structuredClone(example.record));
    if (!normalised.ok) throw new Error(normalised.reason);
    const result = await quietHandler(DEFAULT_BASELINE)({ detectorId: "cloudtrail.logging-stopped", event: toEnvelope(normalised.record) });
    expect(result.finding).toBeUndefined();
  });

  it("rejects an event that is not a CloudTrail envelope with a parse error naming the field", async () => {
    const bad = { detectorId: "cloudtrail.logging-stopped", event: { version: "0", id: "x", source: "aws.cloudtrail", detail: {} } };
    await expect(quietHandler()(bad)).rejects.toThrow(/detail-type|eventSource/);
  });

  it("rejects an unknown detector id", async () => {
    const [raw] = sampleRecords();
    const normalised = normaliseRecord(structuredClone(raw!));
    if (!normalised.ok) throw new Error(normalised.reason);
    await expect(quietHandler()({ detectorId: "nope.nothing", event: toEnvelope(normalised.record) })).rejects.toThrow(
      "no detector with id 'nope.nothing'",
    );
  });
});
