import { isObject } from "./json.js";
import { EVENT_SOURCE, EVENT_TYPES, isRealUtcTime } from "./cloudtrail-patterns.js";

/**
 * A hand-compiled copy of `CloudTrailRecordSchema` for the replay hot path,
 * where zod's copying parse costs as much as JSON.parse itself. It may be
 * stricter than the schema but never looser: whatever it accepts, the schema
 * accepts (a property test checks this), and whatever it refuses goes to the
 * schema for the verdict and the message. So behaviour is the schema's.
 */

const EVENT_TYPE_SET = new Set<unknown>(EVENT_TYPES);

type Obj = Record<string, unknown>;

const optString = (v: unknown) => v === undefined || typeof v === "string";
const nonEmpty = (v: unknown) => typeof v === "string" && v.length > 0;

function optStrings(object: Obj, keys: readonly string[]): boolean {
  for (const key of keys) if (!optString(object[key])) return false;
  return true;
}

function identityOk(identity: unknown): boolean {
  if (!isObject(identity) || typeof identity.type !== "string") return false;
  const id = identity;
  if (!optString(id.principalId) || !optString(id.arn) || !optString(id.accountId) || !optString(id.accessKeyId) || !optString(id.userName) || !optString(id.invokedBy)) {
    return false;
  }
  const context = identity.sessionContext;
  if (context === undefined) return true;
  if (!isObject(context) || !optStrings(context, ["ec2RoleDelivery", "sourceIdentity"])) return false;
  const issuer = context.sessionIssuer;
  if (issuer !== undefined && (!isObject(issuer) || !optStrings(issuer, ["type", "principalId", "arn", "accountId", "userName"]))) return false;
  const attributes = context.attributes;
  return attributes === undefined || (isObject(attributes) && optStrings(attributes, ["mfaAuthenticated", "creationDate"]));
}

const optJson = (v: unknown) => v === undefined || v === null || isObject(v);

function resourcesOk(resources: unknown): boolean {
  if (resources === undefined) return true;
  if (!Array.isArray(resources)) return false;
  for (const resource of resources) if (!isObject(resource) || !optStrings(resource, ["ARN", "accountId", "type"])) return false;
  return true;
}

export function passesFastCheck(raw: Obj): boolean {
  return (
    typeof raw.eventTime === "string" &&
    isRealUtcTime(raw.eventTime) &&
    typeof raw.eventSource === "string" &&
    EVENT_SOURCE.test(raw.eventSource) &&
    nonEmpty(raw.eventName) &&
    nonEmpty(raw.awsRegion) &&
    EVENT_TYPE_SET.has(raw.eventType) &&
    nonEmpty(raw.recipientAccountId) &&
    identityOk(raw.userIdentity) &&
    (raw.eventID === undefined || nonEmpty(raw.eventID)) &&
    optString(raw.eventVersion) &&
    optString(raw.sourceIPAddress) &&
    optString(raw.userAgent) &&
    optString(raw.errorCode) &&
    optString(raw.errorMessage) &&
    optJson(raw.requestParameters) &&
    optJson(raw.responseElements) &&
    optJson(raw.additionalEventData) &&
    (raw.readOnly === undefined || typeof raw.readOnly === "boolean") &&
    resourcesOk(raw.resources)
  );
}
