import { describe, expect, it } from 'vitest';
import {
  KEY_RETIREMENT_DELAY_MS,
  keysDueForRetirement,
  keysInForce,
  SIGNED_TOKEN_TTL_S,
  type SigningKeyFacts,
  VERIFIER_CLOCK_SKEW_S,
} from './signing-key-retirement.ts';

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
    expect(now.keys.map((k) => k.kid)).toEqual(['rs1', 'es1', 'rs2', 'es2']);
    expect(now.nextChangeAt).toBe(T1 + KEY_RETIREMENT_DELAY_MS);
    const later = keysInForce(keys, T1 + KEY_RETIREMENT_DELAY_MS);
    expect(later.keys.map((k) => k.kid)).toEqual(['rs2', 'es2']);
    expect(later.nextChangeAt).toBeUndefined();
    expect(keysInForce([key('rs1', 'RS256', T0, T0 + 1), key('rs2', 'RS256', T1)], T1).keys.map((k) => k.kid)).toEqual([
      'rs2',
    ]);
  });
});
