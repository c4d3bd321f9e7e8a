import { isObject } from "./json.js";
/**
 * IAM and resource-based policy documents as CloudTrail records carry them
 * (CLOUDTRAIL.md: "Policies in requests"). Pure helpers: no AWS calls, no
 * dependencies, so detectors and remediations judge policies the same way.
 */

export type PolicyDocument = Record<string, unknown>;
export type PolicyStatement = Record<string, unknown>;

/** Policy elements are a value or a list of values; absent means none. */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The strings among a policy element's values. */
export function strings(value: unknown): string[] {
  return asList(value).filter((v): v is string => typeof v === "string");
}

function parseJsonObject(text: string): PolicyDocument | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function urlDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * A policy document from a request parameter: an object (S3 bucket policies),
 * JSON text (IAM policy documents), or URL-encoded JSON text (what IAM
 * returns, and what some clients send). Anything else is undefined.
 */
export function parsePolicyDocument(value: unknown): PolicyDocument | undefined {
  if (isObject(value)) return value;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  const direct = parseJsonObject(text);
  if (direct) return direct;
  // Form encoding writes spaces as "+". Tried only when the plain decoding
  // fails, so a "+" that belongs to the document (an ARN, a Sid) survives.
  for (const candidate of [text, text.replace(/\+/g, " ")]) {
    const decoded = urlDecode(candidate);
    const parsed = decoded === undefined ? undefined : parseJsonObject(decoded);
    if (parsed) return parsed;
  }
  return undefined;
}

/** The statements of a document: `Statement` may be one object or a list. */
export function statementsOf(document: PolicyDocument | undefined): PolicyStatement[] {
  if (!document) return [];
  return asList(document.Statement).filter(isObject);
}

export function isAllow(statement: PolicyStatement): boolean {
  return typeof statement.Effect === "string" && statement.Effect.toLowerCase() === "allow";
}

/** `"*"`, `{"AWS": "*"}` or `{"AWS": [..., "*"]}`: anyone, signed or anonymous. */
export function principalIsPublic(principal: unknown): boolean {
  if (typeof principal === "string") return principal.trim() === "*";
  if (!isObject(principal)) return false;
  return strings(principal.AWS).some((p) => p.trim() === "*");
}

/**
 * Condition keys that tie a statement to a known network, account,
 * organisation or principal. `aws:SecureTransport` (TLS only) and
 * `aws:Referer` (set by the caller) restrict nobody.
 */
export const RESTRICTING_CONDITION_KEYS: readonly string[] = [
  "aws:SourceVpc",
  "aws:SourceVpce",
  "aws:SourceIp",
  "aws:SourceAccount",
  "aws:SourceArn",
  "aws:SourceOrgID",
  "aws:SourceOrgPaths",
  "aws:PrincipalOrgID",
  "aws:PrincipalOrgPaths",
  "aws:PrincipalAccount",
  "aws:PrincipalArn",
  // Treated as non-public by S3's own policy-status evaluation.
  "aws:SourceOwner",
  "aws:userid",
  // Delegation to S3 access points: only access points of that account or ARN pass.
  "s3:DataAccessPointAccount",
  "s3:DataAccessPointArn",
];

const RESTRICTING_KEYS_LOWER = new Set(RESTRICTING_CONDITION_KEYS.map((k) => k.toLowerCase()));

/**
 * Operators that admit only the listed values. Negated operators admit
 * everything else, `...IfExists` admits requests without the key, and
 * `ForAllValues:` holds for a request that carries no value at all.
 */
const RESTRICTING_OPERATORS = new Set(
  ["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "IpAddress"].map((o) => o.toLowerCase()),
);

const EVERY_ADDRESS = new Set(["0.0.0.0/0", "::/0"]);

/**
 * Whether a condition value names something specific. Wildcards that let any
 * account or organisation through ("*", "arn:aws:iam::*:role/x", "o-*") and
 * the whole address space do not.
 */
function restrictingValue(operator: string, key: string, value: string): boolean {
  const text = value.trim();
  const wild = (part: string | undefined) => part !== undefined && /[*?]/.test(part);
  if (text === "" || /^[*?]+$/.test(text)) return false;
  if (operator === "ipaddress") return !EVERY_ADDRESS.has(text);
  if (key.endsWith("account") || key.endsWith("orgid")) return !wild(text);
  if (key.endsWith("orgpaths")) return !wild(text.split("/")[0]);
  if (key.endsWith("arn")) return !wild(text.split(":")[4]);
  return true;
}

/**
 * Whether the statement's Condition limits it to a known network, account,
 * organisation or principal, so that a `"*"` principal is not the public.
 */
export function hasRestrictingCondition(statement: PolicyStatement): boolean {
  const condition = statement.Condition;
  if (!isObject(condition)) return false;
  for (const [rawOperator, block] of Object.entries(condition)) {
    let operator = rawOperator.toLowerCase();
    if (operator.startsWith("forallvalues:")) continue;
    if (operator.startsWith("foranyvalue:")) operator = operator.slice("foranyvalue:".length);
    if (!RESTRICTING_OPERATORS.has(operator) || !isObject(block)) continue;
    for (const [rawKey, values] of Object.entries(block)) {
      const key = rawKey.toLowerCase();
      if (!RESTRICTING_KEYS_LOWER.has(key)) continue;
      const list = strings(values);
      if (list.length > 0 && list.every((v) => restrictingValue(operator, key, v))) return true;
    }
  }
  return false;
}

/**
 * An Allow that anyone can use: a public principal, or `NotPrincipal` (which
 * allows everyone but the listed), with no restricting condition.
 */
export function allowsPublicAccess(statement: PolicyStatement): boolean {
  if (!isAllow(statement)) return false;
  const open = principalIsPublic(statement.Principal) || statement.NotPrincipal !== undefined;
  return open && !hasRestrictingCondition(statement);
}

/** Allow of every action (`"*"` or `"*:*"`) on every resource (`"*"`): full administrator. */
export function grantsFullAdmin(statement: PolicyStatement): boolean {
  if (!isAllow(statement)) return false;
  if (statement.NotAction !== undefined || statement.NotResource !== undefined) return false;
  const everyAction = strings(statement.Action).some((a) => a.trim() === "*" || a.trim() === "*:*");
  const everyResource = strings(statement.Resource).some((r) => r.trim() === "*");
  return everyAction && everyResource;
}
