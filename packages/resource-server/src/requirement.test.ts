import { describe, expect, it } from 'vitest';
import { challenge } from './challenge.ts';
import { type AuthenticationFacts, acrMeets, evaluateRequirement, factsOf, requirement } from './requirement.ts';

const NOW = 1_800_000_000;
const facts = (f: Partial<AuthenticationFacts> = {}): AuthenticationFacts => ({
  acr: 'c-mfa',
  authTime: NOW - 60,
  amr: ['pwd', 'otp', 'mfa'],
  scopes: ['orders.read'],
  ...f,
});

describe('requirement', () => {
  it('lets through a sign-in meeting every part of it', () => {
    const r = requirement({ acr: ['phr'], maxAge: 300, amr: ['hwk'], scopes: ['orders.read'] });
    expect(evaluateRequirement(facts({ acr: 'phr', amr: ['pop', 'hwk', 'user'] }), r, NOW)).toEqual({ ok: true });
    expect(evaluateRequirement(facts(), requirement(), NOW)).toEqual({ ok: true });
  });

  it('meets acr by any one of the values asked; phrh meets phr, not the other way round', () => {
    const r = requirement({ acr: ['phr', 'c-mfa'] });
    expect(evaluateRequirement(facts({ acr: 'c-mfa' }), r, NOW).ok).toBe(true);
    expect(acrMeets('phrh', 'phr')).toBe(true);
    expect(acrMeets('phr', 'phrh')).toBe(false);
    expect(acrMeets(undefined, 'phr')).toBe(false);
    expect(evaluateRequirement(facts({ acr: 'phr' }), requirement({ acr: ['phrh'] }), NOW).ok).toBe(false);
  });

  it('asks for everything the route needs, acr_values and max_age together, when only acr falls short', () => {
    const result = evaluateRequirement(facts({ acr: undefined }), requirement({ acr: ['phr'], maxAge: 300 }), NOW);
    expect(result).toEqual({
      ok: false,
      status: 401,
      unmet: ['acr'],
      challenge: {
        error: 'insufficient_user_authentication',
        description: 'A sign-in meeting phr is required',
        acrValues: ['phr'],
        maxAge: 300,
      },
    });
    if (!result.ok)
      expect(challenge(result.challenge)).toBe(
        'Bearer error="insufficient_user_authentication", error_description="A sign-in meeting phr is required", acr_values="phr", max_age="300"',
      );
  });

  it('takes auth_time exactly maxAge old, not one second more; the clock tolerance widens it; no auth_time fails', () => {
    const r = requirement({ maxAge: 300 });
    expect(evaluateRequirement(facts({ authTime: NOW - 300 }), r, NOW).ok).toBe(true);
    const old = evaluateRequirement(facts({ authTime: NOW - 301 }), r, NOW);
    expect(old).toMatchObject({ ok: false, status: 401, unmet: ['max_age'], challenge: { maxAge: 300 } });
    expect(old.ok === false && old.challenge.acrValues).toBeFalsy();
    expect(evaluateRequirement(facts({ authTime: NOW - 305 }), r, NOW, 5).ok).toBe(true);
    expect(evaluateRequirement(facts({ authTime: undefined }), r, NOW)).toMatchObject({
      ok: false,
      unmet: ['max_age'],
    });
  });

  it('wants every amr value asked and names the missing ones', () => {
    const result = evaluateRequirement(facts({ amr: ['pop', 'swk'] }), requirement({ amr: ['pop', 'hwk'] }), NOW);
    expect(result).toMatchObject({
      ok: false,
      status: 401,
      unmet: ['amr'],
      challenge: { error: 'insufficient_user_authentication', description: 'A sign-in with hwk is required' },
    });
  });

  it('answers 403 insufficient_scope when only scopes miss; 401 naming the scopes too when the sign-in also falls short', () => {
    const r = requirement({ scopes: ['orders.read', 'orders.write'] });
    expect(evaluateRequirement(facts(), r, NOW)).toEqual({
      ok: false,
      status: 403,
      unmet: ['scope'],
      challenge: {
        error: 'insufficient_scope',
        description: 'The access token lacks a required scope',
        scope: ['orders.read', 'orders.write'],
      },
    });
    const both = evaluateRequirement(facts(), requirement({ acr: ['phr'], scopes: ['orders.write'] }), NOW);
    expect(both).toMatchObject({
      status: 401,
      unmet: ['acr', 'scope'],
      challenge: { acrValues: ['phr'], scope: ['orders.write'] },
    });
  });

  it('reads scopes from scope (RFC 9068) and scp (a string or a list), and ignores claims of the wrong type', () => {
    expect(factsOf({ scope: 'a b', scp: 'c' }).scopes).toEqual(['a', 'b', 'c']);
    expect(factsOf({ scp: ['d', 7] }).scopes).toEqual(['d']);
    expect(factsOf({ acr: 3, auth_time: '1', amr: 'pwd' })).toEqual({
      acr: undefined,
      authTime: undefined,
      amr: [],
      scopes: [],
    });
  });

  it('refuses, where the route is declared, values no challenge could carry', () => {
    expect(() => requirement({ acr: ['two words'] })).toThrow(TypeError);
    expect(() => requirement({ acr: [] })).toThrow(TypeError);
    expect(() => requirement({ scopes: ['a"b'] })).toThrow(TypeError);
    expect(() => requirement({ amr: 'hwk' as unknown as string[] })).toThrow(TypeError);
    expect(() => requirement({ maxAge: -5 })).toThrow(TypeError);
    expect(() => requirement({ maxAge: 2.5 })).toThrow(TypeError);
  });
});
