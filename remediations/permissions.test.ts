import { describe, expect, it } from "vitest";
import type { Permission } from "../core/remediation.js";
import { actionAllowed, isReadOnlyCommand, undeclaredActions } from "./permissions.js";

const DECLARED: Permission[] = [
  { actions: ["s3:GetBucketAcl", "s3:PutBucketAcl"], resources: ["arn:aws:s3:::*"] },
  { actions: ["iam:List*"], resources: ["*"] },
];

describe("actionAllowed", () => {
  it("allows an action declared exactly", () => {
    expect(actionAllowed("s3:PutBucketAcl", DECLARED)).toBe(true);
  });

  it("allows an action under a declared trailing wildcard", () => {
    expect(actionAllowed("iam:ListAttachedUserPolicies", DECLARED)).toBe(true);
  });

  it("compares without regard to case, as IAM does", () => {
    expect(actionAllowed("S3:getbucketacl", DECLARED)).toBe(true);
  });

  it("refuses an action that is only a prefix of a declared one", () => {
    expect(actionAllowed("s3:GetBucket", DECLARED)).toBe(false);
  });

  it("refuses an action of another service with the same wildcard tail", () => {
    expect(actionAllowed("s3:ListBucket", DECLARED)).toBe(false);
  });

  it("refuses everything when nothing is declared", () => {
    expect(actionAllowed("s3:GetBucketAcl", [])).toBe(false);
  });

  it("treats a wildcard in the middle literally, as only trailing ones are supported", () => {
    expect(actionAllowed("s3:GetBucketAcl", [{ actions: ["s3:*Acl"], resources: ["*"] }])).toBe(false);
  });
});

describe("undeclaredActions", () => {
  it("lists each action no permission allows once, in first-seen order", () => {
    const actions = ["s3:GetBucketAcl", "s3:DeleteBucket", "iam:ListUsers", "s3:DeleteBucket", "kms:Decrypt"];
    expect(undeclaredActions(actions, DECLARED)).toEqual(["s3:DeleteBucket", "kms:Decrypt"]);
  });
});

describe("isReadOnlyCommand", () => {
  it.each(["GetBucketAclCommand", "ListBuckets", "DescribeSecurityGroups", "HeadBucket"])("counts %s as a read", (command) => {
    expect(isReadOnlyCommand(command)).toBe(true);
  });

  it.each(["PutBucketAclCommand", "DeleteBucketPolicy", "GetSessionToken", "GetFederationTokenCommand", "Getaway"])("counts %s as a write", (command) => {
    expect(isReadOnlyCommand(command)).toBe(false);
  });
});
