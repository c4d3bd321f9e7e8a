// Maps a trailwarden Finding to an OCSF Detection Finding (class 2004) of one
// pinned schema version. Attribute names, enum values and which class has which
// attribute come from the compiled OCSF 1.3.0 schema; the subset used here is
// transcribed in test/fixtures/ocsf/1.3.0/ and the test walks every key of the
// output against it.
//
// Notes on 1.3.0 specifically:
// - Detection Finding has no top-level src_endpoint or http_request. The source
//   IP goes in evidences[].src_endpoint; the user agent has no home and goes in
//   unmapped.
// - finding_info has no src_event_uid; the CloudTrail eventID is carried as
//   finding_info.related_events[].uid (the metadata.uid an OCSF mapping of the
//   CloudTrail record carries).
// - actor comes from the host profile and api/cloud from the cloud profile, so
//   metadata.profiles names both. ATT&CK data goes in finding_info.attacks, not
//   in the top-level attacks of the security_control profile (which would make
//   action_id required).
import { isIP } from "node:net";
import { partitionOf } from "./partition.js";
import type { FindingResource } from "./detector.js";
import type { Finding } from "./finding.js";
import { TECHNIQUES } from "./mitre.js";
import type { Severity } from "./severity.js";

export const OCSF_VERSION = "1.3.0";

/** Profiles whose attributes the output uses (actor: host; api, cloud: cloud). */
export const OCSF_PROFILES = ["cloud", "host"] as const;

const CLASS_UID = 2004;
const CLASS_NAME = "Detection Finding";
const CATEGORY_UID = 2;
const CATEGORY_NAME = "Findings";
const ACTIVITY_ID_CREATE = 1;
const ACTIVITY_NAME_CREATE = "Create";
const STATUS_ID_NEW = 1;
const STATUS_NEW = "New";
const ANALYTIC_TYPE_ID_RULE = 1;
const ANALYTIC_TYPE_RULE = "Rule";
const ACCOUNT_TYPE_ID_AWS_ACCOUNT = 10;
const ACCOUNT_TYPE_AWS_ACCOUNT = "AWS Account";

/** severity_id and its caption (base_event.severity_id in 1.3.0). */
export const OCSF_SEVERITY: Readonly<Record<Severity, { id: number; caption: string }>> = {
  info: { id: 1, caption: "Informational" },
  low: { id: 2, caption: "Low" },
  medium: { id: 3, caption: "Medium" },
  high: { id: 4, caption: "High" },
  critical: { id: 5, caption: "Critical" },
};

/** user.type_id (1.3.0): 0 Unknown, 1 User, 2 Admin, 3 System, 99 Other. */
function userTypeId(identityType: string): number {
  switch (identityType) {
    case "IAMUser":
      return 1;
    case "Root":
      return 2;
    case "Unknown":
      return 0;
    default:
      return 99;
  }
}

/** Enterprise ATT&CK tactic ids, by the tactic names core/mitre.ts uses. */
const TACTIC_IDS: Readonly<Record<string, string>> = {
  "Initial Access": "TA0001",
  Execution: "TA0002",
  Persistence: "TA0003",
  "Privilege Escalation": "TA0004",
  "Defense Evasion": "TA0005",
  "Credential Access": "TA0006",
  Discovery: "TA0007",
  "Lateral Movement": "TA0008",
  Collection: "TA0009",
  Exfiltration: "TA0010",
  "Command and Control": "TA0011",
  Impact: "TA0040",
};

export interface OcsfOptions {
  /** trailwarden's version, for metadata.product.version. */
  productVersion?: string;
}

