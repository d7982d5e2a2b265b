import { describe, expect, it } from 'vitest';
import type { Decision } from './errors.ts';
import { defaultPasskeyMethodConfig, type PasskeyProfile } from './passkey-method.ts';
import {
  type AttestationTrust,
  attestationPreference,
  type CredentialFacts,
  evaluatePasskeyProfile,
  evaluatePasskeyProfiles,
  isMetadataStale,
  type Phase,
  passkeyTypeOf,
} from './passkey-profile.ts';

const YUBIKEY = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
const ICLOUD = 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd';
const PHASES: Phase[] = ['registration', 'signIn'];

function profile(over: Partial<PasskeyProfile> = {}): PasskeyProfile {
  return {
    id: 'p1',
    name: 'Test profile',
    passkeyTypes: 'deviceBound,synced',
    attestationEnforcement: 'disabled',
    keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
    ...over,
  };
}

const securityKey: CredentialFacts = { aaguid: YUBIKEY, backupEligible: false, attestationTrust: 'verified' };
const syncedPasskey: CredentialFacts = { aaguid: ICLOUD, backupEligible: true, attestationTrust: 'none' };

const code = (d: Decision) => (d.ok ? 'ok' : d.code);

describe('passkeyTypeOf', () => {
  it('calls a passkey that cannot be backed up device-bound', () => {
    expect(passkeyTypeOf({ backupEligible: false })).toBe('deviceBound');
  });

  it('calls a backup-eligible passkey synced', () => {
    expect(passkeyTypeOf({ backupEligible: true })).toBe('synced');
  });
});

describe('evaluatePasskeyProfile: passkey type', () => {
  it.each(PHASES)('refuses a synced passkey when the profile allows only device-bound (%s)', (phase) => {
    const d = evaluatePasskeyProfile(syncedPasskey, profile({ passkeyTypes: 'deviceBound' }), phase);
    expect(code(d)).toBe('PASSKEY_TYPE_NOT_ALLOWED');
  });

  it.each(PHASES)('refuses a device-bound passkey when the profile allows only synced (%s)', (phase) => {
    const d = evaluatePasskeyProfile(securityKey, profile({ passkeyTypes: 'synced' }), phase);
    expect(code(d)).toBe('PASSKEY_TYPE_NOT_ALLOWED');
  });

  it.each(PHASES)('accepts a device-bound passkey when the profile allows device-bound (%s)', (phase) => {
    expect(evaluatePasskeyProfile(securityKey, profile({ passkeyTypes: 'deviceBound' }), phase).ok).toBe(true);
  });

  it.each(PHASES)('accepts both passkey types when the profile allows both (%s)', (phase) => {
    const p = profile({ passkeyTypes: 'deviceBound,synced' });
    expect(evaluatePasskeyProfile(securityKey, p, phase).ok).toBe(true);
    expect(evaluatePasskeyProfile(syncedPasskey, p, phase).ok).toBe(true);
  });

  it('reads the type list regardless of order and spaces after commas', () => {
    const p = profile({ passkeyTypes: 'synced, deviceBound' });
    expect(evaluatePasskeyProfile(securityKey, p, 'signIn').ok).toBe(true);
    expect(evaluatePasskeyProfile(syncedPasskey, p, 'signIn').ok).toBe(true);
  });

  it('ignores unknownFutureValue in the type list', () => {
    const p = profile({ passkeyTypes: 'deviceBound,unknownFutureValue' });
    expect(evaluatePasskeyProfile(securityKey, p, 'signIn').ok).toBe(true);
    expect(code(evaluatePasskeyProfile(syncedPasskey, p, 'signIn'))).toBe('PASSKEY_TYPE_NOT_ALLOWED');
  });

  it('refuses every passkey when the profile allows no type', () => {
    const p = profile({ passkeyTypes: '' });
    expect(code(evaluatePasskeyProfile(securityKey, p, 'registration'))).toBe('PASSKEY_TYPE_NOT_ALLOWED');
    expect(code(evaluatePasskeyProfile(syncedPasskey, p, 'signIn'))).toBe('PASSKEY_TYPE_NOT_ALLOWED');
  });

  it('names the profile and the refused type in the detail', () => {
    const d = evaluatePasskeyProfile(syncedPasskey, profile({ name: 'Admins', passkeyTypes: 'deviceBound' }), 'signIn');
    expect(d).toMatchObject({
      ok: false,
      detail: { profile: 'Admins', aaguid: ICLOUD, type: 'synced', allowed: 'deviceBound' },
    });
  });
});

