import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";

/**
 * Headless Chromium for tests that open what trailwarden writes (the HTML
 * report). Debian's package is used as it is: puppeteer-core never downloads
 * a browser. Without it a developer's run skips those tests with a hint; CI
 * (CI=true, where .ci/run installs it) fails them instead, so a missing
 * browser can never turn into a green run that tested nothing.
 */
export const CHROMIUM_PATH = "/usr/bin/chromium";
export const CHROMIUM_INSTALL_HINT = "apt-get install -y chromium";

export interface ChromiumStatus {
  available: boolean;
  /** In CI the browser tests must run: absent, they fail rather than skip. */
  required: boolean;
  /** Skip these tests: no browser here, and none is required. */
  skip: boolean;
  /** One line for the test name or the failure. */
  message: string;
}

export function chromiumStatus(env: NodeJS.ProcessEnv = process.env, path = CHROMIUM_PATH): ChromiumStatus {
  const available = existsSync(path);
  const required = env.CI === "true";
  const message = available
    ? `using ${path}`
    : required
      ? `${path} is missing and CI=true requires the browser tests to run: install it with \`${CHROMIUM_INSTALL_HINT}\` (.ci/run does)`
      : `skipped: no ${path}; install it with \`${CHROMIUM_INSTALL_HINT}\``;
  return { available, required, skip: !available && !required, message };
}

/** Throws the status message when the browser is missing (a test that is not skipped then fails clearly). */
export function assertChromium(status: ChromiumStatus): void {
  if (!status.available) throw new Error(status.message);
}

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface LaunchedChromium {
  browser: Browser;
  close(): Promise<void>;
}

/** Starts Chromium with a fresh profile folder, removed again by close(). */
export async function launchChromium(path = CHROMIUM_PATH): Promise<LaunchedChromium> {
  const profile = mkdtempSync(join(tmpdir(), "tw-chromium-profile-"));
  const browser = await puppeteer.launch({
    executablePath: path,
    headless: true,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`],
    defaultViewport: { width: 1280, height: 900 },
    timeout: 60_000,
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
