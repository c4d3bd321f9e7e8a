/**
 * Documented exit codes. When several apply, the lowest number wins: a usage
 * error hides everything else, and findings matter more than rejected input.
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

export function combineExitCodes(codes: ExitCode[]): ExitCode {
  const failing = codes.filter((code) => code !== EXIT.ok);
  return failing.length === 0 ? EXIT.ok : (Math.min(...failing) as ExitCode);
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
  When several of 1-3 and 5 apply, the lowest number wins.`;
