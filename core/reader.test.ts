import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { listInputs, loadFile } from "./inputs.js";
import { batchRecords, parseLogBuffer, type ParsedEvent as ReadEvent, type RecordBatch } from "./reader.js";

const record = (n: number) => ({
  eventVersion: "1.08",
  eventTime: "2024-05-01T12:00:00Z",
  eventSource: "iam.amazonaws.com",
  eventName: "ListUsers",
  awsRegion: "us-east-1",
  eventID: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
  userIdentity: { type: "IAMUser", arn: "arn:aws:iam::111122223333:user/a", accountId: "111122223333" },
});

const records = (events: ReadEvent[]) => events.filter((e): e is RecordBatch => e.kind === "records").flatMap(batchRecords);
const errors = (events: ReadEvent[]) => events.filter((e) => e.kind === "file-error" || e.kind === "record-error");

describe("parseLogBuffer", () => {
  it("reads CloudTrail's S3 format, plain and gzipped", () => {
    const text = JSON.stringify({ Records: [record(1), record(2)] });
    for (const bytes of [Buffer.from(text), gzipSync(text)]) {
      const events = parseLogBuffer("f.json", bytes);
      expect(records(events).map((r) => r.at)).toEqual(["Records[0]", "Records[1]"]);
      expect(errors(events)).toEqual([]);
    }
  });

  it("reads documents concatenated without a newline, as zcat of CloudTrail files gives", () => {
    const text = JSON.stringify({ Records: [record(1)] }) + JSON.stringify({ Records: [record(2), record(3)] });
    const events = parseLogBuffer("<stdin>", Buffer.from(text));
    expect(records(events).map((r) => r.at)).toEqual(["line 1 document 1 Records[0]", "line 1 document 2 Records[0]", "line 1 document 2 Records[1]"]);
    expect(errors(events)).toEqual([]);
  });

  it("keeps the good lines of JSON Lines whose first line is broken", () => {
    const text = ["{broken", JSON.stringify(record(2)), JSON.stringify(record(3))].join("\r\n");
    const events = parseLogBuffer("f.jsonl", Buffer.from(text));
    expect(records(events).map((r) => r.at)).toEqual(["line 2", "line 3"]);
    expect(errors(events)).toEqual([expect.objectContaining({ at: "line 1" })]);
  });

  it("reads gzipped JSON Lines whose lines are Records files or arrays", () => {
    const text = [JSON.stringify({ Records: [record(1)] }), JSON.stringify([record(2), record(3)])].join("\n");
    expect(records(parseLogBuffer("f.jsonl.gz", gzipSync(text))).map((r) => r.at)).toEqual(["line 1 Records[0]", "line 2 [0]", "line 2 [1]"]);
  });

  it("says JSON Lines are not CloudTrail when no line is", () => {
    const events = parseLogBuffer("x.jsonl", Buffer.from('{"name":1}\n{"name":2}\n'));
    expect(events).toEqual([expect.objectContaining({ kind: "file-error", reason: expect.stringMatching(/JSON is not CloudTrail.*keys: name/) })]);
  });

  it("skips a byte-order mark", () => {
    expect(records(parseLogBuffer("bom.json", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(record(1)))])))).toHaveLength(1);
  });

  it("reads JSON Lines and reports a bad line by number while keeping the rest", () => {
    const text = [JSON.stringify(record(1)), "{not json", "", JSON.stringify(record(3))].join("\n");
    const events = parseLogBuffer("f.jsonl", Buffer.from(text));
    expect(records(events).map((r) => r.at)).toEqual(["line 1", "line 4"]);
    expect(errors(events)).toEqual([expect.objectContaining({ kind: "record-error", at: "line 2" })]);
  });

  it("reads JSON arrays and unwraps EventBridge envelopes", () => {
    const envelope = { version: "0", id: "x", "detail-type": "AWS API Call via CloudTrail", source: "aws.iam", detail: record(2) };
    const events = parseLogBuffer("f.json", Buffer.from(JSON.stringify([record(1), envelope])));
    expect(records(events).map((r) => (r.raw as { eventID: string }).eventID)).toEqual([record(1).eventID, record(2).eventID]);
  });

  it("reads a single envelope and a single record", () => {
    const envelope = { "detail-type": "AWS API Call via CloudTrail", source: "aws.iam", detail: record(5) };
    expect(records(parseLogBuffer("e.json", Buffer.from(JSON.stringify(envelope))))).toHaveLength(1);
    expect(records(parseLogBuffer("r.json", Buffer.from(JSON.stringify(record(6)))))).toHaveLength(1);
  });

  it.each([
    ["binary content", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]), /binary content/],
    ["a truncated gzip", gzipSync(JSON.stringify({ Records: [record(1)] })).subarray(0, 30), /truncated gzip/],
    ["JSON that is not CloudTrail", Buffer.from('{"name": "package", "version": "1.0.0"}'), /JSON is not CloudTrail.*name, version/],
    ["junk text", Buffer.from("junk ".repeat(1000)), /not JSON: starts with "junk junk ju"/],
    ["a truncated Records file", Buffer.from(JSON.stringify({ Records: [record(1), record(2)] }).slice(0, 120)), /not valid JSON \(input ends early/],
    ["an empty file", Buffer.from("  \n"), /empty file/],
    ["Records that is not a list", Buffer.from('{"Records": {"a": 1}}'), /Records is not a list/],
  ])("rejects %s with one clear file error", (_name, bytes, reason) => {
    const events = parseLogBuffer("bad.json", bytes);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: "file-error", file: "bad.json" });
    expect((events[0] as { reason: string }).reason).toMatch(reason);
  });

  it("does not mistake a broken pretty-printed file for JSON Lines", () => {
    const text = JSON.stringify({ Records: [record(1)] }, null, 2).replace('"eventName"', "eventName");
    const events = parseLogBuffer("pretty.json", Buffer.from(text));
    expect(events).toEqual([expect.objectContaining({ kind: "file-error", reason: expect.stringMatching(/not valid JSON/) })]);
  });
});

