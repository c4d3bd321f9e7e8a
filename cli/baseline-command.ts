import { writeFile } from "node:fs/promises";
import { Command } from "commander";
import { parseBaselineText } from "../core/baseline-file.js";
import { learnedBaselineYaml } from "../core/learn-yaml.js";
import { BaselineLearner } from "../core/learn.js";
import { replay } from "../core/replay.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { formatNumber } from "./format.js";
import type { Io } from "./io.js";

export function baselineCommand(io: Io, setExit: (code: ExitCode) => void): Command {
  const command = new Command("baseline").description("Work with security baselines.").addHelpText(
    "after",
    `
Examples:
  $ trailwarden baseline learn ./AWSLogs --out baseline.yaml`,
  );
  command
    .command("learn")
    .description(
      "Propose a baseline from CloudTrail history: IaC principals, regions in use, external accounts, per-principal profiles of sensitive API calls. Each entry carries its evidence as a comment; review it before use.",
    )
    .argument("<paths...>", "files or folders of CloudTrail logs, or - for stdin")
    .option("--out <file>", "write the baseline here instead of stdout")
    .addHelpText(
      "after",
      `
Examples:
  $ trailwarden baseline learn samples/routine --out baseline.yaml
  $ trailwarden replay samples/attack --baseline baseline.yaml

Exit codes: 0 ok; 1 usage error; 3 some input rejected (the baseline is still written).`,
    )
    .action(async (paths: string[], flags: { out?: string }) => {
      const learner = new BaselineLearner();
      const summary = await replay(
        { paths, detectors: [], baseline: parseBaselineText("", "(none)"), stdin: io.stdin },
        {
          onFinding: () => undefined,
          onRecord: (record) => learner.observe(record),
          onRejection: (r) => io.err(`trailwarden: rejected ${r.file}${r.at ? ` ${r.at}` : ""}: ${r.reason}\n`),
        },
      );
      const learned = learner.result();
      const yaml = learnedBaselineYaml(learned, paths);
      parseBaselineText(yaml, "(learned baseline)"); // what we propose must load
      if (flags.out) await writeFile(flags.out, yaml);
      else io.out(yaml);
      io.err(
        `trailwarden: learned from ${formatNumber(summary.eventsAccepted)} events: ${learned.accounts.size} accounts, ${learned.regions.size} regions, ` +
          `${learned.iac.size} IaC principals, ${learned.externalAccounts.size} external accounts, ${learned.profiles.size} profiles` +
          `${flags.out ? ` → ${flags.out}` : ""}\n`,
      );
      setExit(summary.rejected > 0 ? EXIT.rejectedInput : EXIT.ok);
    });
  return command;
}
