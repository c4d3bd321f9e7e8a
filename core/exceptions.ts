import { exceptionExpiry, type Baseline, type BaselineException } from "./baseline.js";

/**
 * Exceptions whose expiry has passed by `now`. They still apply to events from
 * before their expiry (a backtest of old logs stays true to what was decided
 * then), but they mute nothing new, and someone should renew or remove them.
 */
export function expiredExceptions(baseline: Baseline, now: Date): { index: number; exception: BaselineException }[] {
  return baseline.exceptions
    .map((exception, index) => ({ index, exception }))
    .filter(({ exception }) => exceptionExpiry(exception).getTime() < now.getTime());
}

/** The clock: TRAILWARDEN_NOW (ISO 8601) when set, so runs and tests can pin "today". */
export function currentTime(env: NodeJS.ProcessEnv = process.env): Date {
  const pinned = env.TRAILWARDEN_NOW;
  if (pinned) {
    const ms = Date.parse(pinned);
    if (Number.isFinite(ms)) return new Date(ms);
  }
  return new Date();
}
