import { describe, expect, it } from 'vitest';
import { appRequestOf, contextsMet, signInClaimsOf } from './authorization-request.ts';

const NOW = 10_000_000;
const of = (params: Record<string, unknown>, o: { startedAt?: number; promptLogin?: boolean } = {}) =>
  appRequestOf({ params, startedAt: o.startedAt, promptLogin: o.promptLogin ?? false, now: NOW });

describe('appRequestOf', () => {
  it('asks nothing of a plain request', () => {
    expect(of({ scope: 'openid' })).toEqual({
      acrValues: [],
      acrEssential: false,
      authenticationContexts: [],
      freshSince: null,
    });
  });

  it('reads acr_values in order, voluntary', () => {
    expect(of({ acr_values: 'phrh phr' })).toMatchObject({ acrValues: ['phrh', 'phr'], acrEssential: false });
  });

  it('reads an essential acr from the claims parameter, value or values, in the ID token or userinfo', () => {
    expect(of({ claims: JSON.stringify({ id_token: { acr: { essential: true, value: 'phr' } } }) })).toMatchObject({
      acrValues: ['phr'],
      acrEssential: true,
    });
    expect(of({ claims: { userinfo: { acr: { essential: true, values: ['phrh', 'phr'] } } } })).toMatchObject({
      acrValues: ['phrh', 'phr'],
      acrEssential: true,
    });
    // Essential without a value asks for no particular acr.
    expect(of({ claims: { id_token: { acr: { essential: true } } } })).toMatchObject({ acrEssential: false });
  });

  it('reads authentication contexts as Entra apps send them: the claims parameter’s acrs, c1..c99 only', () => {
    const claims = JSON.stringify({ access_token: { acrs: { essential: true, values: ['c1', 'c100', 'x'] } } });
    expect(of({ claims, acr_values: 'phr' })).toMatchObject({ acrValues: ['phr'], authenticationContexts: ['c1'] });
  });

  it('gives an access token the sign-in claims of the code or refresh token it came from', () => {
    const claims = JSON.stringify({ access_token: { acrs: { essential: true, value: 'c3' } } });
    expect(signInClaimsOf({ acr: 'phr', amr: ['pop', 'hwk'], authTime: 1700000000, claims })).toEqual({
      acr: 'phr',
      amr: ['pop', 'hwk'],
      auth_time: 1700000000,
      acrs: ['c3'],
    });
    expect(signInClaimsOf(undefined)).toEqual({});
    expect(signInClaimsOf({ amr: 'pwd', claims: '{' })).toEqual({});
    expect(contextsMet({ id_token: { acrs: { value: 'c7' } } })).toEqual(['c7']);
  });

  it('takes a malformed claims parameter as asking nothing', () => {
    expect(of({ claims: '{not json' })).toMatchObject({ acrValues: [], authenticationContexts: [] });
    expect(of({ claims: JSON.stringify({ id_token: { acr: 'phr' } }) })).toMatchObject({ acrValues: [] });
  });

  it('bounds freshness by prompt=login (the request’s start) and max_age (now − max_age), the later of the two', () => {
    expect(of({}, { startedAt: NOW - 5000, promptLogin: true }).freshSince).toBe(NOW - 5000);
    expect(of({ max_age: '60' }).freshSince).toBe(NOW - 60_000);
    expect(of({ max_age: '60' }, { startedAt: NOW - 5000, promptLogin: true }).freshSince).toBe(NOW - 5000);
    expect(of({ max_age: '0' }).freshSince).toBe(NOW);
    expect(of({ max_age: 'soon' }).freshSince).toBeNull();
    // prompt=login before there is an interaction: the provider asks for a sign-in anyway.
    expect(of({}, { promptLogin: true }).freshSince).toBeNull();
  });
});
