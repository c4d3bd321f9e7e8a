import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeHtml, inlineScript, jsonForScript, loadChartJs } from "../cli/report/html.js";
import { chooseBucket, MAX_BUCKETS } from "../cli/report/model.js";
import type { Finding } from "../core/finding.js";
import { assertChromium, chromiumStatus, launchChromium, type LaunchedChromium } from "./support/browser.js";
import { cli, type CliRun } from "./support/cli.js";

const SAMPLES = ["samples", "--baseline", "samples/baseline.yaml"];
const HOSTILE_UA = `</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">`;
const HOSTILE_USER = `<b onmouseover=alert(1)>eve</b><!--`;

let dir: string;
let reportPath: string;
let run: CliRun;
let html: string;
let replayed: Finding[];
/** Events read by `replay` of the same logs, from its summary on stderr. */
let eventsRead: number;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tw-report-"));
  reportPath = join(dir, "report.html");
  run = cli(["report", ...SAMPLES, "--html", reportPath]);
  html = existsSync(reportPath) ? readFileSync(reportPath, "utf8") : "";
  const jsonl = cli(["replay", ...SAMPLES, "--format", "jsonl"]);
  expect(jsonl.code).toBe(0);
  eventsRead = Number(/events read\s+([\d,]+)/.exec(jsonl.stderr)![1]!.replace(/,/g, ""));
  replayed = jsonl.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Finding);
});

/** The data block of a report, parsed back. */
function reportData(text: string): { findings: Finding[]; summary: Record<string, unknown>; meta: Record<string, unknown> } {
  const match = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(text);
  expect(match, "the report has its data block").not.toBeNull();
  return JSON.parse(match![1]!) as ReturnType<typeof reportData>;
}

/** A log whose one finding carries markup in every attacker-controlled field. */
function hostileLog(): string {
  const path = join(dir, "hostile.json");
  const arn = `arn:aws:iam::111122223333:user/${HOSTILE_USER}`;
  const record = {
    eventVersion: "1.08",
    eventTime: "2024-05-01T12:00:00Z",
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "StopLogging",
    awsRegion: "us-east-1",
    eventType: "AwsApiCall",
    recipientAccountId: "111122223333",
    eventID: "00000000-0000-4000-8000-000000000001",
    sourceIPAddress: "203.0.113.9",
    userAgent: HOSTILE_UA,
    userIdentity: { type: "IAMUser", arn, accountId: "111122223333", userName: HOSTILE_USER },
    requestParameters: { name: `</script><script>window.__pwned = 3</script>` },
  };
  writeFileSync(path, JSON.stringify({ Records: [record] }));
  return path;
}

