// The table of matchesPattern cases, shared by pattern.test.ts (the
// interpreter against the expected answers) and pattern-compile.test.ts (the
// compiled form against the interpreter).
import type { EventPattern } from "./pattern.js";

// Shaped like the EventBridge user guide examples, plus a CloudTrail detail.
export const ec2Event = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "111122223333",
  time: "2017-10-02T18:43:48Z",
  region: "us-west-1",
  resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0", "arn:aws:ec2:us-west-1:123456789012:instance/i-b188560f"],
  detail: {
    "instance-id": "i-1234567890abcdef0",
    state: "terminated",
    "c-count": 5,
    "d-count": 12,
    "x-limit": 301.8,
    "numeric-string": "7",
    FileName: "photos/cat.PNG",
    eventVersion: "",
    responseElements: null,
    enabled: false,
    sourceIPAddress: "10.0.0.7",
    sourceIPv6: "2001:db8:0:1::42",
    tags: ["prod", "pci"],
    ports: [22, 443],
    userIdentity: { type: "AssumedRole", arn: "arn:aws:iam::123456789012:role/ci-deploy", sessionContext: { mfa: true } },
    requestParameters: {
      ipPermissions: { items: [{ fromPort: 22, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] } }, { fromPort: 443 }] },
    },
    emptyList: [],
  },
};

export type PatternCase = [name: string, pattern: EventPattern, event: unknown, expected: boolean];
const d = (detail: EventPattern): EventPattern => ({ detail });

