// EventBridge patterns compiled once for the replay hot path, with exactly the
// semantics of matchesPattern in pattern.ts, which stays the simple reference
// (pattern-compile.test.ts holds the two to each other). What depends only on
// the pattern is done once: operator dispatch, lowercased arguments, parsed
// CIDRs, numeric bounds, wildcard pieces, a Set for plain values. Matching a
// scalar field allocates nothing. Relied on: a missing field and a present
// `undefined` behave alike in the interpreter, so "missing" is `undefined`
// here; and every check is pure, so ANDs and ORs may be regrouped and
// reordered, and a sub-pattern's answer for a missing field is computed at
// compile time. The pattern becomes closures, and its usual path also one
// generated function (`generate`).
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
  const checks = compileChecks(pattern);
  if (checks === undefined) return NEVER;
  if (checks.length === 0) return ALWAYS;
  const test = objectTest(allOf(checks.map((c) => c.test)));
  return generate(checks, test) ?? test;
}

/** matchObject: a sub-pattern's fields against a value that may be an object, an array of objects, or anything else. */
function objectTest(fields: FieldsTest): ValueTest {
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

/** One AND-ed check of a (sub-)pattern's fields: `test` decides it; the rest is what `generate` needs to inline it. */
type Check =
  | { kind: "leaf"; key: string; leaf: Leaf; test: FieldsTest }
  | { kind: "object"; key: string; checks: Check[]; value: ValueTest; test: FieldsTest }
  | { kind: "or"; test: FieldsTest };

/**
 * matchFields: every key must hold (AND); `$or` needs one object branch to hold
 * for the same object. undefined when nothing can match; [] when anything does.
 * Sub-objects and `$or` go before the leaves beside them: leaves next to
 * `detail` are routing fields (source, detail-type) nearly every event of a feed
 * shares, so a miss is usually found without reading them.
 */
function compileChecks(pattern: Obj): Check[] | undefined {
  const deep: Check[] = [];
  const leaves: Check[] = [];
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === "$or") {
      if (!Array.isArray(sub)) return undefined;
      const test = anyOf(sub.filter(isObj).map((branch) => {
        const checks = compileChecks(branch);
        return checks === undefined ? NEVER : allOf(checks.map((c) => c.test));
      }));
      if (test === NEVER) return undefined;
      if (test !== ALWAYS) deep.push({ kind: "or", test });
    } else if (Array.isArray(sub)) {
      const leaf = compileLeaf(sub);
      if (leaf.test === NEVER) return undefined;
      if (leaf.test !== ALWAYS) leaves.push({ kind: "leaf", key, leaf, test: field(key, leaf.test) });
    } else if (isObj(sub)) {
      const checks = compileChecks(sub);
      if (checks === undefined) return undefined;
      if (checks.length === 0) continue;
      const value = objectTest(allOf(checks.map((c) => c.test)));
      deep.push({ kind: "object", key, checks, value, test: field(key, value) });
    } else {
      return undefined;
    }
  }
  return [...deep, ...leaves];
}

function field(key: string, test: ValueTest): FieldsTest {
  const onMissing = test(undefined);
  return (obj) => (obj !== undefined && Object.hasOwn(obj, key) ? test(obj[key]) : onMissing);
}

/**
 * The checks as one function for the usual case, where the values on the
 * pattern's paths are plain objects and scalars: each property read gets an
 * inline cache of its own (for events all built alike, as envelopes are, one
 * shape) and the leaf tests become calls the JIT can inline. Anything else
 * (arrays, `$or`) goes to the same closures as ever, so the answers are
 * theirs. For { detail: { errorCode: ["AccessDenied"] } } the body reads:
 *
 *   const v0 = e["detail"];
 *   if (typeof v0 === "object" && v0 !== null && !isArray(v0)) {
 *     const v1 = v0["errorCode"];
 *     if (!(typeof v1 === "string" ? r[1](v1) : r[2](v1)) || !has(v0, "errorCode")) return false;
 *     if (!has(e, "detail")) return false;
 *   } else if (!r[0](v0) || !has(e, "detail")) return false;
 *   return true;
 *
 * The source holds nothing from the pattern but keys, written by
 * JSON.stringify as string literals; everything else is in `r`. undefined
 * where code cannot be generated (--disallow-code-generation-from-strings).
 */
