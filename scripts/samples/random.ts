/**
 * The seeded randomness behind the sample records: a PRNG stream for the
 * choices (`Gen`), and ids derived from a key for what must stay the same
 * across records (`stableId`). Same seed, same records.
 */

/** mulberry32: a tiny, fast 32-bit PRNG; good enough for synthetic data, not for secrets. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const HEX = "0123456789abcdef";
export const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const BASE64ISH = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Random choices drawn from one seeded stream. */
export class Gen {
  constructor(readonly next: () => number) {}

  static seeded(seed: number): Gen {
    return new Gen(mulberry32(seed));
  }

  /** 0 ≤ n < max */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  /** min ≤ n ≤ max */
  range(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.next() * total;
    for (const [value, w] of entries) {
      r -= w;
      if (r < 0) return value;
    }
    return entries[entries.length - 1]![0];
  }

  chars(alphabet: string, length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  hex(length: number): string {
    return this.chars(HEX, length);
  }

  /** 32 random bits as 8 hex digits. */
  hex32(): string {
    return (Math.floor(this.next() * 4294967296) >>> 0).toString(16).padStart(8, "0");
  }

  /** A version-4 UUID: 122 random bits, version nibble 4, variant 10xx. */
  uuid(): string {
    const a = this.hex32();
    const b = this.hex32();
    const c = this.hex32();
    const d = this.hex32();
    const variant = HEX[8 + (parseInt(c[0]!, 16) & 3)];
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${c.slice(1, 4)}-${c.slice(4, 8)}${d}`;
  }

  /** The 16-character suffix of CloudTrail log file names. */
  fileSuffix(): string {
    return this.chars(ALNUM, 16);
  }

  /** A whole second in [start, end), for a scenario to start at. */
  second(start: number, end: number): number {
    return start + Math.floor((this.next() * (end - start)) / 1000) * 1000;
  }
}

/**
 * Ids that must stay the same for one principal across records (AROA…, AIDA…,
 * AKIA…): derived from a key with FNV-1a, not drawn from the stream.
 */
const stableCache = new Map<string, string>();
export function stableId(prefix: string, key: string, length: number, alphabet: string = BASE32): string {
  const cacheKey = `${prefix}|${length}|${key}`;
  const cached = stableCache.get(cacheKey);
  if (cached) return cached;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  const rng = mulberry32(h ^ prefix.length);
  let id = prefix;
  while (id.length < length) id += alphabet[Math.floor(rng() * alphabet.length)];
  if (stableCache.size > 50_000) stableCache.clear();
  stableCache.set(cacheKey, id);
  return id;
}

/** A long-term (AKIA…) or temporary (ASIA…) access key id, stable for its key. */
export function accessKeyId(prefix: "AKIA" | "ASIA", key: string): string {
  return stableId(prefix, key, 20, UPPER_ALNUM);
}
