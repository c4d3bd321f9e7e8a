import { createHash } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { parseBaseline } from "./baseline.js";
import { normaliseRecord, type CloudTrailRecord } from "./cloudtrail.js";
import { defineDetector, type DetectorDefinition } from "./detector.js";
import { DetectionEngine, ENGINE_WARNINGS } from "./engine.js";
import { canonicalJson } from "./canonical-json.js";

function record(overrides: Record<string, unknown> = {}): CloudTrailRecord {
  const result = normaliseRecord({
    eventVersion: "1.08",
    eventTime: "2024-05-01T12:00:00Z",
    eventSource: "iam.amazonaws.com",
    eventName: "CreateUser",
    awsRegion: "us-east-1",
    eventType: "AwsApiCall",
    recipientAccountId: "111122223333",
    eventID: "11111111-2222-4333-8444-555555555555",
    requestParameters: { userName: "mallory" },
    userIdentity: {
      type: "AssumedRole",
      arn: "arn:aws:sts::111122223333:assumed-role/admin/alice",
      accountId: "111122223333",
      sessionContext: { sessionIssuer: { type: "Role", arn: "arn:aws:iam::111122223333:role/people/admin" } },
    },
    ...overrides,
  });
  if (!result.ok) throw new Error(result.reason);
  return result.record;
}

function detector(overrides: Partial<DetectorDefinition> = {}) {
  return defineDetector({
    id: "iam.user-created",
    title: "IAM user created",
    severity: "medium",
    mitre: ["T1136.003"],
    pattern: { source: ["aws.iam"], detail: { eventSource: ["iam.amazonaws.com"], eventName: ["CreateUser"] } },
    evaluate: (r) => ({ summary: `user ${String(r.requestParameters?.userName)} created`, resources: [{ type: "AWS::IAM::User", id: String(r.requestParameters?.userName) }] }),
    runbook: "Check who created it.",
    examples: { match: [], noMatch: [] },
    ...overrides,
  });
}

const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 32);