describe('evaluatePasskeyProfile: attestation', () => {
  const enforced = profile({ attestationEnforcement: 'registrationOnly' });

  it('accepts a registration whose attestation chains to a known trust root when attestation is enforced', () => {
    expect(evaluatePasskeyProfile({ ...securityKey, attestationTrust: 'verified' }, enforced, 'registration').ok).toBe(
      true,
    );
  });

  it.each<[AttestationTrust, string]>([
    ['none', 'PASSKEY_ATTESTATION_NONE'],
    ['self', 'PASSKEY_ATTESTATION_SELF'],
    ['unverified', 'PASSKEY_ATTESTATION_UNTRUSTED'],
  ])('refuses a registration with %s attestation when the profile enforces attestation: %s', (trust, expected) => {
    const d = evaluatePasskeyProfile({ ...securityKey, attestationTrust: trust }, enforced, 'registration');
    expect(code(d)).toBe(expected);
  });

  it('names the profile, AAGUID, model, format and attestation result in the refusal', () => {
    const c: CredentialFacts = { ...securityKey, attestationTrust: 'unverified', format: 'packed', model: 'YubiKey 5' };
    expect(evaluatePasskeyProfile(c, enforced, 'registration')).toEqual({
      ok: false,
      code: 'PASSKEY_ATTESTATION_UNTRUSTED',
      detail: {
        profile: 'Test profile',
        aaguid: YUBIKEY,
        model: 'YubiKey 5',
        format: 'packed',
        trust: 'unverified',
      },
    });
    // Without a known model or format the detail says so rather than guessing.
    const bare = evaluatePasskeyProfile({ ...securityKey, attestationTrust: 'none' }, enforced, 'registration');
    expect(bare).toMatchObject({ detail: { profile: 'Test profile', aaguid: YUBIKEY, format: 'unknown' } });
    expect(bare.ok || 'model' in bare.detail).toBe(false);
  });

  describe('metadata past its nextUpdate (REL-14)', () => {
    const stale = { ...securityKey, metadataStale: true };

    it('refuses a verified chain judged against stale metadata when attestation is enforced', () => {
      expect(code(evaluatePasskeyProfile(stale, enforced, 'registration'))).toBe('PASSKEY_ATTESTATION_METADATA_STALE');
      expect(code(evaluatePasskeyProfile({ ...stale, attestationTrust: 'unverified' }, enforced, 'registration'))).toBe(
        'PASSKEY_ATTESTATION_METADATA_STALE',
      );
    });

    it('still names none and self attestation for what they are (no metadata would help them)', () => {
      expect(code(evaluatePasskeyProfile({ ...stale, attestationTrust: 'none' }, enforced, 'registration'))).toBe(
        'PASSKEY_ATTESTATION_NONE',
      );
      expect(code(evaluatePasskeyProfile({ ...stale, attestationTrust: 'self' }, enforced, 'registration'))).toBe(
        'PASSKEY_ATTESTATION_SELF',
      );
    });

    it('concerns only profiles that enforce attestation, and never a sign-in', () => {
      expect(evaluatePasskeyProfile(stale, profile(), 'registration').ok).toBe(true);
      expect(evaluatePasskeyProfile(stale, enforced, 'signIn').ok).toBe(true);
      expect(evaluatePasskeyProfiles(stale, [enforced, profile({ id: 'loose' })], 'registration').ok).toBe(true);
    });

    it('is stale from the nextUpdate date on (UTC midnight), unless the AAGUID is the administrator file’s', () => {
      const midnight = Date.parse('2026-12-01T00:00:00Z');
      const at = (now: number, fromAdministratorFile = false) =>
        isMetadataStale({ blobNextUpdate: '2026-12-01', fromAdministratorFile, now });
      expect(at(midnight - 1)).toBe(false);
      expect(at(midnight)).toBe(true);
      expect(at(midnight + 86_400_000, true)).toBe(false);
      expect(isMetadataStale({ blobNextUpdate: undefined, fromAdministratorFile: false, now: midnight })).toBe(false);
    });
  });

  it.each<AttestationTrust>(['none', 'self', 'unverified'])(
    'lets an existing passkey with %s attestation sign in even when the profile now enforces attestation',
    (trust) => {
      expect(evaluatePasskeyProfile({ ...securityKey, attestationTrust: trust }, enforced, 'signIn').ok).toBe(true);
    },
  );

  it.each<AttestationTrust>(['none', 'self', 'unverified', 'verified'])(
    'accepts a registration with %s attestation when attestation is not enforced',
    (trust) => {
      const p = profile({ attestationEnforcement: 'disabled' });
      expect(evaluatePasskeyProfile({ ...securityKey, attestationTrust: trust }, p, 'registration').ok).toBe(true);
    },
  );

  it('names the profile, the AAGUID and the trust in the detail', () => {
    const d = evaluatePasskeyProfile({ ...securityKey, attestationTrust: 'self' }, enforced, 'registration');
    expect(d).toMatchObject({ ok: false, detail: { profile: 'Test profile', aaguid: YUBIKEY, trust: 'self' } });
  });

  it('checks the passkey type before attestation', () => {
    const p = profile({ passkeyTypes: 'deviceBound', attestationEnforcement: 'registrationOnly' });
    const d = evaluatePasskeyProfile({ ...syncedPasskey, attestationTrust: 'none' }, p, 'registration');
    expect(code(d)).toBe('PASSKEY_TYPE_NOT_ALLOWED');
  });
});

