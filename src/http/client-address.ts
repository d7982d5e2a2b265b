// Which address is the client: the TCP peer, unless the peer is a proxy the operator trusts, in which case the
// one header those proxies write (X-Forwarded-For, or RFC 7239 Forwarded) is walked from the right while each hop
// is trusted. Only that header: a client can send the other kind through the proxy untouched.
// It sits at the HTTP edge because it reads proxy headers and uses node:net (BlockList, isIP: in-memory, no I/O);
// the trusted list is parsed once at start.
import { BlockList, isIP } from 'node:net';

/** The header the trusted proxies write (SIGNET_PROXY_HEADER). */
export type ProxyHeader = 'x-forwarded-for' | 'forwarded';

export interface TrustedProxies {
  /** The entries as configured, normalized (for messages and /readyz detail). */
  readonly entries: readonly string[];
  readonly list: BlockList;
  readonly header: ProxyHeader;
}

export type ParsedTrustedProxies = { ok: true; value: TrustedProxies } | { ok: false; entry: string; reason: string };

export const noTrustedProxies: TrustedProxies = { entries: [], list: new BlockList(), header: 'x-forwarded-for' };

/** `SIGNET_TRUSTED_PROXIES`: addresses and CIDRs, IPv4 and IPv6, comma-separated; empty means none. */
export function parseTrustedProxies(
  raw: string | undefined,
  header: ProxyHeader = 'x-forwarded-for',
): ParsedTrustedProxies {
  const list = new BlockList();
  const entries: string[] = [];
  for (const part of (raw ?? '').split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const slash = entry.indexOf('/');
    const address = (slash === -1 ? entry : entry.slice(0, slash)).replace(/^\[(.*)\]$/, '$1');
    const family = isIP(address);
    if (family === 0 || address.includes('%'))
      return { ok: false, entry, reason: 'is not an IPv4 or IPv6 address or CIDR' };
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (slash === -1) {
      list.addAddress(address, type);
      entries.push(address);
      continue;
    }
    const bits = entry.slice(slash + 1);
    const max = family === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(bits) || Number(bits) > max)
      return { ok: false, entry, reason: `has a prefix length that is not 0 to ${max}` };
    list.addSubnet(address, Number(bits), type);
    entries.push(`${address}/${bits}`);
  }
  return { ok: true, value: { entries, list, header } };
}

/**
 * An address in one canonical form for lockout keys and logs, so that one client is one key: IPv6 compressed and
 * lower case (RFC 5952, as the WHATWG URL parser writes it), IPv4-mapped IPv6 as IPv4; null when not an address.
 */
function normalize(candidate: string): string | null {
  const family = isIP(candidate);
  if (family === 0 || candidate.includes('%')) return null;
  if (family === 4) return candidate;
  const a = new URL(`http://[${candidate}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (!mapped) return a;
  const hi = Number.parseInt(mapped[1]!, 16);
  const lo = Number.parseInt(mapped[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function isTrusted(address: string, t: TrustedProxies): boolean {
  return t.list.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
}

/** One X-Forwarded-For entry: `1.2.3.4`, `1.2.3.4:port`, `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:port`. */
function xffAddress(entry: string): string | null {
  const e = entry.trim();
  if (e.startsWith('[')) {
    const end = e.indexOf(']');
    if (end === -1 || (end + 1 < e.length && !/^:\d{1,5}$/.test(e.slice(end + 1)))) return null;
    return normalize(e.slice(1, end));
  }
  const colon = e.indexOf(':');
  if (colon !== -1 && colon === e.lastIndexOf(':')) {
    // IPv4 with a port (one colon); an IPv6 address has at least two.
    if (!/^\d{1,5}$/.test(e.slice(colon + 1))) return null;
    const v4 = e.slice(0, colon);
    return isIP(v4) === 4 ? v4 : null;
  }
  return normalize(e);
}

/**
 * RFC 7239 `Forwarded`: elements separated by commas, pairs by semicolons, values a token or a quoted string.
 * Returns one `for=` node per element, in order (null where the element has no usable address).
 */
function forwardedFor(header: string): Array<string | null> {
  const out: Array<string | null> = [];
  let pairs: string[] = [];
  let cur = '';
  let quoted = false;
  const endElement = () => {
    pairs.push(cur);
    cur = '';
    out.push(elementFor(pairs));
    pairs = [];
  };
  for (let i = 0; i < header.length; i++) {
    const c = header[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < header.length) {
        cur += c + header[++i];
        continue;
      }
      if (c === '"') quoted = false;
      cur += c;
    } else if (c === '"') {
      quoted = true;
      cur += c;
    } else if (c === ',') endElement();
    else if (c === ';') {
      pairs.push(cur);
      cur = '';
    } else cur += c;
  }
  endElement();
  if (quoted) out[out.length - 1] = null;
  return out;
}

function elementFor(pairs: string[]): string | null {
  let node: string | null = null;
  let seen = false;
  for (const pair of pairs) {
    const p = pair.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    if (eq <= 0) return null;
    let value = p.slice(eq + 1).trim();
    if (value.startsWith('"')) {
      if (value.length < 2 || !value.endsWith('"')) return null;
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    if (p.slice(0, eq).trim().toLowerCase() !== 'for') continue;
    if (seen) return null;
    seen = true;
    node = forNode(value);
  }
  return node;
}

/** A `for=` node: `1.2.3.4`, `1.2.3.4:port`, `[2001:db8::1]`, `[2001:db8::1]:port`; `unknown`/`_hidden` are null. */
function forNode(value: string): string | null {
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end === -1) return null;
    const rest = value.slice(end + 1);
    if (rest !== '' && !/^:(\d{1,5}|_[A-Za-z0-9._-]+)$/.test(rest)) return null;
    return normalize(value.slice(1, end));
  }
  const colon = value.indexOf(':');
  const host = colon === -1 ? value : value.slice(0, colon);
  if (colon !== -1 && !/^(\d{1,5}|_[A-Za-z0-9._-]+)$/.test(value.slice(colon + 1))) return null;
  // Unbracketed, only IPv4 is allowed (RFC 7239 §6: IPv6 must be quoted and bracketed).
  return isIP(host) === 4 ? host : null;
}

/**
 * Walks the hops right to left: the peer, then each forwarded entry while the hop we came from is trusted. The
 * first untrusted address is the client; an unreadable entry (junk, `unknown`, an obfuscated name) ends the walk
 * at the last trusted address. Only the configured header is walked: the other kind, which the proxies do not
 * write, is whatever the client sent, and must neither name the client nor blur it.
 */
export function resolveClientAddress(
  peer: string | undefined,
  headers: { 'x-forwarded-for'?: string | string[]; forwarded?: string | string[] },
  trusted: TrustedProxies,
): string | undefined {
  if (peer === undefined) return undefined;
  const self = normalize(peer);
  if (self === null) return peer;
  if (trusted.entries.length === 0 || !isTrusted(self, trusted)) return self;
  const value = joined(headers[trusted.header]);
  if (value === undefined) return self;
  const hops = trusted.header === 'forwarded' ? forwardedFor(value) : value.split(',').map(xffAddress);
  return walk(self, hops, trusted);
}

function joined(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  const s = Array.isArray(v) ? v.join(',') : v;
  return s.trim() === '' ? undefined : s;
}

/** `hops` are left to right as the header lists them; the walk starts at the (trusted) peer. */
function walk(peer: string, hops: Array<string | null>, trusted: TrustedProxies): string {
  let current = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (hop === null || hop === undefined) return current;
    current = hop;
    if (!isTrusted(hop, trusted)) return hop;
  }
  return current;
}
