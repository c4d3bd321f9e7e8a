import { inspect } from "node:util";
import { describe, expect, it, vi } from "vitest";
import { detectors } from "../detectors/index.js";
import { normaliseRecord } from "./cloudtrail.js";
import { toEnvelope } from "./envelope.js";
import { patternCases } from "./pattern-cases.js";
import { compilePattern, matchesPattern, type EventPattern } from "./pattern.js";

/** mulberry32: small, fast and good enough to drive a differential test reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random patterns and events over small shared vocabularies, so that they meet often. */
function generators(seed: number) {
  const random = prng(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const chance = (p: number): boolean => random() < p;
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const times = <T>(min: number, max: number, make: () => T): T[] => Array.from({ length: min + int(max - min + 1) }, make);

  const KEYS = ["a", "b", "c", "detail", "ip", "__proto__", "constructor"];
  const STRINGS = ["", "a", "A", "ab", "aB", "abc", "ba", "aba", "bab", "abab", "a*b", "a\\b", "x.y", "5", "7", "Root", "root", "aws.iam", "AWS.IAM",
    "10.0.0.7", "10.1.2.3", "192.168.4.4", "::ffff:10.1.2.3", "2001:db8::1", "fe80::1%eth0", "010.0.0.1", "not an ip"];
  const NUMBERS = [0, -0, 5, 7, 7.5, -3, 1000, NaN, Infinity];
  const scalar = (): unknown => (chance(0.55) ? pick(STRINGS) : chance(0.6) ? pick(NUMBERS) : pick([true, false, null]));
  const str = (): string => pick(STRINGS);
  const strOrFolded = (): unknown => (chance(0.6) ? str() : chance(0.85) ? { "equals-ignore-case": str() } : pick([5, null, {}]));
  const wildcard = (): string => times(0, 5, () => pick(["a", "b", "*", "a", "b", "*", "A", "ab", "\\*", "\\\\", "\\", "."])).join("");
  const oneOrMany = <T>(make: () => T): T | T[] => (chance(0.5) ? make() : times(0, 3, make));
  const numeric = (): unknown[] => {
    const spec = times(1, 2, () => [pick(["=", ">", ">=", "<", "<=", "=", "!="]), chance(0.9) ? pick(NUMBERS) : "5"]).flat();
    return chance(0.05) ? spec.slice(0, -1) : chance(0.03) ? [] : spec;
  };
  const anythingBut = (): unknown => {
    switch (int(8)) {
      case 0: return scalar();
      case 1: return times(0, 3, str);
      case 2: return times(0, 3, () => pick(NUMBERS));
      case 3: return times(0, 3, scalar);
      case 4: return { [pick(["prefix", "suffix"])]: chance(0.9) ? str() : 5 };
      case 5: return { "equals-ignore-case": oneOrMany(str) };
      case 6: return { wildcard: oneOrMany(wildcard) };
      default: return pick([{ numeric: [">", 1] }, {}, { prefix: "a", suffix: "b" }, [[]], undefined]);
    }
  };
  const matcher = (): unknown => {
    switch (int(14)) {
      case 0: case 1: case 2: return scalar();
      case 3: return { exists: chance(0.9) ? chance(0.5) : "yes" };
      case 4: return { prefix: strOrFolded() };
      case 5: return { suffix: strOrFolded() };
      case 6: return { "equals-ignore-case": chance(0.9) ? str() : 5 };
      case 7: return { wildcard: chance(0.95) ? wildcard() : 5 };
      case 8: case 9: return { "anything-but": anythingBut() };
      case 10: return { numeric: numeric() };
      case 11: return { cidr: pick(["10.0.0.0/8", "10.0.0.0/24", "10.0.0.7/32", "0.0.0.0/0", "2001:db8::/32", "::ffff:0:0/96", "::/0", "10.0.0/24", "bogus", 10]) };
      case 12: return pick([{}, { unknown: 1 }, [], [str()], { exists: true, prefix: "a" }, { prefix: "a", suffix: "b" }, undefined]);
      default: return { exists: chance(0.5) };
    }
  };
  const pattern = (depth = 0): EventPattern => {
    const result: EventPattern = {};
    for (let i = 1 + int(2); i > 0; i--) {
      if (depth < 3 && chance(0.12)) {
        result.$or = chance(0.95) ? times(0, 3, () => (chance(0.93) ? pattern(depth + 1) : pick([["a"], null]))) : { a: ["a"] };
        continue;
      }
      const roll = random();
      // defineProperty, so that "__proto__" becomes an own key as JSON.parse would make it.
      const value = roll < 0.65 ? times(chance(0.03) ? 0 : 1, 3, matcher) : depth < 3 && roll < 0.95 ? pattern(depth + 1) : pick([str(), {}, null]);
      Object.defineProperty(result, pick(KEYS), { value, enumerable: true, configurable: true, writable: true });
    }
    return result;
  };
  const value = (depth: number): unknown => {
    const roll = random();
    if (roll < 0.45 || depth > 4) return scalar();
    if (roll < 0.75) return object(depth + 1);
    if (roll < 0.97) return times(0, 3, () => value(depth + 1));
    return undefined;
  };
  const object = (depth: number): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    for (let i = int(7); i > 0; i--) Object.defineProperty(result, pick(KEYS), { value: value(depth), enumerable: true, configurable: true, writable: true });
    return result;
  };
  const event = (): unknown => (chance(0.9) ? object(0) : value(0));

  /** A value the matcher might accept, or a near miss. */
  const nearLeaf = (m: unknown): unknown => {
    if (typeof m !== "object" || m === null || Array.isArray(m)) return m;
    const [op, arg] = Object.entries(m)[0] ?? [];
    const text = typeof arg === "string" ? arg : typeof arg === "object" && arg !== null ? String(Object.values(arg)[0]) : str();
    switch (op) {
      case "prefix": return (chance(0.5) ? text : text.toUpperCase()) + str();
      case "suffix": return str() + (chance(0.5) ? text : text.toLowerCase());
      case "equals-ignore-case": return chance(0.5) ? text.toUpperCase() : text;
      case "wildcard": return chance(0.4) ? times(0, 4, () => pick(["a", "b"])).join("") : text.replace(/\\([*\\])/g, "$1").replaceAll("*", () => pick(["", "a", "xy"]));
      case "numeric": return pick([...NUMBERS, ...(Array.isArray(arg) ? arg.filter((x) => typeof x === "number") : [])]);
      case "anything-but": return chance(0.5) ? text : scalar();
      default: return scalar();
    }
  };
  /** An event built to meet `pat` part of the way: the contents of a random subset of its fields, plus noise. */
  const near = (pat: unknown): unknown => {
    if (typeof pat !== "object" || pat === null) return scalar();
    if (Array.isArray(pat)) {
      const leaf = pat.length > 0 ? nearLeaf(pick(pat)) : scalar();
      return chance(0.2) ? times(0, 2, () => (chance(0.5) ? scalar() : [leaf])).concat([leaf]) : leaf;
    }
    const result = object(2);
    for (const [key, sub] of Object.entries(pat)) {
      if (key === "$or") {
        if (Array.isArray(sub) && sub.length > 0) Object.assign(result, near(pick(sub)));
      } else if (chance(0.85)) {
        const v = near(sub);
        const wrapped = !Array.isArray(sub) && chance(0.2) ? [object(3), chance(0.5) ? [v] : v, scalar()] : v;
        Object.defineProperty(result, key, { value: wrapped, enumerable: true, configurable: true, writable: true });
      }
    }
    return result;
  };
  return { pattern, event, near, int, random };
}

