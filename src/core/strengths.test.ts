// Authentication strengths: the strengths × sessions table, the built-in strengths, combinations, modesOfStep.
import { describe, expect, it } from 'vitest';
import {
  at,
  attestedDeviceBound,
  custom,
  mfa,
  passwordless,
  phishingResistant,
  sessions,
  YUBIKEY_5,
  yubikeyOnly,
} from './strengths.test-support.ts';
import {
  BUILT_IN_STRENGTHS,
  evaluateStrength,
  MFA_STRENGTH_ID,
  modesOfStep,
  normalizeCombination,
  normalizeCombinations,
  PASSWORDLESS_MFA_STRENGTH_ID,
  PHISHING_RESISTANT_STRENGTH_ID,
  requirementsOf,
  type StrengthEvaluation,
  satisfiedStrengths,
  VALID_COMBINATIONS,
} from './strengths.ts';

// "✓ <combination>" when satisfied; otherwise the result and the methods one more step of which would satisfy.
const ONE_MORE_MFA = 'singleChallengeRequired [passkey,temporaryAccessPass,softwareOath]';
const PASSKEY = 'singleChallengeRequired [passkey]';
const TABLE: Record<string, [mfa: string, passwordless: string, phishing: string, yubikey: string, attested: string]> =
  {
    password: [ONE_MORE_MFA, PASSKEY, PASSKEY, PASSKEY, PASSKEY],
    'password+TOTP': ['✓ password,softwareOath', PASSKEY, PASSKEY, PASSKEY, PASSKEY],
    'password+email code': [ONE_MORE_MFA, PASSKEY, PASSKEY, PASSKEY, PASSKEY],
    'TAP one-time': ['✓ temporaryAccessPassOneTime', PASSKEY, PASSKEY, PASSKEY, PASSKEY],
    'TAP multi-use': ['✓ temporaryAccessPassMultiUse', PASSKEY, PASSKEY, PASSKEY, PASSKEY],
    'synced passkey': ['✓ fido2', '✓ fido2', '✓ fido2', PASSKEY, PASSKEY],
    'device-bound passkey, unattested, other model': ['✓ fido2', '✓ fido2', '✓ fido2', PASSKEY, PASSKEY],
    'attested security key of the allowed model': ['✓ fido2', '✓ fido2', '✓ fido2', '✓ fido2', '✓ fido2'],
  };
const SATISFIED: Record<string, string[]> = {
  password: [],
  'password+TOTP': [MFA_STRENGTH_ID],
  'password+email code': [],
  'TAP one-time': [MFA_STRENGTH_ID],
  'TAP multi-use': [MFA_STRENGTH_ID],
  'synced passkey': [MFA_STRENGTH_ID, PASSWORDLESS_MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID],
  'device-bound passkey, unattested, other model': [
    MFA_STRENGTH_ID,
    PASSWORDLESS_MFA_STRENGTH_ID,
    PHISHING_RESISTANT_STRENGTH_ID,
  ],
  'attested security key of the allowed model': [
    MFA_STRENGTH_ID,
    PASSWORDLESS_MFA_STRENGTH_ID,
    PHISHING_RESISTANT_STRENGTH_ID,
    'yubikey-only',
    'attested-device-bound',
  ],
};

function cell(e: StrengthEvaluation): string {
  return e.satisfied ? `✓ ${e.combination}` : `${e.result} [${e.nextMethods.join(',')}]`;
}

describe('the strengths × sessions table (issue 9)', () => {
  const strengths = [mfa, passwordless, phishingResistant, yubikeyOnly, attestedDeviceBound];
  it('covers every session of the table', () => {
    expect(Object.keys(TABLE)).toEqual(Object.keys(sessions));
  });
  for (const [name, steps] of Object.entries(sessions)) {
    it(`${name}: every strength's cell`, () => {
      expect(strengths.map((s) => cell(evaluateStrength(s, steps)))).toEqual(TABLE[name]);
    });
    it(`${name}: satisfiedStrengths names exactly the satisfied ones`, () => {
      expect(satisfiedStrengths(strengths, steps)).toEqual(SATISFIED[name]);
    });
  }
});

describe('built-in strengths', () => {
  it('keep Entra’s ids, names, descriptions and dates, restricted to Signet’s modes', () => {
    expect(BUILT_IN_STRENGTHS.map((s) => [s.id, s.displayName, s.allowedCombinations])).toEqual([
      [
        '00000000-0000-0000-0000-000000000002',
        'Multifactor authentication',
        ['fido2', 'temporaryAccessPassOneTime', 'temporaryAccessPassMultiUse', 'password,softwareOath'],
      ],
      ['00000000-0000-0000-0000-000000000003', 'Passwordless MFA', ['fido2']],
      ['00000000-0000-0000-0000-000000000004', 'Phishing resistant MFA', ['fido2']],
    ]);
    for (const s of BUILT_IN_STRENGTHS) {
      expect(s).toMatchObject({ policyType: 'builtIn', requirementsSatisfied: 'mfa', combinationConfigurations: [] });
      expect(new Date(s.createdAt).toISOString()).toBe('2021-12-01T00:00:00.000Z');
      expect(s.modifiedAt).toBe(s.createdAt);
    }
    expect(phishingResistant.description).toBe(
      'Phishing resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key',
    );
  });

  it('are frozen, so no caller can change them for everyone', () => {
    expect(Object.isFrozen(BUILT_IN_STRENGTHS)).toBe(true);
    expect(Object.isFrozen(mfa.allowedCombinations)).toBe(true);
    expect(() => (mfa.allowedCombinations as string[]).push('password')).toThrow();
  });
});

