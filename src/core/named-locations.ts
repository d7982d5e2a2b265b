// Named locations of Conditional Access (Graph's ipNamedLocation): IP ranges, IPv4 and IPv6, trusted or not, and
// whether a client address is inside one. Pure: node:net's BlockList is an in-memory matcher, no I/O.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface NamedLocation {
  id: string;
  displayName: string;
  /** CIDR ranges, IPv4 (`192.0.2.0/24`) and IPv6 (`2001:db8::/32`), as Graph's cidrAddress. */
  ipRanges: string[];
  isTrusted: boolean;
}

export type CidrCheck = { ok: true; family: 'ipv4' | 'ipv6'; address: string; prefix: number } | { ok: false };

/** A CIDR range as Graph's iPv4CidrRange / iPv6CidrRange take it: an address, a slash, a prefix length. */
export function parseCidr(cidr: string): CidrCheck {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (!m) return { ok: false };
  const address = m[1]!;
  const prefix = Number(m[2]);
  if (isIPv4(address)) return prefix <= 32 ? { ok: true, family: 'ipv4', address, prefix } : { ok: false };
  if (isIPv6(address) && !address.includes('%'))
    return prefix <= 128 ? { ok: true, family: 'ipv6', address, prefix } : { ok: false };
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
  if (!isIPv6(s) || s.includes('%')) return null;
  const dotted = /^(?:0{0,4}:){0,4}:?(?:0{0,4}:)?ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
  if (dotted && isIPv4(dotted[1]!)) return { family: 'ipv4', address: dotted[1]! };
  const hex = /^(?:0{0,4}:){0,4}:?(?:0{0,4}:)?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(s);
  if (hex) {
    const hi = Number.parseInt(hex[1]!, 16);
    const lo = Number.parseInt(hex[2]!, 16);
    return { family: 'ipv4', address: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}` };
  }
  return { family: 'ipv6', address: s };
}

// A location's ranges compiled once per document object (the cached snapshot keeps the same objects).
const compiled = new WeakMap<NamedLocation, BlockList>();
function blockListOf(loc: NamedLocation): BlockList {
  let list = compiled.get(loc);
  if (!list) {
    list = new BlockList();
    for (const r of loc.ipRanges) {
      const c = parseCidr(r);
      if (c.ok) list.addSubnet(c.address, c.prefix, c.family);
    }
    compiled.set(loc, list);
  }
  return list;
}

/** Whether the client address is in the location; an unknown or unreadable address is in none. */
export function locationContains(loc: NamedLocation, ip: string | null): boolean {
  const a = normalizeAddress(ip);
  if (!a) return false;
  return blockListOf(loc).check(a.address, a.family);
}

/** The ids of the locations holding the address (lower case). */
export function locationsOf(locations: readonly NamedLocation[], ip: string | null): Set<string> {
  const ids = new Set<string>();
  if (normalizeAddress(ip) === null) return ids;
  for (const l of locations) if (locationContains(l, ip)) ids.add(l.id.toLowerCase());
  return ids;
}
