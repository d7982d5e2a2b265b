import { describe, expect, it } from 'vitest';
import { amrFor, isStrongMethod } from './session-claims.ts';

describe('amrFor', () => {
  it('describes a passkey sign-in as both fido and mfa', () => {
    expect(amrFor(['passkey']).sort()).toEqual(['fido', 'mfa']);
  });

  it('describes a Temporary Access Pass sign-in as tap and mfa (Entra counts a TAP as multi-factor)', () => {
    expect(amrFor(['temporaryAccessPass'])).toEqual(['tap', 'mfa']);
  });

  it('gives a Temporary Access Pass sign-in none of a passkey’s values, so no phishing-resistant strength', () => {
    for (const v of ['fido', 'hwk', 'swk', 'pop', 'user']) expect(amrFor(['temporaryAccessPass'])).not.toContain(v);
  });

  it('combines the values of several methods', () => {
    expect(amrFor(['temporaryAccessPass', 'passkey']).sort()).toEqual(['fido', 'mfa', 'tap']);
  });

  it('lists each value once when a method is used twice', () => {
    expect(amrFor(['passkey', 'passkey']).sort()).toEqual(['fido', 'mfa']);
  });

  it('is empty when no method was used', () => {
    expect(amrFor([])).toEqual([]);
  });
});

describe('isStrongMethod', () => {
  it('counts a passkey as strong authentication', () => {
    expect(isStrongMethod('passkey')).toBe(true);
  });

  it('counts a Temporary Access Pass as strong authentication', () => {
    expect(isStrongMethod('temporaryAccessPass')).toBe(true);
  });
});
