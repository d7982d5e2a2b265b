import { describe, expect, it } from 'vitest';
import {
  KEY_PUBLICATION_LEAD_MS,
  KEY_RETIREMENT_DELAY_MS,
  keysDueForRetirement,
  keysInForce,
  SIGNED_TOKEN_TTL_S,
  type SigningKeyFacts,
  signingKids,
  VERIFIER_CLOCK_SKEW_S,
} from './signing-key-schedule.ts';

const T0 = Date.UTC(2026, 0, 1);
const T1 = T0 + 86_400_000;
const key = (kid: string, alg: string, createdAt: number, retiredAt: number | null = null): SigningKeyFacts => ({
  kid,
  alg,
  createdAt,
  retiredAt,
});
// Two generations of keys: the first rotated out at T1.
const keys = [key('rs1', 'RS256', T0), key('es1', 'ES256', T0), key('rs2', 'RS256', T1), key('es2', 'ES256', T1)];

describe('retiring rotated-out signing keys', () => {
  it('waits the longest signed token lifetime plus the clock skew after the key stopped signing', () => {
    expect(KEY_RETIREMENT_DELAY_MS).toBe((SIGNED_TOKEN_TTL_S + VERIFIER_CLOCK_SKEW_S) * 1000);
    expect(keysDueForRetirement(keys, T1)).toEqual([]);
    expect(keysDueForRetirement(keys, T1 + KEY_RETIREMENT_DELAY_MS - 1)).toEqual([]);
    expect(keysDueForRetirement(keys, T1 + KEY_RETIREMENT_DELAY_MS).sort()).toEqual(['es1', 'rs1']);
  });

  it('never retires the newest key of an algorithm, however old, nor one already retired', () => {
    expect(keysDueForRetirement(keys, T1 + 10 * 365 * 86_400_000).sort()).toEqual(['es1', 'rs1']);
    expect(keysDueForRetirement([key('rs1', 'RS256', T0)], T1 + 10 * 365 * 86_400_000)).toEqual([]);
    expect(keysDueForRetirement([key('rs1', 'RS256', T0, T1), key('rs2', 'RS256', T1)], T1 * 2)).toEqual([]);
    // A newer key of another algorithm does not replace this one.
    expect(keysDueForRetirement([key('rs1', 'RS256', T0), key('es2', 'ES256', T1)], T1 * 2)).toEqual([]);
  });

  it('counts from the first successor: a key rotated out twice is due after the first rotation', () => {
    const three = [...keys, key('rs3', 'RS256', T1 + 2 * KEY_RETIREMENT_DELAY_MS)];
    expect(keysDueForRetirement(three, T1 + KEY_RETIREMENT_DELAY_MS).sort()).toEqual(['es1', 'rs1']);
  });

  it('says which keys are in force now and when that next changes', () => {
    const now = keysInForce(keys, T1 + 1000);
    // The keys signing now first, RS256 first of all; then the rotated-out ones, still verifying.
    expect(now.keys.map((k) => k.kid)).toEqual(['rs2', 'es2', 'rs1', 'es1']);
    expect(now.nextChangeAt).toBe(T1 + KEY_RETIREMENT_DELAY_MS);
    const later = keysInForce(keys, T1 + KEY_RETIREMENT_DELAY_MS);
    expect(later.keys.map((k) => k.kid)).toEqual(['rs2', 'es2']);
    expect(later.nextChangeAt).toBeUndefined();
    expect(keysInForce([key('rs1', 'RS256', T0, T0 + 1), key('rs2', 'RS256', T1)], T1).keys.map((k) => k.kid)).toEqual([
      'rs2',
    ]);
  });
});

describe('publishing new signing keys before they sign', () => {
  const S = T1 + KEY_PUBLICATION_LEAD_MS;
  // A rotation at T1: the new keys are published at once and sign from S.
  const rotated = [
    key('rs1', 'RS256', T0),
    key('es1', 'ES256', T0),
    { ...key('rs2', 'RS256', T1), signsFrom: S },
    { ...key('es2', 'ES256', T1), signsFrom: S },
  ];
  const kids = (ks: readonly SigningKeyFacts[]) => ks.map((k) => k.kid);

  it('publishes them at once while the old keys go on signing, until their time comes', () => {
    expect(KEY_PUBLICATION_LEAD_MS).toBeGreaterThanOrEqual(10 * 60_000);
    const before = keysInForce(rotated, T1 + 1000);
    expect(kids(before.keys)).toEqual(['rs1', 'es1', 'rs2', 'es2']);
    expect(signingKids(rotated, T1 + 1000).sort()).toEqual(['es1', 'rs1']);
    // The provider is built again when they start signing.
    expect(before.nextChangeAt).toBe(S);
    expect(signingKids(rotated, S - 1).sort()).toEqual(['es1', 'rs1']);
  });

  it('signs with them from then on, and counts the old keys’ retirement from then, not from the rotation', () => {
    const at = keysInForce(rotated, S);
    expect(kids(at.keys)).toEqual(['rs2', 'es2', 'rs1', 'es1']);
    expect(signingKids(rotated, S).sort()).toEqual(['es2', 'rs2']);
    expect(at.nextChangeAt).toBe(S + KEY_RETIREMENT_DELAY_MS);
    expect(keysDueForRetirement(rotated, T1 + KEY_RETIREMENT_DELAY_MS)).toEqual([]);
    expect(keysDueForRetirement(rotated, S + KEY_RETIREMENT_DELAY_MS - 1)).toEqual([]);
    expect(keysDueForRetirement(rotated, S + KEY_RETIREMENT_DELAY_MS).sort()).toEqual(['es1', 'rs1']);
    expect(kids(keysInForce(rotated, S + KEY_RETIREMENT_DELAY_MS).keys)).toEqual(['rs2', 'es2']);
  });

  it('keeps a key published early out of signing even when it is listed first, and a retired one out of all', () => {
    const listedNewestFirst = [...rotated].reverse();
    expect(kids(keysInForce(listedNewestFirst, T1 + 1000).keys).slice(0, 2)).toEqual(['rs1', 'es1']);
    expect(signingKids([{ ...key('rs1', 'RS256', T0), retiredAt: T1 }, ...rotated.slice(1)], T1 + 1000)).toEqual([
      'es1',
    ]);
  });
});
