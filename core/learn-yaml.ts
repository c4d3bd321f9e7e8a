import type { Evidence, LearnedBaseline } from "./learn.js";

/**
 * Writes a learned baseline as YAML a reviewer can read: each learned entry
 * carries its evidence as a comment. Strings are written as JSON strings,
 * which YAML reads as double-quoted scalars, so no value can change meaning.
 */

function note(evidence: Evidence): string {
  const seen = `${evidence.count.toLocaleString("en-US")} event${evidence.count === 1 ? "" : "s"}, first ${evidence.first}, last ${evidence.last}`;
  return `  # ${seen}${evidence.because ? `; ${evidence.because}` : ""}`;
}

function list(indent: string, entries: Map<string, Evidence>): string[] {
  if (entries.size === 0) return [`${indent}[]`];
  return [...entries].sort(([a], [b]) => a.localeCompare(b)).map(([value, evidence]) => `${indent}- ${JSON.stringify(value)}${note(evidence)}`);
}

function merge(a: Evidence, b: Evidence): Evidence {
  return {
    count: a.count + b.count,
    first: a.first < b.first ? a.first : b.first,
    last: a.last > b.last ? a.last : b.last,
    ...(a.because ? { because: a.because } : {}),
  };
}

/** The same role path deploying in several accounts becomes one pattern for every account. */
function generaliseAccounts(principals: Map<string, Evidence>): Map<string, Evidence> {
  const byPattern = new Map<string, { arns: string[]; evidence: Evidence }>();
  for (const [arn, evidence] of principals) {
    const pattern = arn.replace(/^(arn:[^:]+:iam::)\d{12}(:role\/)/, "$1*$2");
    const entry = byPattern.get(pattern);
    if (entry) {
      entry.arns.push(arn);
      entry.evidence = merge(entry.evidence, evidence);
    } else byPattern.set(pattern, { arns: [arn], evidence });
  }
  const result = new Map<string, Evidence>();
  for (const [pattern, { arns, evidence }] of byPattern) {
    if (arns.length > 1) result.set(pattern, { ...evidence, because: `${evidence.because ?? ""} (${arns.length} accounts)`.trim() });
    else result.set(arns[0]!, evidence);
  }
  return result;
}

export function learnedBaselineYaml(learned: LearnedBaseline, sources: string[]): string {
  const out: string[] = [
    "# Baseline proposed by `trailwarden baseline learn` from:",
    ...sources.map((s) => `#   ${s}`),
    "# Review every entry before trusting it: each carries the evidence it was",
    "# learned from. Learned from what happened, it also trusts whatever bad",
    "# happened in that history. Set each account's environment by hand.",
    "version: 1",
    "",
    "accounts:",
  ];
  if (learned.accounts.size === 0) out.push("  {}");
  for (const [account, evidence] of [...learned.accounts].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`  ${JSON.stringify(account)}:${note(evidence)}`, `    name: ${JSON.stringify(account)}`, "    # environment: production | staging | development | sandbox | security | shared");
  }
  out.push("", "regions:", "  # Regions with activity (global services, recorded in us-east-1, not counted).", "  allowed:", ...list("    ", learned.regions));
  out.push(
    "",
    "principals:",
    "  # Principals whose changes came mostly through infrastructure-as-code tools.",
    "  iac:",
    ...list("    ", generaliseAccounts(learned.iac)),
    "  breakGlass: []       # not learnable: name your emergency roles",
    "  securityAutomation: [] # not learnable: name your security tooling and trailwarden's roles",
  );
  out.push("", "trust:", "  # Accounts outside the ones seen here, named in role assumptions or trust policies.", "  externalAccounts:", ...list("    ", learned.externalAccounts));
  out.push("", "# Sensitive API calls, regions and external accounts per principal: first use of anything else is reported.", "profiles:");
  const principals = [...learned.profiles].sort(([a], [b]) => a.localeCompare(b));
  if (principals.length === 0) out.push("  {}");
  for (const [principal, profile] of principals) {
    out.push(`  ${JSON.stringify(principal)}:`);
    out.push("    apis:", ...list("      ", profile.apis));
    out.push("    regions:", ...list("      ", profile.regions));
    out.push("    externalAccounts:", ...list("      ", profile.externalAccounts));
  }
  out.push("", "exceptions: []", "");
  return out.join("\n");
}
