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
import { allOf, ALWAYS, anyOf, compileLeaf, HIT, isObj, NEVER, NONE, some, type FieldsTest, type Leaf, type Obj, type ValueTest } from "./pattern-leaf.js";

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

