import { describe, expect, it } from "vitest";
import { normaliseRecord, type CloudTrailRecord } from "../../core/cloudtrail.js";
import { apiCall, iamUser } from "../examples.js";
import { loggingReductions } from "./event-selectors-changed.js";

function request(selectors: Record<string, unknown>): CloudTrailRecord {
  const result = normaliseRecord(
    apiCall({
      eventID: "2b0d6f3e-8c41-4a57-9e2d-7f1a6b3c5d90",
      eventTime: "2024-05-20T10:00:00Z",
      eventSource: "cloudtrail.amazonaws.com",
      eventName: "PutEventSelectors",
      identity: iamUser("arn:aws:iam::111122223333:user/ops"),
      requestParameters: { trailName: "org-audit-trail", ...selectors },
    }),
  );
  if (!result.ok) throw new Error(result.reason);
  return result.record;
}

const basic = (...eventSelectors: Record<string, unknown>[]) => request({ eventSelectors });
const advanced = (...fieldSelectorLists: Record<string, unknown>[][]) =>
  request({ advancedEventSelectors: fieldSelectorLists.map((fieldSelectors, i) => ({ name: `selector ${i}`, fieldSelectors })) });
const MANAGEMENT = { field: "eventCategory", equals: ["Management"] };

describe("loggingReductions", () => {
  it("takes the API defaults (management events, reads and writes) for a selector that states nothing", () => {
    expect(loggingReductions(basic({}))).toBeUndefined();
  });

  it("reads the API's PascalCase as well as CloudTrail's camelCase", () => {
    expect(loggingReductions(request({ EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: false }] }))).toEqual([
      "management events are no longer logged",
    ]);
  });

  it("treats an explicitly empty selector list as logging nothing", () => {
    expect(loggingReductions(basic())).toEqual(["management events are no longer logged"]);
  });

  it("cannot judge a request without selectors", () => {
    expect(loggingReductions(request({}))).toBeUndefined();
  });

  it("adds selectors up: a source excluded by one selector but logged by another is not lost", () => {
    const record = basic(
      { readWriteType: "All", excludeManagementEventSources: ["kms.amazonaws.com"] },
      { readWriteType: "All", excludeManagementEventSources: ["rdsdata.amazonaws.com"] },
    );
    expect(loggingReductions(record)).toBeUndefined();
  });

  it("reports a source that every selector excludes", () => {
    const record = basic(
      { readWriteType: "All", excludeManagementEventSources: ["kms.amazonaws.com", "rdsdata.amazonaws.com"] },
      { readWriteType: "ReadOnly", excludeManagementEventSources: ["kms.amazonaws.com"] },
    );
    expect(loggingReductions(record)).toEqual([
      "read-only management events from kms.amazonaws.com are excluded",
      "write management events from kms.amazonaws.com, rdsdata.amazonaws.com are excluded",
    ]);
  });

  it("reports advanced selectors that exclude an event source with NotEquals", () => {
    expect(loggingReductions(advanced([MANAGEMENT, { field: "eventSource", notEquals: ["kms.amazonaws.com"] }]))).toEqual([
      "management events from kms.amazonaws.com are excluded",
    ]);
  });

  it("reports advanced selectors that keep management events of one service only", () => {
    expect(loggingReductions(advanced([MANAGEMENT, { field: "eventSource", equals: ["iam.amazonaws.com"] }]))).toEqual([
      "management events are logged only from iam.amazonaws.com",
    ]);
  });

  it("counts a readOnly false selector as dropping reads", () => {
    expect(loggingReductions(advanced([MANAGEMENT, { field: "readOnly", equals: ["false"] }]))).toEqual([
      "read-only management events are no longer logged",
    ]);
  });

  it("accepts advanced selectors whose read and write halves together cover everything", () => {
    const record = advanced([MANAGEMENT, { field: "readOnly", equals: ["true"] }], [MANAGEMENT, { field: "readOnly", equals: ["false"] }]);
    expect(loggingReductions(record)).toBeUndefined();
  });
});
