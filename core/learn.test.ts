import { describe, expect, it } from "vitest";
import { normaliseRecord, type CloudTrailRecord } from "./cloudtrail.js";
import { parseBaselineText } from "./baseline-file.js";
import { learnedBaselineYaml } from "./learn-yaml.js";
import { BaselineLearner } from "./learn.js";

let n = 0;
function record(overrides: Record<string, unknown>): CloudTrailRecord {
  const result = normaliseRecord({
    eventTime: `2025-01-0${1 + (n % 8)}T10:00:00Z`,
    eventSource: "ec2.amazonaws.com",
    eventName: "RunInstances",
    awsRegion: "eu-west-1",
    eventType: "AwsApiCall",
    recipientAccountId: "111122223333",
    eventID: `e-${n++}`,
    userIdentity: {
      type: "AssumedRole",
      arn: "arn:aws:sts::111122223333:assumed-role/terraform-apply/ci",
      accountId: "111122223333",
      sessionContext: { sessionIssuer: { arn: "arn:aws:iam::111122223333:role/deploy/terraform-apply" } },
    },
    userAgent: "APN/1.0 HashiCorp/1.0 Terraform/1.7.5",
    ...overrides,
  });
  if (!result.ok) throw new Error(result.reason);
  return result.record;
}

const person = {
  type: "IAMUser",
  arn: "arn:aws:iam::111122223333:user/alice",
  accountId: "111122223333",
  userName: "alice",
};

function learn(records: CloudTrailRecord[]) {
  const learner = new BaselineLearner();
  for (const r of records) learner.observe(r);
  return learner.result();
}

describe("BaselineLearner", () => {
  it("proposes a principal whose changes come through Terraform as IaC, with its evidence", () => {
    const learned = learn([record({}), record({}), record({ eventName: "CreateUser", eventSource: "iam.amazonaws.com" })]);
    expect(learned.iac.get("arn:aws:iam::111122223333:role/deploy/terraform-apply")).toMatchObject({
      count: 3,
      first: expect.any(String),
      because: "100% of its 3 changes via Terraform",
    });
  });

  it("does not take a person who ran Terraform once for a pipeline", () => {
    const manual = { userIdentity: person, userAgent: "aws-cli/2.15.30" };
    const learned = learn([record({ userIdentity: person }), record(manual), record(manual), record(manual)]);
    expect(learned.iac.size).toBe(0);
  });

  it("learns regions in use but not the us-east-1 of global services", () => {
    const learned = learn([record({}), record({ eventSource: "iam.amazonaws.com", eventName: "CreateRole", awsRegion: "us-east-1" })]);
    expect([...learned.regions.keys()]).toEqual(["eu-west-1"]);
  });

  it("learns accounts outside the organisation from role assumptions, not the organisation's own", () => {
    const vendor = record({
      eventSource: "sts.amazonaws.com",
      eventName: "AssumeRole",
      userIdentity: { type: "AWSAccount", accountId: "210987654321", principalId: "AIDAEXAMPLE" },
      requestParameters: { roleArn: "arn:aws:iam::111122223333:role/vendor-readonly", roleSessionName: "v" },
    });
    expect([...learn([vendor]).externalAccounts.keys()]).toEqual(["210987654321"]);
  });

  it("ignores refused calls: they show what was tried, not what is normal", () => {
    expect(learn([record({ errorCode: "AccessDenied", awsRegion: "ap-south-1" })]).regions.size).toBe(0);
  });

  it("profiles each principal's sensitive API calls", () => {
    const learned = learn([record({ userIdentity: person, userAgent: "aws-cli", eventSource: "iam.amazonaws.com", eventName: "CreateAccessKey" })]);
    expect([...learned.profiles.get(person.arn)!.apis.keys()]).toEqual(["iam:CreateAccessKey"]);
  });

  it("writes YAML that loads as a baseline, with evidence comments and one pattern for a role in several accounts", () => {
    const other = {
      ...record({}).userIdentity,
      accountId: "444455556666",
      arn: "arn:aws:sts::444455556666:assumed-role/terraform-apply/ci",
      sessionContext: { sessionIssuer: { arn: "arn:aws:iam::444455556666:role/deploy/terraform-apply" } },
    };
    const records = [record({}), record({}), record({}), ...[1, 2, 3].map(() => record({ recipientAccountId: "444455556666", userIdentity: other }))];
    const yaml = learnedBaselineYaml(learn(records), ["logs/"]);
    const baseline = parseBaselineText(yaml, "learned.yaml");
    expect(baseline.principals.iac).toEqual(["arn:aws:iam::*:role/deploy/terraform-apply"]);
    expect(Object.keys(baseline.accounts).sort()).toEqual(["111122223333", "444455556666"]);
    expect(yaml).toMatch(/"arn:aws:iam::\*:role\/deploy\/terraform-apply"  # 6 events, first .*; 100% of its \d changes via Terraform \(2 accounts\)/);
  });
});