const show = (v: unknown): string => inspect(v, { depth: null, breakLength: Infinity });

describe("compilePattern", () => {
  it.each(patternCases)("%s", (_name, pattern, event, expected) => {
    const compiled = compilePattern(pattern);
    expect(compiled(event)).toBe(matchesPattern(pattern, event));
    expect(compiled(event)).toBe(expected);
  });

  it("agrees with matchesPattern on every table pattern against every table event", () => {
    const events = [...new Set(patternCases.map(([, , event]) => event))];
    for (const [name, pattern] of patternCases) {
      const compiled = compilePattern(pattern);
      for (const event of events) expect(compiled(event), `${name} on ${show(event)}`).toBe(matchesPattern(pattern, event));
    }
  });

  it("agrees with matchesPattern on every short wildcard against every short string", () => {
    /** Every concatenation of at most `max` pieces. */
    const words = (pieces: string[], max: number): string[] => {
      let level = [""];
      const all = [""];
      for (let n = 0; n < max; n++) all.push(...(level = level.flatMap((w) => pieces.map((c) => w + c))));
      return all;
    };
    const values = words(["a", "b", "*", "\\"], 4);
    const mismatches: string[] = [];
    for (const w of words(["a", "b", "*", "\\*", "\\\\", "\\"], 4)) {
      for (const pattern of [{ x: [{ wildcard: w }] }, { x: [{ "anything-but": { wildcard: [w] } }] }]) {
        const compiled = compilePattern(pattern);
        for (const x of values) if (compiled({ x }) !== matchesPattern(pattern, { x })) mismatches.push(`${show(pattern)} on ${show(x)}`);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it.each([1, 2, 3])("agrees with matchesPattern on random patterns and events (seed %i)", (seed) => {
    const { pattern, event, near } = generators(seed);
    const events = Array.from({ length: 400 }, event);
    const mismatches: string[] = [];
    let matched = 0, total = 0;
    for (let p = 0; p < 1500; p++) {
      const pat = pattern();
      const compiled = compilePattern(pat);
      const nearby = Array.from({ length: 6 }, () => near(pat));
      for (let e = p % 40; e < events.length + 40 * nearby.length; e += 40) {
        const ev = e < events.length ? events[e] : nearby[(e - events.length - (p % 40)) / 40];
        const expected = matchesPattern(pat, ev);
        if (compiled(ev) !== expected) mismatches.push(`${show(pat)} on ${show(ev)}: expected ${expected}`);
        matched += expected ? 1 : 0;
        total++;
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    // The generators must exercise both outcomes, or the agreement proves little.
    expect(matched / total).toBeGreaterThan(0.1);
    expect(matched / total).toBeLessThan(0.9);
  });

  it("agrees with matchesPattern where code cannot be generated (closures only)", () => {
    const { pattern, event, near } = generators(4);
    const patterns = Array.from({ length: 800 }, () => pattern());
    // As under node --disallow-code-generation-from-strings.
    vi.stubGlobal("Function", function () {
      throw new EvalError("Code generation from strings disallowed for this context");
    });
    let compiled: ((event: unknown) => boolean)[];
    try {
      compiled = patterns.map((p) => compilePattern(p));
    } finally {
      vi.unstubAllGlobals();
    }
    const events = Array.from({ length: 200 }, event);
    const mismatches: string[] = [];
    patterns.forEach((pat, p) => {
      for (const ev of [...events.filter((_, e) => e % 20 === p % 20), near(pat), near(pat)]) {
        if (compiled[p]?.(ev) !== matchesPattern(pat, ev)) mismatches.push(`${show(pat)} on ${show(ev)}`);
      }
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  describe("on the detectors", () => {
    const envelopes = detectors.flatMap((detector) =>
      [...detector.examples.match, ...detector.examples.noMatch].map((example) => {
        const normalised = normaliseRecord(structuredClone(example.record));
        if (!normalised.ok) throw new Error(`${detector.id}: ${example.description}: ${normalised.reason}`);
        return toEnvelope(normalised.record);
      }),
    );

    /** The example envelopes with leaves dropped, nulled or swapped for values other examples hold. */
    function mutants(seed: number): unknown[] {
      const { int, random } = generators(seed);
      const leaves = envelopes.flatMap((e) => JSON.stringify(e).match(/"[^"\\]*"/g) ?? []).map((s) => JSON.parse(s) as string);
      const mutate = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(mutate);
        if (typeof v === "object" && v !== null) {
          const out: Record<string, unknown> = {};
          for (const [k, x] of Object.entries(v)) if (random() > 0.05) out[k] = mutate(x);
          return out;
        }
        const roll = random();
        return roll < 0.05 ? null : roll < 0.15 ? leaves[int(leaves.length)] : roll < 0.18 ? [v, leaves[int(leaves.length)]] : v;
      };
      return Array.from({ length: 20 }, () => envelopes.map(mutate)).flat();
    }

    it.each(detectors.map((d) => [d.id, d] as const))("%s agrees with matchesPattern on every example envelope", (_id, detector) => {
      const compiled = compilePattern(detector.pattern);
      let matched = 0;
      for (const envelope of envelopes) {
        const expected = matchesPattern(detector.pattern, envelope);
        expect(compiled(envelope), envelope.id).toBe(expected);
        matched += expected ? 1 : 0;
      }
      expect(matched).toBeGreaterThan(0);
      for (const mutant of mutants(detector.id.length)) expect(compiled(mutant), show(mutant)).toBe(matchesPattern(detector.pattern, mutant));
    });
  });
});
