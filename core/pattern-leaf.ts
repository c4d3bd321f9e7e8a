// The leaves of compiled EventBridge patterns (pattern-compile.ts): what one
// field's list of matchers says about the value found there, and the
// primitives both halves share. Same semantics as matchLeaf in pattern.ts.
import { ipInRange, parseCidr, parseIp } from "./pattern-ip.js";

export type Scalar = string | number | boolean | null;
export type Obj = Record<string, unknown>;
/** A compiled (sub-)pattern applied to the value at its path. */
export type ValueTest = (value: unknown) => boolean;
/** The fields of a (sub-)pattern applied to one object, or to none. */
export type FieldsTest = (obj: Obj | undefined) => boolean;
export type ScalarTest = (v: Scalar) => boolean;
export type StringTest = (v: string) => boolean;
export type NumberTest = (v: number) => boolean;
export type Test<A> = (a: A) => boolean;

export const NEVER = (): boolean => false;
export const ALWAYS = (): boolean => true;

export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
export const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";

export const NONE = 0, SEEN = 1, HIT = 2;
export type Walk = typeof NONE | typeof SEEN | typeof HIT;

/** `array.flat(Infinity).filter(objects ? isObj : isScalar).some(test)`, without the arrays; NONE if the filter leaves nothing. */
export function some<T>(array: readonly unknown[], objects: boolean, test: (x: T) => boolean): Walk {
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

export function allOf<A>(tests: Test<A>[]): Test<A> {
  const [a, b, c] = tests;
  if (a === undefined || b === undefined) return a ?? ALWAYS;
  if (c === undefined) return (x) => a(x) && b(x);
  return (x) => {
    for (let i = 0; i < tests.length; i++) if (!(tests[i] as Test<A>)(x)) return false;
    return true;
  };
}

export function anyOf<A>(tests: Test<A>[]): Test<A> {
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

export interface Leaf {
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
export function compileLeaf(matchers: readonly unknown[]): Leaf {
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
export function oneOf(values: readonly unknown[]): (v: unknown) => boolean {
  const [a, b] = values;
  if (values.length === 0) return NEVER;
  if (values.length === 1) return (v) => v === a;
  if (values.length === 2) return (v) => v === a || v === b;
  const set = new Set(values);
  return (v) => set.has(v);
}

/** `anything-but`: the value passes unless the argument rules it out; the string forms never rule out non-strings. */
export function compileAnythingBut(arg: unknown): ScalarTest {
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
export function compileNumeric(spec: unknown): NumberTest | undefined {
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
export function compileWildcard(segments: readonly string[]): StringTest {
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
