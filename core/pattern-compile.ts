// EventBridge patterns compiled once into nested closures for the replay hot
// path, with exactly the semantics of matchesPattern in pattern.ts, which stays
// the simple reference (pattern-compile.test.ts holds the two to each other).
// What depends only on the pattern is done once: operator dispatch, lowercased
// arguments, parsed CIDRs, numeric bounds, wildcard pieces, a Set for plain
// values. Matching a scalar field allocates nothing. Relied on: a missing field
// and a present `undefined` behave alike in the interpreter, so "missing" is
// `undefined` here; and every check is pure, so ANDs and ORs may be regrouped
// and a sub-pattern's answer for a missing field is computed at compile time.
import type { EventPattern } from "./pattern.js";
import { ipInRange, parseCidr, parseIp } from "./pattern-ip.js";

type Scalar = string | number | boolean | null;
type Obj = Record<string, unknown>;
/** A compiled (sub-)pattern applied to the value at its path. */
type ValueTest = (value: unknown) => boolean;
/** The fields of a (sub-)pattern applied to one object, or to none. */
type FieldsTest = (obj: Obj | undefined) => boolean;
type ScalarTest = (v: Scalar) => boolean;
type StringTest = (v: string) => boolean;
type NumberTest = (v: number) => boolean;
type Test<A> = (a: A) => boolean;

const NEVER = (): boolean => false;
const ALWAYS = (): boolean => true;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/** Compiles `pattern` once; the result answers exactly as `matchesPattern(pattern, event)` would. */
export function compilePattern(pattern: EventPattern): (event: unknown) => boolean {
  return compileObject(pattern);
}

/** matchObject: a sub-pattern against a value that may be an object, an array of objects, or anything else. */
function compileObject(pattern: Obj): ValueTest {
  const fields = compileFields(pattern);
  if (fields === NEVER) return NEVER;
  if (fields === ALWAYS) return ALWAYS;
  const onMissing = fields(undefined);
  return (value) => {
    if (typeof value !== "object" || value === null) return onMissing;
    if (!Array.isArray(value)) return fields(value as Obj);
    // Any object anywhere in nested arrays must satisfy the whole sub-pattern on its own.
    const found = some(value, true, fields);
    return found === NONE ? onMissing : found === HIT;
  };
}

const NONE = 0, SEEN = 1, HIT = 2;
type Walk = typeof NONE | typeof SEEN | typeof HIT;

/** `array.flat(Infinity).filter(objects ? isObj : isScalar).some(test)`, without the arrays; NONE if the filter leaves nothing. */
function some<T>(array: readonly unknown[], objects: boolean, test: (x: T) => boolean): Walk {
  let seen: Walk = NONE;
  for (let i = 0; i < array.length; i++) {
    const x = array[i];
    if (Array.isArray(x)) {
      const r = some(x, objects, test);
      if (r === HIT) return HIT;
      if (r === SEEN) seen = SEEN;
    } else if (objects ? isObj(x) : isScalar(x)) {
      if (test(x as T)) return HIT;
      seen = SEEN;
    }
  }
  return seen;
}

/** matchFields: every key must hold (AND); `$or` needs one object branch to hold for the same object. */
function compileFields(pattern: Obj): FieldsTest {
  const tests: FieldsTest[] = [];
  for (const [key, sub] of Object.entries(pattern)) {
    let test: FieldsTest;
    if (key === "$or") {
      if (!Array.isArray(sub)) return NEVER;
      test = anyOf(sub.filter(isObj).map(compileFields));
    } else if (Array.isArray(sub)) {
      test = field(key, compileLeaf(sub));
    } else if (isObj(sub)) {
      test = field(key, compileObject(sub));
    } else {
      return NEVER;
    }
    if (test === NEVER) return NEVER;
    if (test !== ALWAYS) tests.push(test);
  }
  return allOf(tests);
}

function field(key: string, test: ValueTest): FieldsTest {
  if (test === NEVER || test === ALWAYS) return test;
  const onMissing = test(undefined);
  return (obj) => (obj !== undefined && Object.hasOwn(obj, key) ? test(obj[key]) : onMissing);
}

