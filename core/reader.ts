import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { isEnvelope } from "./envelope.js";

/**
 * Reads CloudTrail from wherever users keep it: CloudTrail's S3 files
 * (`{"Records": [...]}`, gzipped or not), JSON Lines, JSON arrays, EventBridge
 * envelopes, directories (recursively) and stdin. One file is held in memory at
 * a time, so memory is bounded by the largest single file.
 */

export interface RecordBatch {
  kind: "records";
  file: string;
  records: { raw: unknown; at: string }[];
}
export interface FileError {
  kind: "file-error";
  file: string;
  reason: string;
}
export interface RecordError {
  kind: "record-error";
  file: string;
  at: string;
  reason: string;
}
export interface SkippedFile {
  kind: "skipped";
  file: string;
  reason: string;
}
export type ReadEvent = RecordBatch | FileError | RecordError | SkippedFile;

export interface InputFile {
  path: string;
  size: number;
}

const LOG_FILE = /\.(json|jsonl|ndjson)(\.gz)?$|\.gz$/i;
export const STDIN = "-";

/** Expands paths into files, sorted for reproducible runs. Missing paths become errors, not exceptions. */
export async function listInputs(paths: string[]): Promise<{ files: InputFile[]; problems: ReadEvent[] }> {
  const files: InputFile[] = [];
  const problems: ReadEvent[] = [];
  for (const path of paths) {
    if (path === STDIN) {
      files.push({ path, size: 0 });
      continue;
    }
    try {
      const info = await stat(path);
      if (info.isDirectory()) await walk(path, files, problems);
      else files.push({ path, size: info.size });
    } catch (error) {
      problems.push({ kind: "file-error", file: path, reason: describeFsError(error) });
    }
  }
  return { files, problems };
}

async function walk(dir: string, files: InputFile[], problems: ReadEvent[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // Digest files prove log integrity; they hold no records.
      if (entry.name === "CloudTrail-Digest") problems.push({ kind: "skipped", file: path, reason: "CloudTrail digest folder" });
      else await walk(path, files, problems);
    } else if (entry.isFile()) {
      if (LOG_FILE.test(entry.name)) files.push({ path, size: (await stat(path)).size });
      else problems.push({ kind: "skipped", file: path, reason: "not a log file name (.json, .json.gz, .jsonl, .ndjson)" });
    }
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  return code ?? (error instanceof Error ? error.message : String(error));
}

export async function readStream(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

export async function loadFile(file: InputFile, stdin: Readable): Promise<Buffer> {
  return file.path === STDIN ? readStream(stdin) : readFile(file.path);
}

/** Decodes one file's bytes into record batches and errors. Never throws on bad content. */
export function parseLogBuffer(file: string, bytes: Buffer): ReadEvent[] {
  const decoded = decode(file, bytes);
  if (typeof decoded !== "string") return [decoded];
  const start = firstNonSpace(decoded);
  if (start === -1) return [{ kind: "file-error", file, reason: "empty file" }];
  const first = decoded[start];
  if (first !== "{" && first !== "[") {
    return [{ kind: "file-error", file, reason: `not JSON: starts with ${printable(decoded.slice(start, start + 12))}` }];
  }
  let document: unknown;
  try {
    document = JSON.parse(decoded);
  } catch (error) {
    const notJson: FileError = { kind: "file-error", file, reason: `not valid JSON (${jsonErrorWhere(error, decoded)})` };
    if (first === "{" && hasSecondLine(decoded, start)) return parseJsonLines(file, decoded) ?? [notJson];
    return [notJson];
  }
  return fromDocument(file, document);
}

function decode(file: string, bytes: Buffer): string | FileError {
  let data = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      data = gunzipSync(bytes);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === "Z_BUF_ERROR" ? "truncated gzip (unexpected end of file)" : `corrupt gzip (${code ?? "unreadable"})`;
      return { kind: "file-error", file, reason };
    }
  }
  if (data.subarray(0, 65536).includes(0)) return { kind: "file-error", file, reason: "binary content: not JSON text or gzip" };
  let text = data.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}

function fromDocument(file: string, document: unknown): ReadEvent[] {
  if (Array.isArray(document)) return [batchOf(file, document, (i) => `[${i}]`)];
  const object = document as Record<string, unknown>;
  if (Array.isArray(object.Records)) return [batchOf(file, object.Records, (i) => `Records[${i}]`)];
  if ("Records" in object) return [{ kind: "file-error", file, reason: "Records is not a list" }];
  if (isEnvelope(object) || looksLikeRecord(object)) return [batchOf(file, [object], () => "record")];
  const keys = Object.keys(object).slice(0, 5).join(", ") || "none";
  return [
    {
      kind: "file-error",
      file,
      reason: `JSON is not CloudTrail: expected {"Records": [...]}, JSON Lines, an array or an EventBridge envelope (top-level keys: ${keys})`,
    },
  ];
}

function batchOf(file: string, items: unknown[], at: (index: number) => string): RecordBatch {
  const records = new Array<{ raw: unknown; at: string }>(items.length);
  for (let i = 0; i < items.length; i++) records[i] = { raw: unwrap(items[i]), at: at(i) };
  return { kind: "records", file, records };
}

/** EventBridge envelopes carry the record in `detail`. */
function unwrap(item: unknown): unknown {
  if (item && typeof item === "object" && !Array.isArray(item) && isEnvelope(item as Record<string, unknown>)) {
    return (item as Record<string, unknown>).detail;
  }
  return item;
}

function looksLikeRecord(object: Record<string, unknown>): boolean {
  return "eventSource" in object || "eventName" in object || "userIdentity" in object;
}

/** Undefined when the first line is not JSON either: then the file is not JSON Lines at all. */
function parseJsonLines(file: string, text: string): ReadEvent[] | undefined {
  const events: ReadEvent[] = [];
  const batch: RecordBatch = { kind: "records", file, records: [] };
  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf("\n", pos);
    if (end === -1) end = text.length;
    lineNo++;
    const line = text.slice(pos, end).trim();
    pos = end + 1;
    if (!line) continue;
    const at = `line ${lineNo}`;
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === "object" && Array.isArray((value as { Records?: unknown }).Records)) {
        for (const [i, raw] of ((value as { Records: unknown[] }).Records).entries()) {
          batch.records.push({ raw: unwrap(raw), at: `${at} Records[${i}]` });
        }
      } else batch.records.push({ raw: unwrap(value), at });
    } catch (error) {
      if (batch.records.length === 0 && events.length === 0) return undefined;
      events.push({ kind: "record-error", file, at, reason: `not valid JSON (${jsonErrorWhere(error, line)})` });
    }
  }
  return [batch, ...events];
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
  }
  return -1;
}

function hasSecondLine(text: string, start: number): boolean {
  const newline = text.indexOf("\n", start);
  return newline !== -1 && firstNonSpace(text.slice(newline, newline + 4096)) !== -1;
}

/** V8's messages quote the input; keep only where it broke. */
function jsonErrorWhere(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message);
  const ended = /Unexpected end of JSON input/.test(message) || (position && Number(position[1]) >= text.trimEnd().length - 1);
  if (ended) return `input ends early after ${text.length} characters: truncated?`;
  if (position) return `syntax error at character ${position[1]}`;
  return "syntax error";
}

function printable(text: string): string {
  return JSON.stringify(text.replace(/[^\x20-\x7e]/g, "?"));
}
