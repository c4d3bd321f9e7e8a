import { describe, expect, it } from "vitest";
import {
  allowsPublicAccess,
  asList,
  grantsFullAdmin,
  hasRestrictingCondition,
  parsePolicyDocument,
  principalIsPublic,
  statementsOf,
} from "./policy.js";

const ADMIN_DOCUMENT = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
};

describe("parsePolicyDocument", () => {
  it("returns an object document as it is", () => {
    expect(parsePolicyDocument(ADMIN_DOCUMENT)).toBe(ADMIN_DOCUMENT);
  });

  it("parses JSON text with the whitespace IAM keeps", () => {
    expect(parsePolicyDocument(`\n  ${JSON.stringify(ADMIN_DOCUMENT, null, 2)}\n`)).toEqual(ADMIN_DOCUMENT);
  });

  it("decodes URL-encoded JSON text before parsing it", () => {
    expect(parsePolicyDocument(encodeURIComponent(JSON.stringify(ADMIN_DOCUMENT, null, 2)))).toEqual(ADMIN_DOCUMENT);
  });

  it("decodes form encoding that writes spaces as plus signs", () => {
    const formEncoded = encodeURIComponent('{"Statement": {"Effect": "Allow"}}').replace(/%20/g, "+");
    expect(parsePolicyDocument(formEncoded)).toEqual({ Statement: { Effect: "Allow" } });
  });

  it("keeps a literal plus sign inside an unencoded document", () => {
    const text = '{"Statement": [{"Sid": "a+b", "Effect": "Allow"}]}';
    expect(parsePolicyDocument(text)).toEqual({ Statement: [{ Sid: "a+b", Effect: "Allow" }] });
  });

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["an empty string", "  "],
    ["text that is not JSON", "not a policy"],
    ["a malformed escape", "%E0%A4%A"],
    ["a JSON array", "[1, 2]"],
    ["a JSON string", '"*"'],
    ["a list", [ADMIN_DOCUMENT]],
    ["a number", 42],
  ])("gives undefined for %s", (_label, value) => {
    expect(parsePolicyDocument(value)).toBeUndefined();
  });
});

describe("statementsOf", () => {
  it("turns a single Statement object into a list of one", () => {
    expect(statementsOf({ Statement: { Effect: "Allow" } })).toEqual([{ Effect: "Allow" }]);
  });

  it("keeps a list and drops entries that are not statements", () => {
    expect(statementsOf({ Statement: [{ Effect: "Deny" }, "junk", null] })).toEqual([{ Effect: "Deny" }]);
  });

  it("gives no statements for a missing document or Statement", () => {
    expect(statementsOf(undefined)).toEqual([]);
    expect(statementsOf({ Version: "2012-10-17" })).toEqual([]);
  });
});

describe("asList", () => {
  it("wraps a single value, keeps a list, and treats absence as empty", () => {
    expect(asList("s3:GetObject")).toEqual(["s3:GetObject"]);
    expect(asList(["a", "b"])).toEqual(["a", "b"]);
    expect(asList(undefined)).toEqual([]);
    expect(asList(null)).toEqual([]);
  });
});

describe("principalIsPublic", () => {
  it.each([["*"], [{ AWS: "*" }], [{ AWS: ["arn:aws:iam::111122223333:root", "*"] }]])("is public for %j", (principal) => {
    expect(principalIsPublic(principal)).toBe(true);
  });

  it.each([
    [{ AWS: "arn:aws:iam::999988887777:root" }],
    [{ Service: "cloudtrail.amazonaws.com" }],
    [{ AWS: ["arn:aws:iam::111122223333:role/app"] }],
    [undefined],
  ])("is not public for %j", (principal) => {
    expect(principalIsPublic(principal)).toBe(false);
  });
});

