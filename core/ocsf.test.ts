import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CloudTrailRecord } from "./cloudtrail.js";
import { FINDING_SCHEMA_VERSION, type Finding } from "./finding.js";
import { ATTACK_VERSION } from "./mitre.js";
import { OCSF_PROFILES, OCSF_SEVERITY, OCSF_VERSION, toOcsf } from "./ocsf.js";
import { SEVERITIES, type Severity } from "./severity.js";

interface TypeSpec {
  attributes: Record<string, string>;
  required: string[];
}
interface ClassSpec extends TypeSpec {
  uid: number;
  category_uid: number;
  profile_attributes: Record<string, { attributes: string[]; required: string[] }>;
}
interface SchemaSubset {
  version: string;
  classes: { detection_finding: ClassSpec };
  objects: Record<string, TypeSpec>;
  enums: Record<string, Record<string, string>>;
}

// The fixture folder is named after the pinned version, so bumping OCSF_VERSION
// without transcribing that version's attribute lists fails here.
const schema = JSON.parse(
  readFileSync(new URL(`../test/fixtures/ocsf/${OCSF_VERSION}/schema-subset.json`, import.meta.url), "utf8"),
) as SchemaSubset;
const detectionFinding = schema.classes.detection_finding;

/** Scalar OCSF types and free-form containers: their contents are not schema attributes. */
const LEAF_TYPES = new Set([
  "string_t", "integer_t", "long_t", "boolean_t", "float_t", "timestamp_t", "datetime_t", "ip_t", "url_t",
  "email_t", "username_t", "hostname_t", "mac_t", "port_t", "uuid_t", "json_t", "object",
]);

/** Every problem found walking `value` as an instance of `typeName` (a class or object type). */
function schemaViolations(value: unknown, spec: TypeSpec, path: string): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [`${path}: expected an object`];
  const problems: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const at = `${path}.${key}`;
    const declared = spec.attributes[key];
    if (declared === undefined) {
      problems.push(`${at}: not an attribute of this type in OCSF ${schema.version}`);
      continue;
    }
    if (child === undefined) problems.push(`${at}: undefined value`);
    const isArray = declared.endsWith("[]");
    const type = isArray ? declared.slice(0, -2) : declared;
    if (isArray !== Array.isArray(child)) problems.push(`${at}: array-ness does not match ${declared}`);
    if (LEAF_TYPES.has(type)) continue;
    const objectSpec = schema.objects[type];
    if (!objectSpec) {
      problems.push(`${at}: object type ${type} has no attribute list in the fixture`);
      continue;
    }
    const items = Array.isArray(child) ? child : [child];
    items.forEach((item, index) => {
      const itemPath = Array.isArray(child) ? `${at}[${index}]` : at;
      problems.push(...missingRequired(item, objectSpec, itemPath), ...schemaViolations(item, objectSpec, itemPath));
    });
  }
  return problems;
}

function missingRequired(value: unknown, spec: TypeSpec, path: string): string[] {
  if (value === null || typeof value !== "object") return [];
  return spec.required.filter((name) => !(name in value)).map((name) => `${path}.${name}: required but missing`);
}

function keysDeep(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => keysDeep(item, out));
  else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      out.push(key);
      keysDeep(child, out);
    }
  }
  return out;
}

function hasUndefinedDeep(value: unknown): boolean {
  if (value === undefined) return true;
  if (Array.isArray(value)) return value.some(hasUndefinedDeep);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasUndefinedDeep);
  return false;
}

// An assumed-role session stops and deletes the organisation trail.
const eventTime = "2024-05-01T12:34:56Z";
const record: CloudTrailRecord = {
  eventVersion: "1.09",
  userIdentity: {
    type: "AssumedRole",
    principalId: "AROAEXAMPLEROLEID1234:mallory",
    arn: "arn:aws:sts::111122223333:assumed-role/ops-admin/mallory",
    accountId: "111122223333",
    accessKeyId: "ASIAEXAMPLEKEY123456",
    sessionContext: {
      sessionIssuer: {
        type: "Role",
        principalId: "AROAEXAMPLEROLEID1234",
        arn: "arn:aws:iam::111122223333:role/admin/ops-admin",
        accountId: "111122223333",
        userName: "ops-admin",
      },
      attributes: { creationDate: "2024-05-01T12:01:00Z", mfaAuthenticated: "false" },
    },
  },
  eventTime,
  eventSource: "cloudtrail.amazonaws.com",
  eventName: "DeleteTrail",
  awsRegion: "eu-west-1",
  sourceIPAddress: "198.51.100.23",
  userAgent: "aws-cli/2.15.40 Python/3.11.8 Linux/6.1 exe/x86_64.amzn.2023",
  requestParameters: { name: "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail" },
  responseElements: null,
  requestID: "6f1b5c1e-3a0d-4b8e-9c43-1e7b2b9a0f11",
  eventID: "0a6f3b0e-2a4f-4a4e-8d1c-5d3f1f7c9b21",
  readOnly: false,
  eventType: "AwsApiCall",
  managementEvent: true,
  recipientAccountId: "111122223333",
  eventCategory: "Management",
};