describe("trailwarden report", () => {
  it("replays the samples, writes the report, exits 0 and prints one summary line on stderr", () => {
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toEqual([
      `trailwarden: report written to ${reportPath}: ${eventsRead.toLocaleString("en-US")} events read, 0 rejected, ${replayed.length} findings`,
    ]);
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
  });

  it("is self-contained: no external script, stylesheet, font or image", () => {
    // Matches are compared, not the 300 kB file, so a failure stays readable.
    const found = (pattern: RegExp) => html.match(pattern)?.[0] ?? null;
    expect(html.includes('src="http')).toBe(false);
    expect(found(/src\s*=\s*["']?(https?:)?\/\/[^"'\s>]*/i)).toBeNull();
    expect(found(/<link\b[^>]*>/i)).toBeNull();
    expect(found(/(^|[\s:,(])url\(\s*["']?(?!data:)[^)]*\)/im)).toBeNull();
    expect(found(/@import\b.{0,40}/i)).toBeNull();
    expect(found(/sourceMappingURL=\S*/)).toBeNull();
    // The chart library is inlined whole.
    expect(html).toContain(`Chart.js v${loadChartJs().version}`);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;/);
  });

  it("holds the same findings as `replay --format jsonl`, and the replay's counts", () => {
    const data = reportData(html);
    expect(data.findings.map((f) => f.id).sort()).toEqual(replayed.map((f) => f.id).sort());
    expect(data.summary).toMatchObject({ eventsRead, rejected: 0, findings: replayed.length, shown: replayed.length });
    expect(data.meta).toMatchObject({ inputs: ["samples"], baseline: "samples/baseline.yaml", minSeverity: "info" });
  });

  it("is byte-identical for the same input: there is no clock in it", () => {
    const again = join(dir, "again.html");
    expect(cli(["report", ...SAMPLES, "--html", again]).code).toBe(0);
    expect(readFileSync(again, "utf8") === html, "the second report has the same bytes").toBe(true);
  });

  it("shows only findings at or above --min-severity, and counts the others", () => {
    const path = join(dir, "critical.html");
    const critical = replayed.filter((f) => f.severity === "critical").length;
    const result = cli(["report", ...SAMPLES, "--html", path, "--min-severity", "critical"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`${replayed.length - critical} below --min-severity not shown`);
    const data = reportData(readFileSync(path, "utf8"));
    expect(data.findings).toHaveLength(critical);
    expect(data.summary).toMatchObject({ findings: replayed.length, shown: critical, hiddenBelowMinSeverity: replayed.length - critical });
  });

  it("keeps attacker-controlled strings out of the markup", () => {
    const path = join(dir, "hostile.html");
    const result = cli(["report", hostileLog(), "--html", path]);
    expect(result.code).toBe(0);
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain("<script>window.__pwned");
    expect(text).not.toContain("<img src=x");
    expect(text).not.toContain("<b onmouseover");
    // Exactly our three scripts: the data block, Chart.js and the page script.
    expect(text.match(/<script\b/g)).toHaveLength(3);
    expect(text.match(/<\/script>/g)).toHaveLength(3);
    const data = reportData(text);
    expect(data.findings[0]?.actor.userAgent).toBe(HOSTILE_UA);
  });

  it("writes the report and exits 3 when some input is rejected", () => {
    const path = join(dir, "rejected.html");
    const result = cli(["report", "samples", join(dir, "missing.json.gz"), "--html", path]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`trailwarden: rejected ${join(dir, "missing.json.gz")}: no such file or directory`);
    expect(result.stderr).toMatch(new RegExp(`: ${eventsRead.toLocaleString("en-US")} events read, 1 rejected, \\d+ findings`));
    expect(reportData(readFileSync(path, "utf8")).summary).toMatchObject({ rejected: 1, filesRejected: 1 });
  });

  it.each([
    ["no --html", ["report", "samples"], /required option '--html <file>'/],
    ["an invalid baseline", ["report", "samples", "--baseline", "package.json", "--html", "OUT"], /package\.json: invalid baseline/],
    ["a missing baseline", ["report", "samples", "--baseline", "nope.yaml", "--html", "OUT"], /nope\.yaml: invalid baseline: file not found/],
    ["an unknown severity", ["report", "samples", "--min-severity", "huge", "--html", "OUT"], /huge/],
    ["an --html in a missing folder", ["report", "samples", "--html", "/nonexistent-folder/r.html"], /folder \/nonexistent-folder does not exist/],
    ["an --html that is a folder", ["report", "samples", "--html", "samples"], /--html samples: is a folder, not a file/],
  ])("exits 1 and writes nothing on %s", (_name, args, message) => {
    const out = join(mkdtempSync(join(dir, "usage-")), "x.html");
    const result = cli(args.map((arg) => (arg === "OUT" ? out : arg)));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it("has --help with examples and its exit codes", () => {
    const help = cli(["report", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: trailwarden report \[options\] <paths\.\.\.>/);
    expect(help.stdout).toMatch(/--html <file>/);
    expect(help.stdout).toMatch(/--min-severity <severity>/);
    expect(help.stdout).toMatch(/\$ trailwarden report samples --baseline samples\/baseline\.yaml --html report\.html/);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*3\s+some input rejected/);
  });
});

describe("report helpers", () => {
  it("embeds JSON that no string can break out of, and that reads back the same", () => {
    const value = { ua: "</script><!-- & > \u2028", n: 1 };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it("escapes text for HTML and breaks up script-closing sequences in inlined code", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    expect(inlineScript(`var s = "</SCRIPT><!--";\n//# sourceMappingURL=x.js.map\n`)).toBe(`var s = "<\\/SCRIPT><\\!--";\n`);
  });

  it("picks the smallest time bucket that keeps the chart within its bar count", () => {
    const t0 = Date.parse("2025-03-14T13:02:42Z");
    expect(chooseBucket(t0, t0 + 57 * 60_000)).toEqual({ width: 5 * 60_000, name: "5-minute" });
    expect(chooseBucket(t0, t0)).toEqual({ width: 60_000, name: "1-minute" });
    expect(chooseBucket(t0, t0 + 3 * 86_400_000).name).toBe("2-hour");
    const years = chooseBucket(t0, t0 + 5 * 365 * 86_400_000);
    expect(Math.floor((t0 + 5 * 365 * 86_400_000) / years.width) - Math.floor(t0 / years.width) + 1).toBeLessThanOrEqual(MAX_BUCKETS);
  });
});

const chromium = chromiumStatus();

/** The few DOM shapes the in-page checks use (the project's tsconfig has no DOM lib). */
interface DomCanvas {
  width: number;
  height: number;
  getBoundingClientRect(): { width: number; height: number };
  getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}
interface DomNode {
  open?: boolean;
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomNode | null;
  querySelectorAll(selector: string): ArrayLike<DomNode>;
}
interface DomWindow {
  __pwned?: number;
  document: DomNode & { images: { length: number } };
}

describe("the report in headless Chromium", () => {
  let launched: LaunchedChromium | undefined;

  beforeAll(async () => {
    if (chromium.available) launched = await launchChromium();
  });
  afterAll(async () => {
    await launched?.close();
  });

  /** Opens a report from file://, recording every console error, page error and request. */
  async function open(path: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await launched!.browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => errors.push(`page: ${error instanceof Error ? error.message : String(error)}`));
    page.on("requestfailed", (request) => errors.push(`request failed: ${request.url()}`));
    page.on("request", (request) => void requests.push(request.url()));
    await page.goto(pathToFileURL(path).href, { waitUntil: "load" });
    await page.waitForSelector("html[data-rendered=true]", { timeout: 15_000 });
    return { page, errors, requests };
  }

  it.skipIf(chromium.skip)(
    `draws the timeline and lists every finding, with no error and no request but the file${chromium.skip ? ` (${chromium.message})` : ""}`,
    async () => {
      assertChromium(chromium);
      const { page, errors, requests } = await open(reportPath);
      expect(errors).toEqual([]);
      expect(requests.every((url) => url.startsWith("file:") || url.startsWith("data:"))).toBe(true);

      const canvas = await page.$eval("#timeline-chart", (node) => {
        const c = node as unknown as DomCanvas;
        const box = c.getBoundingClientRect();
        const pixels = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        let drawn = 0;
        let high = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          if (pixels[i + 3]! > 0) drawn++;
          // Solid bar pixels in the "high" colour (#dc2626).
          if (pixels[i] === 0xdc && pixels[i + 1] === 0x26 && pixels[i + 2] === 0x26 && pixels[i + 3] === 255) high++;
        }
        return { width: box.width, height: box.height, drawn, high };
      });
      expect(canvas.width).toBeGreaterThan(0);
      expect(canvas.height).toBeGreaterThan(0);
      expect(canvas.drawn).toBeGreaterThan(1000);
      expect(canvas.high).toBeGreaterThan(100);

      const rows = await page.$$eval("#findings tbody tr.finding", (trs) => trs.length);
      expect(rows).toBe(replayed.length);
      for (const id of ["severity-chart", "detector-chart", "account-chart", "actor-chart"]) {
        const size = await page.$eval(`#${id}`, (node) => (node as unknown as DomCanvas).width * (node as unknown as DomCanvas).height);
        expect(size, id).toBeGreaterThan(0);
      }
      expect(await page.$$eval("#actors-body tr", (trs) => trs.length)).toBeGreaterThan(0);

      // The source record is drawn when its <details> is opened.
      const record = await page.$eval("#findings tbody tr.finding details", (details) => {
        const node = details as unknown as DomNode;
        node.open = true;
        return new Promise<string>((resolve) => setTimeout(() => resolve(node.querySelector("pre")!.textContent ?? ""), 50));
      });
      expect(JSON.parse(record)).toHaveProperty("eventID");

      const screenshot = join(dir, "report.png");
      // The top of the page (summary, timeline, counts), for a person to look at.
      await page.setViewport({ width: 1280, height: 1600 });
      await page.screenshot({ path: screenshot });
      expect(statSync(screenshot).size).toBeGreaterThan(10_000);
      await page.close();
    },
  );

  it.skipIf(chromium.skip)(
    `shows hostile strings as text and runs none of them${chromium.skip ? ` (${chromium.message})` : ""}`,
    async () => {
      assertChromium(chromium);
      const path = join(dir, "hostile-browser.html");
      expect(cli(["report", hostileLog(), "--html", path]).code).toBe(0);
      const { page, errors } = await open(path);
      expect(errors).toEqual([]);
      const seen = await page.evaluate(() => {
        const win = globalThis as unknown as DomWindow;
        return {
          pwned: win.__pwned,
          images: win.document.images.length,
          bold: win.document.querySelectorAll("#findings b").length,
          text: win.document.querySelector("#findings")!.textContent ?? "",
          titles: Array.from(win.document.querySelectorAll("#findings [title]")).map((node) => node.getAttribute("title")),
        };
      });
      expect(seen.pwned).toBeUndefined();
      expect(seen.images).toBe(0);
      expect(seen.bold).toBe(0);
      expect(seen.text).toContain(HOSTILE_USER);
      expect(seen.titles).toContain(HOSTILE_UA);
      await page.close();
    },
  );
});
