// Amazon EventBridge event-pattern matching, following the "Event patterns"
// and "Content filtering" sections of the EventBridge user guide. Semantics
// that the guide leaves open follow the reference engine (aws/event-ruler).
import { wildcardSegments } from "./pattern-leaf.js";
import { ipInCidr, parseCidr } from "./pattern-ip.js";

// The interpreter below is the reference; compilePattern gives the same answers, faster.
export { compilePattern } from "./pattern-compile.js";

export type EventPattern = Record<string, unknown>;

type Scalar = string | number | boolean | null;
type Obj = Record<string, unknown>;

const MISSING: unique symbol = Symbol("missing");
type Slot = unknown | typeof MISSING;

const OPERATORS = new Set([
  "prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but", "numeric", "exists", "cidr",
]);
const ANYTHING_BUT_FORMS = new Set(["prefix", "suffix", "equals-ignore-case", "wildcard"]);
const NUMERIC_OPS = new Set(["=", ">", ">=", "<", "<="]);

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
const lower = (s: string): string => s.toLowerCase();

// ---------------------------------------------------------------- matching

export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

function matchObject(pattern: Obj, value: Slot): boolean {
  // Paths through arrays of objects flatten: the sub-pattern must hold for one
  // element as a whole (event-ruler's "array consistency"), never by mixing
  // fields of different elements.
  if (Array.isArray(value)) {
    const objects = value.flat(Infinity).filter(isObj);
    if (objects.length > 0) return objects.some((o) => matchFields(pattern, o));
  }
  return matchFields(pattern, isObj(value) ? value : undefined);
}

function matchFields(pattern: Obj, obj: Obj | undefined): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === "$or") {
      if (!Array.isArray(sub) || !sub.some((branch) => isObj(branch) && matchFields(branch, obj))) return false;
      continue;
    }
    const value: Slot = obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : MISSING;
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub, value)) return false;
    } else if (isObj(sub)) {
      if (!matchObject(sub, value)) return false;
    } else {
      return false;
    }
  }
  return true;
}

/**
 * The scalar values found at a leaf path. Objects are not leaves, so an
 * object-valued field (or an empty array) yields nothing and behaves like a
 * missing field; this is what makes `exists` apply to leaf values only, as
 * the EventBridge guide states.
 */
function leafValues(value: Slot): Scalar[] {
  if (value === MISSING) return [];
  if (Array.isArray(value)) return value.flat(Infinity).filter(isScalar);
  return isScalar(value) ? [value] : [];
}

function matchLeaf(matchers: unknown[], value: Slot): boolean {
  const values = leafValues(value);
  return matchers.some((m) => {
    // exists: true holds for any leaf value, including a present JSON null.
    if (isObj(m) && "exists" in m) return (values.length > 0) === (m.exists === true);
    return values.some((v) => matchValue(m, v));
  });
}

function matchValue(matcher: unknown, v: Scalar): boolean {
  // JS `===` gives numeric equality (3 === 3.0) and keeps "3" distinct from 3.
  if (isScalar(matcher)) return matcher === v;
  if (!isObj(matcher)) return false;
  const [op, arg] = Object.entries(matcher)[0] ?? [];
  switch (op) {
    case "prefix":
      return typeof v === "string" && affix(arg, v, (s, a) => s.startsWith(a));
    case "suffix":
      return typeof v === "string" && affix(arg, v, (s, a) => s.endsWith(a));
    case "equals-ignore-case":
      return typeof v === "string" && typeof arg === "string" && lower(v) === lower(arg);
    case "wildcard":
      return typeof v === "string" && typeof arg === "string" && wildcardMatch(arg, v);
    case "anything-but":
      return !excludedBy(arg, v);
    case "numeric":
      return typeof v === "number" && Array.isArray(arg) && numericMatch(arg, v);
    case "cidr":
      return typeof v === "string" && typeof arg === "string" && ipInCidr(v, arg);
    default:
      return false;
  }
}

function affix(arg: unknown, v: string, test: (s: string, a: string) => boolean): boolean {
  if (typeof arg === "string") return test(v, arg);
  const folded = isObj(arg) ? arg["equals-ignore-case"] : undefined;
  return typeof folded === "string" && test(lower(v), lower(folded));
}

/**
 * Whether `anything-but` rules this value out. The string-shaped forms
 * (prefix, suffix, ...) only ever exclude strings, so numbers, booleans and
 * null pass them, as in event-ruler.
 */
