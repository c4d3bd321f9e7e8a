import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector } from "../../core/detector.js";
import { asList, strings } from "../../core/policy.js";
import { actorName, API_CALL, field, isObject, param, sentence, trailResource } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

/**
 * What one selector logs of management events: reads, writes, and from which
 * event sources (all of them, all but some, or only some).
 */
interface Scope {
  reads: boolean;
  writes: boolean;
  sources: { kind: "all" } | { kind: "except"; sources: string[] } | { kind: "only"; sources: string[]; text: string };
}

const NONE: Scope = { reads: false, writes: false, sources: { kind: "all" } };

function isFalse(value: unknown): boolean {
  return value === false || (typeof value === "string" && value.toLowerCase() === "false");
}

function basicScope(selector: Record<string, unknown>): Scope {
  // Defaults of the API: management events included, reads and writes.
  if (isFalse(field(selector, "includeManagementEvents"))) return NONE;
  const readWrite = String(field(selector, "readWriteType") ?? "All").toLowerCase();
  const excluded = strings(field(selector, "excludeManagementEventSources"));
  return {
    reads: readWrite !== "writeonly",
    writes: readWrite !== "readonly",
    sources: excluded.length > 0 ? { kind: "except", sources: excluded } : { kind: "all" },
  };
}

type FieldSelector = Record<string, unknown>;

/** Whether a value passes one advanced field selector: operators are ANDed, values within one ORed. */
function admits(selector: FieldSelector, value: string): boolean {
  const check = (name: string, test: (v: string) => boolean, negate: boolean): boolean => {
    const values = strings(field(selector, name));
    if (values.length === 0) return true;
    return negate ? !values.some(test) : values.some(test);
  };
  return (
    check("equals", (v) => v === value, false) &&
    check("startsWith", (v) => value.startsWith(v), false) &&
    check("endsWith", (v) => value.endsWith(v), false) &&
    check("notEquals", (v) => v === value, true) &&
    check("notStartsWith", (v) => value.startsWith(v), true) &&
    check("notEndsWith", (v) => value.endsWith(v), true)
  );
}

function fieldSelectorsFor(selectors: FieldSelector[], name: string): FieldSelector[] {
  return selectors.filter((s) => String(field(s, "field") ?? "").toLowerCase() === name.toLowerCase());
}

function advancedScope(selector: Record<string, unknown>): Scope {
  const fields = asList(field(selector, "fieldSelectors")).filter(isObject);
  const all = (name: string, value: string) => fieldSelectorsFor(fields, name).every((s) => admits(s, value));
  if (!all("eventCategory", "Management")) return NONE;
  const sourceSelectors = fieldSelectorsFor(fields, "eventSource");
  let sources: Scope["sources"] = { kind: "all" };
  if (sourceSelectors.length > 0) {
    const onlyNotEquals = sourceSelectors.every((s) => Object.keys(s).every((k) => ["field", "notequals"].includes(k.toLowerCase())));
    if (onlyNotEquals) sources = { kind: "except", sources: sourceSelectors.flatMap((s) => strings(field(s, "notEquals"))) };
    else {
      const named = sourceSelectors.flatMap((s) => strings(field(s, "equals")));
      sources = { kind: "only", sources: named, text: named.length > 0 ? named.join(", ") : "a filtered set of sources" };
    }
  }
  return { reads: all("readOnly", "true"), writes: all("readOnly", "false"), sources };
}

/**
 * What the selectors no longer log of one kind (reads or writes), as the end
 * of a sentence about those management events; undefined when nothing is lost.
 */
function gapFor(scopes: Scope[], kind: "reads" | "writes"): string | undefined {
  const covering = scopes.filter((s) => s[kind]);
  if (covering.length === 0) return "are no longer logged";
  if (covering.some((s) => s.sources.kind === "all")) return undefined;
  const excepts = covering.flatMap((s) => (s.sources.kind === "except" ? [s.sources.sources] : []));
  const onlys = covering.flatMap((s) => (s.sources.kind === "only" ? [s.sources] : []));
  if (excepts.length === 0) return `are logged only from ${onlys.map((o) => o.text).join("; ")}`;
  // Selectors add up: a source is lost only if every selector leaves it out.
  const restored = new Set(onlys.flatMap((o) => o.sources));
  const [first = [], ...rest] = excepts;
  const excluded = first.filter((source) => rest.every((e) => e.includes(source)) && !restored.has(source));
  return excluded.length > 0 ? `from ${excluded.join(", ")} are excluded` : undefined;
}