function buildFinding(overrides: Partial<Finding> = {}, recordOverrides: Partial<CloudTrailRecord> = {}): Finding {
  const rec = { ...record, ...recordOverrides } as CloudTrailRecord;
  return {
    schemaVersion: FINDING_SCHEMA_VERSION,
    id: "5e0c2b7c4c1f4d0a9a8b7c6d5e4f3a2b",
    detector: "cloudtrail.trail-deleted",
    severity: "critical",
    title: "CloudTrail trail deleted",
    summary: "ops-admin/mallory deleted trail org-trail in eu-west-1",
    eventId: rec.eventID,
    eventName: rec.eventName,
    eventSource: rec.eventSource,
    account: rec.recipientAccountId,
    region: rec.awsRegion,
    time: rec.eventTime,
    actor: {
      arn: "arn:aws:sts::111122223333:assumed-role/ops-admin/mallory",
      principal: "arn:aws:iam::111122223333:role/admin/ops-admin",
      type: "AssumedRole",
      accountId: "111122223333",
      accessKeyId: "ASIAEXAMPLEKEY123456",
      mfa: false,
      sourceIp: rec.sourceIPAddress,
      userAgent: rec.userAgent,
      sessionIssuer: "arn:aws:iam::111122223333:role/admin/ops-admin",
    },
    resources: [
      {
        type: "AWS::CloudTrail::Trail",
        id: "org-trail",
        arn: "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail",
        account: "111122223333",
        region: "eu-west-1",
      },
    ],
    mitre: { attackVersion: ATTACK_VERSION, techniques: ["T1562.008", "T1485"] },
    stratus: ["aws.defense-evasion.cloudtrail-delete"],
    remediation: "cloudtrail.recreate-trail",
    record: rec,
    ...overrides,
  };
}

// The helpers above index the output freely; this keeps the assertions short.
type Json = Record<string, any>;

