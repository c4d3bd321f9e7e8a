import { describe, expect, it } from "vitest";
import { docRecords, otrfRecords } from "../test/support/fixtures.js";
import { isRealUtcTime } from "./cloudtrail-patterns.js";
import { mfaUsed, normaliseRecord, principalArn } from "./cloudtrail.js";

const clone = <T>(value: T): T => structuredClone(value);

describe("normaliseRecord", () => {
  it("accepts every record of the AWS documentation examples and the OTRF breach", () => {
    const all = [
      ...docRecords("awsdocs-amazon-s3-developer-guide.json"),
      ...docRecords("awsdocs-aws-cloudtrail-user-guide.json"),
      ...docRecords("awsdocs-aws-lambda-developer-guide.json"),
      ...docRecords("awsdocs-iam-user-guide.json"),
      ...otrfRecords(),
    ];
    expect(all).toHaveLength(136);
    const failures = all.map((r) => normaliseRecord(r)).filter((r) => !r.ok);
    expect(failures).toEqual([]);
  });

  it("takes eventTime from a shipper's @timestamp, without milliseconds, and warns", () => {
    const [raw] = otrfRecords();
    const result = normaliseRecord(clone(raw));
    expect(result.ok && result.record.eventTime).toBe("2020-09-14T00:44:23Z");
    expect(result.ok && result.warnings).toContain("eventTime taken from @timestamp");
    expect(result.ok && result.record["@version"]).toBe("1");
  });

  it("infers eventType, recipientAccountId and userIdentity.type where documentation examples omit them", () => {
    const createUser = docRecords("awsdocs-aws-cloudtrail-user-guide.json").find((r) => r.eventName === "CreateUser")!;
    const result = normaliseRecord(clone(createUser));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.record.eventType).toBe("AwsApiCall");
    expect(result.record.recipientAccountId).toBe("123456789012");
    expect(result.warnings).toEqual(expect.arrayContaining(["eventType inferred", "recipientAccountId taken from userIdentity.accountId"]));
  });

  it("infers a console sign-in for signin.amazonaws.com and fixes odd casing", () => {
    const logins = docRecords("awsdocs-iam-user-guide.json").filter((r) => r.eventName === "ConsoleLogin");
    const results = logins.map((r) => normaliseRecord(clone(r)));
    for (const result of results) expect(result.ok && result.record.eventType).toBe("AwsConsoleSignIn");
    expect(results.flatMap((r) => (r.ok ? r.warnings : []))).toContain("eventType casing");
  });

  it("infers an AWS service identity from invokedBy when the type is missing", () => {
    const rotate = docRecords("awsdocs-aws-cloudtrail-user-guide.json").find((r) => r.eventName === "RotateKey")!;
    const result = normaliseRecord(clone(rotate));
    expect(result.ok && result.record.userIdentity.type).toBe("AWSService");
    expect(result.ok && result.warnings).toContain("userIdentity.type inferred");
  });

  it("reads MFAUsed case-insensitively", () => {
    const rootLogin = docRecords("awsdocs-aws-cloudtrail-user-guide.json").find(
      (r) => (r.additionalEventData as { MFAUsed?: string } | undefined)?.MFAUsed === "YES",
    )!;
    const result = normaliseRecord(clone(rootLogin));
    expect(result.ok && mfaUsed(result.record)).toBe(true);
    expect(result.ok && result.warnings).toContain("MFAUsed casing");
  });

  it.each([
    ["a string", "not a record", /expected a CloudTrail record object, got a string/],
    ["a record without eventSource", { eventName: "X", eventTime: "2024-01-01T00:00:00Z", awsRegion: "us-east-1", userIdentity: { type: "Root", accountId: "111122223333" } }, /eventSource is missing/],
    ["a record with a malformed time", { eventSource: "iam.amazonaws.com", eventName: "X", eventTime: "yesterday", awsRegion: "us-east-1", userIdentity: { type: "Root", accountId: "111122223333" } }, /eventTime: a real ISO 8601 UTC time/],
    ["a record with no account anywhere", { eventSource: "iam.amazonaws.com", eventName: "X", eventTime: "2024-01-01T00:00:00Z", awsRegion: "us-east-1", userIdentity: { type: "Root" } }, /recipientAccountId is missing/],
    ["an unknown eventType", { eventSource: "iam.amazonaws.com", eventName: "X", eventType: "Telepathy", eventTime: "2024-01-01T00:00:00Z", awsRegion: "us-east-1", recipientAccountId: "111122223333", userIdentity: { type: "Root" } }, /eventType/],
  ])("rejects %s with a reason that names the field", (_name, raw, reason) => {
    const result = normaliseRecord(raw);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });
});