describe("hasRestrictingCondition", () => {
  it.each([
    ["a VPC endpoint", { StringEquals: { "aws:SourceVpce": "vpce-0a1b2c3d4e5f67890" } }],
    ["the organisation", { StringEquals: { "aws:PrincipalOrgID": ["o-a1b2c3d4e5"] } }],
    ["an office network", { IpAddress: { "aws:SourceIp": ["203.0.113.0/24"] } }],
    ["a source ARN", { ArnLike: { "aws:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E2ABCDEF" } }],
    ["a key name in other casing", { StringEquals: { "AWS:SourceAccount": "111122223333" } }],
    ["a bucket ARN, whose account field is empty", { ArnEquals: { "aws:SourceArn": "arn:aws:s3:::acme-logs" } }],
    ["paths under one organisation", { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": "o-a1b2c3d4e5/*" } }],
    ["any value of a list", { "ForAnyValue:StringEquals": { "aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"] } }],
  ])("restricts to %s", (_label, condition) => {
    expect(hasRestrictingCondition({ Effect: "Allow", Principal: "*", Condition: condition })).toBe(true);
  });

  it.each([
    ["no condition", undefined],
    ["TLS only", { Bool: { "aws:SecureTransport": "true" } }],
    ["a Referer header", { StringLike: { "aws:Referer": "https://www.example.com/*" } }],
    ["a negated operator", { StringNotEquals: { "aws:SourceVpce": "vpce-0a1b2c3d4e5f67890" } }],
    ["an IfExists operator", { StringEqualsIfExists: { "aws:SourceVpce": "vpce-0a1b2c3d4e5f67890" } }],
    ["ForAllValues, which holds without values", { "ForAllValues:StringEquals": { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } }],
    ["a wildcard value", { StringLike: { "aws:PrincipalAccount": "*" } }],
    ["every IPv4 address", { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }],
    ["every IPv6 address", { IpAddress: { "aws:SourceIp": ["::/0"] } }],
    ["an empty value list", { StringEquals: { "aws:SourceVpc": [] } }],
    ["a role ARN in any account", { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/deploy" } }],
    ["any organisation", { StringLike: { "aws:PrincipalOrgID": "o-*" } }],
    ["any organisation path", { StringLike: { "aws:PrincipalOrgPaths": "*/r-ab12/*" } }],
    ["one listed value that is a wildcard", { StringEquals: { "aws:SourceAccount": ["111122223333", "*"] } }],
  ])("does not restrict with %s", (_label, condition) => {
    expect(hasRestrictingCondition({ Effect: "Allow", Principal: "*", Condition: condition })).toBe(false);
  });
});

describe("allowsPublicAccess", () => {
  it("flags an Allow to everyone that only insists on TLS", () => {
    const statement = { Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Condition: { Bool: { "aws:SecureTransport": "true" } } };
    expect(allowsPublicAccess(statement)).toBe(true);
  });

  it("flags an Allow with NotPrincipal, which admits everyone else", () => {
    expect(allowsPublicAccess({ Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "s3:*" })).toBe(true);
  });

  it("ignores a Deny to everyone", () => {
    expect(allowsPublicAccess({ Effect: "Deny", Principal: "*", Action: "s3:*" })).toBe(false);
  });

  it("ignores an Allow to everyone inside one VPC", () => {
    expect(allowsPublicAccess({ Effect: "Allow", Principal: "*", Action: "s3:*", Condition: { StringEquals: { "aws:SourceVpc": "vpc-0123456789abcdef0" } } })).toBe(false);
  });
});

describe("grantsFullAdmin", () => {
  it.each([
    [{ Effect: "Allow", Action: "*", Resource: "*" }],
    [{ Effect: "Allow", Action: ["*:*"], Resource: ["*"] }],
    [{ Effect: "Allow", Action: ["s3:GetObject", "*"], Resource: ["arn:aws:s3:::b/*", "*"] }],
  ])("is full admin for %j", (statement) => {
    expect(grantsFullAdmin(statement)).toBe(true);
  });

  it.each([
    [{ Effect: "Deny", Action: "*", Resource: "*" }],
    [{ Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::reports/*" }],
    [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
    [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }],
    [{ Effect: "Allow", Action: "*", NotResource: "arn:aws:s3:::secrets/*" }],
  ])("is not full admin for %j", (statement) => {
    expect(grantsFullAdmin(statement)).toBe(false);
  });
});
