import { promisify } from "node:util";
import { constants as zlib, gunzip, gunzipSync } from "node:zlib";
import { isEnvelope } from "./envelope.js";

/**
 * Decodes one file's bytes into CloudTrail records: CloudTrail's S3 format
 * (`{"Records": [...]}`, gzipped or not), JSON Lines, JSON arrays,
 * EventBridge envelopes, and documents simply concatenated (what
 * `zcat *.json.gz` produces). Never throws on bad content: it returns errors
 * that say what is wrong and where.
 */

/**
 * The records of one JSON value, kept as the parsed list itself: no object
 * or location string is built per record (millions in a replay); recordAt
 * says where one is, when it has to be reported.
 */
export interface RecordGroup {
  /** Where the value sits in the file ("line 3", "line 1 document 2"), or "". */
  at: string;
  /** `Records` of a CloudTrail file, a JSON array, or one record (or envelope) alone. */
  shape: "Records" | "array" | "one";
  /** As parsed: envelopes still wrap their record (unwrapRecord takes it out). */
  values: readonly unknown[];
}

export interface RecordBatch {
  kind: "records";
  file: string;
  groups: RecordGroup[];
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
export type ParsedEvent = RecordBatch | FileError | RecordError;

/** Larger output is refused rather than exhausting memory (a gzip bomb, or the wrong file). */
export const MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;
/** V8 cannot hold a longer string; larger files can only be read line by line. */
const MAX_DOCUMENT_BYTES = 0x1fffffe8 - 16;

const gunzipAsync = promisify(gunzip);
const MIN_CHUNK_BYTES = 64 * 1024;
const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * Output chunk for gunzip on the thread pool: the whole output when the
 * trailer tells its size. Each chunk needs a turn of the main thread's event
 * loop to start the next, so small chunks would stall while that thread is
 * busy detecting. The trailer holds the last member's size modulo 2^32: for
 * concatenated members or huge files the chunks are only smaller (more turns),
 * and a corrupt trailer at worst reserves one capped chunk.
 */
function gunzipChunkBytes(bytes: Buffer): number {
  const size = bytes.length >= 18 ? bytes.readUInt32LE(bytes.length - 4) : 0;
  return Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, size + 1));
}

/**
 * `bytes` gunzipped on libuv's thread pool when they are gzip, so a caller
 * that reads one file ahead decompresses it while the current one is being
 * processed. Pass the result to parseLogBuffer with `{ gunzipped: true }`.
 */
export async function gunzipFile(file: string, bytes: Buffer): Promise<Buffer | FileError> {
  if (!isGzip(bytes)) return bytes;
  try {
    return await gunzipAsync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES, chunkSize: gunzipChunkBytes(bytes) });
  } catch (error) {
    return gzipError(file, error);
  }
}

/** `gunzipped`: the bytes already went through gunzipFile (a gzip inside is then binary content, as before). */
export function parseLogBuffer(file: string, bytes: Buffer, options: { gunzipped?: boolean } = {}): ParsedEvent[] {
  const decoded = decode(file, bytes, options.gunzipped ?? false);
  if ("kind" in decoded) return [decoded];
  const start = firstNonSpace(decoded);
  if (start === -1) return [{ kind: "file-error", file, reason: "empty file" }];
  const first = decoded[start];
  if (first !== 0x7b && first !== 0x5b) {
    const head = decoded.toString("latin1", start, start + 12);
    return [{ kind: "file-error", file, reason: `not JSON: starts with ${JSON.stringify(head.replace(/[^\x20-\x7e]/g, "?"))}` }];
  }
  let wholeError: string;
  if (decoded.length <= MAX_DOCUMENT_BYTES) {
    const text = decoded.toString("utf8", start);
    try {
      return fromDocument(file, JSON.parse(text));
    } catch (error) {
      wholeError = `not valid JSON (${jsonErrorWhere(error, text)})`;
    }
  } else {
    wholeError = `too large to read as one JSON document (${Math.round(decoded.length / 1048576)} MB): split it, or use JSON Lines`;
  }
  return parseSequence(file, decoded, start) ?? [{ kind: "file-error", file, reason: wholeError }];
}

/** A Buffer of text, or a file error; `kind` tells them apart. */
function decode(file: string, bytes: Buffer, gunzipped: boolean): Buffer | FileError {
  let data = bytes;
  if (!gunzipped && isGzip(bytes)) {
    try {
      data = gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
    } catch (error) {
      return gzipError(file, error);
    }
  }
  if (data.subarray(0, 65536).includes(0)) return { kind: "file-error", file, reason: "binary content: not JSON text or gzip" };
  const bom = data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf;
  return bom ? data.subarray(3) : data;
}

function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gzipError(file: string, error: unknown): FileError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "Z_BUF_ERROR") return { kind: "file-error", file, reason: "truncated gzip (unexpected end of file)" };
  if (code === "ERR_BUFFER_TOO_LARGE" || (error as Error).name === "RangeError") {
    return { kind: "file-error", file, reason: `decompresses to more than ${MAX_DECOMPRESSED_BYTES / 1073741824} GiB` };
  }
  return { kind: "file-error", file, reason: `corrupt gzip (${code ?? zlib.Z_DATA_ERROR})` };
}

