import type { Baseline, BaselineInput } from "./baseline.js";
import type { CloudTrailRecord } from "./cloudtrail.js";
import type { EventPattern } from "./pattern.js";
import type { Severity } from "./severity.js";

/** A resource a finding is about, in CloudFormation's type vocabulary. */
export interface FindingResource {
  type: string;
  id: string;
  arn?: string;
  account?: string;
  region?: string;
}

/** What `evaluate` returns when the record is a finding. */
export interface DetectorHit {
  summary: string;
  resources: FindingResource[];
}

export interface DetectorContext {
  baseline: Baseline;
}

/**
 * A detector that fires once per burst rather than per event: N matching events
 * per group within a window of event time aligned to the epoch. The engine
 * keeps the counts in a window store.
 */
export interface ThresholdSpec {
  count: number;
  windowSeconds: number;
  groupBy: "principal" | "principal-and-resource";
}

export interface DetectorExample {
  /** What this example shows, in a sentence. */
  description: string;
  record: Record<string, unknown>;
  /** A baseline of its own; otherwise the default baseline applies. */
  baseline?: BaselineInput;
  /**
   * For a noMatch example excused by its baseline: a baseline without the
   * excusing entry, under which the same record does produce a finding.
   * Defaults to the default baseline.
   */
  firesUnder?: BaselineInput;
  /**
   * For a noMatch example of a detector that judges nothing under the default
   * baseline: its `baseline` only makes the record judged, and the record itself
   * (a read, a refused call, a workload) is what excuses it, so no baseline
   * makes it fire.
   */
  excusedByRecord?: true;
}

export interface DetectorDefinition {
  /** `<service>.<what-happened>`, equal to the file's path under detectors/. */
  id: string;
  title: string;
  severity: Severity;
  /** MITRE ATT&CK technique ids of the pinned release (core/mitre.ts). */
  mitre: string[];
  /** Stratus Red Team technique ids this detector catches, where any. */
  stratus?: string[];
  /** The EventBridge pattern; deployed verbatim as the rule and matched locally. */
  pattern: EventPattern;
  /** True when the pattern watches read-only calls, whose rule needs the all-management-events state. */
  readOnlyEvents?: boolean;
  evaluate(record: CloudTrailRecord, context: DetectorContext): DetectorHit | undefined;
  /** The remediation this detector proposes, by id. */
  remediation?: string;
  runbook: string;
  threshold?: ThresholdSpec;
  examples: { match: DetectorExample[]; noMatch: DetectorExample[] };
}

export type Detector = Readonly<DetectorDefinition>;

export function defineDetector(definition: DetectorDefinition): Detector {
  return Object.freeze({ ...definition });
}
