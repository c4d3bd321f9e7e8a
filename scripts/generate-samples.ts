/**
 * Writes the sample CloudTrail logs of `samples/` (see samples/README.md):
 *
 *   samples/routine/   a morning of routine activity of a fictional organisation
 *   samples/attack/    a two-hour attack on its production and management accounts, with noise
 *   samples/baseline.yaml, samples/README.md
 *
 * Usage: npm run samples   (or: node dist/scripts/generate-samples.js [--out <dir>] [--no-check])
 *
 * Deterministic: the same seed gives the same bytes (no clock, sorted keys,
 * gzip with mtime 0). Then it checks the result with the real pipeline (see
 * `check`): routine activity must produce no finding under the baseline, the
 * attack must trip every detector of the registry, and a baseline learned
 * from the routine logs must keep both promises too.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { DEFAULT_BASELINE, type Baseline } from "../core/baseline.js";
import { loadBaselineFile, parseBaselineText } from "../core/baseline-file.js";
import { learnedBaselineYaml } from "../core/learn-yaml.js";
import { BaselineLearner } from "../core/learn.js";
import { replay } from "../core/replay.js";
import { detectors } from "../detectors/index.js";
import { sampleBaselineYaml } from "./sample-baseline.js";
import { attackStory, type StoryLine } from "./samples/attack.js";
import { cloudTrailKey, groupIntoFiles } from "./samples/layout.js";
import { Gen } from "./samples/random.js";
import { sampleReadme } from "./samples/readme.js";
import { type Json, sortByTime } from "./samples/records.js";
import { generateRoutineRecords } from "./samples/routine.js";
import { generateSanctionedChanges } from "./samples/sanctioned.js";
import { HOUR, MINUTE } from "./samples/time.js";

export const SEED = 20250314;
export const ROUTINE_COUNT = 3000;
export const ROUTINE_START = Date.UTC(2025, 2, 14, 7, 0, 0);
export const ROUTINE_END = ROUTINE_START + 4 * HOUR;
export const ATTACK_START = Date.UTC(2025, 2, 14, 13, 2, 11);
/** Routine noise around the attack: as dense as the routine morning. */
export const ATTACK_NOISE = 600;
const NOISE_START = ATTACK_START - 2 * MINUTE;
const NOISE_END = ATTACK_START + 122 * MINUTE;

/** `{"Records":[...]}` gzipped, byte for byte reproducible: mtime 0 (Node's default) and the OS byte pinned to Unix. */
export function gzipRecords(records: readonly Json[], level = 6): Buffer {
  const gz = gzipSync(Buffer.from(JSON.stringify({ Records: records })), { level });
  gz[9] = 3;
  return gz;
}

export interface WrittenSet {
  files: number;
  records: number;
  bytes: number;
}

/** Writes records as CloudTrail log files under `dir`, one per account, region and five minutes. */
export function writeLogFiles(dir: string, records: readonly Json[], names: Gen): WrittenSet {
  const written: WrittenSet = { files: 0, records: 0, bytes: 0 };
  for (const group of groupIntoFiles(records)) {
    const path = join(dir, cloudTrailKey(names, group.account, group.region, group.windowStart));
    mkdirSync(dirname(path), { recursive: true });
    const bytes = gzipRecords(group.records);
    writeFileSync(path, bytes);
    written.files++;
    written.records += group.records.length;
    written.bytes += bytes.length;
  }
  return written;
}

/** Random routine activity plus every sanctioned change once, ROUTINE_COUNT records in all. */
export function routineRecords(): Json[] {
  const sanctioned = generateSanctionedChanges(Gen.seeded(SEED + 5), ROUTINE_START, ROUTINE_END - 10 * MINUTE);
  const random = generateRoutineRecords(Gen.seeded(SEED), ROUTINE_COUNT - sanctioned.length, { start: ROUTINE_START, end: ROUTINE_END });
  return sortByTime([...random, ...sanctioned]);
}

export function attackRecords(): { attack: Json[]; noise: Json[]; lines: StoryLine[] } {
  const { records, lines } = attackStory(Gen.seeded(SEED + 1), ATTACK_START);
  const noise = generateRoutineRecords(Gen.seeded(SEED + 2), ATTACK_NOISE, { start: NOISE_START, end: NOISE_END });
  return { attack: records, noise, lines };
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, "package.json"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("cannot find the repository root (package.json) above " + dirname(fileURLToPath(import.meta.url)));
}

interface Judged {
  /** Findings per detector. */
  fired: Map<string, number>;
  /** eventID of every record that made a finding. */
  events: Set<string>;
  findings: number;
  rejected: number;
}

async function judge(path: string, baseline: Baseline): Promise<Judged> {
  const events = new Set<string>();
  const summary = await replay({ paths: [path], detectors, baseline }, { onFinding: (f) => void (f.eventId && events.add(f.eventId)) });
  return { fired: new Map(summary.byDetector.entries()), events, findings: summary.findings, rejected: summary.rejected };
}

/** What `trailwarden baseline learn` proposes from the routine logs. */
async function learnFrom(path: string): Promise<Baseline> {
  const learner = new BaselineLearner();
  await replay({ paths: [path], detectors: [], baseline: DEFAULT_BASELINE }, { onFinding: () => undefined, onRecord: (r) => learner.observe(r) });
  return parseBaselineText(learnedBaselineYaml(learner.result(), [path]), "(learned from routine)");
}

