import { exceptionExpiry, matchesAny, type Baseline, type BaselineException } from "./baseline.js";
import { canonicalJson, sha256Hex } from "./canonical-json.js";
import { principalArn, type CloudTrailRecord } from "./cloudtrail.js";
import { Counters } from "./counters.js";
import type { Detector, DetectorContext, DetectorHit } from "./detector.js";
import { toEnvelope, type CloudTrailEnvelope } from "./envelope.js";
import { buildFinding, findingIdFromEvent, findingIdFromRecord, type Finding } from "./finding.js";
import { compilePattern, patternEventNames } from "./pattern.js";
import { MemoryWindowStore, type WindowStore } from "./window-store.js";

export interface EngineOptions {
  baseline: Baseline;
  /** Counts for threshold detectors; in memory unless given. */
  windows?: WindowStore;
  /**
   * Remember emitted findings, so a record seen twice makes one finding and a
   * reused eventID is noticed (replay). A Lambda sets this to false: a retried
   * invocation must return its finding again, and deterministic ids make the
   * downstream writes idempotent.
   */
  rememberFindings?: boolean;
}

interface SharedMatcher {
  matches: (event: unknown) => boolean;
  lastEvent: unknown;
  lastAnswer: boolean;
}

/** A detector with its shared matcher, as the index holds them: no lookup per record. */
interface Candidate {
  detector: Detector;
  matcher: SharedMatcher;
}

export interface SuppressedFinding {
  finding: Finding;
  exception: BaselineException;
}

/** A detector that fired on a record, before the engine turns it into a finding. */
export interface DetectorMatch {
  detector: Detector;
  hit: DetectorHit;
}

export interface EngineResult {
  findings: Finding[];
  suppressed: SuppressedFinding[];
}

export const ENGINE_WARNINGS = {
  reusedEventId: "eventID reused by a different record (finding id hashed from the whole record)",
  duplicate: "duplicate event (same record seen before; no second finding)",
} as const;

/**
 * Runs detectors over CloudTrail records exactly as the deployed rules would:
 * an event reaches a detector only if the detector's EventBridge pattern
 * matches its envelope. Detectors are indexed by event source and name so each
 * record is checked only against the patterns that could match it.
 */
export class DetectionEngine {
  readonly warnings = new Counters();
  /** eventSource → eventName → candidate detectors (no string built per record). */
  private readonly index = new Map<string, Map<string, Candidate[]>>();
  private readonly unindexed: Candidate[] = [];
  /** The one context every evaluate call gets (detectors must not keep or change it). */
  private readonly context: DetectorContext;
  /** Finding id → fingerprint of the record that made it, to tell re-deliveries from reused ids. */
  private readonly emitted = new Map<string, string>();
  private readonly windows: WindowStore;
  /**
   * Each distinct pattern compiled once and shared by the detectors that use
   * it, remembering its answer for the last event: detectors judging the same
   * events differently (the change-management family) match each record once.
   */
  private readonly matchers = new Map<Detector, SharedMatcher>();

  constructor(
    readonly detectors: readonly Detector[],
    private readonly options: EngineOptions,
  ) {
    this.windows = options.windows ?? new MemoryWindowStore();
    this.context = { baseline: options.baseline };
    const byPattern = new Map<string, SharedMatcher>();
    for (const detector of detectors) {
      const key = canonicalJson(detector.pattern);
      let matcher = byPattern.get(key);
      if (!matcher) {
        matcher = { matches: compilePattern(detector.pattern), lastEvent: undefined, lastAnswer: false };
        byPattern.set(key, matcher);
      }
      this.matchers.set(detector, matcher);
      const candidate: Candidate = { detector, matcher };
      const names = patternEventNames(detector.pattern);
      if (!names) {
        this.unindexed.push(candidate);
        continue;
      }
      for (const source of names.sources) {
        for (const name of names.names) {
          let byName = this.index.get(source);
          if (!byName) this.index.set(source, (byName = new Map()));
          const list = byName.get(name) ?? [];
          list.push(candidate);
          byName.set(name, list);
        }
      }
    }
    // Every event is also a candidate for the detectors no index covers: merge them in once, not per record.
    for (const byName of this.index.values()) for (const [name, list] of byName) byName.set(name, [...list, ...this.unindexed]);
  }