describe("toOcsf", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("uses only attributes that OCSF 1.3.0 defines for Detection Finding and its objects", () => {
    expect(schema.version).toBe(OCSF_VERSION);
    const out = toOcsf(buildFinding(), { productVersion: "0.1.0" });
    expect(schemaViolations(out, detectionFinding, "detection_finding")).toEqual([]);
    expect(hasUndefinedDeep(out)).toBe(false);
  });

  it("flags a misspelt or out-of-version attribute at any depth", () => {
    const out = toOcsf(buildFinding()) as Json;
    const misspelt = { ...out, finding_info: { ...out.finding_info, analytic: { ...out.finding_info.analytic, type_ids: 1 } } };
    expect(schemaViolations(misspelt, detectionFinding, "detection_finding")).toEqual([
      `detection_finding.finding_info.analytic.type_ids: not an attribute of this type in OCSF ${OCSF_VERSION}`,
    ]);
    const topLevel = { ...out, src_endpoint: { ip: "198.51.100.23" } };
    expect(schemaViolations(topLevel, detectionFinding, "detection_finding")).toHaveLength(1);
  });

  it("only uses profile attributes of the profiles it declares, and fills their required attributes", () => {
    const out = toOcsf(buildFinding()) as Json;
    const declared: string[] = out.metadata.profiles;
    expect(declared).toEqual([...OCSF_PROFILES]);
    for (const [profile, { attributes, required }] of Object.entries(detectionFinding.profile_attributes)) {
      const used = attributes.filter((name) => name in out);
      if (used.length > 0) expect(declared, `${used.join(", ")} come from the ${profile} profile`).toContain(profile);
      if (declared.includes(profile)) for (const name of required) expect(out).toHaveProperty(name);
    }
  });

  it("has every attribute the class requires", () => {
    const out = toOcsf(buildFinding());
    expect(missingRequired(out, detectionFinding, "detection_finding")).toEqual([]);
    expect(detectionFinding.required).toEqual(
      expect.arrayContaining(["activity_id", "category_uid", "class_uid", "finding_info", "metadata", "severity_id", "time", "type_uid"]),
    );
  });

  it("classifies as Detection Finding: Create", () => {
    const out = toOcsf(buildFinding()) as Json;
    expect(out.class_uid).toBe(2004);
    expect(out.class_uid).toBe(detectionFinding.uid);
    expect(out.category_uid).toBe(detectionFinding.category_uid);
    expect(out.type_uid).toBe(200401);
    expect(out.type_uid).toBe(out.class_uid * 100 + out.activity_id);
    const enums = schema.enums;
    expect(out.class_name).toBe(enums["detection_finding.class_uid"]?.[String(out.class_uid)]);
    expect(out.category_name).toBe(enums["detection_finding.category_uid"]?.[String(out.category_uid)]);
    expect(out.activity_name).toBe(enums["detection_finding.activity_id"]?.[String(out.activity_id)]);
    expect(out.type_name).toBe(enums["detection_finding.type_uid"]?.[String(out.type_uid)]);
    expect(out.status_id).toBe(1);
    expect(out.status).toBe(enums["detection_finding.status_id"]?.[String(out.status_id)]);
  });

  it.each<[Severity, number, string]>([
    ["info", 1, "Informational"],
    ["low", 2, "Low"],
    ["medium", 3, "Medium"],
    ["high", 4, "High"],
    ["critical", 5, "Critical"],
  ])("maps severity %s to severity_id %i", (severity, id, caption) => {
    const out = toOcsf(buildFinding({ severity })) as Json;
    expect(out.severity_id).toBe(id);
    expect(out.severity).toBe(caption);
    expect(schema.enums["detection_finding.severity_id"]?.[String(id)]).toBe(caption);
  });

  it("covers every trailwarden severity", () => {
    expect(Object.keys(OCSF_SEVERITY).sort()).toEqual([...SEVERITIES].sort());
  });

  it("stamps the event time in epoch milliseconds, never the wall clock", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2031-01-01T00:00:00Z"));
    const out = toOcsf(buildFinding()) as Json;
    expect(out.time).toBe(Date.UTC(2024, 4, 1, 12, 34, 56));
    expect(out.time).toBe(Date.parse(eventTime));
    expect(out.metadata.original_time).toBe(eventTime);
    expect(JSON.stringify(out)).not.toContain(String(Date.parse("2031-01-01T00:00:00Z")));
  });

  it("is deterministic: the same finding gives the same JSON at any time", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    const first = JSON.stringify(toOcsf(buildFinding()));
    vi.setSystemTime(new Date("2035-06-15T08:00:00Z"));
    const second = JSON.stringify(toOcsf(buildFinding()));
    expect(second).toBe(first);
  });

  it("records the pinned schema version and the product in metadata", () => {
    const out = toOcsf(buildFinding(), { productVersion: "0.1.0" }) as Json;
    expect(out.metadata.version).toBe(OCSF_VERSION);
    expect(out.metadata.product).toEqual({ name: "trailwarden", vendor_name: "trailwarden", version: "0.1.0" });
    expect(out.metadata.uid).toBe("5e0c2b7c4c1f4d0a9a8b7c6d5e4f3a2b");
    expect((toOcsf(buildFinding()) as Json).metadata.product).not.toHaveProperty("version");
  });

  it("describes the finding, the rule and the ATT&CK techniques in finding_info", () => {
    const info = (toOcsf(buildFinding()) as Json).finding_info;
    expect(info.uid).toBe("5e0c2b7c4c1f4d0a9a8b7c6d5e4f3a2b");
    expect(info.title).toBe("CloudTrail trail deleted");
    expect(info.desc).toBe("ops-admin/mallory deleted trail org-trail in eu-west-1");
    expect(info.analytic).toEqual({ uid: "cloudtrail.trail-deleted", name: "CloudTrail trail deleted", type_id: 1, type: "Rule" });
    expect(schema.enums["analytic.type_id"]?.["1"]).toBe("Rule");
    expect(info.data_sources).toEqual(["CloudTrail"]);
    expect(info.related_events).toEqual([{ uid: "0a6f3b0e-2a4f-4a4e-8d1c-5d3f1f7c9b21" }]);
    expect(info.attacks).toEqual([
      {
        version: ATTACK_VERSION,
        technique: { uid: "T1562", name: "Impair Defenses" },
        sub_technique: { uid: "T1562.008", name: "Disable or Modify Cloud Logs" },
        tactic: { name: "Defense Evasion", uid: "TA0005" },
      },
      { version: ATTACK_VERSION, technique: { uid: "T1485", name: "Data Destruction" }, tactic: { name: "Impact", uid: "TA0040" } },
    ]);
  });

  it("maps the cloud, the actor, the API call and the resources", () => {
    const out = toOcsf(buildFinding()) as Json;
    const awsAccount = { uid: "111122223333", type_id: 10, type: "AWS Account" };
    expect(schema.enums["account.type_id"]?.["10"]).toBe("AWS Account");
    expect(out.cloud).toEqual({ provider: "AWS", region: "eu-west-1", account: awsAccount });
    expect(out.actor.user).toEqual({
      uid: "arn:aws:sts::111122223333:assumed-role/ops-admin/mallory",
      uid_alt: "AROAEXAMPLEROLEID1234:mallory",
      name: "ops-admin",
      type: "AssumedRole",
      type_id: 99,
      credential_uid: "ASIAEXAMPLEKEY123456",
      account: awsAccount,
    });
    expect(schema.enums["user.type_id"]).toHaveProperty(String(out.actor.user.type_id));
    expect(out.actor.session).toEqual({
      uid_alt: "arn:aws:sts::111122223333:assumed-role/ops-admin/mallory",
      issuer: "arn:aws:iam::111122223333:role/admin/ops-admin",
      is_mfa: false,
      created_time: Date.parse("2024-05-01T12:01:00Z"),
    });
    expect(out.api).toEqual({
      operation: "DeleteTrail",
      service: { name: "cloudtrail.amazonaws.com" },
      request: { uid: "6f1b5c1e-3a0d-4b8e-9c43-1e7b2b9a0f11" },
    });
    expect(out.resources).toEqual([
      {
        uid: "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-trail",
        name: "org-trail",
        type: "AWS::CloudTrail::Trail",
        region: "eu-west-1",
        cloud_partition: "aws",
        owner: { account: awsAccount },
      },
    ]);
    expect(out.remediation.desc).toContain("cloudtrail.recreate-trail");
    expect(JSON.parse(out.raw_data)).toEqual(record);
    expect(out.unmapped.cloudtrail.userAgent).toBe(record.userAgent);
  });

  it("puts an IP source in evidences[].src_endpoint (1.3.0 has no top-level src_endpoint)", () => {
    expect(detectionFinding.attributes).not.toHaveProperty("src_endpoint");
    const out = toOcsf(buildFinding()) as Json;
    expect(out.evidences).toEqual([{ src_endpoint: { ip: "198.51.100.23" } }]);
    const v6 = buildFinding({}, { sourceIPAddress: "2001:db8::7" });
    v6.actor = { ...v6.actor, sourceIp: "2001:db8::7" };
    expect((toOcsf(v6) as Json).evidences).toEqual([{ src_endpoint: { ip: "2001:db8::7" } }]);
  });

  it("omits src_endpoint when sourceIPAddress is a service host name", () => {
    const finding = buildFinding({}, { sourceIPAddress: "cloudformation.amazonaws.com" });
    finding.actor = { ...finding.actor, sourceIp: "cloudformation.amazonaws.com", invokedBy: "cloudformation.amazonaws.com" };
    const out = toOcsf(finding) as Json;
    expect(keysDeep(out)).not.toContain("src_endpoint");
    expect(out).not.toHaveProperty("evidences");
    expect(out.unmapped.cloudtrail.sourceIPAddress).toBe("cloudformation.amazonaws.com");
    expect(out.actor.app_name).toBe("cloudformation.amazonaws.com");
    expect(schemaViolations(out, detectionFinding, "detection_finding")).toEqual([]);
  });

  it("stays within the schema for a root caller with no session, no eventID, no remediation and an unknown technique", () => {
    const finding = buildFinding(
      { eventId: undefined, remediation: undefined, stratus: [], mitre: { attackVersion: ATTACK_VERSION, techniques: ["T9999"] }, resources: [{ type: "AWS::S3::Bucket", id: "logs-bucket" }] },
      { userIdentity: { type: "Root", principalId: "111122223333", arn: "arn:aws:iam::111122223333:root", accountId: "111122223333" }, eventID: undefined, requestID: undefined, errorCode: "AccessDenied", errorMessage: "denied" },
    );
    finding.actor = { type: "Root", arn: "arn:aws:iam::111122223333:root", accountId: "111122223333", sourceIp: "203.0.113.9" };
    const out = toOcsf(finding) as Json;
    expect(schemaViolations(out, detectionFinding, "detection_finding")).toEqual([]);
    expect(missingRequired(out, detectionFinding, "detection_finding")).toEqual([]);
    expect(hasUndefinedDeep(out)).toBe(false);
    expect(out.actor).not.toHaveProperty("session");
    expect(out.actor.user.type_id).toBe(2);
    expect(out).not.toHaveProperty("remediation");
    expect(out.finding_info).not.toHaveProperty("related_events");
    expect(out.finding_info.attacks).toEqual([{ version: ATTACK_VERSION, technique: { uid: "T9999" } }]);
    expect(out.api.response).toEqual({ error: "AccessDenied", error_message: "denied" });
    expect(out.api).not.toHaveProperty("request");
    expect(out.resources).toEqual([{ uid: "logs-bucket", name: "logs-bucket", type: "AWS::S3::Bucket", region: "eu-west-1", cloud_partition: "aws" }]);
  });

  it("rejects a finding whose time is not a timestamp", () => {
    expect(() => toOcsf(buildFinding({ time: "yesterday" }))).toThrow(/not a timestamp/);
  });
});
