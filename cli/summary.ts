import type { Counters } from "../core/counters.js";
import type { SuppressedFinding } from "../core/engine.js";
import type { Finding } from "../core/finding.js";
import type { ReplaySummary } from "../core/replay.js";
import { SEVERITIES } from "../core/severity.js";
import { formatNumber, shortPrincipal, table } from "./format.js";

export function formatSuppressedTable(entries: SuppressedFinding[]): string {
  if (entries.length === 0) return "None.";
  const rows = entries.map(({ finding, exception }) => [
    finding.time,
    finding.detector,
    shortPrincipal(finding.actor.arn ?? finding.actor.principal),
    exception.owner,
    exception.expires,
    exception.reason,
  ]);
  return table(["TIME", "DETECTOR", "ACTOR", "OWNER", "EXPIRES", "REASON"], rows, [20, 40, 36, 28, 10]);
}

export function formatFindingsTable(findings: Finding[]): string {
  if (findings.length === 0) return "No findings.";
  const rows = findings.map((f) => [
    f.time,
    f.severity.toUpperCase(),
    f.detector,
    f.account,
    f.region,
    shortPrincipal(f.actor.arn ?? f.actor.principal),
    f.summary,
  ]);
  return table(["TIME", "SEVERITY", "DETECTOR", "ACCOUNT", "REGION", "ACTOR", "SUMMARY"], rows, [20, 8, 40, 12, 14, 40]);
}

function inline(counters: Counters, limit = 6): string {
  const entries = counters.entries();
  const shown = entries.slice(0, limit).map(([kind, count]) => `${kind}: ${formatNumber(count)}`);
  if (entries.length > limit) shown.push(`+${entries.length - limit} more`);
  return shown.join("; ");
}

export interface SummaryExtras {
  hiddenBelowMinSeverity: number;
  written?: { written: number; alreadyPresent: number; differing: number; root: string };
}

export function formatSummary(summary: ReplaySummary, extras: SummaryExtras): string {
  const lines: [string, string][] = [];
  const seconds = summary.elapsedMs / 1000;
  const rate = seconds > 0 ? summary.eventsRead / seconds : 0;
  const skipped = summary.skipped.total;
  lines.push(["files read", `${formatNumber(summary.files)}${skipped ? ` (${skipped} skipped: ${inline(summary.skipped)})` : ""}`]);
  if (summary.filesRejected > 0) lines.push(["files rejected", formatNumber(summary.filesRejected)]);
  lines.push(["events read", formatNumber(summary.eventsRead)]);
  lines.push(["rejected", rejectedLine(summary)]);
  if (summary.notEvaluated.total > 0) lines.push(["not evaluated", `${formatNumber(summary.notEvaluated.total)} (${inline(summary.notEvaluated)})`]);
  lines.push(["events matched", formatNumber(summary.eventsMatched)]);
  const bySeverity = SEVERITIES.slice()
    .reverse()
    .filter((s) => summary.bySeverity.get(s) > 0)
    .map((s) => `${s} ${summary.bySeverity.get(s)}`)
    .join(", ");
  lines.push(["findings", `${formatNumber(summary.findings)}${bySeverity ? ` (${bySeverity})` : ""}`]);
  if (extras.hiddenBelowMinSeverity > 0) lines.push(["not shown", `${extras.hiddenBelowMinSeverity} below --min-severity`]);
  if (summary.suppressed > 0) lines.push(["suppressed", `${formatNumber(summary.suppressed)} by baseline exceptions`]);
  if (summary.warnings.total > 0) lines.push(["warnings", inline(summary.warnings, 10)]);
  if (extras.written) {
    const w = extras.written;
    const differing = w.differing ? `, ${w.differing} differ from what is there (left as is)` : "";
    lines.push(["written", `${w.written} objects to ${w.root} (${w.alreadyPresent} already present${differing})`]);
  }
  const threads = summary.workers > 0 ? `, ${summary.workers} worker threads` : "";
  lines.push(["throughput", `${formatNumber(rate)} events/s (${seconds.toFixed(2)} s${threads})`]);
  const width = Math.max(...lines.map(([label]) => label.length));
  const out = ["", "Summary", ...lines.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)];
  if (summary.byDetector.total > 0) {
    out.push("", "Findings by detector");
    for (const [detector, count] of summary.byDetector.entries()) out.push(`  ${String(count).padStart(6)}  ${detector}`);
  }
  return out.join("\n");
}

function rejectedLine(summary: ReplaySummary): string {
  if (summary.rejected === 0) return "0";
  return `${formatNumber(summary.rejected)} (${inline(summary.rejections)})`;
}