  get baseline(): Baseline {
    return this.options.baseline;
  }

  /** The detectors whose pattern could match the record, in the order they run. */
  candidates(record: CloudTrailRecord): Detector[] {
    return this.candidatesOf(record).map((c) => c.detector);
  }

  private candidatesOf(record: CloudTrailRecord): Candidate[] {
    return this.index.get(record.eventSource)?.get(record.eventName) ?? this.unindexed;
  }

  /**
   * Evaluates one record. Synchronous unless a threshold detector's window
   * store answers asynchronously, so replay does not pay for a promise per
   * record; callers await the result when it is a promise.
   */
  process(record: CloudTrailRecord): EngineResult | Promise<EngineResult> {
    const hits = this.evaluate(record);
    return hits ? this.settle(record, hits) : { findings: [], suppressed: [] };
  }

  /**
   * The stateless half of `process`: the detectors whose pattern matches the
   * record's envelope and that fire on it, in candidate order. Undefined when
   * none does (most records). Pure, so replay can run it in worker threads.
   */
  evaluate(record: CloudTrailRecord): DetectorMatch[] | undefined {
    const candidates = this.candidatesOf(record);
    if (candidates.length === 0) return undefined;
    const envelope = toEnvelope(record);
    let hits: DetectorMatch[] | undefined;
    for (let i = 0; i < candidates.length; i++) {
      const { detector, matcher } = candidates[i]!;
      if (matcher.lastEvent !== envelope) {
        matcher.lastAnswer = matcher.matches(envelope);
        matcher.lastEvent = envelope;
      }
      if (!matcher.lastAnswer) continue;
      const hit = detector.evaluate(record, this.context);
      if (hit) (hits ??= []).push({ detector, hit });
    }
    return hits;
  }

  /**
   * The stateful half: threshold windows, finding ids (duplicates and reused
   * eventIDs), exceptions. Called in record order, on one thread.
   */
  settle(record: CloudTrailRecord, hits: readonly DetectorMatch[]): EngineResult | Promise<EngineResult> {
    const result: EngineResult = { findings: [], suppressed: [] };
    for (let i = 0; i < hits.length; i++) {
      const pending = this.settleOne(hits[i]!, record, result);
      if (pending) return this.settleInOrder(pending, hits, i + 1, record, result);
    }
    return result;
  }

  /** The Lambda path: the rule already chose the detector; its pattern is still checked, as replay does. */
  async processWith(detector: Detector, envelope: CloudTrailEnvelope): Promise<EngineResult> {
    const result: EngineResult = { findings: [], suppressed: [] };
    if (!this.matchesEvent(detector, envelope)) return result;
    const hit = detector.evaluate(envelope.detail, this.context);
    return hit ? this.settle(envelope.detail, [{ detector, hit }]) : result;
  }

  /** Keeps findings in detector order once a window store has gone asynchronous. */
  private async settleInOrder(
    pending: Promise<void>,
    hits: readonly DetectorMatch[],
    next: number,
    record: CloudTrailRecord,
    result: EngineResult,
  ): Promise<EngineResult> {
    await pending;
    for (let i = next; i < hits.length; i++) await this.settleOne(hits[i]!, record, result);
    return result;
  }

  private settleOne({ detector, hit }: DetectorMatch, record: CloudTrailRecord, result: EngineResult): void | Promise<void> {
    if (!detector.threshold) return this.emit(detector, record, hit, this.eventFindingId(detector, record), result);
    const counted = this.countInWindow(detector, record, hit);
    if (counted instanceof Promise) return counted.then((id) => this.emit(detector, record, hit, id, result));
    return this.emit(detector, record, hit, counted, result);
  }

