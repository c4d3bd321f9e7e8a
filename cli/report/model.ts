import type { Counters } from "../../core/counters.js";
import type { Finding } from "../../core/finding.js";
import { TECHNIQUES } from "../../core/mitre.js";
import type { ReplaySummary } from "../../core/replay.js";
import { SEVERITIES, severityRank, type Severity } from "../../core/severity.js";
import { shortPrincipal } from "../format.js";

/**
 * Everything the HTML report shows, computed here so that the page only
 * draws it. It holds no wall-clock value: the same logs give the same bytes.
 */
export interface ReportModel {
  meta: {
    trailwardenVersion: string;
    chartLibrary: string;
    inputs: string[];
    baseline: string;
    minSeverity: Severity;
  };
  summary: {
    files: number;
    filesRejected: number;
    eventsRead: number;
    eventsAccepted: number;
    rejected: number;
    rejections: [string, number][];
    notEvaluated: number;
    eventsMatched: number;
    findings: number;
    shown: number;
    hiddenBelowMinSeverity: number;
    suppressed: number;
    firstTime?: string;
    lastTime?: string;
  };
  severities: readonly Severity[];
  timeline: Timeline;
  bySeverity: [Severity, number][];
  byDetector: { detector: string; severity: Severity; title: string; count: number }[];
  byAccount: [string, number][];
  actors: ActorRow[];
  /** Technique id → "name (tactic)", for the techniques the findings cite. */
  techniques: Record<string, string>;
  findings: Finding[];
  /** For each finding, the index of its actor in `actors`. */
  findingActor: number[];
}

export interface Timeline {
  /** Bucket width, for the axis title: "5-minute", "1-hour", "1-day"… */
  bucket: string;
  labels: string[];
  /** Bucket start times, ISO 8601 UTC, one per label. */
  starts: string[];
  /** Per severity, one count per bucket. */
  counts: Record<Severity, number[]>;
  /** Findings whose time could not be read: counted, not drawn. */
  undated: number;
}

export interface ActorRow {
  key: string;
  label: string;
  type: string;
  findings: number;
  highest: Severity;
  bySeverity: Partial<Record<Severity, number>>;
  accounts: string[];
  sourceIps: string[];
  detectors: string[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const BUCKETS: [number, string][] = [
  [MINUTE, "1-minute"],
  [5 * MINUTE, "5-minute"],
  [10 * MINUTE, "10-minute"],
  [15 * MINUTE, "15-minute"],
  [30 * MINUTE, "30-minute"],
  [HOUR, "1-hour"],
  [2 * HOUR, "2-hour"],
  [3 * HOUR, "3-hour"],
  [6 * HOUR, "6-hour"],
  [12 * HOUR, "12-hour"],
  [DAY, "1-day"],
  [2 * DAY, "2-day"],
  [7 * DAY, "7-day"],
];
/** Enough bars to see a burst, few enough that each stays wide. */
export const MAX_BUCKETS = 48;

/** The smallest bucket that keeps the span of `times` (epoch ms) within MAX_BUCKETS bars. */
export function chooseBucket(first: number, last: number): { width: number; name: string } {
  const count = (width: number) => Math.floor(last / width) - Math.floor(first / width) + 1;
  for (const [width, name] of BUCKETS) if (count(width) <= MAX_BUCKETS) return { width, name };
  let days = Math.ceil((last - first) / DAY / (MAX_BUCKETS - 1));
  while (count(days * DAY) > MAX_BUCKETS) days++;
  return { width: days * DAY, name: `${days}-day` };
}

export function buildTimeline(findings: readonly Finding[]): Timeline {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, [] as number[]])) as unknown as Record<Severity, number[]>;
  const dated = findings.map((f) => ({ f, t: Date.parse(f.time) })).filter(({ t }) => Number.isFinite(t));
  const undated = findings.length - dated.length;
  if (dated.length === 0) return { bucket: "", labels: [], starts: [], counts, undated };
  const times = dated.map(({ t }) => t);
  const first = Math.min(...times);
  const last = Math.max(...times);
  const { width, name } = chooseBucket(first, last);
  const start = Math.floor(first / width) * width;
  const n = Math.floor(last / width) - Math.floor(first / width) + 1;
  for (const s of SEVERITIES) counts[s] = new Array<number>(n).fill(0);
  for (const { f, t } of dated) counts[f.severity][Math.floor(t / width) - Math.floor(first / width)]!++;
  const starts = Array.from({ length: n }, (_, i) => new Date(start + i * width).toISOString());
  const sameDay = starts[0]!.slice(0, 10) === new Date(start + (n - 1) * width).toISOString().slice(0, 10);
  const labels = starts.map((iso) => {
    if (width >= DAY) return iso.slice(0, 10);
    return sameDay ? iso.slice(11, 16) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  });
  const bucket = sameDay && width < DAY ? `${name} buckets, UTC, ${starts[0]!.slice(0, 10)}` : `${name} buckets, UTC`;
  return { bucket, labels, starts, counts, undated };
}