describe("principalArn", () => {
  it("is the role ARN with its path for an assumed role, not the session ARN", () => {
    const assumed = docRecords("awsdocs-iam-user-guide.json").find(
      (r) => (r.userIdentity as { type?: string }).type === "AssumedRole" && r.eventName === "DeleteBucket",
    )!;
    const result = normaliseRecord(clone(assumed));
    if (!result.ok) throw new Error(result.reason);
    expect(result.record.userIdentity.arn).toContain(":assumed-role/");
    expect(principalArn(result.record)).toMatch(/^arn:aws:iam::\d{12}:role\//);
  });
});

describe("normaliseRecord on well-formed records", () => {
  it("warns about nothing", () => {
    const login = docRecords("awsdocs-aws-cloudtrail-user-guide.json").find((r) => r.eventName === "UpdateTrail")!;
    const result = normaliseRecord(structuredClone(login));
    expect(result.ok && result.warnings).toEqual([]);
  });
});

describe("normaliseRecord on refused values", () => {
  const valid = () => ({
    eventTime: "2024-02-28T10:00:00Z",
    eventSource: "iam.amazonaws.com",
    eventName: "ListUsers",
    awsRegion: "us-east-1",
    eventType: "AwsApiCall",
    recipientAccountId: "111122223333",
    eventID: "e-1",
    userIdentity: { type: "Root", accountId: "111122223333" },
  });

  it.each(["2024-02-30T10:00:00Z", "2024-02-28T25:61:61Z", "2024-13-01T00:00:00Z"])("refuses the impossible time %s", (eventTime) => {
    const result = normaliseRecord({ ...valid(), eventTime });
    expect(!result.ok && result.reason).toMatch(/eventTime: a real ISO 8601 UTC time/);
  });

  it("says a field has the wrong type rather than calling it missing", () => {
    const result = normaliseRecord({ ...valid(), eventName: 5 });
    expect(!result.ok && result.reason).toBe("eventName: expected string, got a number");
  });

  it("reads network activity and Insights events but marks them as not evaluated", () => {
    const result = normaliseRecord({ ...valid(), eventType: "AwsVpceEvent" });
    expect(result).toMatchObject({ ok: false, unrouted: true, reason: "eventType AwsVpceEvent is not delivered to EventBridge rules" });
  });

  it("counts a record without eventID as a warning", () => {
    const { eventID: _, ...noId } = valid();
    const result = normaliseRecord(noId);
    expect(result.ok && result.warnings).toEqual(["eventID missing"]);
  });
});

describe("isRealUtcTime", () => {
  it.each([
    ["2024-02-29T00:00:00Z", true],
    ["2023-02-29T00:00:00Z", false],
    ["2000-02-29T23:59:59Z", true],
    ["1900-02-29T00:00:00Z", false],
    ["2024-05-01T12:00:00.123Z", true],
    ["2024-05-01T12:00:00.Z", false],
    ["2024-04-31T12:00:00Z", false],
    ["2024-05-01 12:00:00Z", false],
    ["2024-05-01T12:00:00", false],
    ["2024-5-01T12:00:00Z", false],
  ])("%s is %s", (text, real) => {
    expect(isRealUtcTime(text)).toBe(real);
  });
});
