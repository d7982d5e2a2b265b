import { describe, expect, it } from 'vitest';
import { type Bucket, budgetKeyOf, isFull, type RateLimitRule, takeToken } from './rate-limit.ts';

const rule: RateLimitRule = { perMinute: 60, burst: 3 };
const T0 = 1_000_000;

function takeMany(n: number, at: number, start?: Bucket) {
  let b = start;
  const results: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const t = takeToken(b, rule, at);
    b = t.bucket;
    results.push(t.ok);
  }
  return { results, bucket: b! };
}

describe('the token bucket', () => {
  it('lets a burst through at once, then refuses with the time until the next token', () => {
    const { results, bucket } = takeMany(4, T0);
    expect(results).toEqual([true, true, true, false]);
    const next = takeToken(bucket, rule, T0);
    expect(next).toMatchObject({ ok: false, retryAfterMs: 1000 });
  });

  it('refills at the rate a minute, never above the burst', () => {
    const { bucket } = takeMany(3, T0);
    expect(takeToken(bucket, rule, T0 + 999).ok).toBe(false);
    expect(takeToken(bucket, rule, T0 + 1000).ok).toBe(true);
    const later = takeMany(4, T0 + 3_600_000, bucket);
    expect(later.results).toEqual([true, true, true, false]);
  });

  it('is off with a rate of 0', () => {
    const off = { perMinute: 0, burst: 0 };
    let b: Bucket | undefined;
    for (let i = 0; i < 100; i++) {
      const t = takeToken(b, off, T0);
      expect(t.ok).toBe(true);
      b = t.bucket;
    }
  });

  it('says when a bucket left alone is full again', () => {
    const { bucket } = takeMany(3, T0);
    expect(isFull(bucket, rule, T0 + 2000)).toBe(false);
    expect(isFull(bucket, rule, T0 + 3000)).toBe(true);
  });
});

describe('the budget an address draws on', () => {
  it('is the IPv4 address, or the IPv6 /64, so that a client cannot take a new budget with each address', () => {
    expect(budgetKeyOf('203.0.113.9')).toBe('203.0.113.9');
    expect(budgetKeyOf('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(budgetKeyOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(budgetKeyOf('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(budgetKeyOf('2001:DB8:0001:0002::9')).toBe('2001:db8:1:2::/64');
    expect(budgetKeyOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(budgetKeyOf('::1')).toBe('0:0:0:0::/64');
    expect(budgetKeyOf('2001:db8:1:3::1')).not.toBe(budgetKeyOf('2001:db8:1:2::1'));
  });
});