  private matchesEvent(detector: Detector, envelope: CloudTrailEnvelope): boolean {
    let matcher = this.matchers.get(detector);
    if (!matcher) {
      matcher = { matches: compilePattern(detector.pattern), lastEvent: undefined, lastAnswer: false };
      this.matchers.set(detector, matcher);
    }
    if (matcher.lastEvent !== envelope) {
      matcher.lastAnswer = matcher.matches(envelope);
      matcher.lastEvent = envelope;
    }
    return matcher.lastAnswer;
  }

  private emit(detector: Detector, record: CloudTrailRecord, hit: DetectorHit, id: string | undefined, result: EngineResult): void {
    if (!id) return;
    const finding = buildFinding(detector, record, hit, id);
    const exception = this.exceptionFor(finding);
    if (exception) result.suppressed.push({ finding, exception });
    else result.findings.push(finding);
  }

  /** DESIGN.md: sha256(`<detector>:<eventID>`), or of the whole record when the id is missing or reused. */
  private eventFindingId(detector: Detector, record: CloudTrailRecord): string | undefined {
    const remember = this.options.rememberFindings ?? true;
    const byEvent = record.eventID ? findingIdFromEvent(detector.id, record.eventID) : undefined;
    if (!remember) return byEvent ?? findingIdFromRecord(detector.id, record);
    const fingerprint = sha256Hex(canonicalJson(record));
    if (byEvent !== undefined) {
      const earlier = this.emitted.get(byEvent);
      if (earlier === undefined) return this.remember(byEvent, fingerprint);
      if (earlier === fingerprint) return this.duplicate();
    }
    const whole = findingIdFromRecord(detector.id, record);
    if (this.emitted.has(whole)) return this.duplicate();
    if (byEvent !== undefined) this.warnings.add(ENGINE_WARNINGS.reusedEventId);
    return this.remember(whole, fingerprint);
  }

  private remember(id: string, fingerprint: string): string {
    this.emitted.set(id, fingerprint);
    return id;
  }

  private duplicate(): undefined {
    this.warnings.add(ENGINE_WARNINGS.duplicate);
    return undefined;
  }

  /** Lets the window store forget windows long behind the newest event (replay calls it between files). */
  forgetOldWindows(lagMs: number): void {
    this.windows.prune?.(lagMs);
  }

  /**
   * Threshold detectors fire once per group and window, on the event that
   * reaches the count. Windows are aligned to the epoch in event time, so the
   * same logs in another order give the same finding id.
   */
  private countInWindow(detector: Detector, record: CloudTrailRecord, hit: DetectorHit): string | undefined | Promise<string | undefined> {
    const spec = detector.threshold!;
    const windowMs = spec.windowSeconds * 1000;
    const start = Math.floor(Date.parse(record.eventTime) / windowMs) * windowMs;
    const principal = principalArn(record) ?? record.userIdentity.principalId ?? "unknown";
    const group =
      spec.groupBy === "principal" ? principal : `${principal}|${hit.resources.map((r) => r.arn ?? r.id).join(",")}`;
    const id = () => sha256Hex(`${detector.id}:${group}:${new Date(start).toISOString()}`).slice(0, 32);
    const count = this.windows.increment(`${detector.id}|${group}|${start}`, start + windowMs);
    if (count instanceof Promise) return count.then((n) => (n === spec.count ? id() : undefined));
    return count === spec.count ? id() : undefined;
  }

  private exceptionFor(finding: Finding): BaselineException | undefined {
    const time = Date.parse(finding.time);
    return this.options.baseline.exceptions.find((exception) => {
      if (!matchesAny([exception.detector], finding.detector)) return false;
      if (exception.account && exception.account !== finding.account) return false;
      if (exception.principal && !matchesAny([exception.principal], finding.actor.principal)) return false;
      if (exception.resource) {
        const resource = exception.resource;
        if (!finding.resources.some((r) => matchesAny([resource], r.arn) || matchesAny([resource], r.id))) return false;
      }
      return time <= exceptionExpiry(exception).getTime();
    });
  }
}
