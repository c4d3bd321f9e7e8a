// IP address / CIDR helpers for the EventBridge `cidr` matcher. node:net's
// isIP does the syntax validation; the arithmetic is done on bigints so that
// IPv4 and IPv6 share one code path. Everything a match needs is computed at
// parse time, so testing an address against a range only compares bigints
// (bigint arithmetic allocates; comparisons do not).
import { isIP } from "node:net";

export interface IpAddress {
  version: 4 | 6;
  value: bigint;
  /** The address as IPv6: itself, or an IPv4 address in its mapped form (::ffff:a.b.c.d). */
  asV6: bigint;
}

export interface CidrRange {
  version: 4 | 6;
  network: bigint;
  prefix: number;
  /** The last address of the range. */
  last: bigint;
  /** For IPv4 ranges, the range in IPv4-mapped IPv6 form; for IPv6 ranges, network and last. */
  v6First: bigint;
  v6Last: bigint;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n; // ::ffff:0:0/96

function parseV4(text: string): bigint {
  return text.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function parseV6(text: string): bigint {
  // A trailing dotted quad (e.g. ::ffff:10.0.0.1) stands for the last two hextets.
  let hex = text;
  const lastColon = hex.lastIndexOf(":");
  const tail = hex.slice(lastColon + 1);
  if (tail.includes(".")) {
    const v4 = parseV4(tail);
    hex = `${hex.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = "", rest] = hex.split("::");
  const headParts = head === "" ? [] : head.split(":");
  const restParts = rest === undefined || rest === "" ? [] : rest.split(":");
  const zeros = new Array<string>(8 - headParts.length - restParts.length).fill("0");
  const groups = rest === undefined ? headParts : [...headParts, ...zeros, ...restParts];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/**
 * Source addresses repeat across millions of records, and parsing one costs
 * BigInt arithmetic: remember recent ones. Cleared when full, so memory stays
 * bounded whatever the input.
 */
const ipCache = new Map<string, IpAddress | null>();
const IP_CACHE_LIMIT = 8192;

export function parseIp(text: string): IpAddress | undefined {
  const cached = ipCache.get(text);
  if (cached !== undefined) return cached ?? undefined;
  const parsed = parseIpUncached(text);
  if (ipCache.size >= IP_CACHE_LIMIT) ipCache.clear();
  ipCache.set(text, parsed ?? null);
  return parsed;
}

function parseIpUncached(text: string): IpAddress | undefined {
  // Zone ids (fe80::1%eth0) identify an interface, not part of the address.
  const address = text.includes("%") ? text.slice(0, text.indexOf("%")) : text;
  const version = isIP(address);
  if (version === 4) {
    const value = parseV4(address);
    return { version: 4, value, asV6: V4_MAPPED_PREFIX | value };
  }
  if (version === 6) {
    const value = parseV6(address);
    return { version: 6, value, asV6: value };
  }
  return undefined;
}

export function parseCidr(text: string): CidrRange | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const addressText = text.slice(0, slash);
  if (addressText.includes("%")) return undefined;
  const address = parseIp(addressText);
  if (!address) return undefined;
  const prefix = Number(prefixText);
  const width = address.version === 4 ? 32 : 128;
  if (prefix > width) return undefined;
  // Host bits are tolerated and masked off, as most CIDR tooling does.
  const network = address.value & mask(width, prefix);
  const last = network | ((1n << BigInt(width - prefix)) - 1n);
  const mapped = address.version === 4 ? V4_MAPPED_PREFIX : 0n;
  return { version: address.version, network, prefix, last, v6First: mapped | network, v6Last: mapped | last };
}

function mask(width: number, prefix: number): bigint {
  const all = (1n << BigInt(width)) - 1n;
  return all ^ ((1n << BigInt(width - prefix)) - 1n);
}

/**
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are the same host as a.b.c.d,
 * so an IPv4 range accepts them and an IPv6 range sees IPv4 addresses in
 * their mapped form.
 */
export function ipInRange(ip: IpAddress, range: CidrRange): boolean {
  if (ip.version === range.version) return ip.value >= range.network && ip.value <= range.last;
  return ip.asV6 >= range.v6First && ip.asV6 <= range.v6Last;
}

const cidrCache = new Map<string, CidrRange | null>();

function cachedCidr(cidrText: string): CidrRange | null {
  let range = cidrCache.get(cidrText);
  if (range === undefined) {
    range = parseCidr(cidrText) ?? null;
    cidrCache.set(cidrText, range);
  }
  return range;
}

export function ipInCidr(ipText: string, cidrText: string): boolean {
  const range = cachedCidr(cidrText);
  const ip = parseIp(ipText);
  return range !== null && ip !== undefined && ipInRange(ip, range);
}

/** The first of `cidrs` (e.g. a baseline's networks) that holds `ip`. */
export function cidrHolding(ip: IpAddress, cidrs: readonly string[]): string | undefined {
  for (const cidr of cidrs) {
    const range = cachedCidr(cidr);
    if (range !== null && ipInRange(ip, range)) return cidr;
  }
  return undefined;
}