function allOf<A>(tests: Test<A>[]): Test<A> {
  const [a, b, c] = tests;
  if (a === undefined || b === undefined) return a ?? ALWAYS;
  if (c === undefined) return (x) => a(x) && b(x);
  return (x) => {
    for (let i = 0; i < tests.length; i++) if (!(tests[i] as Test<A>)(x)) return false;
    return true;
  };
}

function anyOf<A>(tests: Test<A>[]): Test<A> {
  if (tests.includes(ALWAYS)) return ALWAYS;
  const live = tests.filter((t) => t !== NEVER);
  const [a, b, c] = live;
  if (a === undefined || b === undefined) return a ?? NEVER;
  if (c === undefined) return (x) => a(x) || b(x);
  return (x) => {
    for (let i = 0; i < live.length; i++) if ((live[i] as Test<A>)(x)) return true;
    return false;
  };
}

/**
 * matchLeaf: one matcher must hold for one of the leaf's scalar values. The
 * matchers are sorted by what they need (any scalar, exact values, strings,
 * lowercased strings, numbers) so each value is inspected, and lowercased, once.
 */
function compileLeaf(matchers: readonly unknown[]): ValueTest {
  let existsTrue = false, existsFalse = false;
  const exact = new Set<unknown>();
  const folded = new Set<string>();
  const strings: StringTest[] = [];
  const lowered: StringTest[] = [];
  const numbers: NumberTest[] = [];
  const scalars: ScalarTest[] = [];
  for (const m of matchers) {
    if (isScalar(m)) {
      if (m === m) exact.add(m); // NaN never equals anything under ===, unlike in a Set
      continue;
    }
    if (!isObj(m)) continue;
    if ("exists" in m) {
      if (m.exists === true) existsTrue = true;
      else existsFalse = true;
      continue;
    }
    const [op, arg] = Object.entries(m)[0] ?? [];
    switch (op) {
      case "prefix":
      case "suffix": {
        const starts = op === "prefix";
        const folding = isObj(arg) ? arg["equals-ignore-case"] : undefined;
        if (typeof arg === "string") strings.push(starts ? (v) => v.startsWith(arg) : (v) => v.endsWith(arg));
        else if (typeof folding === "string") {
          const a = folding.toLowerCase();
          lowered.push(starts ? (lv) => lv.startsWith(a) : (lv) => lv.endsWith(a));
        }
        break;
      }
      case "equals-ignore-case":
        if (typeof arg === "string") folded.add(arg.toLowerCase());
        break;
      case "wildcard":
        if (typeof arg === "string") {
          const segments = wildcardSegments(arg);
          if (segments.length === 1) exact.add(segments[0] as string); // no star: plain equality
          else strings.push(compileWildcard(segments));
        }
        break;
      case "anything-but": {
        const test = compileAnythingBut(arg);
        if (test === ALWAYS) existsTrue = true; // holds for any leaf value, which is what exists: true says
        else scalars.push(test);
        break;
      }
      case "numeric": {
        const test = compileNumeric(arg);
        if (test) numbers.push(test);
        break;
      }
      case "cidr":
        if (typeof arg === "string") {
          const range = parseCidr(arg);
          if (range) strings.push((v) => { const ip = parseIp(v); return ip !== undefined && ipInRange(ip, range); });
        }
        break;
    }
  }

  if (existsTrue && existsFalse) return ALWAYS;
  const test = existsTrue ? ALWAYS : scalarTest(exact, folded, strings, lowered, numbers, scalars);
  if (test === NEVER && !existsFalse) return NEVER;
  return (value) => {
    if (typeof value !== "object") {
      return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? test(value) : existsFalse;
    }
    if (value === null) return test(null);
    if (!Array.isArray(value)) return existsFalse; // an object is not a leaf value
    const found = some(value, false, test);
    return found === NONE ? existsFalse : found === HIT;
  };
}

