import { Logger } from "@aws-lambda-powertools/logger";
import { MetricUnit, Metrics } from "@aws-lambda-powertools/metrics";
import { parse } from "@aws-lambda-powertools/parser";
import { EventBridgeSchema } from "@aws-lambda-powertools/parser/schemas/eventbridge";
import { z } from "zod";
import { DEFAULT_BASELINE, type Baseline } from "../core/baseline.js";
import { loadBaselineFile } from "../core/baseline-file.js";
import { CloudTrailRecordSchema, normaliseRecord } from "../core/cloudtrail.js";
import type { Detector } from "../core/detector.js";
import { DetectionEngine } from "../core/engine.js";
import type { CloudTrailEnvelope } from "../core/envelope.js";
import type { Finding } from "../core/finding.js";
import { detectors as registry } from "../detectors/index.js";

/**
 * What each detector's rule sends through its input transformer (DESIGN.md):
 * `{"detectorId": "<id>", "event": <aws.events.event.json>}`.
 */
export const DetectInputSchema = z.object({
  detectorId: z.string().min(1),
  event: EventBridgeSchema.extend({ detail: CloudTrailRecordSchema }),
});

/** The same fallbacks as replay, applied to the record in place before validation; returns what was fixed. */
function normaliseDetail(input: unknown): string[] {
  const event = (input as { event?: { detail?: unknown } } | null)?.event;
  if (!event || typeof event !== "object" || !event.detail) return [];
  const normalised = normaliseRecord(event.detail);
  return normalised.ok ? normalised.warnings : [];
}

export interface DetectResult {
  detectorId: string;
  eventId?: string;
  finding?: Finding;
  /** Set when a baseline exception muted the finding: who owns that decision, and until when. */
  suppressedBy?: { owner: string; reason: string; expires: string };
}

export class UnknownDetectorError extends Error {
  override name = "UnknownDetectorError";
}

/** The input is not what a detector rule sends; says which fields are wrong. */
export class InvalidEventError extends Error {
  override name = "InvalidEventError";
}

function parseInput(input: unknown) {
  const result = parse(input, undefined, DetectInputSchema, true);
  if (result.success) return result.data;
  const issues = (result.error.cause ?? []) as readonly { path?: readonly PropertyKey[] | readonly { key: PropertyKey }[]; message: string }[];
  const explained = issues.slice(0, 5).map((issue) => {
    const path = (issue.path ?? []).map((p) => String(typeof p === "object" && p !== null ? p.key : p)).join(".");
    return `${path || "(input)"}: ${issue.message}`;
  });
  throw new InvalidEventError(`not a detector rule input: ${explained.join("; ")}`, { cause: result.error });
}

export interface DetectDependencies {
  detectors: readonly Detector[];
  baseline: Baseline;
  logger?: Logger;
  metrics?: Metrics;
}

export function createDetectHandler(deps: DetectDependencies) {
  const logger = deps.logger ?? new Logger({ serviceName: "trailwarden-detect" });
  const metrics = deps.metrics ?? new Metrics({ namespace: "trailwarden", serviceName: "detect" });
  const byId = new Map(deps.detectors.map((d) => [d.id, d]));
  // No memory across invocations: a retry must return its finding again; ids are deterministic.
  const engine = new DetectionEngine(deps.detectors, { baseline: deps.baseline, rememberFindings: false });

  return async function handler(input: unknown): Promise<DetectResult> {
    try {
      const warnings = normaliseDetail(input);
      const { detectorId, event } = parseInput(input);
      const detector = byId.get(detectorId);
      if (!detector) throw new UnknownDetectorError(`no detector with id '${detectorId}' in this deployment`);
      logger.appendKeys({ detectorId, eventId: event.detail.eventID });
      if (warnings.length > 0) {
        metrics.addMetric("RecordWarnings", MetricUnit.Count, warnings.length);
        logger.warn("record accepted with fallbacks", { warnings });
      }
      const result = await engine.processWith(detector, event as unknown as CloudTrailEnvelope);
      const finding = result.findings[0];
      const suppressed = result.suppressed[0];
      if (finding) {
        metrics.addDimension("detector", detectorId);
        metrics.addMetric("Findings", MetricUnit.Count, 1);
        logger.info("finding", { findingId: finding.id, severity: finding.severity });
      } else if (suppressed) {
        metrics.addMetric("SuppressedFindings", MetricUnit.Count, 1);
        logger.info("finding suppressed by a baseline exception", { owner: suppressed.exception.owner });
      }
      return {
        detectorId,
        eventId: event.detail.eventID,
        ...(finding ? { finding } : {}),
        ...(suppressed
          ? { suppressedBy: { owner: suppressed.exception.owner, reason: suppressed.exception.reason, expires: suppressed.exception.expires } }
          : {}),
      };
    } catch (error) {
      metrics.addMetric("RejectedEvents", MetricUnit.Count, 1);
      logger.error("event rejected", error as Error);
      throw error;
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

function baselineFromEnvironment(): Baseline {
  const file = process.env.TRAILWARDEN_BASELINE;
  return file ? loadBaselineFile(file) : DEFAULT_BASELINE;
}

export const handler = createDetectHandler({ detectors: registry, baseline: baselineFromEnvironment() });