describe('combinations', () => {
  it('lists the valid ones in Graph’s order: the multi-factor ones, then password, email, password,email', () => {
    expect(VALID_COMBINATIONS).toEqual([
      'fido2',
      'temporaryAccessPassOneTime',
      'temporaryAccessPassMultiUse',
      'password,softwareOath',
      'password',
      'email',
      'password,email',
    ]);
  });

  it('normalizes spaces and order (modes in Graph’s enum order: password, softwareOath, …, email)', () => {
    expect(normalizeCombination(' softwareOath ,  password')).toEqual({
      ok: true,
      combination: 'password,softwareOath',
    });
    expect(normalizeCombination('email, password')).toEqual({ ok: true, combination: 'password,email' });
    expect(normalizeCombination('fido2')).toEqual({ ok: true, combination: 'fido2' });
  });

  it('refuses unknown modes, modes Signet lacks, repeats, empties and combinations not offered, naming the entry', () => {
    for (const bad of ['sms', 'password, sms', 'password,password', '', 'fido2,password', 'softwareOath', 'Fido2'])
      expect(normalizeCombination(bad)).toEqual({ ok: false, entry: bad });
  });

  it('normalizes a list, drops repeats, and names the first bad entry', () => {
    expect(normalizeCombinations(['password, softwareOath', 'softwareOath,password', 'fido2'])).toEqual({
      ok: true,
      combinations: ['password,softwareOath', 'fido2'],
    });
    expect(normalizeCombinations(['fido2', 'voice', 'sms'])).toEqual({ ok: false, entry: 'voice' });
  });

  it('says a strength satisfies mfa only when every combination is multi-factor', () => {
    expect(requirementsOf(['fido2', 'password,softwareOath'])).toBe('mfa');
    expect(requirementsOf(['fido2', 'password'])).toBe('none');
    expect(requirementsOf(['password,email'])).toBe('none');
  });
});

describe('modesOfStep', () => {
  it('gives a pass its mode by oneTime, and a pass of unknown mode the multi-use one', () => {
    expect(modesOfStep({ method: 'temporaryAccessPass', tap: { oneTime: true } }, mfa)).toEqual([
      'temporaryAccessPassOneTime',
    ]);
    expect(modesOfStep({ method: 'temporaryAccessPass', at }, mfa)).toEqual(['temporaryAccessPassMultiUse']);
  });

  it('gives a passkey fido2 only when it meets every configuration (AAGUID in any letter case)', () => {
    const key = { aaguid: YUBIKEY_5.toUpperCase(), type: 'deviceBound' as const, attestation: 'verified' as const };
    expect(modesOfStep({ method: 'passkey', passkey: key }, yubikeyOnly)).toEqual(['fido2']);
    const both = custom('both', {
      combinationConfigurations: [
        ...yubikeyOnly.combinationConfigurations,
        ...attestedDeviceBound.combinationConfigurations,
      ],
    });
    expect(modesOfStep({ method: 'passkey', passkey: key }, both)).toEqual(['fido2']);
    expect(modesOfStep({ method: 'passkey', passkey: { ...key, attestation: 'unverified' } }, both)).toEqual([]);
    expect(modesOfStep({ method: 'passkey', passkey: { ...key, type: 'synced' } }, both)).toEqual([]);
  });

  it('counts a passkey of unknown facts for an unrestricted strength but never for a restricted one', () => {
    expect(modesOfStep({ method: 'passkey', at }, phishingResistant)).toEqual(['fido2']);
    expect(modesOfStep({ method: 'passkey', at }, attestedDeviceBound)).toEqual([]);
    expect(modesOfStep({ method: 'passkey', at }, yubikeyOnly)).toEqual([]);
  });

  it('treats an empty allowedPasskeyTypes as any type', () => {
    const anyType = custom('any', {
      combinationConfigurations: [
        { id: 'c', appliesToCombinations: ['fido2'], allowedAAGUIDs: [], allowedPasskeyTypes: [] },
      ],
    });
    expect(
      modesOfStep({ method: 'passkey', passkey: { aaguid: 'x', type: 'synced', attestation: 'none' } }, anyType),
    ).toEqual(['fido2']);
  });
});
