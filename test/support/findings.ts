import { DEFAULT_BASELINE, type Baseline } from "../../core/baseline.js";
import { normaliseRecord } from "../../core/cloudtrail.js";
import type { Detector } from "../../core/detector.js";
import { buildFinding, findingIdFromEvent, findingIdFromRecord, type Finding } from "../../core/finding.js";

/**
 * Findings for tests, built as the engine builds them: the record normalised,
 * the detector's verdict under `baseline`, the id from the eventID (or the
 * whole record without one). Throws when the record is refused or the
 * detector does not fire, so a test never runs on a finding it did not mean.
 */
export function findingFromRecord(detector: Detector, raw: unknown, baseline: Baseline = DEFAULT_BASELINE): Finding {
  const normalised = normaliseRecord(raw);
  if (!normalised.ok) throw new Error(`${detector.id}: record refused: ${normalised.reason}`);
  const record = normalised.record;
  const hit = detector.evaluate(record, { baseline });
  if (!hit) throw new Error(`${detector.id} did not fire on the record`);
  return buildFinding(detector, record, hit, record.eventID ? findingIdFromEvent(detector.id, record.eventID) : findingIdFromRecord(detector.id, record));
}

/** The finding from `detector`'s match example `index` as written (its own eventID), optionally about another S3 bucket. */
export function exampleFinding(detector: Detector, index: number, bucket?: string): Finding {
  const example = detector.examples.match[index];
  if (!example) throw new Error(`${detector.id} has no match example ${index}`);
  const finding = findingFromRecord(detector, structuredClone(example.record));
  return bucket === undefined ? finding : withBucket(finding, bucket);
}

/** The finding pointed at another S3 bucket (the S3 examples name their own bucket). */
export function withBucket(finding: Finding, bucket: string): Finding {
  return { ...finding, resources: finding.resources.map((r) => (r.type === "AWS::S3::Bucket" ? { ...r, id: bucket, arn: `arn:aws:s3:::${bucket}` } : r)) };
}
