import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");
export const REPO_ROOT = join(FIXTURES, "..", "..");

/** The `Records` of one of the AWS documentation example files. */
export function docRecords(name: string): Record<string, unknown>[] {
  const text = readFileSync(join(FIXTURES, "cloudtrail", name), "utf8");
  return (JSON.parse(text) as { Records: Record<string, unknown>[] }).Records;
}

/** The shipper-mangled OTRF records, one object per line. */
export function otrfRecords(): Record<string, unknown>[] {
  const text = readFileSync(join(FIXTURES, "cloudtrail", "otrf-ec2-proxy-s3-exfiltration.jsonl"), "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
