/** Time constants and the two timestamp formats of CloudTrail records. */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

const DAY = 24 * HOUR;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
let cachedDay = NaN;
let cachedDayPrefix = "";

/** ISO 8601 UTC without milliseconds, as CloudTrail writes eventTime. (Hot in the benchmark: the date part is cached.) */
export function isoSeconds(ms: number): string {
  const day = Math.floor(ms / DAY);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayPrefix = new Date(day * DAY).toISOString().slice(0, 11);
  }
  const s = Math.floor((ms - day * DAY) / 1000);
  return `${cachedDayPrefix}${TWO_DIGITS[Math.floor(s / 3600)]}:${TWO_DIGITS[Math.floor(s / 60) % 60]}:${TWO_DIGITS[s % 60]}Z`;
}

/** The start of the hour of `ms`: sessions in the samples begin on the hour. */
export function hourStart(ms: number): number {
  return Math.floor(ms / HOUR) * HOUR;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The format IAM and STS use in responseElements ("Mar 14, 2025, 1:07:12 PM"). */
export function awsDate(ms: number): string {
  const t = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  const hour = t.getUTCHours() % 12 || 12;
  return `${MONTHS[t.getUTCMonth()]} ${t.getUTCDate()}, ${t.getUTCFullYear()}, ${hour}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ${t.getUTCHours() < 12 ? "AM" : "PM"}`;
}
