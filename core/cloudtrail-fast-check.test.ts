import { describe, expect, it } from "vitest";
import { detectors } from "../detectors/index.js";
import { docRecords, otrfRecords } from "../test/support/fixtures.js";
import { passesFastCheck } from "./cloudtrail-fast-check.js";
import { CloudTrailRecordSchema, normaliseRecord } from "./cloudtrail.js";

/** Valid records after the documented fallbacks: the documentation examples, the OTRF breach, every detector example. */
function corpus(): Record<string, unknown>[] {
  const raw = [
    ...docRecords("awsdocs-aws-cloudtrail-user-guide.json"),
    ...docRecords("awsdocs-iam-user-guide.json"),
    ...docRecords("awsdocs-aws-lambda-developer-guide.json"),
    ...docRecords("awsdocs-amazon-s3-developer-guide.json"),
    ...otrfRecords(),
    ...detectors.flatMap((d) => [...d.examples.match, ...d.examples.noMatch].map((e) => structuredClone(e.record))),
  ];
  return raw.filter((r) => normaliseRecord(r).ok);
}

const PATHS = [
  ["eventTime"], ["eventSource"], ["eventName"], ["awsRegion"], ["eventType"], ["recipientAccountId"], ["eventID"],
  ["eventVersion"], ["sourceIPAddress"], ["userAgent"], ["errorCode"], ["errorMessage"], ["readOnly"],
  ["requestParameters"], ["responseElements"], ["additionalEventData"], ["resources"], ["resources", 0], ["resources", 0, "ARN"],
  ["userIdentity"], ["userIdentity", "type"], ["userIdentity", "arn"], ["userIdentity", "accountId"], ["userIdentity", "invokedBy"],
  ["userIdentity", "sessionContext"], ["userIdentity", "sessionContext", "sessionIssuer"],
  ["userIdentity", "sessionContext", "sessionIssuer", "arn"], ["userIdentity", "sessionContext", "attributes"],
  ["userIdentity", "sessionContext", "attributes", "mfaAuthenticated"], ["userIdentity", "sessionContext", "ec2RoleDelivery"],
] as const;
const VALUES: unknown[] = [undefined, null, "", "x", "2024-01-01T00:00:00Z", "iam.amazonaws.com", "AwsApiCall", 0, 1.5, true, [], [{}], {}, { a: 1 }];

function mutate(record: Record<string, unknown>, path: readonly (string | number)[], value: unknown) {
  const copy = structuredClone(record);
  let target: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== "object" || next === null) return undefined;
    target = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

describe("the hot-path check of CloudTrail records", () => {
  const valid = corpus();

  it("accepts every valid record of the corpus, so the hot path is the usual path", () => {
    expect(valid.length).toBeGreaterThan(150);
    expect(valid.filter((r) => !passesFastCheck(r))).toEqual([]);
  });

  it("never accepts a record the schema refuses, across every field mutated to every kind of value", () => {
    let mutants = 0;
    let refusedBySchema = 0;
    for (const record of valid) {
      for (const path of PATHS) {
        for (const value of VALUES) {
          const mutant = mutate(record, path, value);
          if (!mutant) continue;
          mutants++;
          const schemaAccepts = CloudTrailRecordSchema.safeParse(mutant).success;
          if (!schemaAccepts) refusedBySchema++;
          if (passesFastCheck(mutant) && !schemaAccepts) throw new Error(`fast check accepted what the schema refuses: ${path.join(".")} = ${JSON.stringify(value)}`);
        }
      }
    }
    expect(mutants).toBeGreaterThan(10_000);
    expect(refusedBySchema).toBeGreaterThan(1_000);
  });
});