export function toOcsf(finding: Finding, options: OcsfOptions = {}): Record<string, unknown> {
  const time = Date.parse(finding.time);
  if (!Number.isFinite(time)) throw new Error(`finding ${finding.id}: time ${JSON.stringify(finding.time)} is not a timestamp`);
  const severity = OCSF_SEVERITY[finding.severity];
  const record = finding.record;
  const sourceIp = finding.actor.sourceIp ?? record.sourceIPAddress;
  const sourceIsIp = sourceIp !== undefined && isIP(sourceIp) !== 0;
  const requestId = stringField(record, "requestID");

  return prune({
    activity_id: ACTIVITY_ID_CREATE,
    activity_name: ACTIVITY_NAME_CREATE,
    category_uid: CATEGORY_UID,
    category_name: CATEGORY_NAME,
    class_uid: CLASS_UID,
    class_name: CLASS_NAME,
    type_uid: CLASS_UID * 100 + ACTIVITY_ID_CREATE,
    type_name: `${CLASS_NAME}: ${ACTIVITY_NAME_CREATE}`,
    severity_id: severity.id,
    severity: severity.caption,
    status_id: STATUS_ID_NEW,
    status: STATUS_NEW,
    time,
    timezone_offset: 0,
    message: finding.summary,
    metadata: {
      version: OCSF_VERSION,
      product: { name: "trailwarden", vendor_name: "trailwarden", version: options.productVersion },
      uid: finding.id,
      profiles: [...OCSF_PROFILES],
      log_name: "CloudTrail",
      original_time: finding.time,
    },
    finding_info: {
      uid: finding.id,
      title: finding.title,
      desc: finding.summary,
      types: [finding.detector],
      analytic: { uid: finding.detector, name: finding.title, type_id: ANALYTIC_TYPE_ID_RULE, type: ANALYTIC_TYPE_RULE },
      attacks: finding.mitre.techniques.map((id) => attackOf(id, finding.mitre.attackVersion)),
      data_sources: ["CloudTrail"],
      first_seen_time: time,
      last_seen_time: time,
      related_events: finding.eventId ? [{ uid: finding.eventId }] : undefined,
    },
    cloud: { provider: "AWS", region: finding.region, account: awsAccount(finding.account) },
    actor: ocsfActor(finding),
    api: {
      operation: finding.eventName,
      service: { name: finding.eventSource },
      request: requestId ? { uid: requestId } : undefined,
      response: record.errorCode ? { error: record.errorCode, error_message: record.errorMessage } : undefined,
    },
    evidences: sourceIsIp ? [{ src_endpoint: { ip: sourceIp } }] : undefined,
    resources: finding.resources.map((resource) => resourceOf(resource, finding)),
    remediation: finding.remediation
      ? { desc: `trailwarden proposes the "${finding.remediation}" remediation for this finding.` }
      : undefined,
    raw_data: JSON.stringify(record),
    unmapped: {
      trailwarden: {
        finding_schema_version: finding.schemaVersion,
        severity: finding.severity,
        principal: finding.actor.principal,
        remediation: finding.remediation,
        stratus: finding.stratus.length > 0 ? [...finding.stratus] : undefined,
      },
      cloudtrail: {
        eventType: record.eventType,
        eventVersion: record.eventVersion,
        readOnly: record.readOnly,
        userAgent: finding.actor.userAgent ?? record.userAgent,
        // A service host name such as "ec2.amazonaws.com" is not an endpoint IP.
        sourceIPAddress: sourceIsIp ? undefined : sourceIp,
      },
    },
  }) as Record<string, unknown>;
}

function ocsfActor(finding: Finding): Record<string, unknown> {
  const actor = finding.actor;
  const identity = finding.record.userIdentity;
  const hasSession = identity.sessionContext !== undefined || actor.mfa !== undefined;
  const sessionPrincipal = actor.type === "AssumedRole" || actor.type === "FederatedUser";
  const creationDate = identity.sessionContext?.attributes?.creationDate;
  const created = creationDate === undefined ? Number.NaN : Date.parse(creationDate);
  return {
    user: {
      uid: actor.arn,
      uid_alt: identity.principalId,
      name: identity.userName ?? identity.sessionContext?.sessionIssuer?.userName,
      type: actor.type,
      type_id: userTypeId(actor.type),
      credential_uid: actor.accessKeyId,
      account: actor.accountId ? awsAccount(actor.accountId) : undefined,
    },
    session: hasSession
      ? {
          uid_alt: sessionPrincipal ? actor.arn : undefined,
          issuer: actor.sessionIssuer,
          is_mfa: actor.mfa,
          created_time: Number.isFinite(created) ? created : undefined,
        }
      : undefined,
    app_name: actor.invokedBy,
  };
}

function attackOf(id: string, attackVersion: string): Record<string, unknown> {
  const known = TECHNIQUES[id];
  const [parentId = id, subId] = id.split(".");
  const [parentName, subName] = known ? splitTechniqueName(known.name) : [undefined, undefined];
  const tactic = known ? { name: known.tactic, uid: TACTIC_IDS[known.tactic] } : undefined;
  return {
    version: attackVersion,
    technique: { uid: parentId, name: parentName },
    sub_technique: subId === undefined ? undefined : { uid: id, name: subName },
    tactic,
  };
}

/** "Impair Defenses: Disable or Modify Cloud Logs" -> parent and sub-technique names. */
function splitTechniqueName(name: string): [string, string | undefined] {
  const at = name.indexOf(": ");
  return at < 0 ? [name, undefined] : [name.slice(0, at), name.slice(at + 2)];
}

function resourceOf(resource: FindingResource, finding: Finding): Record<string, unknown> {
  const region = resource.region ?? finding.region;
  const owner = resource.account ?? (resource.arn ? arnAccount(resource.arn) : undefined);
  return {
    uid: resource.arn ?? resource.id,
    name: resource.id,
    type: resource.type,
    region,
    cloud_partition: resource.arn ? resource.arn.split(":")[1] : partitionOf(region),
    owner: owner ? { account: awsAccount(owner) } : undefined,
  };
}

function awsAccount(uid: string): Record<string, unknown> {
  return { uid, type_id: ACCOUNT_TYPE_ID_AWS_ACCOUNT, type: ACCOUNT_TYPE_AWS_ACCOUNT };
}

function arnAccount(arn: string): string | undefined {
  const account = arn.split(":")[4];
  return account ? account : undefined;
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Drops undefined values and the objects and arrays left empty, at every depth. */
function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const pruned = prune(child);
    if (pruned !== undefined) out[key] = pruned;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