const list = (ids: Iterable<string>) => [...ids].sort().join(", ") || "(none)";

/**
 * The samples are only useful if the pipeline judges them as intended:
 * routine activity (and the routine noise in the attack folder) makes no
 * finding, the attack trips every detector of the registry and each detector
 * its story claims (and no other), and a baseline learned from the routine
 * logs stays quiet on them too and still lets every detector fire on the
 * attack that fires without a baseline (test/learn-samples.test.ts).
 */
async function check(out: string, baselineFile: string, noise: readonly Json[], lines: readonly StoryLine[]): Promise<boolean> {
  let ok = true;
  const fail = (message: string) => {
    ok = false;
    console.error(`  FAIL ${message}`);
  };
  const baseline = loadBaselineFile(baselineFile);
  const registry = detectors.map((d) => d.id);

  const quiet = await judge(join(out, "routine"), baseline);
  if (quiet.findings > 0 || quiet.rejected > 0) fail(`routine: ${quiet.findings} findings (${list(quiet.fired.keys())}), ${quiet.rejected} rejected`);
  else console.log("  check routine: no findings, no rejections");

  const loud = await judge(join(out, "attack"), baseline);
  const claimed = new Set(lines.flatMap((l) => l.trips));
  const unknown = [...claimed].filter((id) => !registry.includes(id));
  const silent = [...new Set([...claimed, ...registry])].filter((id) => !loud.fired.has(id));
  const untold = [...loud.fired.keys()].filter((id) => !claimed.has(id));
  const noiseIds = new Set(noise.map((r) => r.eventID as string));
  const fromNoise = [...loud.events].filter((id) => noiseIds.has(id)).length;
  if (unknown.length > 0) fail(`the story claims detectors that are not registered: ${list(unknown)}`);
  if (silent.length > 0) fail(`attack: no finding from ${list(silent)}`);
  if (untold.length > 0) fail(`attack: the story does not say what trips ${list(untold)}`);
  if (fromNoise > 0) fail(`attack: ${fromNoise} findings from the routine noise`);
  if (loud.rejected > 0) fail(`attack: ${loud.rejected} rejected`);
  console.log(`  check attack: ${loud.findings} findings from ${loud.fired.size} of ${registry.length} detectors`);
  for (const [id, n] of [...loud.fired.entries()].sort()) console.log(`    ${String(n).padStart(3)}  ${id}`);

  const learned = await learnFrom(join(out, "routine"));
  const learnedQuiet = await judge(join(out, "routine"), learned);
  const withoutBaseline = await judge(join(out, "attack"), DEFAULT_BASELINE);
  const withLearned = await judge(join(out, "attack"), learned);
  const lost = [...withoutBaseline.fired.keys()].filter((id) => !withLearned.fired.has(id));
  const learnedFromNoise = [...withLearned.events].filter((id) => noiseIds.has(id)).length;
  if (learnedFromNoise > 0) fail(`learned baseline: ${learnedFromNoise} findings from the routine noise in attack/`);
  if (learnedQuiet.findings > 0) fail(`learned baseline: ${learnedQuiet.findings} findings on routine (${list(learnedQuiet.fired.keys())})`);
  if (lost.length > 0) fail(`learned baseline: silences ${list(lost)} on the attack`);
  console.log(
    `  check learned baseline: routine quiet; attack: ${withLearned.fired.size} detectors under it, ${withoutBaseline.fired.size} without a baseline (all of them still fire)`,
  );
  return ok;
}

async function main(argv: string[]): Promise<number> {
  const outIndex = argv.indexOf("--out");
  const out = resolve(outIndex >= 0 && argv[outIndex + 1] ? argv[outIndex + 1]! : join(repoRoot(), "samples"));

  const routine = routineRecords();
  const { attack, noise, lines } = attackRecords();

  mkdirSync(out, { recursive: true });
  for (const part of ["routine", "attack"]) rmSync(join(out, part), { recursive: true, force: true });
  const routineSet = writeLogFiles(join(out, "routine"), routine, Gen.seeded(SEED + 3));
  const attackSet = writeLogFiles(join(out, "attack"), sortByTime([...attack, ...noise]), Gen.seeded(SEED + 4));

  const baselineFile = join(out, "baseline.yaml");
  writeFileSync(baselineFile, sampleBaselineYaml());
  loadBaselineFile(baselineFile); // throws a BaselineError naming the problem if the schema rejects it
  writeFileSync(join(out, "README.md"), sampleReadme({ routine, routineSet, attack, noise, attackSet, lines, attackStart: ATTACK_START, detectors: detectors.length }));

  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  console.log(`samples written to ${out}`);
  console.log(`  routine: ${routineSet.records} records in ${routineSet.files} files (${kb(routineSet.bytes)} gzipped)`);
  console.log(`  attack:  ${attackSet.records} records (${attack.length} attack, ${noise.length} noise) in ${attackSet.files} files (${kb(attackSet.bytes)} gzipped)`);
  if (argv.includes("--no-check")) return 0;
  return (await check(out, baselineFile, noise, lines)) ? 0 : 1;
}

function isEntryPoint(): boolean {
  const invoked = process.argv[1];
  return invoked !== undefined && resolve(invoked) === fileURLToPath(import.meta.url);
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    },
  );
}
