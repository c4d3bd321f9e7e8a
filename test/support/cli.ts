import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./fixtures.js";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the compiled CLI as users do (`npm test` compiles first). */
export function cli(args: string[], options: { input?: string | Buffer; cwd?: string } = {}): CliRun {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, "dist", "cli", "main.js"), ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    input: options.input,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, TRAILWARDEN_DEBUG: "" },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