describe("listInputs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tw-reader-"));
    await mkdir(join(dir, "AWSLogs", "111122223333", "CloudTrail", "us-east-1"), { recursive: true });
    await mkdir(join(dir, "AWSLogs", "111122223333", "CloudTrail-Digest"), { recursive: true });
    await writeFile(join(dir, "AWSLogs", "111122223333", "CloudTrail", "us-east-1", "b.json.gz"), gzipSync("{}"));
    await writeFile(join(dir, "AWSLogs", "111122223333", "CloudTrail", "us-east-1", "a.json"), "{}");
    await writeFile(join(dir, "notes.txt"), "hello");
    await writeFile(join(dir, "old-logs.tar.gz"), gzipSync("x"));
    await mkdir(join(dir, "AWSLogs", "111122223333", "CloudTrail-Insight"), { recursive: true });
    await symlink(join(dir, "AWSLogs"), join(dir, "AWSLogs", "111122223333", "loop"));
  });

  it("walks folders recursively in a stable order and says what it skipped", async () => {
    const { files, problems } = await listInputs([dir]);
    expect(files.map((f) => f.path.slice(dir.length))).toEqual([
      "/AWSLogs/111122223333/CloudTrail/us-east-1/a.json",
      "/AWSLogs/111122223333/CloudTrail/us-east-1/b.json.gz",
    ]);
    expect(problems.map((p) => [p.kind, p.file.slice(dir.length), p.reason])).toEqual([
      ["skipped", "/AWSLogs/111122223333/CloudTrail-Digest", expect.stringContaining("digest")],
      ["skipped", "/AWSLogs/111122223333/CloudTrail-Insight", expect.stringContaining("Insights")],
      ["skipped", "/AWSLogs/111122223333/loop", expect.stringContaining("already read")],
      ["skipped", "/notes.txt", expect.stringContaining("not a log file name")],
      ["skipped", "/old-logs.tar.gz", "an archive: unpack it first"],
    ]);
  });

  it("reports a missing path as a file error rather than throwing", async () => {
    const { files, problems } = await listInputs([join(dir, "nope.json")]);
    expect(files).toEqual([]);
    expect(problems).toEqual([expect.objectContaining({ kind: "file-error", reason: "no such file or directory" })]);
  });

  it("reads stdin once even when it is named twice", async () => {
    const { files, problems } = await listInputs(["-", "-"]);
    expect(files).toHaveLength(1);
    expect(problems).toEqual([expect.objectContaining({ kind: "skipped", reason: "stdin named twice; read once" })]);
  });

  it("reads stdin for -", async () => {
    const { files } = await listInputs(["-"]);
    const bytes = await loadFile(files[0]!, Readable.from([Buffer.from(JSON.stringify(record(9)))]));
    expect(records(parseLogBuffer("<stdin>", bytes))).toHaveLength(1);
  });
});
