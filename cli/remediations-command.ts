import { Command, Option } from "commander";
import type { Remediation } from "../core/remediation.js";
import { detectors } from "../detectors/index.js";
import { table } from "./format.js";
import type { Io } from "./io.js";

export interface RemediationSummary {
  id: string;
  title: string;
  risk: string;
  /** Every IAM action the remediation declares, sorted and without duplicates. */
  permissions: string[];
  /** Ids of the detectors whose findings propose it. */
  detectors: string[];
  undo: string | null;
}

export function describeRemediation(remediation: Remediation): RemediationSummary {
  return {
    id: remediation.id,
    title: remediation.title,
    risk: remediation.risk,
    permissions: [...new Set(remediation.permissions.flatMap((p) => p.actions))].sort(),
    detectors: detectors
      .filter((d) => d.remediation === remediation.id)
      .map((d) => d.id)
      .sort(),
    undo: remediation.undo ?? null,
  };
}

export function remediationsCommand(io: Io): Command {
  const command = new Command("remediations").description("Inspect the remediation catalog.").addHelpText(
    "after",
    `
Examples:
  $ trailwarden remediations list
  $ trailwarden remediations list --format json`,
  );
  command
    .command("list")
    .description("List every remediation: id, title, risk, the IAM actions it needs, and the detectors that propose it.")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .addHelpText(
      "after",
      `
High-risk remediations never run in auto mode unless the baseline's
remediation.allowAutoHighRisk names them; they wait for approval instead.

Examples:
  $ trailwarden remediations list
  $ trailwarden remediations list --format json | jq -r '.[] | select(.risk == "high") | .id'
  $ trailwarden remediations list --format json | jq -r '[.[].permissions[]] | unique[]'`,
    )
    .action(async (flags: { format: "table" | "json" }) => {
      // Loaded on use: the remediations bring the AWS SDK clients, which other commands do not need.
      const { remediations } = await import("../remediations/registry.js");
      const list = remediations.map(describeRemediation).sort((a, b) => a.id.localeCompare(b.id));
      if (flags.format === "json") {
        io.out(JSON.stringify(list, null, 2) + "\n");
        return;
      }
      const rows = list.map((r) => [r.id, r.risk, r.permissions.join(","), r.detectors.join(",") || "-", r.title]);
      io.out(table(["ID", "RISK", "PERMISSIONS", "PROPOSED BY", "TITLE"], rows, [42, 4, 60, 60]) + "\n");
      io.out(`\n${list.length} remediations\n`);
    });
  return command;
}
