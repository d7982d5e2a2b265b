// evaluateStrength with what the user can still do: worked cases, then properties over any strength and session.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionStep } from './session-steps.ts';
import {
  at,
  custom,
  GOOGLE_PASSWORD_MANAGER,
  mfa,
  phishingResistant,
  sessions,
  WINDOWS_HELLO,
  YUBIKEY_5,
  yubikeyOnly,
} from './strengths.test-support.ts';
import {
  type AuthenticationStrength,
  type AvailableMethod,
  evaluateStrength,
  modesOfStep,
  VALID_COMBINATIONS,
} from './strengths.ts';

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