export const patternCases: PatternCase[] = [
  // exact values
  ["exact string", { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"], detail: { state: ["terminated"] } }, ec2Event, true],
  ["exact string is case-sensitive", { source: ["AWS.EC2"] }, ec2Event, false],
  ["exact: any matcher in the list", { source: ["aws.s3", "aws.ec2"] }, ec2Event, true],
  ["exact number", d({ "c-count": [5] }), ec2Event, true],
  ["exact number: numeric equality 5 == 5.0", d({ "c-count": [5.0] }), { detail: { "c-count": 5.0 } }, true],
  ["exact number does not match numeric string", d({ "numeric-string": [7] }), ec2Event, false],
  ["exact string does not match number", d({ "c-count": ["5"] }), ec2Event, false],
  ["exact boolean", d({ enabled: [false] }), ec2Event, true],
  ["exact boolean mismatch", d({ enabled: [true] }), ec2Event, false],
  ["null matches present null", d({ responseElements: [null] }), ec2Event, true],
  ["null does not match missing field", d({ notThere: [null] }), ec2Event, false],
  ["null does not match empty string", d({ eventVersion: [null] }), ec2Event, false],
  ["empty string matches empty string", d({ eventVersion: [""] }), ec2Event, true],
  ["empty string does not match null", d({ responseElements: [""] }), ec2Event, false],
  ["missing field never matches exact", d({ notThere: ["terminated"] }), ec2Event, false],
  ["all keys must match (AND)", { source: ["aws.ec2"], region: ["eu-west-1"] }, ec2Event, false],

  // arrays in events
  ["event array: any element matches", { resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-b188560f"] }, ec2Event, true],
  ["event array: no element matches", { resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-nope"] }, ec2Event, false],
  ["event array of numbers", d({ ports: [443] }), ec2Event, true],
  ["empty event array matches nothing", d({ emptyList: [""] }), ec2Event, false],

  // nested objects
  ["nested object", d({ userIdentity: { type: ["AssumedRole"], sessionContext: { mfa: [true] } } }), ec2Event, true],
  ["nested object mismatch", d({ userIdentity: { sessionContext: { mfa: [false] } } }), ec2Event, false],
  ["nested object pattern against scalar", d({ state: { name: ["terminated"] } }), ec2Event, false],
  ["leaf pattern against object value", d({ userIdentity: ["AssumedRole"] }), ec2Event, false],
  ["array of objects: one element matches", d({ requestParameters: { ipPermissions: { items: { ipRanges: { items: { cidrIp: ["0.0.0.0/0"] } } } } } }), ec2Event, true],
  ["array of objects: fields must come from one element", d({ requestParameters: { ipPermissions: { items: { fromPort: [443], ipRanges: { items: { cidrIp: ["0.0.0.0/0"] } } } } } }), ec2Event, false],
  ["array of objects: same element", d({ requestParameters: { ipPermissions: { items: { fromPort: [22], ipRanges: { items: { cidrIp: ["0.0.0.0/0"] } } } } } }), ec2Event, true],

  // prefix
  ["prefix", { time: [{ prefix: "2017-10-02" }] }, ec2Event, true],
  ["prefix mismatch", { time: [{ prefix: "2017-10-03" }] }, ec2Event, false],
  ["prefix is case-sensitive", { region: [{ prefix: "US-" }] }, ec2Event, false],
  ["prefix equals-ignore-case", { region: [{ prefix: { "equals-ignore-case": "US-" } }] }, ec2Event, true],
  ["prefix equals-ignore-case mismatch", { region: [{ prefix: { "equals-ignore-case": "EU-" } }] }, ec2Event, false],
  ["prefix ignores numbers", d({ "c-count": [{ prefix: "5" }] }), ec2Event, false],
  ["prefix on event array", d({ tags: [{ prefix: "pc" }] }), ec2Event, true],

  // suffix
  ["suffix", d({ FileName: [{ suffix: ".PNG" }] }), ec2Event, true],
  ["suffix is case-sensitive", d({ FileName: [{ suffix: ".png" }] }), ec2Event, false],
  ["suffix equals-ignore-case", d({ FileName: [{ suffix: { "equals-ignore-case": ".png" } }] }), ec2Event, true],
  ["suffix equals-ignore-case mismatch", d({ FileName: [{ suffix: { "equals-ignore-case": ".jpg" } }] }), ec2Event, false],

  // equals-ignore-case
  ["equals-ignore-case", { "detail-type": [{ "equals-ignore-case": "ec2 instance state-change notification" }] }, ec2Event, true],
  ["equals-ignore-case mismatch", { "detail-type": [{ "equals-ignore-case": "ec2 instance state-change" }] }, ec2Event, false],
  ["equals-ignore-case is not prefix", { source: [{ "equals-ignore-case": "AWS" }] }, ec2Event, false],

  // wildcard
  ["wildcard", d({ userIdentity: { arn: [{ wildcard: "arn:aws:iam::*:role/ci-*" }] } }), ec2Event, true],
  ["wildcard mismatch", d({ userIdentity: { arn: [{ wildcard: "arn:aws:iam::*:role/admin-*" }] } }), ec2Event, false],
  ["wildcard star matches empty run", { source: [{ wildcard: "aws.*ec2" }] }, ec2Event, true],
  ["wildcard without star is exact", { source: [{ wildcard: "aws.ec" }] }, ec2Event, false],
  ["wildcard anchors both ends", { source: [{ wildcard: "*ec" }] }, ec2Event, false],
  ["wildcard segments must not overlap", { x: [{ wildcard: "ab*ba" }] }, { x: "aba" }, false],
  ["wildcard escaped star is literal", { x: [{ wildcard: "a\\*b*" }] }, { x: "a*bcd" }, true],
  ["wildcard escaped star does not match other chars", { x: [{ wildcard: "a\\*b*" }] }, { x: "axbcd" }, false],
  ["wildcard escaped backslash", { x: [{ wildcard: "dir\\\\*" }] }, { x: "dir\\file" }, true],
  ["wildcard escaped backslash needs the backslash", { x: [{ wildcard: "dir\\\\*" }] }, { x: "dir/file" }, false],
  ["wildcard ignores numbers", d({ "c-count": [{ wildcard: "*" }] }), ec2Event, false],

  // anything-but
  ["anything-but string", d({ state: [{ "anything-but": "initializing" }] }), ec2Event, true],
  ["anything-but string excluded", d({ state: [{ "anything-but": "terminated" }] }), ec2Event, false],
  ["anything-but number", d({ "x-limit": [{ "anything-but": 123 }] }), ec2Event, true],
  ["anything-but number excluded", d({ "c-count": [{ "anything-but": 5 }] }), ec2Event, false],
  ["anything-but string list", d({ state: [{ "anything-but": ["stopped", "overloaded"] }] }), ec2Event, true],
  ["anything-but string list excluded", d({ state: [{ "anything-but": ["stopped", "terminated"] }] }), ec2Event, false],
  ["anything-but number list", d({ "x-limit": [{ "anything-but": [100, 200, 300] }] }), ec2Event, true],
  ["anything-but number list excluded", d({ "c-count": [{ "anything-but": [4, 5] }] }), ec2Event, false],
  ["anything-but number does not exclude numeric string", d({ "numeric-string": [{ "anything-but": [7] }] }), ec2Event, true],
  ["anything-but prefix", d({ state: [{ "anything-but": { prefix: "init" } }] }), ec2Event, true],
  ["anything-but prefix excluded", { region: [{ "anything-but": { prefix: "us-" } }] }, ec2Event, false],
  ["anything-but suffix", d({ FileName: [{ "anything-but": { suffix: ".txt" } }] }), ec2Event, true],
  ["anything-but suffix excluded", d({ FileName: [{ "anything-but": { suffix: ".PNG" } }] }), ec2Event, false],
  ["anything-but equals-ignore-case", d({ state: [{ "anything-but": { "equals-ignore-case": "initializing" } }] }), ec2Event, true],
  ["anything-but equals-ignore-case excluded", d({ state: [{ "anything-but": { "equals-ignore-case": "TERMINATED" } }] }), ec2Event, false],
  ["anything-but equals-ignore-case list excluded", d({ state: [{ "anything-but": { "equals-ignore-case": ["Stopped", "Terminated"] } }] }), ec2Event, false],
  ["anything-but wildcard", { x: [{ "anything-but": { wildcard: "*/lib/*" } }] }, { x: "/usr/bin/env" }, true],
  ["anything-but wildcard excluded", { x: [{ "anything-but": { wildcard: "*/lib/*" } }] }, { x: "/usr/lib/libc.so" }, false],
  ["anything-but wildcard list excluded", { x: [{ "anything-but": { wildcard: ["*/bin/*", "*/lib/*"] } }] }, { x: "/usr/bin/env" }, false],
  ["anything-but never matches a missing field", d({ notThere: [{ "anything-but": "x" }] }), ec2Event, false],
  ["anything-but matches a present null", d({ responseElements: [{ "anything-but": "x" }] }), ec2Event, true],
  ["anything-but prefix lets numbers through", d({ "c-count": [{ "anything-but": { prefix: "5" } }] }), ec2Event, true],
  ["anything-but on array: one element not excluded", d({ tags: [{ "anything-but": "prod" }] }), ec2Event, true],
  ["anything-but on array: every element excluded", d({ tags: [{ "anything-but": ["prod", "pci"] }] }), ec2Event, false],

  // numeric
  ["numeric range", d({ "c-count": [{ numeric: [">", 0, "<=", 5] }] }), ec2Event, true],
  ["numeric range upper bound exclusive", d({ "c-count": [{ numeric: [">", 0, "<", 5] }] }), ec2Event, false],
  ["numeric single comparison", d({ "d-count": [{ numeric: ["<", 10] }] }), ec2Event, false],
  ["numeric >=", d({ "d-count": [{ numeric: [">=", 12] }] }), ec2Event, true],
  ["numeric = with exponent", d({ "x-limit": [{ numeric: ["=", 3.018e2] }] }), ec2Event, true],
  ["numeric = mismatch", d({ "x-limit": [{ numeric: ["=", 301] }] }), ec2Event, false],
  ["numeric does not match numeric string", d({ "numeric-string": [{ numeric: [">", 0] }] }), ec2Event, false],
  ["numeric on event array", d({ ports: [{ numeric: [">", 400] }] }), ec2Event, true],
  ["numeric missing field", d({ notThere: [{ numeric: [">", 0] }] }), ec2Event, false],

  // exists
  ["exists true", d({ state: [{ exists: true }] }), ec2Event, true],
  ["exists true on missing field", d({ notThere: [{ exists: true }] }), ec2Event, false],
  ["exists true on present null", d({ responseElements: [{ exists: true }] }), ec2Event, true],
  ["exists true on array of scalars", d({ tags: [{ exists: true }] }), ec2Event, true],
  ["exists true on empty array", d({ emptyList: [{ exists: true }] }), ec2Event, false],
  ["exists true on object (not a leaf)", d({ userIdentity: [{ exists: true }] }), ec2Event, false],
  ["exists false on missing field", d({ "c-count": [{ exists: true }], notThere: [{ exists: false }] }), ec2Event, true],
  ["exists false on present field", d({ state: [{ exists: false }] }), ec2Event, false],
  ["exists false on present null", d({ responseElements: [{ exists: false }] }), ec2Event, false],
  ["exists false on missing nested parent", { detail: { errorInfo: { code: [{ exists: false }] } } }, ec2Event, true],
  ["exists false when the event is not an object", { detail: { code: [{ exists: false }] } }, "oops", true],
  ["exists false inside array of objects", d({ requestParameters: { ipPermissions: { items: { ipRanges: [{ exists: false }] } } } }), ec2Event, true],

  // cidr
  ["cidr v4", d({ sourceIPAddress: [{ cidr: "10.0.0.0/24" }] }), ec2Event, true],
  ["cidr v4 outside range", d({ sourceIPAddress: [{ cidr: "10.0.1.0/24" }] }), ec2Event, false],
  ["cidr /32", d({ sourceIPAddress: [{ cidr: "10.0.0.7/32" }] }), ec2Event, true],
  ["cidr v4 /0 matches any v4", d({ sourceIPAddress: [{ cidr: "0.0.0.0/0" }] }), ec2Event, true],
  ["cidr v6", d({ sourceIPv6: [{ cidr: "2001:db8::/32" }] }), ec2Event, true],
  ["cidr v6 outside range", d({ sourceIPv6: [{ cidr: "2001:db8:0:2::/64" }] }), ec2Event, false],
  ["cidr v4 range does not match v6 address", d({ sourceIPv6: [{ cidr: "0.0.0.0/0" }] }), ec2Event, false],
  ["cidr v4 range matches IPv4-mapped v6", { ip: [{ cidr: "10.0.0.0/8" }] }, { ip: "::ffff:10.1.2.3" }, true],
  ["cidr non-IP string", { ip: [{ cidr: "10.0.0.0/8" }] }, { ip: "AWS Internal" }, false],
  ["cidr ignores numbers", { ip: [{ cidr: "10.0.0.0/8" }] }, { ip: 10 }, false],
  ["cidr on event array", { ip: [{ cidr: "192.168.0.0/16" }] }, { ip: ["10.0.0.1", "192.168.4.4"] }, true],

  // $or
  [
    "$or at top level (guide example)",
    { detail: { $or: [{ "c-count": [{ numeric: [">", 0, "<=", 5] }] }, { "d-count": [{ numeric: ["<", 10] }] }, { "x-limit": [{ numeric: ["=", 3.018e2] }] }] } },
    ec2Event,
    true,
  ],
  ["$or: no branch matches", { $or: [{ source: ["aws.s3"] }, { region: ["eu-west-1"] }] }, ec2Event, false],
  ["$or: one branch matches", { $or: [{ source: ["aws.s3"] }, { region: ["us-west-1"] }] }, ec2Event, true],
  ["$or is ANDed with sibling keys", { source: ["aws.s3"], $or: [{ region: ["us-west-1"] }, { account: ["111122223333"] }] }, ec2Event, false],
  ["$or nested in detail", { source: ["aws.ec2"], detail: { $or: [{ state: ["running"] }, { userIdentity: { type: ["AssumedRole"] } }] } }, ec2Event, true],
  ["$or nested in detail, no match", { detail: { $or: [{ state: ["running"] }, { userIdentity: { type: ["Root"] } }] } }, ec2Event, false],
  ["$or with exists false branch", { detail: { $or: [{ state: ["running"] }, { errorCode: [{ exists: false }] }] } }, ec2Event, true],
];
