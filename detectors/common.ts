/**
 * Small helpers the detectors share: reading request parameters, naming the
 * actor in a summary, and describing the resources a finding is about.
 * Pure, like the detectors themselves.
 */
import { matchesAny, type Baseline } from "../core/baseline.js";
import { DETAIL_TYPES } from "../core/envelope.js";
import { partitionOf } from "../core/partition.js";
import { principalArn, type CloudTrailRecord } from "../core/cloudtrail.js";
import type { FindingResource } from "../core/detector.js";

export const API_CALL = DETAIL_TYPES.AwsApiCall;

import { isObject } from "../core/json.js";
import { asList } from "../core/policy.js";

export { isObject };

/** A string request parameter, or undefined when it is absent or not a string. */
export function param(record: CloudTrailRecord, key: string): string | undefined {
  const value = record.requestParameters?.[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * A field of a request object whatever the casing of its first letter:
 * CloudTrail logs JSON-protocol requests in camelCase, but documentation and
 * some tools copy the API's PascalCase.
 */
export function field(object: Record<string, unknown>, name: string): unknown {
  if (name in object) return object[name];
  const flipped = name[0] === name[0]?.toUpperCase() ? name[0]!.toLowerCase() + name.slice(1) : name[0]!.toUpperCase() + name.slice(1);
  return object[flipped];
}

/** A non-blank string field of a request object (any casing of its first letter), trimmed. */
export function stringField(object: Record<string, unknown> | null | undefined, name: string): string | undefined {
  const value = object ? field(object, name) : undefined;
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** The first of `names` a request object holds: for parameters whose spelling differs between tools and documentation. */
export function firstPresent(object: Record<string, unknown> | null | undefined, names: string[]): unknown {
  if (!object) return undefined;
  for (const name of names) if (object[name] !== undefined) return object[name];
  return undefined;
}

/**
 * What an EC2 Modify*Attribute request adds to a permission attribute
 * (`launchPermission` of an AMI, `createVolumePermission` of a snapshot):
 * `<attribute>.add.items[]`, each `{ "userId": "…" }` or `{ "group": "all" }`
 * (Stratus Red Team's documentation spells it "groups"). Other items (an
 * organisation or OU ARN) are not judged.
 */
export function permissionAdditions(record: CloudTrailRecord, attribute: string): { everyone: boolean; accounts: string[] } {
  const permission = record.requestParameters ? field(record.requestParameters, attribute) : undefined;
  const add = isObject(permission) ? field(permission, "add") : undefined;
  const items = asList(isObject(add) ? field(add, "items") : undefined).filter(isObject);
  const everyone = items.some((item) =>
    asList(field(item, "group") ?? item.groups).some((g) => typeof g === "string" && g.trim().toLowerCase() === "all"),
  );
  const accounts = items.map((item) => field(item, "userId")).filter((id): id is string => typeof id === "string" && id.trim() !== "");
  return { everyone, accounts: [...new Set(accounts.map((id) => id.trim()))] };
}

export { partitionOf };

/** Whether the caller is one of the baseline's infrastructure-as-code principals. */
export function isIacPrincipal(record: CloudTrailRecord, baseline: Baseline): boolean {
  return matchesAny(baseline.principals.iac, principalArn(record));
}

/** The caller, named the way a responder reads it in a one-line summary. */
export function actorName(record: CloudTrailRecord): string {
  const identity = record.userIdentity;
  const account = identity.accountId ?? record.recipientAccountId;
  switch (identity.type) {
    case "Root":
      return `the root user of ${account}`;
    case "IAMUser":
      return `IAM user ${identity.userName ?? identity.arn ?? "(unknown)"} (${account})`;
    case "AssumedRole": {
      const role = identity.sessionContext?.sessionIssuer?.userName;
      const session = identity.arn?.split("/").pop();
      if (role) return `role ${role} (session ${session ?? "unknown"}, ${account})`;
      return identity.arn ?? `an assumed role in ${account}`;
    }
    case "AWSService":
      return identity.invokedBy ?? "an AWS service";
    default:
      return identity.arn ?? `a ${identity.type} principal in ${account}`;
  }
}

/** A summary as a sentence: actor names start in lower case ("role …", "the root user …"). */
export function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Approved public buckets are listed by name or ARN; `*` in an entry matches any run of characters. */
export function isApprovedPublicBucket(baseline: Baseline, bucket: string, partition: string): boolean {
  return matchesAny(baseline.s3.publicBuckets, bucket) || matchesAny(baseline.s3.publicBuckets, `arn:${partition}:s3:::${bucket}`);
}

function located(record: CloudTrailRecord): Pick<FindingResource, "account" | "region"> {
  return { account: record.recipientAccountId, region: record.awsRegion };
}

export function bucketResource(record: CloudTrailRecord, bucket: string): FindingResource {
  return { type: "AWS::S3::Bucket", id: bucket, arn: `arn:${partitionOf(record.awsRegion)}:s3:::${bucket}`, ...located(record) };
}

/** A trail named by name or by ARN, as StopLogging and DeleteTrail accept both. */
export function trailResource(record: CloudTrailRecord, nameOrArn: string): FindingResource {
  if (nameOrArn.startsWith("arn:")) {
    const name = nameOrArn.slice(nameOrArn.indexOf(":trail/") + ":trail/".length);
    const [, , , region, account] = nameOrArn.split(":");
    return { type: "AWS::CloudTrail::Trail", id: name, arn: nameOrArn, account: account || record.recipientAccountId, region: region || record.awsRegion };
  }
  const arn = `arn:${partitionOf(record.awsRegion)}:cloudtrail:${record.awsRegion}:${record.recipientAccountId}:trail/${nameOrArn}`;
  return { type: "AWS::CloudTrail::Trail", id: nameOrArn, arn, ...located(record) };
}

const IAM_TYPES = { user: "AWS::IAM::User", group: "AWS::IAM::Group", role: "AWS::IAM::Role" } as const;

/**
 * An IAM identity named in a request. Its ARN includes a path the request
 * does not show, so it is given only when the record states it.
 */
export function iamResource(record: CloudTrailRecord, kind: keyof typeof IAM_TYPES, name: string, arn?: string): FindingResource {
  return { type: IAM_TYPES[kind], id: name, ...(arn ? { arn } : {}), account: record.recipientAccountId };
}

/** The account itself, for findings about the account's own credentials (AWS Config's type). */
export function accountResource(record: CloudTrailRecord): FindingResource {
  const account = record.userIdentity.accountId ?? record.recipientAccountId;
  return { type: "AWS::::Account", id: account, account };
}

/**
 * A person rather than a workload: the root user, IAM users, federated users,
 * and role sessions that came through Identity Center (AWSReservedSSO_ roles)
 * or a console sign-in. Services and workload roles are not.
 */
export function isHumanPrincipal(record: CloudTrailRecord): boolean {
  const identity = record.userIdentity;
  if (identity.invokedBy) return false;
  switch (identity.type) {
    case "Root":
    case "IAMUser":
    case "FederatedUser":
    case "IdentityCenterUser":
      return true;
    case "AssumedRole":
      return /\/AWSReservedSSO_/.test(principalArn(record) ?? "") || isConsoleSession(record);
    default:
      return false;
  }
}

/** The call came from the AWS console (a console session or the console's own user agents). */
export function isConsoleSession(record: CloudTrailRecord): boolean {
  if (record.sessionCredentialFromConsole === "true" || record.sessionCredentialFromConsole === true) return true;
  const agent = record.userAgent ?? "";
  return agent === "AWS Internal" || /^console\.|\.console\.|Console\b|console\.amazonaws\.com/.test(agent);
}

/**
 * Whether a call only reads. CloudTrail says so in `readOnly` when present;
 * otherwise judge by the name (CLOUDTRAIL.md: GetFederationToken and
 * GetSessionToken start like reads but are not).
 */
export function isReadOnlyCall(record: CloudTrailRecord): boolean {
  if (typeof record.readOnly === "boolean") return record.readOnly;
  if (record.eventName === "GetFederationToken" || record.eventName === "GetSessionToken") return false;
  return /^(Get|List|Describe|Head|Lookup|Search|BatchGet|Check|Test|Verify)/.test(record.eventName);
}

/** An account the organisation owns (listed under `accounts`) or trusts (`trust.externalAccounts`). */
export function isKnownAccount(baseline: Baseline, account: string, ownAccount?: string): boolean {
  return account === ownAccount || account in baseline.accounts || baseline.trust.externalAccounts.includes(account);
}

/** The environment the baseline gives an account, if it lists it. */
export function environmentOf(baseline: Baseline, account: string): string | undefined {
  return baseline.accounts[account]?.environment;
}

/** Break-glass and security-automation principals: reported, never remediated. */
export function isProtectedPrincipal(record: CloudTrailRecord, baseline: Baseline): boolean {
  const arn = principalArn(record);
  return matchesAny(baseline.principals.breakGlass, arn) || matchesAny(baseline.principals.securityAutomation, arn);
}

/**
 * AWS acting for itself or for a principal: a service principal (`AWSService`),
 * a call a service made on a principal's behalf (`invokedBy`), or a session of a
 * service-linked role (path `/aws-service-role/`). Nobody chose to make such a call by hand.
 */
export function isServiceActivity(record: CloudTrailRecord): boolean {
  const identity = record.userIdentity;
  if (identity.type === "AWSService" || identity.invokedBy !== undefined) return true;
  return (principalArn(record) ?? "").includes(":role/aws-service-role/");
}

/**
 * Services whose control plane lives in one region, so CloudTrail records their
 * events there whatever region the caller works in (CLOUDTRAIL.md "Regions"):
 * the partition's home region for IAM, the STS global endpoint, Organizations,
 * CloudFront, Route 53 (not Route 53 Resolver, which is regional), Route 53 Domains,
 * WAF Classic (global), Shield, AWS Health's global endpoint, Support, Cost Explorer,
 * Budgets and Account Management; us-west-2 for Global Accelerator.
 */
/** Event source → the region its events are recorded in ("home": the partition's home region). */
const GLOBAL_EVENT_SOURCES: ReadonlyMap<string, string> = new Map([
  ["iam.amazonaws.com", "home"],
  ["sts.amazonaws.com", "home"],
  ["organizations.amazonaws.com", "home"],
  ["cloudfront.amazonaws.com", "home"],
  ["route53.amazonaws.com", "home"],
  ["route53domains.amazonaws.com", "home"],
  ["waf.amazonaws.com", "home"],
  ["shield.amazonaws.com", "home"],
  ["health.amazonaws.com", "home"],
  ["support.amazonaws.com", "home"],
  ["ce.amazonaws.com", "home"],
  ["budgets.amazonaws.com", "home"],
  ["account.amazonaws.com", "home"],
  ["globalaccelerator.amazonaws.com", "us-west-2"],
]);

/** Where each partition records its global services' events. */
const HOME_REGIONS: Readonly<Record<string, string>> = { aws: "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1" };

/**
 * Whether the event's region says nothing about where the caller works: a global
 * service's event recorded in that service's home region, or a console sign-in
 * (recorded in the region of the sign-in endpoint the console redirected to).
 * A regional STS endpoint's events, recorded elsewhere, are regional activity.
 */
export function isGlobalServiceEvent(record: CloudTrailRecord): boolean {
  if (record.eventSource === "signin.amazonaws.com") return true;
  const home = GLOBAL_EVENT_SOURCES.get(record.eventSource);
  if (home === undefined) return false;
  return record.awsRegion === (home === "home" ? HOME_REGIONS[partitionOf(record.awsRegion)] : home);
}

/**
 * The principal a behaviour finding is about: the role behind an assumed-role
 * session, the IAM user (also behind a federated user), or else the account.
 */
export function principalResource(record: CloudTrailRecord): FindingResource {
  const identity = record.userIdentity;
  const account = identity.accountId ?? record.recipientAccountId;
  const issuer = identity.sessionContext?.sessionIssuer;
  if (identity.type === "IAMUser" && identity.userName) {
    return { type: "AWS::IAM::User", id: identity.userName, ...(identity.arn ? { arn: identity.arn } : {}), account };
  }
  if ((identity.type === "AssumedRole" || identity.type === "FederatedUser") && issuer?.arn && issuer.userName) {
    const type = issuer.type === "IAMUser" ? "AWS::IAM::User" : "AWS::IAM::Role";
    return { type, id: issuer.userName, arn: issuer.arn, account: issuer.accountId ?? account };
  }
  return { type: "AWS::::Account", id: account, account };
}

const RESOURCE_TYPE = /^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/;

/**
 * The resources CloudTrail itself names in a record's `resources` list (it uses
 * CloudFormation's type names), for findings about calls to any service.
 */
export function resourcesNamedBy(record: CloudTrailRecord): FindingResource[] {
  return (record.resources ?? []).flatMap((entry) => {
    const arn = entry.ARN;
    if (!arn || !entry.type || !RESOURCE_TYPE.test(entry.type)) return [];
    const id = arn.split(/[:/]/).filter((part) => part !== "").pop() ?? arn;
    return [{ type: entry.type, id, arn, account: entry.accountId ?? record.recipientAccountId }];
  });
}

/**
 * The caller's learned profile: the entry keyed by its principal ARN (the role
 * ARN for assumed roles) merged with every entry whose key is a pattern that
 * matches it. Undefined when none does: such a principal is not judged.
 */
/** Profiles looked up per baseline and principal once: behavioural detectors ask for every record. */
const profileCache = new WeakMap<Baseline, Map<string, Baseline["profiles"][string] | undefined>>();

export function profileFor(record: CloudTrailRecord, baseline: Baseline): Baseline["profiles"][string] | undefined {
  const arn = principalArn(record);
  if (arn === undefined) return undefined;
  let byPrincipal = profileCache.get(baseline);
  if (!byPrincipal) {
    byPrincipal = new Map();
    profileCache.set(baseline, byPrincipal);
  }
  if (byPrincipal.has(arn)) return byPrincipal.get(arn);
  const profile = mergedProfile(arn, baseline);
  byPrincipal.set(arn, profile);
  return profile;
}

function mergedProfile(arn: string, baseline: Baseline): Baseline["profiles"][string] | undefined {
  const matching = Object.entries(baseline.profiles).filter(([key]) => key === arn || matchesAny([key], arn));
  if (matching.length === 0) return undefined;
  const union = (pick: (p: Baseline["profiles"][string]) => string[]) => [...new Set(matching.flatMap(([, p]) => pick(p)))];
  return { apis: union((p) => p.apis), regions: union((p) => p.regions), externalAccounts: union((p) => p.externalAccounts) };
}

/** The account a call acted in (its recipient), with the region: for findings about calls to any service. */
export function accountWhereItHappened(record: CloudTrailRecord): FindingResource {
  return { type: "AWS::::Account", id: record.recipientAccountId, account: record.recipientAccountId, region: record.awsRegion };
}