function excludedBy(arg: unknown, v: Scalar): boolean {
  if (Array.isArray(arg)) return arg.some((x) => x === v);
  if (!isObj(arg)) return arg === v;
  if (typeof v !== "string") return false;
  const [form, x] = Object.entries(arg)[0] ?? [];
  const list = (Array.isArray(x) ? x : [x]).filter((s): s is string => typeof s === "string");
  switch (form) {
    case "prefix":
      return typeof x === "string" && v.startsWith(x);
    case "suffix":
      return typeof x === "string" && v.endsWith(x);
    case "equals-ignore-case":
      return list.some((s) => lower(s) === lower(v));
    case "wildcard":
      return list.some((s) => wildcardMatch(s, v));
    default:
      return false;
  }
}

function numericMatch(spec: unknown[], v: number): boolean {
  for (let i = 0; i < spec.length; i += 2) {
    const [op, bound] = [spec[i], spec[i + 1]];
    if (typeof bound !== "number") return false;
    const ok =
      op === "=" ? v === bound
      : op === ">" ? v > bound
      : op === ">=" ? v >= bound
      : op === "<" ? v < bound
      : op === "<=" ? v <= bound
      : false;
    if (!ok) return false;
  }
  return spec.length > 0;
}

// Greedy left-to-right segment search instead of a RegExp, so patterns with
// many stars cannot backtrack exponentially.
function wildcardMatch(pattern: string, value: string): boolean {
  const segments = wildcardSegments(pattern);
  const first = segments[0] as string;
  if (segments.length === 1) return value === first;
  const last = segments[segments.length - 1] as string;
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  let pos = first.length;
  const end = value.length - last.length;
  for (const middle of segments.slice(1, -1)) {
    const at = value.indexOf(middle, pos);
    if (at < 0 || at + middle.length > end) return false;
    pos = at + middle.length;
  }
  return true;
}

// -------------------------------------------------------------- validation

export function validatePattern(pattern: unknown): string[] {
  const problems: string[] = [];
  if (!isObj(pattern)) return ["pattern must be a JSON object"];
  validateObject(pattern, "", problems);
  return problems;
}

function validateObject(pattern: Obj, path: string, problems: string[]): void {
  const where = path || "pattern";
  if (Object.keys(pattern).length === 0) problems.push(`${where}: object must not be empty`);
  for (const [key, sub] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === "$or") {
      if (!Array.isArray(sub) || sub.length < 2 || !sub.every(isObj)) {
        problems.push(`${at}: must be an array of at least two objects`);
      } else {
        sub.forEach((branch, i) => validateObject(branch, `${at}[${i}]`, problems));
      }
    } else if (Array.isArray(sub)) {
      if (sub.length === 0) problems.push(`${at}: matcher array must not be empty`);
      sub.forEach((m) => validateMatcher(m, at, problems));
    } else if (isObj(sub)) {
      validateObject(sub, at, problems);
    } else {
      problems.push(`${at}: leaf must be an array of matchers, got ${JSON.stringify(sub)}`);
    }
  }
}

function validateMatcher(m: unknown, at: string, problems: string[]): void {
  if (isScalar(m)) {
    if (typeof m === "number" && !Number.isFinite(m)) problems.push(`${at}: number must be finite`);
    return;
  }
  if (!isObj(m)) return void problems.push(`${at}: matcher must be a value or an operator object`);
  const keys = Object.keys(m);
  if (keys.length !== 1) return void problems.push(`${at}: operator object must have exactly one key, got ${keys.length}`);
  const op = keys[0] as string;
  const arg = m[op];
  const bad = (msg: string): void => void problems.push(`${at}: ${op} ${msg}`);
  if (!OPERATORS.has(op)) return bad("is not a known operator");
  switch (op) {
    case "prefix":
    case "suffix":
      if (typeof arg !== "string" && !(isObj(arg) && Object.keys(arg).length === 1 && typeof arg["equals-ignore-case"] === "string"))
        bad('expects a string or { "equals-ignore-case": string }');
      break;
    case "equals-ignore-case":
      if (typeof arg !== "string") bad("expects a string");
      break;
    case "wildcard":
      if (typeof arg !== "string") bad("expects a string");
      else wildcardProblem(arg, bad);
      break;
    case "exists":
      if (typeof arg !== "boolean") bad("expects true or false");
      break;
    case "cidr":
      if (typeof arg !== "string" || !parseCidr(arg)) bad(`expects an IPv4 or IPv6 CIDR block, got ${JSON.stringify(arg)}`);
      break;
    case "numeric":
      numericProblem(arg, bad);
      break;
    case "anything-but":
      anythingButProblem(arg, bad);
      break;
  }
}