/** How the new selectors reduce management-event logging, judged from the request alone; undefined if they do not. */
export function loggingReductions(record: CloudTrailRecord): string[] | undefined {
  const request = record.requestParameters;
  if (!request) return undefined;
  const basic = field(request, "eventSelectors");
  const advanced = field(request, "advancedEventSelectors");
  let scopes: Scope[];
  if (Array.isArray(advanced)) scopes = advanced.filter(isObject).map(advancedScope);
  else if (Array.isArray(basic)) scopes = basic.filter(isObject).map(basicScope);
  else return undefined;
  const reads = gapFor(scopes, "reads");
  const writes = gapFor(scopes, "writes");
  if (reads !== undefined && reads === writes) return [`management events ${reads}`];
  const gaps = [
    ...(reads ? [`read-only management events ${reads}`] : []),
    ...(writes ? [`write management events ${writes}`] : []),
  ];
  return gaps.length > 0 ? gaps : undefined;
}

const TRAIL = "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-audit-trail";
const PLATFORM_ROLE = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a";

function putEventSelectors(eventID: string, eventTime: string, selectors: Record<string, unknown>, extra: { error?: { code: string; message: string } } = {}) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "PutEventSelectors",
    identity: assumedRole(PLATFORM_ROLE, "j.doe@example.com"),
    requestParameters: { trailName: TRAIL, ...selectors },
    responseElements: extra.error ? null : { trailARN: TRAIL, ...selectors },
    ...extra,
  });
}

const ALL_MANAGEMENT = { field: "eventCategory", equals: ["Management"] };

