import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { formatNumber } from "../format.js";
import type { ReportModel } from "./model.js";
import { PAGE_SCRIPT } from "./page-script.js";

/** A charting library's browser build, read from node_modules and inlined whole. */
export interface ChartLibrary {
  name: string;
  version: string;
  source: string;
}

/**
 * Chart.js's UMD build (it defines `window.Chart`). The package exports no
 * path to it, so it is found beside the entry point that it does export.
 */
export function loadChartJs(): ChartLibrary {
  const require = createRequire(import.meta.url);
  let dist: string;
  try {
    dist = dirname(require.resolve("chart.js"));
  } catch {
    throw new Error("the chart.js package is not installed (run npm install)");
  }
  const file = join(dist, "chart.umd.js");
  if (!existsSync(file)) throw new Error(`chart.js is installed but has no browser build at ${file}`);
  const pkg = JSON.parse(readFileSync(join(dist, "..", "package.json"), "utf8")) as { version?: string };
  return { name: "Chart.js", version: pkg.version ?? "unknown", source: readFileSync(file, "utf8") };
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** For text and attribute values written into the HTML itself. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON for a `<script type="application/json">` block: with `<`, `>` and `&`
 * as \u escapes, no string in it can close the element or open a comment,
 * and JSON.parse reads back exactly the same values.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Library code for an inline `<script>`: without its source-map comment (the
 * map is not there to fetch) and with any `</script` or `<!--` broken up, which
 * inside JavaScript strings, regexps and comments means the same.
 */
export function inlineScript(source: string): string {
  return source
    .replace(/\n\/\/# sourceMappingURL=\S*\s*$/, "\n")
    .replace(/<\/(script)/gi, "<\\/$1")
    .replace(/<!--/g, "<\\!--");
}

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

const STYLE = `
:root { color-scheme: light; --fg: #0f172a; --muted: #64748b; --line: #e2e8f0; --bg: #f8fafc; --card: #fff; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1400px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 12px; }
h3 { font-size: 14px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
section, article { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin: 16px 0; }
article { margin: 0; }
.sub, .note, .muted { color: var(--muted); }
.small { font-size: 12px; }
.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; }
.wrap { overflow-wrap: anywhere; }
.detector { min-width: 190px; overflow-wrap: break-word; }
.label { font-weight: 600; overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.tile .value { font-size: 22px; font-weight: 600; }
.tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.tile.bad .value { color: #b91c1c; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
.chart-box { position: relative; height: 240px; margin-bottom: 12px; }
.chart-box.tall { height: 320px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.sev, .chip { display: inline-block; padding: 1px 6px; border-radius: 4px; font-size: 11px; font-weight: 700; color: #fff; white-space: nowrap; }
.chip { margin: 0 4px 4px 0; }
.sev-critical { background: #7f1d1d; } .sev-high { background: #dc2626; } .sev-medium { background: #f59e0b; color: #1c1917; }
.sev-low { background: #2563eb; } .sev-info { background: #94a3b8; color: #0f172a; }
tr.finding { border-left: 4px solid transparent; }
tr.sev-row-critical td:first-child { box-shadow: inset 4px 0 #7f1d1d; } tr.sev-row-high td:first-child { box-shadow: inset 4px 0 #dc2626; }
tr.sev-row-medium td:first-child { box-shadow: inset 4px 0 #f59e0b; } tr.sev-row-low td:first-child { box-shadow: inset 4px 0 #2563eb; }
.title { font-weight: 600; }
.summary { margin: 2px 0 6px; }
.actor { min-width: 200px; max-width: 300px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 6px; font-size: 12px; }
dt { color: var(--muted); }
dd { margin: 0; }
details.record summary { cursor: pointer; color: #1d4ed8; font-size: 12px; }
details.record pre { max-height: 480px; overflow: auto; background: #f1f5f9; padding: 8px; border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; }
.filters { display: flex; gap: 12px; align-items: center; margin-bottom: 8px; }
.filters input { flex: 0 1 420px; padding: 6px 8px; border: 1px solid #cbd5e1; border-radius: 4px; font: inherit; }
footer { color: var(--muted); font-size: 12px; margin: 24px 0; }
`;

function tile(label: string, value: number, bad = false): string {
  return `<div class="tile${bad && value > 0 ? " bad" : ""}"><div class="value">${escapeHtml(formatNumber(value))}</div><div class="label">${escapeHtml(label)}</div></div>`;
}

/** The whole report as one HTML document: styles, Chart.js, data and page script all inline. */
export function renderReportHtml(model: ReportModel, chart: ChartLibrary): string {
  const s = model.summary;
  const chartScript = inlineScript(chart.source);
  const pageScript = inlineScript(PAGE_SCRIPT);
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(chartScript)} ${sha256(pageScript)}`,
    `style-src ${sha256(STYLE)}`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");

  const severityTiles = model.bySeverity.map(([severity, n]) => tile(severity, n, severity === "critical" || severity === "high"));
  const rejections = s.rejections.length
    ? `<p class="note">Rejected: ${s.rejections.map(([reason, n]) => `${escapeHtml(reason)}: ${escapeHtml(formatNumber(n))}`).join("; ")}</p>`
    : "";
  const span = s.firstTime && s.lastTime ? ` Findings from ${escapeHtml(s.firstTime)} to ${escapeHtml(s.lastTime)} (event times, UTC).` : "";
  const hidden = s.hiddenBelowMinSeverity
    ? ` ${escapeHtml(formatNumber(s.hiddenBelowMinSeverity))} below --min-severity ${escapeHtml(model.meta.minSeverity)} are counted but not shown.`
    : "";

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="trailwarden ${escapeHtml(model.meta.trailwardenVersion)}">
<title>trailwarden report: ${escapeHtml(formatNumber(s.findings))} findings</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>trailwarden report</h1>
<p class="sub">CloudTrail replay of <span class="mono">${model.meta.inputs.map(escapeHtml).join(", ")}</span> with baseline <span class="mono">${escapeHtml(model.meta.baseline)}</span>.${span}</p>
</header>
<section id="summary">
<h2>Summary</h2>
<div class="tiles">
${tile("files read", s.files)}
${tile("events read", s.eventsRead)}
${tile("rejected", s.rejected, true)}
${tile("events matched", s.eventsMatched)}
${tile("findings", s.findings)}
${severityTiles.join("\n")}
${s.suppressed ? tile("suppressed", s.suppressed) : ""}
</div>
<p class="note">${escapeHtml(formatNumber(s.eventsAccepted))} events accepted, ${escapeHtml(formatNumber(s.notEvaluated))} not evaluated (event types no rule receives), ${escapeHtml(formatNumber(s.filesRejected))} files rejected. ${escapeHtml(formatNumber(s.shown))} findings shown.${hidden}</p>
${rejections}
<p id="no-findings" class="note" hidden>No findings at or above ${escapeHtml(model.meta.minSeverity)}.</p>
</section>
<section id="timeline">
<h2>Findings over time</h2>
<div class="chart-box tall"><canvas id="timeline-chart" role="img" aria-label="Findings per time bucket, stacked by severity"></canvas></div>
<p id="timeline-note" class="note"></p>
</section>
<section id="counts">
<h2>Counts</h2>
<div class="grid">
<article id="by-severity"><h3>By severity</h3><div class="chart-box"><canvas id="severity-chart" role="img" aria-label="Findings by severity"></canvas></div><div id="severity-table"></div></article>
<article id="by-detector"><h3>By detector</h3><div class="chart-box"><canvas id="detector-chart" role="img" aria-label="Findings by detector"></canvas></div><div id="detector-table"></div></article>
<article id="by-account"><h3>By account</h3><div class="chart-box"><canvas id="account-chart" role="img" aria-label="Findings by account"></canvas></div><div id="account-table"></div></article>
<article id="by-actor"><h3>By actor (top 10)</h3><div class="chart-box"><canvas id="actor-chart" role="img" aria-label="Findings by actor"></canvas></div><div id="actor-table"></div></article>
</div>
</section>
<section id="actors">
<h2>Top actors</h2>
<table id="actors-table">
<thead><tr><th scope="col">Actor</th><th scope="col">Type</th><th scope="col" class="num">Findings</th><th scope="col">Highest</th><th scope="col">By severity</th><th scope="col">Accounts</th><th scope="col">Source IPs</th><th scope="col">Detectors</th></tr></thead>
<tbody id="actors-body"></tbody>
</table>
<p id="actors-note" class="note"></p>
</section>
<section id="findings-section">
<h2>Findings</h2>
<div class="filters"><input id="filter" type="search" placeholder="Filter: words in any field (actor, IP, detector, resource…)" aria-label="Filter findings"><span id="filter-count" class="note"></span></div>
<table id="findings">
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Severity</th><th scope="col">Detector</th><th scope="col">Account / region</th><th scope="col">Actor</th><th scope="col">Finding</th></tr></thead>
<tbody id="findings-body"></tbody>
</table>
<noscript><p>The charts and the findings table are drawn by the script in this file: open it with JavaScript enabled.</p></noscript>
</section>
<footer>Generated by trailwarden ${escapeHtml(model.meta.trailwardenVersion)} from event times only (no clock). Charts by ${escapeHtml(chart.name)} ${escapeHtml(chart.version)} (MIT License), inlined in this file.</footer>
</main>
<script type="application/json" id="report-data">${jsonForScript(model)}</script>
<script>${chartScript}</script>
<script>${pageScript}</script>
</body>
</html>
`;
}
