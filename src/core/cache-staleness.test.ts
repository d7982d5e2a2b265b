import { describe, expect, it } from 'vitest';
import { isStale, VERSION_CHECK_INTERVAL_MS, versionCheckDue } from './cache-staleness.ts';

describe('versionCheckDue', () => {
  it('reads again only once the interval has passed', () => {
    expect(versionCheckDue(1000, 1000)).toBe(false);
    expect(versionCheckDue(1000, 1000 + VERSION_CHECK_INTERVAL_MS - 1)).toBe(false);
    expect(versionCheckDue(1000, 1000 + VERSION_CHECK_INTERVAL_MS)).toBe(true);
  });
  it('reads again when never read or when the clock went backwards', () => {
    expect(versionCheckDue(Number.NEGATIVE_INFINITY, 0)).toBe(true);
    expect(versionCheckDue(1000, 999)).toBe(true);
  });
  it('honours another interval', () => {
    expect(versionCheckDue(0, 50, 100)).toBe(false);
    expect(versionCheckDue(0, 100, 100)).toBe(true);
  });
});

describe('isStale', () => {
  it('is stale when a kind it depends on moved, in either direction', () => {
    expect(isStale({ 'signing-keys': 1 }, { 'signing-keys': 2 }, ['signing-keys'])).toBe(true);
    expect(isStale({ tenant: 3 }, { tenant: 2 }, ['tenant'])).toBe(true);
  });
  it('treats a kind never written as version 0', () => {
    expect(isStale({}, { tenant: 0 }, ['tenant'])).toBe(false);
    expect(isStale({}, { tenant: 1 }, ['tenant'])).toBe(true);
  });
  it('ignores kinds it does not depend on', () => {
    expect(isStale({ tenant: 1 }, { tenant: 1, 'signing-keys': 5 }, ['tenant'])).toBe(false);
    expect(isStale({ tenant: 1 }, { tenant: 1, 'signing-keys': 5 }, ['tenant', 'signing-keys'])).toBe(true);
  });
});
