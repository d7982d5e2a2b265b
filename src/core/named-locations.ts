// Named locations of Conditional Access (Graph's ipNamedLocation): IP ranges, IPv4 and IPv6, trusted or not, and
// whether a client address is inside one. Pure: addresses are parsed and matched by ipaddr.js, in memory.
import ipaddr from 'ipaddr.js';

export interface NamedLocation {
  id: string;
  displayName: string;
  /** CIDR ranges, IPv4 (`192.0.2.0/24`) and IPv6 (`2001:db8::/32`), as Graph's cidrAddress. */
  ipRanges: string[];
  isTrusted: boolean;
}

export type CidrCheck = { ok: true; family: 'ipv4' | 'ipv6'; address: string; prefix: number } | { ok: false };

/** Four dotted decimals only (no `0x…`, octal or shortened forms), as the client address is written. */
const isIPv4 = (s: string) => ipaddr.IPv4.isValidFourPartDecimal(s);
/** An IPv6 address without a zone id (`%eth0` names an interface of this host, never a client). */
const isIPv6 = (s: string) => !s.includes('%') && ipaddr.IPv6.isValid(s);

/** Whether the text is an IPv4 or IPv6 address. */
export const isIpAddress = (s: string): boolean => isIPv4(s) || isIPv6(s);

/** A CIDR range as Graph's iPv4CidrRange / iPv6CidrRange take it: an address, a slash, a prefix length. */
export function parseCidr(cidr: string): CidrCheck {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (!m) return { ok: false };
  const address = m[1]!;
  const prefix = Number(m[2]);
  if (isIPv4(address)) return prefix <= 32 ? { ok: true, family: 'ipv4', address, prefix } : { ok: false };
  if (isIPv6(address)) return prefix <= 128 ? { ok: true, family: 'ipv6', address, prefix } : { ok: false };
  return { ok: false };
}

/**
 * The address as one family: an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, `::ffff:c000:201`, as a dual-stack
 * socket reports an IPv4 client) is the IPv4 address, so IPv4 ranges contain it. Anything else unreadable is null.
 */
export function normalizeAddress(ip: string | null): { family: 'ipv4' | 'ipv6'; address: string } | null {
  if (ip === null) return null;
  const s = ip.trim();
  if (isIPv4(s)) return { family: 'ipv4', address: s };
  if (!isIPv6(s)) return null;
  const v6 = ipaddr.IPv6.parse(s);
  if (v6.isIPv4MappedAddress()) return { family: 'ipv4', address: v6.toIPv4Address().toString() };
  return { family: 'ipv6', address: s };
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

// A location's ranges parsed once per document object (the cached snapshot keeps the same objects).
const compiled = new WeakMap<NamedLocation, { v4: Range[]; v6: Range[] }>();
function rangesOf(loc: NamedLocation) {
  let ranges = compiled.get(loc);
  if (!ranges) {
    ranges = { v4: [], v6: [] };
    for (const r of loc.ipRanges) {
      const c = parseCidr(r);
      if (c.ok) (c.family === 'ipv4' ? ranges.v4 : ranges.v6).push([ipaddr.parse(c.address), c.prefix]);
    }
    compiled.set(loc, ranges);
  }
  return ranges;
}

/** Whether the client address is in the location; an unknown or unreadable address is in none. */
export function locationContains(loc: NamedLocation, ip: string | null): boolean {
  const a = normalizeAddress(ip);
  if (!a) return false;
  const ranges = rangesOf(loc);
  if (a.family === 'ipv4') {
    const v4 = ipaddr.IPv4.parse(a.address);
    return ranges.v4.some((r) => v4.match(r as [ipaddr.IPv4, number]));
  }
  const v6 = ipaddr.IPv6.parse(a.address);
  return ranges.v6.some((r) => v6.match(r as [ipaddr.IPv6, number]));
}

/** The ids of the locations holding the address (lower case). */
export function locationsOf(locations: readonly NamedLocation[], ip: string | null): Set<string> {
  const ids = new Set<string>();
  if (normalizeAddress(ip) === null) return ids;
  for (const l of locations) if (locationContains(l, ip)) ids.add(l.id.toLowerCase());
  return ids;
}