describe('evaluatePasskeyProfile: key restrictions', () => {
  const allowList = (aaGuids: string[], isEnforced = true) =>
    profile({ keyRestrictions: { isEnforced, enforcementType: 'allow', aaGuids } });
  const blockList = (aaGuids: string[], isEnforced = true) =>
    profile({ keyRestrictions: { isEnforced, enforcementType: 'block', aaGuids } });

  it.each(PHASES)('accepts an AAGUID on an enforced allow list (%s)', (phase) => {
    expect(evaluatePasskeyProfile(securityKey, allowList([ICLOUD, YUBIKEY]), phase).ok).toBe(true);
  });

  it.each(PHASES)('refuses an AAGUID missing from an enforced allow list (%s)', (phase) => {
    expect(code(evaluatePasskeyProfile(syncedPasskey, allowList([YUBIKEY]), phase))).toBe('PASSKEY_AAGUID_NOT_ALLOWED');
  });

  it.each(PHASES)('refuses every AAGUID when an enforced allow list is empty (%s)', (phase) => {
    expect(code(evaluatePasskeyProfile(securityKey, allowList([]), phase))).toBe('PASSKEY_AAGUID_NOT_ALLOWED');
  });

  it.each(PHASES)('refuses an AAGUID on an enforced block list (%s)', (phase) => {
    expect(code(evaluatePasskeyProfile(syncedPasskey, blockList([ICLOUD]), phase))).toBe('PASSKEY_AAGUID_BLOCKED');
  });

  it.each(PHASES)('accepts an AAGUID not on an enforced block list (%s)', (phase) => {
    expect(evaluatePasskeyProfile(securityKey, blockList([ICLOUD]), phase).ok).toBe(true);
  });

  it.each(PHASES)('ignores an allow or block list that is not enforced (%s)', (phase) => {
    expect(evaluatePasskeyProfile(syncedPasskey, allowList([YUBIKEY], false), phase).ok).toBe(true);
    expect(evaluatePasskeyProfile(syncedPasskey, blockList([ICLOUD], false), phase).ok).toBe(true);
  });

  it('refuses at sign-in a passkey whose AAGUID was blocked after it was registered', () => {
    expect(evaluatePasskeyProfile(securityKey, profile(), 'registration').ok).toBe(true);
    expect(code(evaluatePasskeyProfile(securityKey, blockList([YUBIKEY]), 'signIn'))).toBe('PASSKEY_AAGUID_BLOCKED');
  });

  it('matches AAGUIDs case-insensitively on an allow list', () => {
    expect(evaluatePasskeyProfile(securityKey, allowList([YUBIKEY.toUpperCase()]), 'signIn').ok).toBe(true);
    const upper = { ...securityKey, aaguid: YUBIKEY.toUpperCase() };
    expect(evaluatePasskeyProfile(upper, allowList([YUBIKEY]), 'registration').ok).toBe(true);
  });

  it('matches AAGUIDs case-insensitively on a block list', () => {
    expect(code(evaluatePasskeyProfile(securityKey, blockList([YUBIKEY.toUpperCase()]), 'signIn'))).toBe(
      'PASSKEY_AAGUID_BLOCKED',
    );
    const upper = { ...securityKey, aaguid: YUBIKEY.toUpperCase() };
    expect(code(evaluatePasskeyProfile(upper, blockList([YUBIKEY]), 'registration'))).toBe('PASSKEY_AAGUID_BLOCKED');
  });

  it('names the profile and the AAGUID in the detail', () => {
    const p = { ...blockList([ICLOUD]), name: 'Admins' };
    expect(evaluatePasskeyProfile(syncedPasskey, p, 'signIn')).toMatchObject({
      ok: false,
      detail: { profile: 'Admins', aaguid: ICLOUD },
    });
  });

  it('checks attestation before key restrictions at registration', () => {
    const p = profile({
      attestationEnforcement: 'registrationOnly',
      keyRestrictions: { isEnforced: true, enforcementType: 'block', aaGuids: [YUBIKEY] },
    });
    const d = evaluatePasskeyProfile({ ...securityKey, attestationTrust: 'none' }, p, 'registration');
    expect(code(d)).toBe('PASSKEY_ATTESTATION_NONE');
    expect(code(evaluatePasskeyProfile(securityKey, p, 'signIn'))).toBe('PASSKEY_AAGUID_BLOCKED');
  });
});

