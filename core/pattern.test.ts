import { describe, expect, it } from "vitest";
import { matchesPattern, patternEventNames, validatePattern, type EventPattern } from "./pattern.js";
import { ipInCidr, parseCidr, parseIp } from "./pattern-ip.js";
import { patternCases } from "./pattern-cases.js";

describe("matchesPattern", () => {
  it.each(patternCases)("%s", (_name, pattern, event, expected) => {
    expect(validatePattern(pattern)).toEqual([]);
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});

describe("validatePattern", () => {
  it.each<[string, unknown]>([
    ["guide example", { source: ["aws.ec2"], detail: { state: ["terminated"] } }],
    ["all operators", { a: [{ prefix: "x" }, { suffix: { "equals-ignore-case": "y" } }, { wildcard: "a\\**" }, { cidr: "2001:db8::/32" }, { exists: false }, { numeric: ["=", 1] }] }],
    ["anything-but forms", { a: [{ "anything-but": 1 }, { "anything-but": ["a", "b"] }, { "anything-but": { "equals-ignore-case": ["x"] } }, { "anything-but": { wildcard: "*/lib/*" } }] }],
    ["$or", { $or: [{ a: ["x"] }, { b: { c: [1] } }] }],
  ])("accepts %s", (_name, pattern) => {
    expect(validatePattern(pattern)).toEqual([]);
  });

  it.each<[string, unknown, RegExp]>([
    ["non-object pattern", ["aws.ec2"], /must be a JSON object/],
    ["empty pattern", {}, /must not be empty/],
    ["leaf that is not an array", { source: "aws.ec2" }, /source: leaf must be an array/],
    ["empty matcher list", { source: [] }, /must not be empty/],
    ["unknown operator", { detail: { state: [{ contains: "x" }] } }, /detail\.state: contains is not a known operator/],
    ["operator object with two keys", { a: [{ prefix: "x", suffix: "y" }] }, /exactly one key/],
    ["prefix with a number", { a: [{ prefix: 1 }] }, /prefix expects/],
    ["numeric bad operator", { a: [{ numeric: ["!=", 1] }] }, /unknown operator "!="/],
    ["numeric non-number", { a: [{ numeric: [">", "1"] }] }, /finite number/],
    ["numeric wrong order", { a: [{ numeric: ["<", 5, ">", 0] }] }, /lower bound/],
    ["numeric empty range", { a: [{ numeric: [">", 5, "<", 5] }] }, /below the upper bound/],
    ["numeric odd length", { a: [{ numeric: [">", 0, "<"] }] }, /expects \[op, number\]/],
    ["cidr not an address", { a: [{ cidr: "10.0.0/24" }] }, /CIDR/],
    ["cidr prefix too long", { a: [{ cidr: "10.0.0.0/33" }] }, /CIDR/],
    ["cidr v6 prefix too long", { a: [{ cidr: "2001:db8::/129" }] }, /CIDR/],
    ["cidr without prefix", { a: [{ cidr: "10.0.0.1" }] }, /CIDR/],
    ["wildcard **", { a: [{ wildcard: "arn:**:role" }] }, /consecutive/],
    ["wildcard bad escape", { a: [{ wildcard: "a\\d*" }] }, /escapes/],
    ["exists non-boolean", { a: [{ exists: "yes" }] }, /exists expects true or false/],
    ["anything-but mixed list", { a: [{ "anything-but": ["a", 1] }] }, /all strings or all numbers/],
    ["anything-but unsupported form", { a: [{ "anything-but": { numeric: [">", 1] } }] }, /does not support "numeric"/],
    ["anything-but wildcard **", { a: [{ "anything-but": { wildcard: "a**" } }] }, /consecutive/],
    ["$or not an array", { $or: { a: ["x"] } }, /\$or: must be an array of at least two objects/],
    ["$or with one branch", { $or: [{ a: ["x"] }] }, /at least two/],
    ["$or with non-object branch", { $or: [{ a: ["x"] }, ["y"]] }, /at least two objects/],
    ["problem inside $or branch", { detail: { $or: [{ a: ["x"] }, { b: "y" }] } }, /detail\.\$or\[1\]\.b: leaf must be an array/],
  ])("rejects %s", (_name, pattern, problem) => {
    const problems = validatePattern(pattern);
    expect(problems.some((p) => problem.test(p)), problems.join("; ")).toBe(true);
  });
});

describe("patternEventNames", () => {
  const cloudTrail = (detail: EventPattern): EventPattern => ({ source: ["aws.iam"], "detail-type": ["AWS API Call via CloudTrail"], detail });

  it.each<[string, EventPattern, { sources: string[]; names: string[] } | undefined]>([
    ["plain exact arrays", cloudTrail({ eventSource: ["iam.amazonaws.com"], eventName: ["CreateUser", "CreateAccessKey"] }), { sources: ["iam.amazonaws.com"], names: ["CreateUser", "CreateAccessKey"] }],
    ["other keys do not matter", cloudTrail({ eventSource: ["s3.amazonaws.com"], eventName: ["PutBucketPolicy"], errorCode: [{ exists: false }] }), { sources: ["s3.amazonaws.com"], names: ["PutBucketPolicy"] }],
    ["eventName missing", cloudTrail({ eventSource: ["iam.amazonaws.com"] }), undefined],
    ["no detail", { source: ["aws.iam"] }, undefined],
    ["eventName uses an operator", cloudTrail({ eventSource: ["iam.amazonaws.com"], eventName: [{ prefix: "Create" }] }), undefined],
    ["eventName mixes exact and operator", cloudTrail({ eventSource: ["iam.amazonaws.com"], eventName: ["CreateUser", { prefix: "Delete" }] }), undefined],
    [
      "$or in detail, every branch indexable",
      cloudTrail({ $or: [{ eventSource: ["iam.amazonaws.com"], eventName: ["CreateUser"] }, { eventSource: ["sts.amazonaws.com"], eventName: ["AssumeRole"] }] }),
      { sources: ["iam.amazonaws.com", "sts.amazonaws.com"], names: ["CreateUser", "AssumeRole"] },
    ],
    ["$or in detail, one branch not indexable", cloudTrail({ $or: [{ eventSource: ["iam.amazonaws.com"], eventName: ["CreateUser"] }, { eventSource: ["sts.amazonaws.com"] }] }), undefined],
    [
      "$or for eventName only, eventSource outside",
      cloudTrail({ eventSource: ["iam.amazonaws.com"], $or: [{ eventName: ["CreateUser"] }, { eventName: ["DeleteUser"], errorCode: [{ exists: false }] }] }),
      { sources: ["iam.amazonaws.com"], names: ["CreateUser", "DeleteUser"] },
    ],
    [
      "$or at top level",
      { $or: [{ detail: { eventSource: ["iam.amazonaws.com"], eventName: ["CreateUser"] } }, { detail: { eventSource: ["iam.amazonaws.com"], eventName: ["AttachUserPolicy"] } }] },
      { sources: ["iam.amazonaws.com"], names: ["CreateUser", "AttachUserPolicy"] },
    ],
    ["$or at top level, one branch without detail", { $or: [{ detail: { eventSource: ["iam.amazonaws.com"], eventName: ["CreateUser"] } }, { source: ["aws.guardduty"] }] }, undefined],
  ])("%s", (_name, pattern, expected) => {
    expect(patternEventNames(pattern)).toEqual(expected);
  });
});

describe("pattern-ip", () => {
  it.each<[string, string | undefined]>([
    ["10.0.0.1", "167772161"],
    ["::", "0"],
    ["::1", "1"],
    ["2001:db8::1", (0x20010db8n << 96n | 1n).toString()],
    ["::ffff:10.0.0.1", (0xffffn << 32n | 167772161n).toString()],
    ["fe80::1%eth0", (0xfe80n << 112n | 1n).toString()],
    ["1:2:3:4:5:6:7::", (((((((1n << 16n | 2n) << 16n | 3n) << 16n | 4n) << 16n | 5n) << 16n | 6n) << 16n | 7n) << 16n).toString()],
    ["not an ip", undefined],
    ["010.0.0.1", undefined],
  ])("parseIp(%s)", (text, value) => {
    expect(parseIp(text)?.value.toString()).toBe(value);
  });

  it("masks host bits in a CIDR block", () => {
    expect(parseCidr("10.1.2.3/8")).toMatchObject({ version: 4, network: 10n << 24n, prefix: 8, last: (11n << 24n) - 1n });
    expect(ipInCidr("10.200.0.1", "10.1.2.3/8")).toBe(true);
  });

  it("places IPv4 addresses in the IPv4-mapped IPv6 range", () => {
    expect(ipInCidr("192.0.2.1", "::ffff:0:0/96")).toBe(true);
    expect(ipInCidr("192.0.2.1", "2001:db8::/32")).toBe(false);
  });
});
