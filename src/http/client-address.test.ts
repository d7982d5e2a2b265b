import { describe, expect, it } from 'vitest';
import {
  noTrustedProxies,
  type ProxyHeader,
  parseTrustedProxies,
  resolveClientAddress,
  type TrustedProxies,
} from './client-address.ts';

function trust(raw: string, header: ProxyHeader = 'x-forwarded-for'): TrustedProxies {
  const r = parseTrustedProxies(raw, header);
  if (!r.ok) throw new Error(`${r.entry} ${r.reason}`);
  return r.value;
}

const PROXY = '10.0.0.5';
const proxies = trust('10.0.0.0/24, 2001:db8:ffff::/48, 127.0.0.1');
const forwardedProxies = trust('10.0.0.0/24, 2001:db8:ffff::/48, 127.0.0.1', 'forwarded');

describe('parseTrustedProxies', () => {
  it('reads addresses and CIDRs of both families, ignoring blanks', () => {
    const r = trust(' 10.0.0.0/8 ,192.0.2.7,, 2001:db8::/32, ::1, [2001:db8::9] ');
    expect(r.entries).toEqual(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '::1', '2001:db8::9']);
  });

  it('means no trusted proxies when unset or empty', () => {
    expect(trust('').entries).toEqual([]);
    const unset = parseTrustedProxies(undefined);
    expect(unset.ok && unset.value.entries).toEqual([]);
  });

  it.each([
    'localhost',
    '10.0.0.0/33',
    '2001:db8::/129',
    '10.0.0.0/',
    '10.0.0.0/x',
    '300.1.1.1',
    '10.0.0.1, proxy.internal',
    'fe80::1%eth0',
    '*',
  ])('refuses %s', (raw) => {
    expect(parseTrustedProxies(raw).ok).toBe(false);
  });
});

