/**
 * The attack story of `samples/attack/`: two hours on the production account
 * and the management account, from a phished IAM user to root, written so
 * that every detector of the registry fires at least once. The steps are in
 * attack/, in the order they happen:
 *
 *  1. access.ts      a phished IAM user's console session, a key for a service
 *                    user, its trial-and-error discovery, an admin user
 *  2. collection.ts  a bucket made public, secrets and parameters swept
 *  3. management.ts  the management account: SCPs detached, deleted, rewritten
 *  4. evasion.ts     production blinded: trailwarden's rules, trails, GuardDuty,
 *                    Security Hub, Config, flow logs, DNS logs, log retention
 *  5. instance.ts    the settlement batch host, and its instance role stolen
 *  6. exposure.ts    data shared with the attacker's account, or with anyone
 *  7. persistence.ts ways back in that outlive the admin user's key
 *  8. impact.ts      GPUs and Bedrock on the victim's bill, the archive emptied,
 *                    the ledger key destroyed, and root
 */
import { escalation, initialAccess } from "./attack/access.js";
import { exposeReports, harvestSecrets } from "./attack/collection.js";
import { blindProduction } from "./attack/evasion.js";
import { shareOut } from "./attack/exposure.js";
import { destroy, runUpTheBill, takeRoot } from "./attack/impact.js";
import { reachTheHost, stealInstanceRole } from "./attack/instance.js";
import { takeManagement } from "./attack/management.js";
import { persist } from "./attack/persistence.js";
import { Story, type StoryLine } from "./attack/story.js";
import type { Gen } from "./random.js";
import { type Json, sortByTime } from "./records.js";

export { ATTACK, type StoryLine } from "./attack/story.js";

const STEPS: readonly ((s: Story) => void)[] = [
  initialAccess,
  escalation,
  exposeReports,
  harvestSecrets,
  takeManagement,
  blindProduction,
  reachTheHost,
  stealInstanceRole,
  shareOut,
  persist,
  runUpTheBill,
  destroy,
  takeRoot,
];

/** The attack from `start` (13:02:11 in the samples): its records, sorted by time, and the lines of its story. */
export function attackStory(g: Gen, start: number): { records: Json[]; lines: StoryLine[] } {
  const story = new Story(g, start);
  for (const step of STEPS) step(story);
  return { records: sortByTime(story.records), lines: [...story.lines].sort((a, b) => a.at - b.at) };
}

export function generateAttackRecords(g: Gen, start: number): Json[] {
  return attackStory(g, start).records;
}
