import { describe, expect, it } from "vitest";
import { DEFAULT_BASELINE } from "../../core/baseline.js";
import { normaliseRecord } from "../../core/cloudtrail.js";
import { toEnvelope } from "../../core/envelope.js";
import { matchesPattern } from "../../core/pattern.js";
import { otrfRecords } from "../../test/support/fixtures.js";
import detector from "./instance-credentials-used-outside-ec2.js";

/**
 * The OTRF "EC2 proxy S3 exfiltration" dataset: an IAM user (pedro) browses the
 * EC2 console, EC2 delivers role credentials to two instances (AssumeRole by
 * ec2.amazonaws.com), and the credentials of instance i-0317f6c6b66ae9c40 are
 * then used with the AWS CLI on macOS to list and download the bucket.
 */
const STOLEN_SESSION_CALLS = [
  "bf575a0c-c344-4302-a468-00e6a84a127a",
  "5376677f-96d4-468a-9539-f0f7edbec349",
  "46937d3a-6d68-4ba2-9520-a2ecf06dca32",
  "771299cb-e200-4926-9604-c85358b30499",
  "2308e1b4-ed27-49fc-b6e4-cc9a612c1c13",
  "19d32cc1-edab-4b96-9a11-2cd7794b2527",
  "7d91ac29-614a-4af9-af5c-c5a80e63a0bb",
  "40266d7a-ea06-445b-875c-e17ea31b1bb4",
  "fddb4992-b7e8-4c4a-bce5-31fee5c25667",
  "e5a92162-e061-4d33-a39c-c2b8ec9dbf83",
  "edc2222c-5063-47fb-9fc0-c2ffb86b9d15",
];

function findings() {
  return otrfRecords().flatMap((raw) => {
    const normalised = normaliseRecord(raw);
    if (!normalised.ok) throw new Error(normalised.reason);
    const record = normalised.record;
    if (!matchesPattern(detector.pattern, toEnvelope(record))) return [];
    const hit = detector.evaluate(record, { baseline: DEFAULT_BASELINE });
    return hit ? [{ record, hit }] : [];
  });
}

describe("ec2.instance-credentials-used-outside-ec2 over the OTRF EC2 proxy exfiltration dataset", () => {
  it("flags exactly the eleven calls made with the instance's credentials from macOS", () => {
    expect(findings().map(({ record }) => record.eventID).sort()).toEqual([...STOLEN_SESSION_CALLS].sort());
  });

  it("ignores the console user and the credential deliveries by EC2", () => {
    const flagged = findings();
    expect(flagged.some(({ record }) => record.userIdentity.type === "IAMUser")).toBe(false);
    expect(flagged.some(({ record }) => record.eventName === "AssumeRole")).toBe(false);
    const otrf = otrfRecords();
    expect(otrf.filter((r) => r.eventName === "AssumeRole")).toHaveLength(5);
    expect(otrf.filter((r) => (r.userIdentity as { userName?: string }).userName === "pedro").length).toBeGreaterThan(50);
  });

  it("names the role, the instance and the client in the summary", () => {
    const [first] = findings();
    expect(first?.hit.summary).toMatch(
      /^EC2 instance credentials of role MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0 \(instance i-0317f6c6b66ae9c40\) were used from a macOS machine \(aws-cli\/1\.18\.136, 1\.2\.3\.4\) to call s3:\w+\.$/,
    );
    expect(first?.hit.resources).toEqual([
      {
        type: "AWS::IAM::Role",
        id: "MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0",
        arn: "arn:aws:iam::123456789123:role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0",
        account: "123456789123",
      },
      { type: "AWS::EC2::Instance", id: "i-0317f6c6b66ae9c40", account: "123456789123" },
    ]);
  });
});