describe('resolveClientAddress', () => {
  it('is the peer when no proxy is trusted, whatever the headers say', () => {
    expect(
      resolveClientAddress(
        '203.0.113.9',
        { 'x-forwarded-for': '198.51.100.1', forwarded: 'for=198.51.100.2' },
        noTrustedProxies,
      ),
    ).toBe('203.0.113.9');
  });

  it('is the peer when the peer is not a trusted proxy (a forged header from a stranger)', () => {
    expect(resolveClientAddress('203.0.113.9', { 'x-forwarded-for': '198.51.100.1' }, proxies)).toBe('203.0.113.9');
    expect(resolveClientAddress('203.0.113.9', { forwarded: 'for=198.51.100.1' }, proxies)).toBe('203.0.113.9');
  });

  it('takes the entry the trusted proxy appended', () => {
    expect(resolveClientAddress(PROXY, { 'x-forwarded-for': '198.51.100.1' }, proxies)).toBe('198.51.100.1');
  });

  it('walks from the right: a client-supplied entry to the left of the real one is ignored', () => {
    expect(resolveClientAddress(PROXY, { 'x-forwarded-for': '1.1.1.1, 198.51.100.1' }, proxies)).toBe('198.51.100.1');
    expect(resolveClientAddress(PROXY, { 'x-forwarded-for': ['1.1.1.1', '198.51.100.1'] }, proxies)).toBe(
      '198.51.100.1',
    );
  });

  it('passes through a chain of trusted proxies to the first untrusted hop', () => {
    expect(resolveClientAddress(PROXY, { 'x-forwarded-for': '1.1.1.1, 198.51.100.1, 10.0.0.9' }, proxies)).toBe(
      '198.51.100.1',
    );
  });

  it('is the leftmost hop when every hop is trusted', () => {
    expect(resolveClientAddress(PROXY, { 'x-forwarded-for': '10.0.0.7, 10.0.0.9' }, proxies)).toBe('10.0.0.7');
  });

  it('stops at the last trusted address on junk, unknown or an obfuscated node', () => {
    for (const xff of ['garbage', '198.51.100.1, not-an-ip', '', ' , ', '1.2.3.4:99999x'])
      expect(resolveClientAddress(PROXY, { 'x-forwarded-for': xff }, proxies), xff).toBe(PROXY);
    expect(resolveClientAddress(PROXY, { 'x-forwarded-for': '198.51.100.1, garbage, 10.0.0.9' }, proxies)).toBe(
      '10.0.0.9',
    );
    for (const fwd of ['for=unknown', 'for=_hidden', 'for="_gazonk"', 'by=10.0.0.5', 'for=2001:db8::1', 'nonsense'])
      expect(resolveClientAddress(PROXY, { forwarded: fwd }, forwardedProxies), fwd).toBe(PROXY);
    expect(resolveClientAddress(PROXY, { forwarded: 'for=198.51.100.1, for=unknown' }, forwardedProxies)).toBe(PROXY);
  });

  it('reads RFC 7239 Forwarded, including quoted IPv6 with a port and other parameters', () => {
    expect(resolveClientAddress(PROXY, { forwarded: 'for=198.51.100.1' }, forwardedProxies)).toBe('198.51.100.1');
    expect(resolveClientAddress(PROXY, { forwarded: 'For="[2001:DB8::1]:4711"' }, forwardedProxies)).toBe(
      '2001:db8::1',
    );
    expect(
      resolveClientAddress(
        PROXY,
        { forwarded: 'for=192.0.2.43;proto=https;by=10.0.0.5, for="198.51.100.17:8080";host="a,b;c"' },
        forwardedProxies,
      ),
    ).toBe('198.51.100.17');
    expect(resolveClientAddress(PROXY, { forwarded: 'for=192.0.2.43, for=10.0.0.8' }, forwardedProxies)).toBe(
      '192.0.2.43',
    );
  });

  it('reads X-Forwarded-For entries with ports and brackets', () => {
    expect(resolveClientAddress(PROXY, { 'x-forwarded-for': '198.51.100.1:5000' }, proxies)).toBe('198.51.100.1');
    expect(resolveClientAddress(PROXY, { 'x-forwarded-for': '[2001:db8::7]:443' }, proxies)).toBe('2001:db8::7');
    expect(resolveClientAddress(PROXY, { 'x-forwarded-for': '2001:DB8::7' }, proxies)).toBe('2001:db8::7');
  });

  it('trusts IPv6 proxies by CIDR, and an IPv4 proxy seen as IPv4-mapped IPv6', () => {
    expect(resolveClientAddress('2001:db8:ffff::2', { 'x-forwarded-for': '198.51.100.1' }, proxies)).toBe(
      '198.51.100.1',
    );
    expect(resolveClientAddress('::ffff:127.0.0.1', { 'x-forwarded-for': '198.51.100.1' }, proxies)).toBe(
      '198.51.100.1',
    );
    expect(resolveClientAddress('2001:db8:fffe::2', { 'x-forwarded-for': '198.51.100.1' }, proxies)).toBe(
      '2001:db8:fffe::2',
    );
  });

  it('reads only the header the proxies write: the other kind, sent by the client, neither names nor blurs it', () => {
    const both = { 'x-forwarded-for': '198.51.100.1', forwarded: 'for=198.51.100.2' };
    expect(resolveClientAddress(PROXY, both, proxies)).toBe('198.51.100.1');
    expect(resolveClientAddress(PROXY, both, forwardedProxies)).toBe('198.51.100.2');
    for (const forged of ['for=6.6.6.6', 'for=_hidden', 'for="6.6.6.6', 'host=evil.example;proto=https'])
      expect(resolveClientAddress(PROXY, { 'x-forwarded-for': '198.51.100.1', forwarded: forged }, proxies)).toBe(
        '198.51.100.1',
      );
    expect(resolveClientAddress(PROXY, { forwarded: 'for=198.51.100.2' }, proxies)).toBe(PROXY);
    expect(resolveClientAddress(PROXY, { 'x-forwarded-for': '198.51.100.1' }, forwardedProxies)).toBe(PROXY);
  });

  it('writes one address one way, so one client is one lockout key', () => {
    for (const written of ['2001:0DB8:0000::0001', '2001:db8:0:0:0:0:0:1', '[2001:db8::1]:443'])
      expect(resolveClientAddress(PROXY, { 'x-forwarded-for': written }, proxies)).toBe('2001:db8::1');
    for (const written of ['::ffff:203.0.113.7', '::ffff:cb00:7107', '::FFFF:CB00:7107'])
      expect(resolveClientAddress(PROXY, { 'x-forwarded-for': written }, proxies)).toBe('203.0.113.7');
    expect(resolveClientAddress('::ffff:7f00:1', { 'x-forwarded-for': '198.51.100.1' }, proxies)).toBe('198.51.100.1');
  });

  it('is the trusted peer itself when it forwards no header', () => {
    expect(resolveClientAddress(PROXY, {}, proxies)).toBe(PROXY);
  });
});
