import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionStep } from './session-steps.ts';
import {
  type AuthenticationStrength,
  type AvailableMethod,
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

const YUBIKEY_5 = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
const WINDOWS_HELLO = '08987058-cadc-4b81-b6e1-30de50dcbe96';
const GOOGLE_PASSWORD_MANAGER = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';

const [mfa, passwordless, phishingResistant] = BUILT_IN_STRENGTHS as [
  AuthenticationStrength,
  AuthenticationStrength,
  AuthenticationStrength,
];
const custom = (id: string, over: Partial<AuthenticationStrength>): AuthenticationStrength => ({
  id,
  displayName: id,
  description: '',
  policyType: 'custom',
  requirementsSatisfied: 'mfa',
  allowedCombinations: ['fido2'],
  combinationConfigurations: [],
  createdAt: 0,
  modifiedAt: 0,
  ...over,
});
/** "Only this security key model may sign in to the admin portal." */
const yubikeyOnly = custom('yubikey-only', {
  combinationConfigurations: [{ id: 'c1', appliesToCombinations: ['fido2'], allowedAAGUIDs: [YUBIKEY_5] }],
});
/** Signet's, beyond Graph: any device-bound passkey whose attestation was verified. */
const attestedDeviceBound = custom('attested-device-bound', {
  combinationConfigurations: [
    {
      id: 'c2',
      appliesToCombinations: ['fido2'],
      allowedAAGUIDs: [],
      allowedPasskeyTypes: ['deviceBound'],
      requireAttestation: true,
    },
  ],
});

const at = 1_000;
const sessions: Record<string, SessionStep[]> = {
  password: [{ method: 'password', at }],
  'password+TOTP': [
    { method: 'password', at },
    { method: 'softwareOath', at },
  ],
  'password+email code': [
    { method: 'password', at },
    { method: 'email', at },
  ],
  'TAP one-time': [{ method: 'temporaryAccessPass', at, tap: { oneTime: true } }],
  'TAP multi-use': [{ method: 'temporaryAccessPass', at, tap: { oneTime: false } }],
  'synced passkey': [
    { method: 'passkey', at, passkey: { aaguid: GOOGLE_PASSWORD_MANAGER, type: 'synced', attestation: 'none' } },
  ],
  'device-bound passkey, unattested, other model': [
    { method: 'passkey', at, passkey: { aaguid: WINDOWS_HELLO, type: 'deviceBound', attestation: 'none' } },
  ],
  'attested security key of the allowed model': [
    { method: 'passkey', at, passkey: { aaguid: YUBIKEY_5, type: 'deviceBound', attestation: 'verified' } },
  ],
};

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

describe('evaluateStrength with what the user can still do', () => {
  const password: AvailableMethod = { method: 'password' };
  const totp: AvailableMethod = { method: 'softwareOath' };
  const email: AvailableMethod = { method: 'email' };
  const syncedKey: AvailableMethod = {
    method: 'passkey',
    passkey: { aaguid: GOOGLE_PASSWORD_MANAGER, type: 'synced', attestation: 'none' },
  };
  const yubikey: AvailableMethod = {
    method: 'passkey',
    passkey: { aaguid: YUBIKEY_5, type: 'deviceBound', attestation: 'verified' },
  };
  const signedInWithPassword: SessionStep[] = [{ method: 'password', at }];

  it('offers only what is available: a password user with a TOTP app is asked for the code, not a passkey', () => {
    expect(evaluateStrength(mfa, signedInWithPassword, [password, totp])).toEqual({
      satisfied: false,
      result: 'singleChallengeRequired',
      nextMethods: ['softwareOath'],
    });
  });

  it('asks a password user with a passkey for the passkey only under phishing-resistant MFA (no downgrade)', () => {
    expect(evaluateStrength(phishingResistant, signedInWithPassword, [password, totp, email, syncedKey])).toEqual({
      satisfied: false,
      result: 'singleChallengeRequired',
      nextMethods: ['passkey'],
    });
  });

  it('cannot satisfy phishing-resistant MFA for a user with only a password and codes', () => {
    expect(evaluateStrength(phishingResistant, signedInWithPassword, [password, totp, email])).toEqual({
      satisfied: false,
      result: 'cannotSatisfy',
      nextMethods: [],
    });
  });

  it('cannot satisfy because of the configuration when the user’s only passkey is another model', () => {
    expect(evaluateStrength(yubikeyOnly, signedInWithPassword, [password, syncedKey])).toEqual({
      satisfied: false,
      result: 'cannotSatisfyDueToCombinationConfiguration',
      nextMethods: [],
    });
    // Also when the other model was the step already taken.
    expect(evaluateStrength(yubikeyOnly, sessions['synced passkey'] ?? [], [])).toMatchObject({
      result: 'cannotSatisfyDueToCombinationConfiguration',
    });
  });

  it('offers the allowed model when the user has it beside another', () => {
    expect(evaluateStrength(yubikeyOnly, sessions['synced passkey'] ?? [], [syncedKey, yubikey])).toEqual({
      satisfied: false,
      result: 'singleChallengeRequired',
      nextMethods: ['passkey'],
    });
  });

  it('needs several challenges when no single step finishes a combination, and names the first steps', () => {
    const passwordAndTotp = custom('pw-totp', { allowedCombinations: ['password,softwareOath'] });
    expect(evaluateStrength(passwordAndTotp, [], [password, totp])).toEqual({
      satisfied: false,
      result: 'multipleChallengesRequired',
      nextMethods: ['softwareOath', 'password'],
    });
    expect(evaluateStrength(passwordAndTotp, [])).toMatchObject({ result: 'multipleChallengesRequired' });
  });

  it('cannot satisfy over several steps either when one of the combination’s methods is missing', () => {
    const passwordAndTotp = custom('pw-totp', { allowedCombinations: ['password,softwareOath'] });
    expect(evaluateStrength(passwordAndTotp, [], [password, email])).toMatchObject({ result: 'cannotSatisfy' });
  });

  it('prefers the combination one step away over one needing two', () => {
    const s = custom('mixed', { allowedCombinations: ['password,softwareOath', 'email'] });
    expect(evaluateStrength(s, [], [password, totp, email])).toEqual({
      satisfied: false,
      result: 'singleChallengeRequired',
      nextMethods: ['email'],
    });
  });

  it('tells a one-time pass from a multi-use one', () => {
    const oneTimeOnly = custom('tap-once', { allowedCombinations: ['temporaryAccessPassOneTime'] });
    expect(evaluateStrength(oneTimeOnly, sessions['TAP multi-use'] ?? [])).toMatchObject({ satisfied: false });
    expect(evaluateStrength(oneTimeOnly, sessions['TAP one-time'] ?? [])).toEqual({
      satisfied: true,
      combination: 'temporaryAccessPassOneTime',
    });
    expect(
      evaluateStrength(oneTimeOnly, [], [{ method: 'temporaryAccessPass', tap: { oneTime: false } }]),
    ).toMatchObject({ result: 'cannotSatisfy' });
  });

  it('is satisfied by an already satisfied session whatever is available', () => {
    expect(evaluateStrength(mfa, sessions['password+TOTP'] ?? [], [])).toEqual({
      satisfied: true,
      combination: 'password,softwareOath',
    });
  });

  it('lets a custom strength count password + email code, which no built-in does', () => {
    const s = custom('pw-email', { allowedCombinations: ['password,email'], requirementsSatisfied: 'none' });
    expect(evaluateStrength(s, sessions['password+email code'] ?? [])).toEqual({
      satisfied: true,
      combination: 'password,email',
    });
  });
});

describe('evaluateStrength, for any strength, session and methods (property-based)', () => {
  const aaguids = [YUBIKEY_5, WINDOWS_HELLO, GOOGLE_PASSWORD_MANAGER];
  const passkeyFacts = fc.record({
    aaguid: fc.constantFrom(...aaguids),
    type: fc.constantFrom('deviceBound' as const, 'synced' as const),
    attestation: fc.constantFrom('none' as const, 'self' as const, 'unverified' as const, 'verified' as const),
  });
  const method: fc.Arbitrary<AvailableMethod> = fc.oneof(
    fc.constantFrom<AvailableMethod>({ method: 'password' }, { method: 'softwareOath' }, { method: 'email' }),
    fc.boolean().map((oneTime) => ({ method: 'temporaryAccessPass' as const, tap: { oneTime } })),
    passkeyFacts.map((passkey) => ({ method: 'passkey' as const, passkey })),
  );
  const step = method.map((m): SessionStep => ({ ...m, at }));
  const strength: fc.Arbitrary<AuthenticationStrength> = fc
    .record({
      combinations: fc.uniqueArray(fc.constantFrom(...VALID_COMBINATIONS), { minLength: 1 }),
      configuration: fc.option(
        fc.record({
          allowedAAGUIDs: fc.subarray(aaguids),
          allowedPasskeyTypes: fc.subarray(['deviceBound', 'synced'] as ('deviceBound' | 'synced')[]),
          requireAttestation: fc.boolean(),
        }),
        { nil: undefined },
      ),
    })
    .map(({ combinations, configuration }) =>
      custom('generated', {
        allowedCombinations: combinations,
        combinationConfigurations:
          configuration && combinations.includes('fido2')
            ? [{ id: 'c', appliesToCombinations: ['fido2'], ...configuration }]
            : [],
      }),
    );
  const steps = fc.array(step, { maxLength: 4 });
  const available = fc.array(method, { maxLength: 5 });

  it('is satisfied exactly when every mode of some combination is provided by a step', () => {
    fc.assert(
      fc.property(strength, steps, (s, ss) => {
        const provided = new Set(ss.flatMap((x) => modesOfStep(x, s)));
        const expected = s.allowedCombinations.some((c) => c.split(',').every((m) => provided.has(m as never)));
        expect(evaluateStrength(s, ss).satisfied).toBe(expected);
      }),
    );
  });

  it('never stops being satisfied when a step is added (a step-up loses nothing)', () => {
    fc.assert(
      fc.property(strength, steps, step, (s, ss, more) => {
        if (evaluateStrength(s, ss).satisfied) expect(evaluateStrength(s, [...ss, more]).satisfied).toBe(true);
      }),
    );
  });

  it('singleChallengeRequired: one more step of an offered method, of what is available, satisfies the strength', () => {
    fc.assert(
      fc.property(strength, steps, available, (s, ss, av) => {
        const e = evaluateStrength(s, ss, av);
        if (e.satisfied || e.result !== 'singleChallengeRequired') return;
        expect(e.nextMethods.length).toBeGreaterThan(0);
        for (const m of e.nextMethods) {
          const candidates = av.filter((x) => x.method === m);
          expect(candidates.length, m).toBeGreaterThan(0);
          expect(
            candidates.some((c) => evaluateStrength(s, [...ss, { ...c, at }]).satisfied),
            m,
          ).toBe(true);
        }
      }),
    );
  });

  it('cannotSatisfy (of either kind): no sequence of the available methods ever satisfies the strength', () => {
    fc.assert(
      fc.property(strength, steps, available, (s, ss, av) => {
        const e = evaluateStrength(s, ss, av);
        if (e.satisfied || !e.result.startsWith('cannotSatisfy')) return;
        expect(e.nextMethods).toEqual([]);
        // Every available method used once more is the most any sequence of them provides.
        expect(evaluateStrength(s, [...ss, ...av.map((x) => ({ ...x, at }))]).satisfied).toBe(false);
      }),
    );
  });

  it('offers only methods the user has, and never a passkey the strength’s configuration refuses', () => {
    fc.assert(
      fc.property(strength, steps, available, (s, ss, av) => {
        const e = evaluateStrength(s, ss, av);
        if (e.satisfied) return;
        for (const m of e.nextMethods)
          expect(av.some((x) => x.method === m && modesOfStep(x, s).length > 0)).toBe(true);
      }),
    );
  });
});