function generate(checks: Check[], fallback: ValueTest): ((event: unknown) => boolean) | undefined {
  const r: unknown[] = [];
  const ref = (x: unknown): string => `r[${r.push(x) - 1}]`;
  let names = 0;
  // Object.hasOwn costs more than the read, and is only needed where it changes
  // the answer: a field that is not an own property answers as a missing one,
  // so a value that answers the same as a missing field needs no confirmation.
  // `fail` is the statement for "this check fails": `return false`, or inside a
  // field that passes when missing, a break to where that field is confirmed.
  const emit = (checks: Check[], o: string, fail: string, depth: number): string => checks.map((c) => {
    // Deep nesting (no real pattern has it) stays in closures, so the source stays small and easy to parse.
    if (c.kind === "or" || depth > 16) return `if (!${ref(c.test)}(${o})) ${fail};\n`;
    const v = `v${names++}`;
    const k = JSON.stringify(c.key);
    const own = `has(${o}, ${k})`;
    const read = `const ${v} = ${o}[${k}];\n`;
    if (c.kind === "leaf") {
      const holds = `(typeof ${v} === "string" ? ${ref(c.leaf.onString)}(${v}) : ${ref(c.leaf.test)}(${v}))`;
      return read + (c.leaf.test(undefined) ? `if (!${holds} && ${own}) ${fail};\n` : `if (!${holds} || !${own}) ${fail};\n`);
    }
    const plain = `typeof ${v} === "object" && ${v} !== null && !isArray(${v})`;
    const other = ref(c.value); // arrays, scalars, missing
    if (!c.value(undefined)) {
      // A miss inside fails the field whether or not it is own; passing needs it own.
      return read +
        `if (${plain}) {\n${emit(c.checks, v, fail, depth + 1)}if (!${own}) ${fail};\n}` +
        ` else if (!${other}(${v}) || !${own}) ${fail};\n`;
    }
    // A missing field passes, so a miss inside fails the field only if it is own.
    return `${v}ok: {\n${v}fail: {\n` + read +
      `if (${plain}) {\n${emit(c.checks, v, `break ${v}fail`, depth + 1)}} else if (!${other}(${v})) break ${v}fail;\n` +
      `break ${v}ok;\n}\nif (${own}) ${fail};\n}\n`;
  }).join("");
  const body = `return (e) => {\nif (typeof e !== "object" || e === null || isArray(e)) return fallback(e);\n` +
    `${emit(checks, "e", "return false", 0)}return true;\n};`;
  try {
    return new Function("r", "has", "isArray", "fallback", body)(r, Object.hasOwn, Array.isArray, fallback) as (event: unknown) => boolean;
  } catch {
    return undefined;
  }
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

interface Leaf {
  /** The leaf's answer for the value at its path, `undefined` when missing. */
  test: ValueTest;
  /** The same answer for a string value, one type test shorter. */
  onString: StringTest;
}

/**
 * matchLeaf: one matcher must hold for one of the leaf's scalar values. The
 * matchers are sorted into what the leaf says about a string and about any
 * other scalar, so each value's type is looked at, and a string lowercased, once.
 */
function compileLeaf(matchers: readonly unknown[]): Leaf {
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

  if (existsTrue && existsFalse) return { test: ALWAYS, onString: ALWAYS };
  // What the leaf says about a string, and about any other scalar.
  const texts = [...exact].filter((x): x is string => typeof x === "string");
  const others = [...exact].filter((x) => typeof x !== "string");
  const low = anyOf(lowered);
  const onString: StringTest = existsTrue ? ALWAYS : anyOf<string>([
    oneOf(texts),
    ...strings,
    folded.size > 0 || low !== NEVER ? (v) => { const lv = v.toLowerCase(); return folded.has(lv) || low(lv); } : NEVER,
    ...scalars,
  ]);
  const num = anyOf(numbers);
  const onOther: ScalarTest = existsTrue ? ALWAYS : anyOf<Scalar>([
    oneOf(others),
    num !== NEVER ? (v) => typeof v === "number" && num(v) : NEVER,
    ...scalars,
  ]);
  if (onString === NEVER && onOther === NEVER && !existsFalse) return { test: NEVER, onString: NEVER };
  const scalar: ScalarTest = (v) => (typeof v === "string" ? onString(v) : onOther(v));
  const test: ValueTest = (value) => {
    if (typeof value === "string") return onString(value);
    if (typeof value !== "object") return typeof value === "number" || typeof value === "boolean" ? onOther(value) : existsFalse;
    if (value === null) return onOther(null);
    if (!Array.isArray(value)) return existsFalse; // an object is not a leaf value
    const found = some(value, false, scalar);
    return found === NONE ? existsFalse : found === HIT;
  };
  return { test, onString };
}

/** Equality with one of `values` (no NaN among them): a comparison or two, or a Set. */
function oneOf(values: readonly unknown[]): (v: unknown) => boolean {
  const [a, b] = values;
  if (values.length === 0) return NEVER;
  if (values.length === 1) return (v) => v === a;
  if (values.length === 2) return (v) => v === a || v === b;
  const set = new Set(values);
  return (v) => set.has(v);
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
