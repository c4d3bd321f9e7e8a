import { describe, expect, it } from "vitest";
import { docRecords } from "../test/support/fixtures.js";
import { normaliseRecord, type CloudTrailRecord } from "./cloudtrail.js";
import { toEnvelope } from "./envelope.js";

function record(raw: Record<string, unknown>): CloudTrailRecord {
  const result = normaliseRecord(structuredClone(raw));
  if (!result.ok) throw new Error(result.reason);
  return result.record;
}

describe("toEnvelope", () => {
  it("builds the envelope AWS builds for an API call", () => {
    const trail = record(docRecords("awsdocs-aws-cloudtrail-user-guide.json").find((r) => r.eventName === "UpdateTrail")!);
    const envelope = toEnvelope(trail);
    expect(envelope).toMatchObject({
      version: "0",
      source: "aws.cloudtrail",
      "detail-type": "AWS API Call via CloudTrail",
      account: "123456789012",
      region: trail.awsRegion,
      time: trail.eventTime,
      resources: [],
    });
    expect(envelope.detail).toBe(trail);
    expect(envelope.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it.each([
    ["AwsConsoleSignIn", "signin.amazonaws.com", "aws.signin", "AWS Console Sign In via CloudTrail"],
    ["AwsServiceEvent", "kms.amazonaws.com", "aws.kms", "AWS Service Event via CloudTrail"],
    ["AwsConsoleAction", "s3.amazonaws.com", "aws.s3", "AWS Console Action via CloudTrail"],
  ])("maps eventType %s of %s to source %s and detail-type %s", (eventType, eventSource, source, detailType) => {
    const envelope = toEnvelope(
      record({
        eventType,
        eventSource,
        eventName: "Something",
        eventTime: "2024-03-01T10:00:00Z",
        awsRegion: "eu-west-1",
        recipientAccountId: "111122223333",
        userIdentity: { type: "IAMUser", arn: "arn:aws:iam::111122223333:user/a" },
      }),
    );
    expect(envelope.source).toBe(source);
    expect(envelope["detail-type"]).toBe(detailType);
    expect(envelope.region).toBe("eu-west-1");
  });

  it("gives the same record the same envelope id every time", () => {
    const raw = docRecords("awsdocs-aws-lambda-developer-guide.json")[0]!;
    expect(toEnvelope(record(raw)).id).toBe(toEnvelope(record(raw)).id);
  });
});