export default defineDetector({
  id: "cloudtrail.event-selectors-changed",
  title: "CloudTrail event selectors changed to log fewer management events",
  severity: "high",
  mitre: ["T1562.008"],
  stratus: ["aws.defense-evasion.cloudtrail-event-selectors"],
  pattern: {
    source: ["aws.cloudtrail"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["cloudtrail.amazonaws.com"],
      eventName: ["PutEventSelectors"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const reductions = loggingReductions(record);
    if (!reductions) return undefined;
    const resource = trailResource(record, param(record, "trailName") ?? "(unnamed trail)");
    return {
      summary: sentence(`${actorName(record)} changed the event selectors of trail ${resource.id} so that ${reductions.join(" and ")}.`),
      resources: [resource],
    };
  },
  runbook:
    "The trail still reports IsLogging true, but it now drops management events (the change is judged from the new selectors alone: what they leave out, " +
    "whatever the trail logged before). Read the finding's reductions, compare with GetEventSelectors and the trail's definition in infrastructure code, and ask " +
    "the platform team whether a cost change was approved (excluding KMS or RDS Data API events is a common one; excluding all management events or all writes is not). " +
    "If it was not planned, restore the selectors from code and investigate the caller as for a stopped trail, including what it did while events were dropped. " +
    "A refused PutEventSelectors (errorCode) is not a finding here: nothing changed; the access-denied detectors count refusals. PutInsightSelectors is not watched: " +
    "Insights only adds anomaly events and never removes recorded calls.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's cloudtrail-event-selectors: read-only data events only, management events excluded",
        record: apiCall({
          eventID: "a3754edc-396a-4a70-a94b-afe94fdb6be6",
          eventTime: "2024-08-01T14:20:06Z",
          eventSource: "cloudtrail.amazonaws.com",
          eventName: "PutEventSelectors",
          identity: iamUser("arn:aws:iam::111122223333:user/christophe"),
          userAgent: USER_AGENTS.stratus,
          region: "eu-west-1",
          requestParameters: {
            trailName: "stratus-red-team-cloudtrail-trail-m3p8",
            eventSelectors: [
              {
                readWriteType: "ReadOnly",
                includeManagementEvents: false,
                dataResources: [
                  { type: "AWS::S3::Object", values: [] },
                  { type: "AWS::Lambda::Function", values: [] },
                ],
                excludeManagementEventSources: [],
              },
            ],
          },
        }),
      },
      {
        description: "Management events kept, but KMS and RDS Data API events excluded",
        record: putEventSelectors("0c4306dd-0017-4810-91de-64243fc1a0f7", "2024-05-20T10:02:33Z", {
          eventSelectors: [
            { readWriteType: "All", includeManagementEvents: true, dataResources: [], excludeManagementEventSources: ["kms.amazonaws.com", "rdsdata.amazonaws.com"] },
          ],
        }),
      },
      {
        description: "Only write management events kept (ReadOnly calls such as GetSecretValue dropped)",
        record: putEventSelectors("d02b9d0c-1452-4738-a8d5-ea21d093aa6c", "2024-05-20T10:05:12Z", {
          eventSelectors: [{ readWriteType: "WriteOnly", includeManagementEvents: true, dataResources: [], excludeManagementEventSources: [] }],
        }),
      },
      {
        description: "Advanced selectors that log S3 data events only: no management events at all",
        record: putEventSelectors("1c65d391-5420-4151-a613-1bbcbe53458c", "2024-05-20T10:09:47Z", {
          advancedEventSelectors: [
            {
              name: "S3 data events",
              fieldSelectors: [
                { field: "eventCategory", equals: ["Data"] },
                { field: "resources.type", equals: ["AWS::S3::Object"] },
              ],
            },
          ],
        }),
      },
      {
        description: "Advanced management selector restricted to readOnly true: every write goes unrecorded",
        record: putEventSelectors("d122aec4-7b1f-4f6c-825b-7ec04706f346", "2024-05-20T10:11:05Z", {
          advancedEventSelectors: [{ name: "Management events", fieldSelectors: [ALL_MANAGEMENT, { field: "readOnly", equals: ["true"] }] }],
        }),
      },
    ],
    noMatch: [
      {
        description: "All management events kept while S3 data events are added",
        record: putEventSelectors("75132b71-4981-4632-8204-88c142b79328", "2024-05-21T08:30:00Z", {
          eventSelectors: [
            {
              readWriteType: "All",
              includeManagementEvents: true,
              dataResources: [{ type: "AWS::S3::Object", values: ["arn:aws:s3:::payroll-exports/"] }],
              excludeManagementEventSources: [],
            },
          ],
        }),
      },
      {
        description: "Advanced selectors: every management event plus Lambda data events",
        record: putEventSelectors("90dfc331-3db2-4cbe-b698-4266fa6f86b4", "2024-05-21T08:35:19Z", {
          advancedEventSelectors: [
            { name: "Management events", fieldSelectors: [ALL_MANAGEMENT] },
            { name: "Lambda invokes", fieldSelectors: [{ field: "eventCategory", equals: ["Data"] }, { field: "resources.type", equals: ["AWS::Lambda::Function"] }] },
          ],
        }),
      },
      {
        description: "A ReadOnly and a WriteOnly selector together, which still log every management event",
        record: putEventSelectors("1244427d-575d-4463-9398-62eb1729e046", "2024-05-21T08:41:52Z", {
          eventSelectors: [
            { readWriteType: "ReadOnly", includeManagementEvents: true, dataResources: [], excludeManagementEventSources: [] },
            { readWriteType: "WriteOnly", includeManagementEvents: true, dataResources: [], excludeManagementEventSources: [] },
          ],
        }),
      },
      {
        description: "The Stratus change refused by an SCP: the selectors are unchanged",
        record: putEventSelectors(
          "09aaf0d2-7685-42c4-bcb8-5fff3952311e",
          "2024-05-21T09:02:27Z",
          { eventSelectors: [{ readWriteType: "ReadOnly", includeManagementEvents: false, dataResources: [], excludeManagementEventSources: [] }] },
          {
            error: {
              code: "AccessDenied",
              message: `User: arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_PlatformAdmin_3f2a1b9c0d8e7f6a/j.doe@example.com is not authorized to perform: cloudtrail:PutEventSelectors on resource: ${TRAIL} with an explicit deny in a service control policy`,
            },
          },
        ),
      },
    ],
  },
});