function scalarTest(
  exact: Set<unknown>, folded: Set<string>, strings: StringTest[], lowered: StringTest[], numbers: NumberTest[], scalars: ScalarTest[],
): ScalarTest {
  const tests: ScalarTest[] = [];
  if (exact.size === 1) {
    const [only] = exact;
    tests.push((v) => v === only);
  } else if (exact.size > 1) {
    tests.push((v) => exact.has(v));
  }
  const str = anyOf(strings);
  if (str !== NEVER) tests.push((v) => typeof v === "string" && str(v));
  const low = anyOf(lowered);
  if (folded.size > 0 || low !== NEVER) {
    tests.push((v) => {
      if (typeof v !== "string") return false;
      const lv = v.toLowerCase();
      return folded.has(lv) || low(lv);
    });
  }
  const num = anyOf(numbers);
  if (num !== NEVER) tests.push((v) => typeof v === "number" && num(v));
  return anyOf([...tests, ...scalars]);
}

/** `anything-but`: the value passes unless the argument rules it out; the string forms never rule out non-strings. */
function compileAnythingBut(arg: unknown): ScalarTest {
  if (Array.isArray(arg)) {
    const excluded = new Set(arg.filter((x) => x === x)); // drop NaN: === never matches it
    return excluded.size === 0 ? ALWAYS : (v) => !excluded.has(v);
  }
  if (!isObj(arg)) return arg !== arg || !isScalar(arg) ? ALWAYS : (v) => v !== arg;
  const [form, x] = Object.entries(arg)[0] ?? [];
  const list = (Array.isArray(x) ? x : [x]).filter((s): s is string => typeof s === "string");
  let excludes: StringTest = NEVER;
  switch (form) {
    case "prefix":
    case "suffix":
      if (typeof x === "string") excludes = form === "prefix" ? (v) => v.startsWith(x) : (v) => v.endsWith(x);
      break;
    case "equals-ignore-case":
      if (list.length > 0) {
        const set = new Set(list.map((s) => s.toLowerCase()));
        excludes = (v) => set.has(v.toLowerCase());
      }
      break;
    case "wildcard":
      excludes = anyOf(list.map((s) => compileWildcard(wildcardSegments(s))));
      break;
  }
  return excludes === NEVER ? ALWAYS : (v) => typeof v !== "string" || !excludes(v);
}

/** `numeric`: [op, bound, ...] pairs, all of which must hold; any malformed pair makes it match nothing. */
function compileNumeric(spec: unknown): NumberTest | undefined {
  if (!Array.isArray(spec) || spec.length === 0) return undefined;
  const tests: NumberTest[] = [];
  for (let i = 0; i < spec.length; i += 2) {
    const op: unknown = spec[i];
    const b: unknown = spec[i + 1];
    if (typeof b !== "number") return undefined;
    if (op === "=") tests.push((v) => v === b);
    else if (op === ">") tests.push((v) => v > b);
    else if (op === ">=") tests.push((v) => v >= b);
    else if (op === "<") tests.push((v) => v < b);
    else if (op === "<=") tests.push((v) => v <= b);
    else return undefined;
  }
  return allOf(tests);
}

/** Literal pieces between unescaped `*`s; `\*` and `\\` are literal characters. */
export function wildcardSegments(pattern: string): string[] {
  const segments: string[] = [""];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    const next = pattern[i + 1];
    if (c === "\\" && (next === "*" || next === "\\")) {
      segments[segments.length - 1] += next;
      i++;
    } else if (c === "*") {
      segments.push("");
    } else {
      segments[segments.length - 1] += c;
    }
  }
  return segments;
}

/** The greedy left-to-right search of pattern.ts's wildcardMatch. */
function compileWildcard(segments: readonly string[]): StringTest {
  const first = segments[0] as string;
  if (segments.length === 1) return (v) => v === first;
  const last = segments[segments.length - 1] as string;
  const middles = segments.slice(1, -1);
  const minLength = first.length + last.length;
  return (v) => {
    if (v.length < minLength || !v.startsWith(first) || !v.endsWith(last)) return false;
    let pos = first.length;
    const end = v.length - last.length;
    for (let i = 0; i < middles.length; i++) {
      const middle = middles[i] as string;
      const at = v.indexOf(middle, pos);
      if (at < 0 || at + middle.length > end) return false;
      pos = at + middle.length;
    }
    return true;
  };
}
