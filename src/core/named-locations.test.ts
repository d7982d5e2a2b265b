import { describe, expect, it } from 'vitest';
import { locationContains, locationsOf, type NamedLocation, normalizeAddress, parseCidr } from './named-locations.ts';

const office: NamedLocation = {
  id: 'A1',
  displayName: 'Office',
  ipRanges: ['192.0.2.0/24', '2001:db8:10::/48'],
  isTrusted: true,
};
const cafe: NamedLocation = { id: 'b2', displayName: 'Cafe', ipRanges: ['198.51.100.7/32'], isTrusted: false };

describe('parseCidr', () => {
  it('reads IPv4 and IPv6 ranges with their prefix', () => {
    expect(parseCidr('192.0.2.0/24')).toEqual({ ok: true, family: 'ipv4', address: '192.0.2.0', prefix: 24 });
    expect(parseCidr('2001:db8::/32')).toEqual({ ok: true, family: 'ipv6', address: '2001:db8::', prefix: 32 });
  });

  it('refuses a range without a prefix, a prefix too long for its family, or a non-address', () => {
    for (const bad of [
      '192.0.2.0',
      '192.0.2.0/33',
      '2001:db8::/129',
      'example.com/24',
      '300.0.0.1/8',
      'fe80::1%eth0/64',
      '',
    ])
      expect(parseCidr(bad), bad).toEqual({ ok: false });
  });
});

describe('normalizeAddress', () => {
  it('reads an IPv4-mapped IPv6 address, dotted or hexadecimal, as the IPv4 address', () => {
    expect(normalizeAddress('::ffff:192.0.2.9')).toEqual({ family: 'ipv4', address: '192.0.2.9' });
    expect(normalizeAddress('::FFFF:c000:0209')).toEqual({ family: 'ipv4', address: '192.0.2.9' });
  });

  it('gives null for an unknown or unreadable address', () => {
    expect(normalizeAddress(null)).toBeNull();
    expect(normalizeAddress('not an address')).toBeNull();
  });
});

describe('locationContains', () => {
  it('holds IPv4 and IPv6 addresses inside its ranges and not those outside', () => {
    expect(locationContains(office, '192.0.2.200')).toBe(true);
    expect(locationContains(office, '192.0.3.1')).toBe(false);
    expect(locationContains(office, '2001:db8:10:ffff::1')).toBe(true);
    expect(locationContains(office, '2001:db8:11::1')).toBe(false);
  });

  it('holds an IPv4 client seen through a dual-stack socket as ::ffff:a.b.c.d', () => {
    expect(locationContains(office, '::ffff:192.0.2.5')).toBe(true);
  });

  it('puts an unknown address in no location', () => {
    expect(locationContains(office, null)).toBe(false);
    expect(locationsOf([office, cafe], null).size).toBe(0);
  });

  it('lists the (lower-case) ids of every location holding the address', () => {
    expect([...locationsOf([office, cafe], '198.51.100.7')]).toEqual(['b2']);
    expect([...locationsOf([office, cafe], '192.0.2.1')]).toEqual(['a1']);
  });
});
