/**
 * CloudTrail's S3 layout: log files of `{"Records": [...]}`, one per
 * account, region and five minutes, under
 * `AWSLogs/<account>/CloudTrail/<region>/<YYYY>/<MM>/<DD>/`.
 */
import type { Gen } from "./random.js";
import type { Json } from "./records.js";
import { MINUTE } from "./time.js";

const FILE_WINDOW_MS = 5 * MINUTE;

/** The start of the five-minute window a record's log file covers. */
export function fileWindowStart(record: Json): number {
  return Math.floor(Date.parse(record.eventTime as string) / FILE_WINDOW_MS) * FILE_WINDOW_MS;
}

/**
 * `AWSLogs/<account>/CloudTrail/<region>/<YYYY>/<MM>/<DD>/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 alnum>.json.gz`,
 * dated by delivery: the end of the file's five-minute window.
 */
export function cloudTrailKey(g: Gen, account: string, region: string, windowStart: number): string {
  const delivered = new Date(windowStart + FILE_WINDOW_MS);
  const iso = delivered.toISOString();
  const [yyyy, mm, dd] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const stamp = `${yyyy}${mm}${dd}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
  return `AWSLogs/${account}/CloudTrail/${region}/${yyyy}/${mm}/${dd}/${account}_CloudTrail_${region}_${stamp}_${g.fileSuffix()}.json.gz`;
}

export interface LogFile {
  account: string;
  region: string;
  windowStart: number;
  records: Json[];
}

/** Groups records into CloudTrail log files: one per account, region and five minutes; keys sorted. */
export function groupIntoFiles(records: readonly Json[]): LogFile[] {
  const groups = new Map<string, LogFile>();
  for (const r of records) {
    const account = r.recipientAccountId as string;
    const region = r.awsRegion as string;
    const windowStart = fileWindowStart(r);
    const key = `${account}|${region}|${String(windowStart).padStart(15, "0")}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { account, region, windowStart, records: [] }));
    group.records.push(r);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
}
