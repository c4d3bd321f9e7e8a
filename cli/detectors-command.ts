import { Command, Option } from "commander";
import type { Detector } from "../core/detector.js";
import { patternEventNames } from "../core/pattern.js";
import { detectors } from "../detectors/index.js";
import { table } from "./format.js";
import type { Io } from "./io.js";

export interface DetectorSummary {
  id: string;
  title: string;
  severity: string;
  mitre: string[];
  stratus: string[];
  eventNames: string[];
  readOnlyEvents: boolean;
  threshold?: Detector["threshold"];
  remediation: string | null;
}

export function describeDetector(detector: Detector): DetectorSummary {
  const names = patternEventNames(detector.pattern);
  return {
    id: detector.id,
    title: detector.title,
    severity: detector.severity,
    mitre: [...detector.mitre],
    stratus: [...(detector.stratus ?? [])],
    eventNames: names ? [...names.names].sort() : ["(any, see pattern)"],
    readOnlyEvents: detector.readOnlyEvents ?? false,
    ...(detector.threshold ? { threshold: detector.threshold } : {}),
    remediation: detector.remediation ?? null,
  };
}

export function detectorsCommand(io: Io): Command {
  const command = new Command("detectors").description("Inspect the detector catalog.").addHelpText(
    "after",
    `
Examples:
  $ trailwarden detectors list
  $ trailwarden detectors list --format json`,
  );
  command
    .command("list")
    .description("List every detector: id, title, severity, MITRE ATT&CK techniques, event names, remediation.")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .addHelpText(
      "after",
      `
Examples:
  $ trailwarden detectors list
  $ trailwarden detectors list --format json | jq -r '.[] | select(.severity == "critical") | .id'`,
    )
    .action((flags: { format: "table" | "json" }) => {
      const list = detectors.map(describeDetector);
      if (flags.format === "json") {
        io.out(JSON.stringify(list, null, 2) + "\n");
        return;
      }
      const rows = list.map((d) => [d.id, d.severity, d.mitre.join(","), d.eventNames.join(","), d.remediation ?? "-", d.title]);
      io.out(table(["ID", "SEVERITY", "MITRE", "EVENTS", "REMEDIATION", "TITLE"], rows, [44, 8, 24, 48, 40]) + "\n");
      io.out(`\n${list.length} detectors\n`);
    });
  return command;
}