describe("DetectionEngine", () => {
  it("makes a finding whose id is sha256 of detector and eventID", async () => {
    const engine = new DetectionEngine([detector()], { baseline: parseBaseline({}) });
    const { findings } = await engine.process(record());
    expect(findings).toHaveLength(1);
    expect(findings[0]!.id).toBe(sha("iam.user-created:11111111-2222-4333-8444-555555555555"));
    expect(findings[0]).toMatchObject({
      detector: "iam.user-created",
      severity: "medium",
      account: "111122223333",
      time: "2024-05-01T12:00:00Z",
      actor: { principal: "arn:aws:iam::111122223333:role/people/admin", type: "AssumedRole" },
      mitre: { attackVersion: expect.any(String), techniques: ["T1136.003"] },
    });
  });

  it("only evaluates detectors whose event source and name could match", async () => {
    const evaluate = vi.fn(() => undefined);
    const engine = new DetectionEngine([detector({ evaluate })], { baseline: parseBaseline({}) });
    await engine.process(record({ eventName: "DeleteUser" }));
    expect(evaluate).not.toHaveBeenCalled();
  });

  it("applies the whole pattern, not just the index", async () => {
    const strict = detector({
      pattern: { detail: { eventSource: ["iam.amazonaws.com"], eventName: ["CreateUser"], errorCode: [{ exists: false }] } },
    });
    const engine = new DetectionEngine([strict], { baseline: parseBaseline({}) });
    expect((await engine.process(record({ errorCode: "AccessDenied" }))).findings).toEqual([]);
  });

  it("evaluates detectors whose pattern cannot be indexed against every event", async () => {
    const anyRoot = detector({ id: "root.used", pattern: { detail: { userIdentity: { type: ["Root"] } } } });
    const engine = new DetectionEngine([anyRoot], { baseline: parseBaseline({}) });
    const root = record({ eventName: "ListBuckets", eventSource: "s3.amazonaws.com", userIdentity: { type: "Root", arn: "arn:aws:iam::111122223333:root", accountId: "111122223333" } });
    expect((await engine.process(root)).findings).toHaveLength(1);
  });

  it("hashes a record without eventID whole", async () => {
    const engine = new DetectionEngine([detector()], { baseline: parseBaseline({}) });
    const noId = record({ eventID: undefined });
    const { findings } = await engine.process(noId);
    expect(findings[0]!.id).toBe(sha(`iam.user-created:${canonicalJson(noId)}`));
  });

  it("gives a reused eventID on a different record a finding of its own, and warns", async () => {
    const engine = new DetectionEngine([detector()], { baseline: parseBaseline({}) });
    const first = await engine.process(record());
    const second = await engine.process(record({ requestParameters: { userName: "trudy" } }));
    expect(second.findings).toHaveLength(1);
    expect(second.findings[0]!.id).not.toBe(first.findings[0]!.id);
    expect(engine.warnings.get(ENGINE_WARNINGS.reusedEventId)).toBe(1);
  });

  it("counts a record with a reused eventID seen again as a duplicate only", async () => {
    const engine = new DetectionEngine([detector()], { baseline: parseBaseline({}) });
    await engine.process(record());
    const other = record({ requestParameters: { userName: "trudy" } });
    expect((await engine.process(other)).findings).toHaveLength(1);
    expect((await engine.process(record({ requestParameters: { userName: "trudy" } }))).findings).toEqual([]);
    expect(engine.warnings.get(ENGINE_WARNINGS.reusedEventId)).toBe(1);
    expect(engine.warnings.get(ENGINE_WARNINGS.duplicate)).toBe(1);
  });

  it("returns the finding again on a redelivery when it keeps no memory, as the Lambda does", async () => {
    const engine = new DetectionEngine([detector()], { baseline: parseBaseline({}), rememberFindings: false });
    const first = await engine.process(record());
    expect((await engine.process(record())).findings).toEqual(first.findings);
  });

  it("never makes a second finding for the same event delivered twice", async () => {
    const engine = new DetectionEngine([detector()], { baseline: parseBaseline({}) });
    await engine.process(record());
    expect((await engine.process(record())).findings).toEqual([]);
    expect(engine.warnings.get(ENGINE_WARNINGS.duplicate)).toBe(1);
  });

  it("suppresses findings covered by an exception until it expires", async () => {
    const baseline = parseBaseline({
      exceptions: [
        { detector: "iam.*", principal: "arn:aws:iam::*:role/people/admin", owner: "team", reason: "ticket", expires: "2024-05-01" },
      ],
    });
    const engine = new DetectionEngine([detector()], { baseline });
    const before = await engine.process(record());
    expect(before.findings).toEqual([]);
    expect(before.suppressed[0]!.exception.owner).toBe("team");
    const after = await engine.process(record({ eventID: "x-2", eventTime: "2024-05-02T00:00:00Z" }));
    expect(after.findings).toHaveLength(1);
  });

  it("does not suppress when the exception's resource differs", async () => {
    const baseline = parseBaseline({
      exceptions: [{ detector: "iam.user-created", resource: "svc-*", owner: "t", reason: "r", expires: "2030-01-01" }],
    });
    const engine = new DetectionEngine([detector()], { baseline });
    expect((await engine.process(record())).findings).toHaveLength(1);
    expect((await engine.process(record({ eventID: "x-3", requestParameters: { userName: "svc-build" } }))).suppressed).toHaveLength(1);
  });

  it("fires a threshold detector once when the count is reached within a window, whatever the order", async () => {
    const burst = detector({ id: "iam.burst", threshold: { count: 3, windowSeconds: 300, groupBy: "principal" } });
    const times = ["2024-05-01T12:04:00Z", "2024-05-01T12:01:00Z", "2024-05-01T12:03:00Z", "2024-05-01T12:02:00Z"];
    const ids: string[][] = [];
    for (const order of [times, [...times].reverse()]) {
      const engine = new DetectionEngine([burst], { baseline: parseBaseline({}) });
      const found: string[] = [];
      for (const [i, eventTime] of order.entries()) found.push(...(await engine.process(record({ eventTime, eventID: `e-${i}` }))).findings.map((f) => f.id));
      ids.push(found);
    }
    expect(ids[0]).toHaveLength(1);
    expect(ids[1]).toEqual(ids[0]);
  });

  it("works with a window store that answers asynchronously, keeping detector order", async () => {
    const counts = new Map<string, number>();
    const slowStore = {
      increment: async (key: string) => {
        await new Promise((r) => setTimeout(r, 1));
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return counts.get(key)!;
      },
    };
    const burst = detector({ id: "iam.burst", threshold: { count: 1, windowSeconds: 60, groupBy: "principal-and-resource" } });
    const plain = detector({ id: "iam.plain" });
    const engine = new DetectionEngine([burst, plain], { baseline: parseBaseline({}), windows: slowStore });
    const processed = engine.process(record());
    expect(processed).toBeInstanceOf(Promise);
    expect((await processed).findings.map((f) => f.detector)).toEqual(["iam.burst", "iam.plain"]);
  });
});
