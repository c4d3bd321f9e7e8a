import { asList } from "../../core/policy.js";
import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector } from "../../core/detector.js";
import { actorName, API_CALL, bucketResource, field, isIacPrincipal, isObject, param, sentence } from "../common.js";
import { apiCall, assumedRole, bucketParams, iamUser, s3Extras, USER_AGENTS } from "../examples.js";

/** Objects deleted within this many days count as a retention cut to nothing. */
const SHORT_DAYS = 7;
const DAY_MS = 86_400_000;
const REGION = "us-east-1";
const TERRAFORM = "arn:aws:iam::111122223333:role/iac/terraform-apply";

type Rule = Record<string, unknown>;

/**
 * The rules of the request. CloudTrail turns the XML body into
 * `LifecycleConfiguration.Rule`: one object for one rule, a list for several.
 */
function rulesOf(record: CloudTrailRecord): Rule[] {
  const configuration = record.requestParameters ? field(record.requestParameters, "LifecycleConfiguration") : undefined;
  if (!isObject(configuration)) return [];
  return asList(field(configuration, "Rule") ?? field(configuration, "Rules")).filter(isObject);
}

/** XML numbers arrive as numbers or as text. */
function number(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function sub(object: Rule, key: string): Rule | undefined {
  const value = field(object, key);
  return isObject(value) ? value : undefined;
}

/** How the rule deletes objects soon, in words, or undefined when it does not. */
function shortDeletion(rule: Rule, eventTime: string): string | undefined {
  const status = field(rule, "Status");
  if (typeof status === "string" && status.toLowerCase() !== "enabled") return undefined;
  const expiration = sub(rule, "Expiration");
  const days = expiration ? number(field(expiration, "Days")) : undefined;
  if (days !== undefined && days <= SHORT_DAYS) return `expires objects after ${days} ${days === 1 ? "day" : "days"}`;
  const date = expiration ? field(expiration, "Date") : undefined;
  const at = typeof date === "string" ? Date.parse(date) : NaN;
  if (Number.isFinite(at) && at <= Date.parse(eventTime) + SHORT_DAYS * DAY_MS) return `expires objects on ${date as string}`;
  const noncurrent = sub(rule, "NoncurrentVersionExpiration");
  const noncurrentDays = noncurrent ? number(field(noncurrent, "NoncurrentDays")) : undefined;
  if (noncurrentDays !== undefined && noncurrentDays <= SHORT_DAYS) {
    return `deletes noncurrent versions after ${noncurrentDays} ${noncurrentDays === 1 ? "day" : "days"}`;
  }
  return undefined;
}

/** The rule's key prefix (Filter.Prefix, Filter.And.Prefix or the legacy rule-level Prefix) and whether tags or sizes narrow it further. */
function scopeOf(rule: Rule): { prefix: string; narrowed: boolean } {
  const filter = sub(rule, "Filter");
  const and = filter ? sub(filter, "And") : undefined;
  const prefix = [filter && field(filter, "Prefix"), and && field(and, "Prefix"), field(rule, "Prefix")].find((p): p is string => typeof p === "string") ?? "";
  const narrowers = ["Tag", "Tags", "ObjectSizeGreaterThan", "ObjectSizeLessThan"];
  const narrowed = [filter, and].some((f) => f !== undefined && narrowers.some((key) => field(f, key) !== undefined));
  return { prefix, narrowed };
}

/** Every object: no prefix, or the "*" and "/" people write meaning "all" (S3 reads them literally, but the intent is plain). */
function coversWholeBucket(rule: Rule): boolean {
  const { prefix, narrowed } = scopeOf(rule);
  return !narrowed && (prefix === "" || prefix === "*" || prefix === "/");
}

/** CloudTrail writes under `[prefix/]AWSLogs/`; a rule aimed there is aimed at trail logs in any bucket. */
function targetsTrailLogs(rule: Rule): boolean {
  const prefix = scopeOf(rule).prefix.toLowerCase();
  return prefix.includes("awslogs") || prefix.includes("cloudtrail");
}

const LOG_BUCKET_WORDS = new Set(["trail", "trails", "audit", "log", "logs", "logging", "security", "siem", "guardduty", "flowlogs"]);

/** A bucket whose name says it holds logs: "cloudtrail" anywhere, or a word such as logs, audit or trail between separators. */
function looksLikeLogBucket(bucket: string): boolean {
  const name = bucket.toLowerCase();
  return name.includes("cloudtrail") || name.split(/[-_.]+/).some((word) => LOG_BUCKET_WORDS.has(word));
}

function putBucketLifecycle(
  eventID: string,
  eventTime: string,
  bucket: string,
  rule: Rule | Rule[],
  options: { identity?: Record<string, unknown>; userAgent?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "s3.amazonaws.com",
    eventName: "PutBucketLifecycle",
    identity: options.identity ?? iamUser("arn:aws:iam::111122223333:user/christophe"),
    region: REGION,
    requestParameters: bucketParams(bucket, REGION, {
      lifecycle: "",
      LifecycleConfiguration: { xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", Rule: rule },
    }),
    ...s3Extras(bucket),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

export default defineDetector({
  id: "s3.trail-bucket-lifecycle-shortened",
  title: "S3 lifecycle rule deletes log objects within days",
  severity: "high",
  mitre: ["T1562.008", "T1485.001"],
  stratus: ["aws.defense-evasion.cloudtrail-lifecycle-rule"],
  pattern: {
    source: ["aws.s3"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["s3.amazonaws.com"],
      eventName: ["PutBucketLifecycle"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    const bucket = param(record, "bucketName");
    if (!bucket) return undefined;
    const logBucket = looksLikeLogBucket(bucket);
    const iac = isIacPrincipal(record, baseline);
    const hits = rulesOf(record).flatMap((rule) => {
      const deletion = shortDeletion(rule, record.eventTime);
      if (!deletion) return [];
      if (!(logBucket || targetsTrailLogs(rule) || (coversWholeBucket(rule) && !iac))) return [];
      const id = field(rule, "ID");
      const { prefix } = scopeOf(rule);
      return [`${typeof id === "string" && id !== "" ? `rule ${id}` : "a rule"} ${deletion}${prefix ? ` under "${prefix}"` : ""}`];
    });
    if (hits.length === 0) return undefined;
    return {
      summary: sentence(`${actorName(record)} set a lifecycle configuration on S3 bucket ${bucket} in which ${hits.join("; ")}.`),
      resources: [bucketResource(record, bucket)],
    };
  },
  runbook:
    "A lifecycle rule that expires objects within a week empties the bucket on S3's schedule with no further API call, so if it holds CloudTrail or other " +
    "security logs the evidence disappears quietly while the trail still reports healthy. The record does not say which buckets trails write to, so the " +
    "detector reports a short rule (Expiration.Days or NoncurrentVersionExpiration.NoncurrentDays of 7 or less, or an Expiration.Date within 7 days) when the " +
    "bucket's name says it holds logs, the rule aims at an AWSLogs/ or cloudtrail prefix, or the rule covers the whole bucket and the caller is not one of the " +
    "baseline's IaC principals (scratch buckets with short expiry are usually managed as code). Check with DescribeTrails whether a trail delivers to the " +
    "bucket; if so, restore the previous lifecycle configuration (or DeleteBucketLifecycle) at once, since expiry runs daily, and copy the logs elsewhere. Ask " +
    "the owner of the caller whether the change was planned; if not, revoke its sessions and keys. A refused call (errorCode such as AccessDenied) is not a " +
    "finding here: the configuration did not change.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's cloudtrail-lifecycle-rule: a 1-day expiration with Prefix \"*\" on the trail's bucket",
        record: putBucketLifecycle(
          "11c8b6fe-b1ac-4414-aab6-60f30c340f47",
          "2025-06-03T06:29:33Z",
          "stratus-red-team-ctlr-bucket-dbrzcxpjvn",
          { Expiration: { Days: 1 }, Filter: { Prefix: "*" }, ID: "nuke-cloudtrail-logs-after-1-day", Status: "Enabled" },
          { userAgent: `[${USER_AGENTS.stratus}]` },
        ),
      },
      {
        description: "A workload role keeps the transitions but adds 3-day expiry of AWSLogs/ in a bucket with an innocuous name",
        record: putBucketLifecycle(
          "b5ccf600-b7e3-4162-9e5c-897af1aaf518",
          "2024-09-18T04:10:55Z",
          "acme-shared-archive-7731",
          [
            { ID: "to-glacier", Status: "Enabled", Filter: { Prefix: "reports/" }, Transition: { Days: 30, StorageClass: "GLACIER" } },
            { ID: "housekeeping", Status: "Enabled", Filter: { Prefix: "AWSLogs/" }, Expiration: { Days: 3 } },
          ],
          { identity: assumedRole("arn:aws:iam::111122223333:role/app/report-builder", "i-0b1c2d3e4f5a69788"), userAgent: USER_AGENTS.boto3 },
        ),
      },
      {
        description: "Terraform shortens noncurrent-version retention to 1 day on the organisation's CloudTrail bucket",
        record: putBucketLifecycle(
          "3c75cb6e-351b-4653-a267-7ccb5fb307ea",
          "2024-09-20T12:42:07Z",
          "acme-org-cloudtrail-logs",
          { ID: "versions", Status: "Enabled", Filter: { Prefix: "" }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
          { identity: assumedRole(TERRAFORM, "terraform-run-5388"), userAgent: USER_AGENTS.terraform },
        ),
      },
    ],
    noMatch: [
      {
        description: "A 365-day expiration on the CloudTrail bucket: a normal retention policy",
        record: putBucketLifecycle("62343352-5059-4bd5-aee5-6ea8028634f5", "2024-09-21T08:00:14Z", "acme-org-cloudtrail-logs", {
          ID: "retain-one-year",
          Status: "Enabled",
          Filter: { Prefix: "AWSLogs/" },
          Expiration: { Days: 365 },
          Transition: { Days: 90, StorageClass: "GLACIER" },
        }),
      },
      {
        description: "A 1-day expiry of a tmp/ prefix in an application bucket",
        record: putBucketLifecycle("f51efd0f-d5c1-4253-b283-cba36d4ff2e1", "2024-09-21T08:05:41Z", "acme-orders-exports", { ID: "tmp-cleanup", Status: "Enabled", Filter: { Prefix: "tmp/" }, Expiration: { Days: 1 } }),
      },
      {
        description: "Only abort incomplete multipart uploads after 1 day on the CloudTrail bucket: no log object expires",
        record: putBucketLifecycle("5b2a7769-1018-4918-9cd3-04d910cb28bf", "2024-09-21T08:09:02Z", "acme-org-cloudtrail-logs", {
          ID: "abort-mpu",
          Status: "Enabled",
          Filter: { Prefix: "" },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        }),
      },
      {
        description: "A 1-day expiry written as Disabled: it never runs",
        record: putBucketLifecycle("2fb86829-9516-4e04-a69f-c200d0e0283b", "2024-09-21T08:12:30Z", "acme-org-cloudtrail-logs", { ID: "draft", Status: "Disabled", Filter: { Prefix: "" }, Expiration: { Days: 1 } }),
      },
      {
        description: "Terraform, an IaC principal of the baseline, sets 2-day expiry on a whole CI cache bucket",
        record: putBucketLifecycle("bebb2c5f-5e3a-4502-bab4-5e158df8bd15", "2024-09-22T13:31:18Z", "acme-ci-build-cache", { ID: "expire-cache", Status: "Enabled", Filter: {}, Expiration: { Days: 2 } }, {
          identity: assumedRole(TERRAFORM, "terraform-run-5402"),
          userAgent: USER_AGENTS.terraform,
        }),
        baseline: { principals: { iac: [TERRAFORM] } },
      },
      {
        description: "A 1-day rule on the trail bucket refused by the bucket policy: nothing changed",
        record: putBucketLifecycle(
          "c42a4919-64e0-4298-a8c1-fa789e52f4b9",
          "2024-09-20T12:40:51Z",
          "acme-org-cloudtrail-logs",
          { ID: "nuke", Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: 1 } },
          { error: { code: "AccessDenied", message: "Access Denied" } },
        ),
      },
    ],
  },
});
