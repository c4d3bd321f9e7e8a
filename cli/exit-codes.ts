/**
 * Documented exit codes. When several apply, a usage error hides everything
 * else, then a failed remediation (the one thing a script running
 * `--remediate apply` must not miss), then findings, then rejected input.
 */
export const EXIT = {
  ok: 0,
  usage: 1,
  findings: 2,
  rejectedInput: 3,
  /** 4 is an internal error (cli/main.ts). */
  remediationFailed: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Most important first. */
const PRECEDENCE: readonly ExitCode[] = [EXIT.usage, EXIT.remediationFailed, EXIT.findings, EXIT.rejectedInput];

export function combineExitCodes(codes: ExitCode[]): ExitCode {
  return PRECEDENCE.find((code) => codes.includes(code)) ?? EXIT.ok;
}

/** A usage error: printed as one line, exit code 1. */
export class UsageError extends Error {
  override name = "UsageError";
}

export const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  usage error or invalid baseline
  2  findings at or above --fail-on
  3  some input rejected (a missing path included)
  4  internal error (a bug in trailwarden: please report it)
  5  --remediate apply: a remediation failed (its result, with the error, is
     printed like the others)
  When several apply: 1 first, then 5, then 2, then 3.`;
