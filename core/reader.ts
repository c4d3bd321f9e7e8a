import { constants as zlib, gunzipSync } from "node:zlib";
import { isEnvelope } from "./envelope.js";

/**
 * Decodes one file's bytes into CloudTrail records: CloudTrail's S3 format
 * (`{"Records": [...]}`, gzipped or not), JSON Lines, JSON arrays,
 * EventBridge envelopes, and documents simply concatenated (what
 * `zcat *.json.gz` produces). Never throws on bad content: it returns errors
 * that say what is wrong and where.
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
export type ParsedEvent = RecordBatch | FileError | RecordError;

/** Larger output is refused rather than exhausting memory (a gzip bomb, or the wrong file). */
export const MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;
/** V8 cannot hold a longer string; larger files can only be read line by line. */
const MAX_DOCUMENT_BYTES = 0x1fffffe8 - 16;

export function parseLogBuffer(file: string, bytes: Buffer): ParsedEvent[] {
  const decoded = decode(file, bytes);
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
function decode(file: string, bytes: Buffer): Buffer | FileError {
  let data = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      data = gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "Z_BUF_ERROR") return { kind: "file-error", file, reason: "truncated gzip (unexpected end of file)" };
      if (code === "ERR_BUFFER_TOO_LARGE" || (error as Error).name === "RangeError") {
        return { kind: "file-error", file, reason: `decompresses to more than ${MAX_DECOMPRESSED_BYTES / 1073741824} GiB` };
      }
      return { kind: "file-error", file, reason: `corrupt gzip (${code ?? zlib.Z_DATA_ERROR})` };
    }
  }
  if (data.subarray(0, 65536).includes(0)) return { kind: "file-error", file, reason: "binary content: not JSON text or gzip" };
  const bom = data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf;
  return bom ? data.subarray(3) : data;
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
  const batch: RecordBatch = { kind: "records", file, records: [] };
  collect(document, "", batch);
  return [batch];
}

/** Adds the records one JSON value holds: a Records file, an array, an envelope or a record. */
function collect(value: unknown, at: string, batch: RecordBatch): void {
  const prefix = at ? `${at} ` : "";
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) batch.records.push({ raw: unwrap(value[i]), at: `${prefix}[${i}]` });
    return;
  }
  const records = (value as { Records?: unknown } | null)?.Records;
  if (Array.isArray(records)) {
    for (let i = 0; i < records.length; i++) batch.records.push({ raw: unwrap(records[i]), at: `${prefix}Records[${i}]` });
    return;
  }
  batch.records.push({ raw: unwrap(value), at: at || "record" });
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

/**
 * JSON Lines, or documents one after another. Read line by line from the
 * buffer, so files too large for one string still work; a line holding
 * several documents is split where each ends. Undefined when not one line is
 * JSON: then the file is not a sequence at all, and the whole-document error
 * is the one to report.
 */
function parseSequence(file: string, data: Buffer, start: number): ParsedEvent[] | undefined {
  const batch: RecordBatch = { kind: "records", file, records: [] };
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
