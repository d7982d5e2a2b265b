import { describe, expect, it } from 'vitest';
import { defaultPasskeyMethodConfig, type PasskeyMethodConfig } from './passkey-method.ts';
import { evaluateSignInGate } from './sign-in-gate.ts';

const user = { userId: 'u1', groupIds: ['g1'], enabled: true };
const synced = {
  aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4',
  backupEligible: true,
  attestationTrust: 'none' as const,
};
const config = (change: (c: PasskeyMethodConfig) => void = () => {}) => {
  const c = defaultPasskeyMethodConfig();
  change(c);
  return c;
};
const code = (d: ReturnType<typeof evaluateSignInGate>) => (d.ok ? 'ok' : d.code);

describe('the sign-in gate after a verified passkey signature', () => {
  it('lets an enabled, targeted user sign in with a passkey their profile allows', () => {
    expect(code(evaluateSignInGate(config(), user, synced))).toBe('ok');
  });
  it('refuses a disabled account first', () => {
    expect(
      code(
        evaluateSignInGate(
          config((c) => {
            c.state = 'disabled';
          }),
          { ...user, enabled: false },
          synced,
        ),
      ),
    ).toBe('SIGNIN_USER_DISABLED');
  });
  it('refuses when the passkey method was turned off, or no longer targets the user', () => {
    expect(
      code(
        evaluateSignInGate(
          config((c) => {
            c.state = 'disabled';
          }),
          user,
          synced,
        ),
      ),
    ).toBe('PASSKEY_METHOD_DISABLED');
    expect(
      code(
        evaluateSignInGate(
          config((c) => {
            c.excludeTargets = [{ id: 'g1', targetType: 'group' }];
          }),
          user,
          synced,
        ),
      ),
    ).toBe('PASSKEY_METHOD_NOT_TARGETED');
  });
  it('refuses a synced passkey once the profile allows only device-bound ones, and an AAGUID blocked later', () => {
    expect(
      code(
        evaluateSignInGate(
          config((c) => {
            c.passkeyProfiles[0]!.passkeyTypes = 'deviceBound';
          }),
          user,
          synced,
        ),
      ),
    ).toBe('PASSKEY_TYPE_NOT_ALLOWED');
    const blocked = config((c) => {
      c.passkeyProfiles[0]!.keyRestrictions = {
        isEnforced: true,
        enforcementType: 'block',
        aaGuids: [synced.aaguid.toUpperCase()],
      };
    });
    expect(code(evaluateSignInGate(blocked, user, synced))).toBe('PASSKEY_AAGUID_BLOCKED');
  });
  it('does not ask for attestation at sign-in (it is checked at registration only)', () => {
    expect(
      code(
        evaluateSignInGate(
          config((c) => {
            c.passkeyProfiles[0]!.attestationEnforcement = 'registrationOnly';
          }),
          user,
          synced,
        ),
      ),
    ).toBe('ok');
  });
});