describe('evaluatePasskeyProfile: the default profile', () => {
  const [defaultProfile] = defaultPasskeyMethodConfig().passkeyProfiles;

  it.each(PHASES)('accepts any passkey with any attestation (%s)', (phase) => {
    for (const c of [securityKey, syncedPasskey, { ...securityKey, attestationTrust: 'none' as const }])
      expect(evaluatePasskeyProfile(c, defaultProfile, phase).ok).toBe(true);
  });
});

describe('evaluatePasskeyProfiles', () => {
  const deviceBoundOnly = profile({ id: 'a', name: 'Device-bound', passkeyTypes: 'deviceBound' });
  const yubikeysOnly = profile({
    id: 'b',
    name: 'YubiKeys',
    keyRestrictions: { isEnforced: true, enforcementType: 'allow', aaGuids: [YUBIKEY] },
  });
  const blocksIcloud = profile({
    id: 'c',
    name: 'No iCloud',
    keyRestrictions: { isEnforced: true, enforcementType: 'block', aaGuids: [ICLOUD] },
  });
  const anything = profile({ id: 'd', name: 'Anything' });

  it.each(PHASES)('refuses with PASSKEY_METHOD_NOT_TARGETED when the user has no profiles (%s)', (phase) => {
    expect(code(evaluatePasskeyProfiles(securityKey, [], phase))).toBe('PASSKEY_METHOD_NOT_TARGETED');
  });

  it('accepts a passkey that satisfies one profile even though it fails another', () => {
    expect(evaluatePasskeyProfiles(syncedPasskey, [deviceBoundOnly, anything], 'registration').ok).toBe(true);
  });

  it('does not depend on the order of the profiles', () => {
    expect(evaluatePasskeyProfiles(syncedPasskey, [anything, deviceBoundOnly], 'signIn').ok).toBe(true);
    expect(evaluatePasskeyProfiles(syncedPasskey, [deviceBoundOnly, anything], 'signIn').ok).toBe(true);
  });

  it('requires one profile to be fully satisfied, not each rule by some profile', () => {
    // The synced iCloud passkey meets the type rule of syncedYubikeys and the (absent) key restrictions of
    // deviceBoundOnly, but neither profile as a whole.
    const syncedYubikeys = { ...yubikeysOnly, passkeyTypes: 'synced' };
    const d = evaluatePasskeyProfiles(syncedPasskey, [deviceBoundOnly, syncedYubikeys, blocksIcloud], 'signIn');
    expect(d.ok).toBe(false);
  });

  it('refuses with the reason of the first profile when none is satisfied', () => {
    const d = evaluatePasskeyProfiles(syncedPasskey, [deviceBoundOnly, yubikeysOnly], 'signIn');
    expect(code(d)).toBe('PASSKEY_TYPE_NOT_ALLOWED');
    const e = evaluatePasskeyProfiles(syncedPasskey, [yubikeysOnly, deviceBoundOnly], 'signIn');
    expect(code(e)).toBe('PASSKEY_AAGUID_NOT_ALLOWED');
  });

  it('refuses with the single profile code when the user has one profile', () => {
    expect(code(evaluatePasskeyProfiles(syncedPasskey, [blocksIcloud], 'signIn'))).toBe('PASSKEY_AAGUID_BLOCKED');
  });

  it('accepts an AAGUID allowed by a profile whatever its letter case', () => {
    const upper = { ...securityKey, aaguid: YUBIKEY.toUpperCase() };
    expect(evaluatePasskeyProfiles(upper, [yubikeysOnly], 'signIn').ok).toBe(true);
    const upperList = profile({
      keyRestrictions: { isEnforced: true, enforcementType: 'allow', aaGuids: [YUBIKEY.toUpperCase()] },
    });
    expect(evaluatePasskeyProfiles(securityKey, [upperList], 'registration').ok).toBe(true);
  });

  it('enforces attestation only at registration across several profiles', () => {
    const attested = profile({ id: 'e', attestationEnforcement: 'registrationOnly' });
    const unattested = { ...securityKey, attestationTrust: 'none' as const };
    expect(code(evaluatePasskeyProfiles(unattested, [attested], 'registration'))).toBe('PASSKEY_ATTESTATION_NONE');
    expect(evaluatePasskeyProfiles(unattested, [attested], 'signIn').ok).toBe(true);
    expect(evaluatePasskeyProfiles(unattested, [attested, anything], 'registration').ok).toBe(true);
  });
});

describe('attestationPreference', () => {
  it('asks for direct attestation when a profile of the user enforces it', () => {
    const p = [profile(), profile({ id: 'x', attestationEnforcement: 'registrationOnly' })];
    expect(attestationPreference(p)).toBe('direct');
  });

  it('asks for no attestation when no profile enforces it', () => {
    expect(attestationPreference([profile(), profile({ id: 'x' })])).toBe('none');
  });

  it('asks for no attestation when the user has no profiles', () => {
    expect(attestationPreference([])).toBe('none');
  });

  it('asks for no attestation under the default configuration', () => {
    expect(attestationPreference(defaultPasskeyMethodConfig().passkeyProfiles)).toBe('none');
  });
});