/** The actor a finding is about: the caller's ARN, else its principal, else its type. */
export function actorKey(finding: Finding): string {
  const a = finding.actor;
  return a.arn ?? a.principal ?? `${a.type}${a.accountId ? ` (${a.accountId})` : ""}`;
}

export function actorLabel(finding: Finding): string {
  const a = finding.actor;
  const arn = a.arn ?? a.principal;
  if (!arn) return actorKey(finding);
  const short = shortPrincipal(arn);
  const account = a.accountId ?? /^arn:[^:]*:[^:]*::(\d{12}):/.exec(arn)?.[1];
  return account && !short.includes(account) ? `${short} (${account})` : short;
}

function sortedCounts(values: Iterable<string>): [string, number][] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Newest last; at the same second the most severe first, then by id, so the order never depends on read order. */
export function compareFindings(a: Finding, b: Finding): number {
  return byCodePoint(a.time, b.time) || severityRank(b.severity) - severityRank(a.severity) || byCodePoint(a.id, b.id);
}

export interface ModelInput {
  findings: readonly Finding[];
  summary: ReplaySummary;
  hiddenBelowMinSeverity: number;
  meta: ReportModel["meta"];
}

export function buildReportModel(input: ModelInput): ReportModel {
  const findings = [...input.findings].sort(compareFindings);
  const { summary } = input;

  const bySeverity = SEVERITIES.slice()
    .reverse()
    .map((s): [Severity, number] => [s, findings.filter((f) => f.severity === s).length])
    .filter(([, n]) => n > 0);

  const detectorInfo = new Map<string, Finding>();
  for (const f of findings) if (!detectorInfo.has(f.detector)) detectorInfo.set(f.detector, f);
  const byDetector = sortedCounts(findings.map((f) => f.detector)).map(([detector, count]) => ({
    detector,
    severity: detectorInfo.get(detector)!.severity,
    title: detectorInfo.get(detector)!.title,
    count,
  }));

  const actors = new Map<string, ActorRow & { ips: Set<string>; acc: Set<string>; det: Set<string> }>();
  for (const f of findings) {
    const key = actorKey(f);
    let row = actors.get(key);
    if (!row) {
      row = {
        key,
        label: actorLabel(f),
        type: f.actor.type,
        findings: 0,
        highest: f.severity,
        bySeverity: {},
        accounts: [],
        sourceIps: [],
        detectors: [],
        ips: new Set(),
        acc: new Set(),
        det: new Set(),
      };
      actors.set(key, row);
    }
    row.findings++;
    row.bySeverity[f.severity] = (row.bySeverity[f.severity] ?? 0) + 1;
    if (severityRank(f.severity) > severityRank(row.highest)) row.highest = f.severity;
    row.acc.add(f.account);
    if (f.actor.sourceIp) row.ips.add(f.actor.sourceIp);
    row.det.add(f.detector);
  }
  const actorRows: ActorRow[] = [...actors.values()]
    .map(({ ips, acc, det, ...row }) => ({
      ...row,
      accounts: [...acc].sort(byCodePoint),
      sourceIps: [...ips].sort(byCodePoint),
      detectors: [...det].sort(byCodePoint),
    }))
    .sort(
      (a, b) =>
        b.findings - a.findings || severityRank(b.highest) - severityRank(a.highest) || byCodePoint(a.key, b.key),
    );

  const actorIndex = new Map(actorRows.map((row, i) => [row.key, i]));

  const techniques: Record<string, string> = {};
  for (const id of [...new Set(findings.flatMap((f) => f.mitre.techniques))].sort(byCodePoint)) {
    const t = TECHNIQUES[id];
    techniques[id] = t ? `${t.name} (${t.tactic})` : id;
  }

  const dated = findings.filter((f) => Number.isFinite(Date.parse(f.time)));
  const earliest = dated.reduce<Finding | undefined>((m, f) => (!m || Date.parse(f.time) < Date.parse(m.time) ? f : m), undefined);
  const latest = dated.reduce<Finding | undefined>((m, f) => (!m || Date.parse(f.time) > Date.parse(m.time) ? f : m), undefined);
  return {
    meta: input.meta,
    summary: {
      files: summary.files,
      filesRejected: summary.filesRejected,
      eventsRead: summary.eventsRead,
      eventsAccepted: summary.eventsAccepted,
      rejected: summary.rejected,
      rejections: entries(summary.rejections),
      notEvaluated: summary.notEvaluated.total,
      eventsMatched: summary.eventsMatched,
      findings: summary.findings,
      shown: findings.length,
      hiddenBelowMinSeverity: input.hiddenBelowMinSeverity,
      suppressed: summary.suppressed,
      ...(earliest && latest ? { firstTime: earliest.time, lastTime: latest.time } : {}),
    },
    severities: SEVERITIES,
    timeline: buildTimeline(findings),
    bySeverity,
    byDetector,
    byAccount: sortedCounts(findings.map((f) => f.account)),
    actors: actorRows,
    techniques,
    findings,
    findingActor: findings.map((f) => actorIndex.get(actorKey(f))!),
  };
}

function entries(counters: Counters): [string, number][] {
  return counters.entries();
}
