import { readFileSync } from "node:fs";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { BaselineSchema, type Baseline } from "./baseline.js";

/** An invalid baseline: names the file, the path inside it and what was expected. */
export class BaselineError extends Error {
  override name = "BaselineError";
  constructor(
    readonly file: string,
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`${file}: invalid baseline: ${problems.join("; ")}`, options);
  }
}

export function loadBaselineFile(file: string): Baseline {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BaselineError(file, [code === "ENOENT" ? "file not found" : `cannot read it (${code ?? String(error)})`], {
      cause: error,
    });
  }
  return parseBaselineText(text, file);
}

export function parseBaselineText(text: string, file: string): Baseline {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.slice(0, 3).map((error) => {
      const at = lineCounter.linePos(error.pos[0]);
      return `line ${at.line}, column ${at.col}: YAML syntax: ${error.message.split("\n")[0]}`;
    });
    throw new BaselineError(file, problems);
  }
  const parsed = BaselineSchema.safeParse(doc.toJS() ?? {}, { reportInput: true });
  if (parsed.success) return parsed.data;
  throw new BaselineError(file, describeIssues(parsed.error, (path) => lineOf(doc, lineCounter, path)));
}

function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, path: PropertyKey[]): number | undefined {
  for (let depth = path.length; depth > 0; depth--) {
    const prefix = path.slice(0, depth);
    // YAML keeps an unquoted 1111 as a number, while the parsed path names it "1111".
    const numeric = prefix.map((key) => (typeof key === "string" && /^\d+$/.test(key) ? Number(key) : key));
    for (const candidate of [prefix, numeric]) {
      const node = doc.getIn(candidate, true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === "object" && node.range) return counter.linePos(node.range[0]).line;
    }
  }
  return undefined;
}

function formatPath(path: PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || "(top level)";
}

function describeIssues(error: z.ZodError, line: (path: PropertyKey[]) => number | undefined): string[] {
  return error.issues.slice(0, 5).map((issue) => {
    const at = line(issue.path);
    const where = `${formatPath(issue.path)}${at ? ` (line ${at})` : ""}`;
    if (issue.code === "unrecognized_keys") return `${where}: unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
    if (issue.code === "invalid_type") {
      const got = issue.input === undefined ? "nothing" : Array.isArray(issue.input) ? "a list" : typeof issue.input;
      const expected = issue.expected === "object" ? "a mapping of keys to values" : issue.expected === "array" ? "a list" : issue.expected;
      return `${where}: expected ${expected}, got ${got}`;
    }
    if (issue.code === "invalid_value") return `${where}: expected one of ${issue.values.map(String).join(", ")}`;
    if (issue.code === "invalid_key") return `${where}: key expected to be ${issue.issues[0]?.message ?? "valid"}`;
    return `${where}: expected ${issue.message}`;
  });
}
