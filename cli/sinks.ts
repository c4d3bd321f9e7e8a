import { access, constants, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { findingKey, type Finding } from "../core/finding.js";
import { toOcsf } from "../core/ocsf.js";
import { UsageError } from "./exit-codes.js";
import { formatFindingsTable } from "./summary.js";

export interface FindingSink {
  write(finding: Finding): Promise<void>;
  close(): Promise<void>;
}

type Write = (text: string) => void;

export class JsonLinesSink implements FindingSink {
  constructor(private readonly out: Write) {}
  async write(finding: Finding): Promise<void> {
    this.out(JSON.stringify(finding) + "\n");
  }
  async close(): Promise<void> {}
}

export class OcsfLinesSink implements FindingSink {
  constructor(private readonly out: Write) {}
  async write(finding: Finding): Promise<void> {
    this.out(JSON.stringify(toOcsf(finding)) + "\n");
  }
  async close(): Promise<void> {}
}

/** Collects findings and prints them as one table, in event-time order, when the replay ends. */
export class TableSink implements FindingSink {
  private readonly findings: Finding[] = [];
  constructor(private readonly out: Write) {}
  async write(finding: Finding): Promise<void> {
    this.findings.push(finding);
  }
  async close(): Promise<void> {
    this.findings.sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id));
    this.out(formatFindingsTable(this.findings) + "\n");
  }
}

/**
 * Writes findings in the findings bucket's layout. Objects are written once
 * (like S3's If-None-Match: *): a finding already present is left alone, so a
 * second replay of the same logs changes nothing.
 */
export class DirectorySink implements FindingSink {
  written = 0;
  alreadyPresent = 0;
  differing: string[] = [];

  private constructor(private readonly root: string) {}

  /** Checks the folder up front, so a bad --out is a usage error before any output, not a crash halfway. */
  static async open(root: string): Promise<DirectorySink> {
    try {
      await mkdir(root, { recursive: true });
      await access(root, constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === "EEXIST" || code === "ENOTDIR" ? "it is a file, not a folder" : code === "EACCES" ? "permission denied" : (code ?? String(error));
      throw new UsageError(`--out ${root}: cannot write findings there: ${why}`);
    }
    return new DirectorySink(root);
  }

  async write(finding: Finding): Promise<void> {
    await this.put(findingKey(finding, "findings"), JSON.stringify(finding, null, 2) + "\n");
    await this.put(findingKey(finding, "ocsf"), JSON.stringify(toOcsf(finding), null, 2) + "\n");
  }

  private async put(key: string, body: string): Promise<void> {
    const path = join(this.root, key);
    await mkdir(dirname(path), { recursive: true });
    try {
      await writeFile(path, body, { flag: "wx" });
      this.written++;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      this.alreadyPresent++;
      if ((await readFile(path, "utf8")) !== body) this.differing.push(key);
    }
  }

  async close(): Promise<void> {}
}