function wildcardProblem(p: string, bad: (msg: string) => void): void {
  // An empty segment strictly between two others can only come from "**".
  if (wildcardSegments(p).slice(1, -1).includes("")) bad("must not contain consecutive '*' characters");
  if (p.replace(/\\[*\\]/g, "").includes("\\")) bad("only allows the escapes \\* and \\\\");
}

function numericProblem(arg: unknown, bad: (msg: string) => void): void {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4))
    return bad("expects [op, number] or [op, number, op, number]");
  for (let i = 0; i < arg.length; i += 2) {
    if (typeof arg[i] !== "string" || !NUMERIC_OPS.has(arg[i] as string)) bad(`has unknown operator ${JSON.stringify(arg[i])}`);
    const n = arg[i + 1];
    if (typeof n !== "number" || !Number.isFinite(n)) bad(`needs a finite number after ${JSON.stringify(arg[i])}`);
  }
  if (arg.length === 4) {
    const [lo, loVal, hi, hiVal] = arg;
    if ((lo !== ">" && lo !== ">=") || (hi !== "<" && hi !== "<="))
      bad("range must be a lower bound (> or >=) followed by an upper bound (< or <=)");
    else if (typeof loVal === "number" && typeof hiVal === "number" && loVal >= hiVal)
      bad("range lower bound must be below the upper bound");
  }
}

function anythingButProblem(arg: unknown, bad: (msg: string) => void): void {
  if (typeof arg === "string" || (typeof arg === "number" && Number.isFinite(arg))) return;
  if (Array.isArray(arg)) {
    const allStrings = arg.every((x) => typeof x === "string");
    const allNumbers = arg.every((x) => typeof x === "number" && Number.isFinite(x));
    if (arg.length === 0 || !(allStrings || allNumbers)) bad("list must be non-empty and all strings or all numbers");
    return;
  }
  if (!isObj(arg) || Object.keys(arg).length !== 1) return bad("expects a value, a list, or a single-key object");
  const [form, x] = Object.entries(arg)[0] as [string, unknown];
  if (!ANYTHING_BUT_FORMS.has(form)) return bad(`does not support ${JSON.stringify(form)}`);
  const multi = form === "equals-ignore-case" || form === "wildcard";
  const values = multi && Array.isArray(x) && x.length > 0 ? x : [x];
  if (!values.every((s) => typeof s === "string")) return bad(`${form} expects ${multi ? "a string or list of strings" : "a string"}`);
  if (form === "wildcard") values.forEach((s) => wildcardProblem(s as string, bad));
}

// ---------------------------------------------------------------- indexing

/**
 * The CloudTrail eventSource/eventName values a pattern can possibly match,
 * for an engine index. undefined means "cannot tell; evaluate every event".
 * The result may over-approximate (a union across `$or` branches) but never
 * leaves out an event the pattern could match.
 */
export function patternEventNames(pattern: EventPattern): { sources: string[]; names: string[] } | undefined {
  const sources = exactStrings(pattern, ["detail", "eventSource"]);
  const names = exactStrings(pattern, ["detail", "eventName"]);
  return sources && names ? { sources, names } : undefined;
}

function exactStrings(pattern: Obj, path: string[]): string[] | undefined {
  const [key, ...rest] = path;
  if (key === undefined) return undefined;
  const direct = pattern[key];
  if (rest.length === 0 && Array.isArray(direct) && direct.length > 0 && direct.every((v) => typeof v === "string"))
    return [...new Set(direct as string[])];
  if (rest.length > 0 && isObj(direct)) {
    const nested = exactStrings(direct, rest);
    if (nested) return nested;
  }
  // A constraint found only inside `$or` counts if every branch imposes one.
  const branches = pattern.$or;
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const union = new Set<string>();
  for (const branch of branches) {
    const found = isObj(branch) ? exactStrings(branch, path) : undefined;
    if (!found) return undefined;
    found.forEach((s) => union.add(s));
  }
  return [...union];
}
