import { readFileSync } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";

/**
 * Turns the paths a user names into the files to read: folders recursively,
 * in a stable order, following links once. What is passed over is reported
 * with its reason, never dropped silently.
 */

export interface InputFile {
  path: string;
  size: number;
}

export interface InputProblem {
  kind: "file-error" | "skipped";
  file: string;
  reason: string;
}

export const STDIN = "-";

const LOG_FILE = /\.(json|jsonl|ndjson)(\.gz)?$|\.gz$/i;
const ARCHIVE = /\.(tar\.gz|tgz|zip|tar)$/i;
/** Folders of CloudTrail's bucket layout that hold no event records. */
const NOT_EVENT_FOLDERS = new Map([
  ["CloudTrail-Digest", "CloudTrail digest folder (integrity proofs, no events)"],
  ["CloudTrail-Insight", "CloudTrail Insights folder (Insights events are not delivered to rules)"],
]);

export async function listInputs(paths: string[]): Promise<{ files: InputFile[]; problems: InputProblem[] }> {
  const files: InputFile[] = [];
  const problems: InputProblem[] = [];
  const visited = new Set<string>();
  let stdinSeen = false;
  for (const path of paths) {
    if (path === STDIN) {
      if (stdinSeen) problems.push({ kind: "skipped", file: STDIN, reason: "stdin named twice; read once" });
      else files.push({ path, size: 0 });
      stdinSeen = true;
      continue;
    }
    try {
      const info = await stat(path);
      if (info.isDirectory()) await walk(path, files, problems, visited);
      else files.push({ path, size: info.size });
    } catch (error) {
      problems.push({ kind: "file-error", file: path, reason: describeFsError(error) });
    }
  }
  return { files, problems };
}

async function walk(dir: string, files: InputFile[], problems: InputProblem[], visited: Set<string>): Promise<void> {
  const real = await realpath(dir);
  if (visited.has(real)) {
    problems.push({ kind: "skipped", file: dir, reason: "folder already read (a link loop or a second path to it)" });
    return;
  }
  visited.add(real);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    problems.push({ kind: "file-error", file: dir, reason: describeFsError(error) });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    let info;
    try {
      // stat, not the entry's type, so links to files and folders are followed.
      info = entry.isSymbolicLink() ? await stat(path) : entry;
    } catch (error) {
      problems.push({ kind: "file-error", file: path, reason: `broken link (${describeFsError(error)})` });
      continue;
    }
    const notEvents = NOT_EVENT_FOLDERS.get(entry.name);
    if (info.isDirectory()) {
      if (notEvents) problems.push({ kind: "skipped", file: path, reason: notEvents });
      else await walk(path, files, problems, visited);
    } else if (!info.isFile()) {
      problems.push({ kind: "skipped", file: path, reason: "not a regular file" });
    } else if (ARCHIVE.test(entry.name)) {
      problems.push({ kind: "skipped", file: path, reason: "an archive: unpack it first" });
    } else if (!LOG_FILE.test(entry.name)) {
      problems.push({ kind: "skipped", file: path, reason: "not a log file name (.json, .json.gz, .jsonl, .ndjson)" });
    } else {
      try {
        files.push({ path, size: (await stat(path)).size });
      } catch (error) {
        problems.push({ kind: "file-error", file: path, reason: describeFsError(error) });
      }
    }
  }
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  if (code === "ELOOP") return "too many levels of links";
  if (code === "ERR_FS_FILE_TOO_LARGE") return "file too large to read (over 2 GiB)";
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** stdin is one input, held whole like a file: pipe files one by one for bounded memory. */
export async function readStream(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/**
 * A file's bytes. Files are read synchronously: an asynchronous read needs a
 * turn of the event loop for each of open, stat, read and close, so a read
 * started ahead would barely progress while the thread is busy detecting,
 * whereas reading a CloudTrail file at once takes well under a millisecond.
 */
export async function loadFile(file: InputFile, stdin: Readable): Promise<Buffer> {
  return file.path === STDIN ? readStream(stdin) : readFileSync(file.path);
}