function fromDocument(file: string, document: unknown): ParsedEvent[] {
  if (document === null || typeof document !== "object") return [{ kind: "file-error", file, reason: "JSON is not CloudTrail: a bare value" }];
  const object = document as Record<string, unknown>;
  if (!Array.isArray(document) && "Records" in object && !Array.isArray(object.Records)) {
    return [{ kind: "file-error", file, reason: "Records is not a list" }];
  }
  if (!Array.isArray(document) && !Array.isArray(object.Records) && !isEnvelope(object) && !looksLikeRecord(object)) {
    const keys = Object.keys(object).slice(0, 5).join(", ") || "none";
    return [
      {
        kind: "file-error",
        file,
        reason: `JSON is not CloudTrail: expected {"Records": [...]}, JSON Lines, an array or an EventBridge envelope (top-level keys: ${keys})`,
      },
    ];
  }
  const batch: RecordBatch = { kind: "records", file, groups: [] };
  collect(document, "", batch);
  return [batch];
}

/** Adds the records one JSON value holds: a Records file, an array, an envelope or a record. */
function collect(value: unknown, at: string, batch: RecordBatch): void {
  if (Array.isArray(value)) {
    batch.groups.push({ at, shape: "array", values: value });
    return;
  }
  const records = (value as { Records?: unknown } | null)?.Records;
  if (Array.isArray(records)) {
    batch.groups.push({ at, shape: "Records", values: records });
    return;
  }
  batch.groups.push({ at, shape: "one", values: [value] });
}

/** Where record `index` of `group` is, as error messages name it: "Records[12]", "line 3 [0]", "line 4". */
export function recordAt(group: RecordGroup, index: number): string {
  const prefix = group.at ? `${group.at} ` : "";
  if (group.shape === "Records") return `${prefix}Records[${index}]`;
  if (group.shape === "array") return `${prefix}[${index}]`;
  return group.at || "record";
}

/** Every record of a batch with its location; for callers that read a few files (tests, the detect handler's fixtures). */
export function batchRecords(batch: RecordBatch): { raw: unknown; at: string }[] {
  return batch.groups.flatMap((group) => group.values.map((value, i) => ({ raw: unwrapRecord(value), at: recordAt(group, i) })));
}

/** EventBridge envelopes carry the record in `detail`. */
export function unwrapRecord(item: unknown): unknown {
  if (item && typeof item === "object" && !Array.isArray(item) && isEnvelope(item as Record<string, unknown>)) {
    return (item as Record<string, unknown>).detail;
  }
  return item;
}

function looksLikeRecord(object: Record<string, unknown>): boolean {
  return "eventSource" in object || "eventName" in object || "userIdentity" in object;
}

/**
 * JSON Lines, or documents one after another. Read line by line from the
 * buffer, so files too large for one string still work; a line holding
 * several documents is split where each ends. Undefined when not one line is
 * JSON: then the file is not a sequence at all, and the whole-document error
 * is the one to report.
 */
function parseSequence(file: string, data: Buffer, start: number): ParsedEvent[] | undefined {
  const batch: RecordBatch = { kind: "records", file, groups: [] };
  const errors: RecordError[] = [];
  let parsedAny = false;
  let firstKeys: string | undefined;
  let lineNo = 0;
  let pos = start;
  // Lines before `start` were blank; count them so line numbers match an editor's.
  for (let i = 0; i < start; i++) if (data[i] === 0x0a) lineNo++;
  while (pos < data.length) {
    let end = data.indexOf(0x0a, pos);
    if (end === -1) end = data.length;
    lineNo++;
    const line = data.toString("utf8", pos, end).trim();
    pos = end + 1;
    if (!line) continue;
    const documents = splitDocuments(line);
    if (documents.error !== undefined && documents.values.length === 0) {
      errors.push({ kind: "record-error", file, at: `line ${lineNo}`, reason: documents.error });
      continue;
    }
    if (!documents.values.some((v) => v !== null && typeof v === "object")) {
      errors.push({ kind: "record-error", file, at: `line ${lineNo}`, reason: "not a JSON object" });
      continue;
    }
    if (!documents.values.some(holdsCloudTrail)) {
      firstKeys ??= Object.keys(documents.values.find((v) => v !== null && typeof v === "object") as object).slice(0, 5).join(", ");
      errors.push({ kind: "record-error", file, at: `line ${lineNo}`, reason: "not a CloudTrail record, Records file or envelope" });
      continue;
    }
    parsedAny = true;
    documents.values.forEach((value, i) => collect(value, documents.values.length > 1 ? `line ${lineNo} document ${i + 1}` : `line ${lineNo}`, batch));
    if (documents.error !== undefined) errors.push({ kind: "record-error", file, at: `line ${lineNo} document ${documents.values.length + 1}`, reason: documents.error });
  }
  if (parsedAny) return [batch, ...errors];
  if (firstKeys !== undefined) {
    return [{ kind: "file-error", file, reason: `JSON is not CloudTrail: no line is a record, Records file or envelope (keys: ${firstKeys})` }];
  }
  return undefined;
}

function holdsCloudTrail(value: unknown): boolean {
  if (Array.isArray(value)) return true;
  if (!value || typeof value !== "object") return false;
  const object = value as Record<string, unknown>;
  return Array.isArray(object.Records) || isEnvelope(object) || looksLikeRecord(object);
}

const AFTER_JSON = /non-whitespace character after JSON at position (\d+)/;

/** Parses back-to-back JSON values in one string, using where V8 says the first one ended. */
function splitDocuments(text: string): { values: unknown[]; error?: string } {
  const values: unknown[] = [];
  let rest = text;
  for (;;) {
    try {
      values.push(JSON.parse(rest));
      return { values };
    } catch (error) {
      const end = AFTER_JSON.exec(error instanceof Error ? error.message : "");
      if (!end) return { values, error: `not valid JSON (${jsonErrorWhere(error, rest)})` };
      values.push(JSON.parse(rest.slice(0, Number(end[1]))));
      rest = rest.slice(Number(end[1])).trimStart();
    }
  }
}

function firstNonSpace(data: Buffer): number {
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
  }
  return -1;
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
