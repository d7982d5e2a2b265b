import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE_ID, defaultPasskeyMethodConfig, type PasskeyMethodConfig } from './passkey-method.ts';
import { evaluatePasskeyProfiles } from './passkey-profile.ts';
import {
  evaluateRegistrationWhatIf,
  type RegistrationWhatIfInput,
  type WhatIfAuthenticator,
  whatIfAttestation,
} from './registration-whatif.ts';

const YUBIKEY = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
const NOW = Date.parse('2026-12-01T12:00:00Z');
const key: WhatIfAuthenticator = {
  aaguid: YUBIKEY,
  passkeyType: 'deviceBound',
  attestationFormat: 'packed',
  attestationTrust: 'verified',
};
const base = defaultPasskeyMethodConfig();
const attested: PasskeyMethodConfig = {
  ...base,
  passkeyProfiles: [
    { ...base.passkeyProfiles[0]!, passkeyTypes: 'deviceBound', attestationEnforcement: 'registrationOnly' },
  ],
};

function input(over: Partial<RegistrationWhatIfInput> = {}): RegistrationWhatIfInput {
  return {
    config: base,
    user: { userId: 'u1', groupIds: [], enabled: true },
    passkeyCount: 0,
    authenticator: key,
    compromised: undefined,
    model: null,
    metadataStale: false,
    now: NOW,
    ...over,
  };
}

describe('evaluateRegistrationWhatIf', () => {
  it('accepts an authenticator every rule allows, taking the strong sign-in as given', () => {
    const r = evaluateRegistrationWhatIf(input());
    expect(r.decision).toEqual({ ok: true });
    expect(r.step).toBe('accepted');
    expect(r.profiles).toEqual([{ id: DEFAULT_PROFILE_ID, name: 'Default passkey profile', decision: { ok: true } }]);
    expect(r.assumptions.join(' ')).toMatch(/strong factor/);
  });

  it('stops at the gate first: disabled account, method off, not targeted, no self-service, the limit', () => {
    expect(
      evaluateRegistrationWhatIf(input({ user: { userId: 'u1', groupIds: [], enabled: false } })).decision,
    ).toMatchObject({
      code: 'SIGNIN_USER_DISABLED',
    });
    expect(evaluateRegistrationWhatIf(input({ config: { ...base, state: 'disabled' } }))).toMatchObject({
      step: 'gate',
      decision: { code: 'PASSKEY_METHOD_DISABLED' },
    });
    expect(
      evaluateRegistrationWhatIf(input({ config: { ...base, isSelfServiceRegistrationAllowed: false } })).decision,
    ).toMatchObject({ code: 'PASSKEY_SELF_SERVICE_DISABLED' });
    expect(evaluateRegistrationWhatIf(input({ passkeyCount: 10 })).decision).toEqual({
      ok: false,
      code: 'PASSKEY_LIMIT_REACHED',
      detail: { limit: '10' },
    });
    const excluded = { ...base, excludeTargets: [{ id: 'u1', targetType: 'user' as const }] };
    expect(evaluateRegistrationWhatIf(input({ config: excluded })).decision).toMatchObject({
      code: 'PASSKEY_METHOD_NOT_TARGETED',
    });
  });

  it('refuses a compromised model with the metadata detail, before the profiles', () => {
    const report = { aaguid: YUBIKEY, status: 'REVOKED', model: 'YubiKey 5', reason: 'revoked' };
    const r = evaluateRegistrationWhatIf(input({ compromised: report, config: attested }));
    expect(r).toMatchObject({
      step: 'metadata',
      decision: { code: 'PASSKEY_AUTHENTICATOR_COMPROMISED', detail: report },
    });
  });

  it('gives the profile decision registration gives, and each profile its own verdict', () => {
    // Each trust short of verified has its own code, as at registration.
    for (const trust of ['none', 'self', 'unverified'] as const) {
      const auth = { ...key, attestationTrust: trust };
      const r = evaluateRegistrationWhatIf(input({ config: attested, authenticator: auth }));
      expect(r.step).toBe('profiles');
      expect(r.decision).toEqual(
        evaluatePasskeyProfiles(
          { aaguid: YUBIKEY, backupEligible: false, attestationTrust: trust, format: 'packed', metadataStale: false },
          attested.passkeyProfiles,
          'registration',
        ),
      );
      expect(r.profiles[0]!.decision).toEqual(r.decision);
    }
    const synced = evaluateRegistrationWhatIf(
      input({ config: attested, authenticator: { ...key, passkeyType: 'synced' } }),
    );
    expect(synced.decision).toMatchObject({ code: 'PASSKEY_TYPE_NOT_ALLOWED', detail: { type: 'synced' } });
  });

  it('reads the AAGUID in any letter case, as the key restrictions do', () => {
    const blocked: PasskeyMethodConfig = {
      ...base,
      passkeyProfiles: [
        {
          ...base.passkeyProfiles[0]!,
          keyRestrictions: { isEnforced: true, enforcementType: 'block', aaGuids: [YUBIKEY] },
        },
      ],
    };
    const r = evaluateRegistrationWhatIf(
      input({ config: blocked, authenticator: { ...key, aaguid: YUBIKEY.toUpperCase() } }),
    );
    expect(r.decision).toMatchObject({ code: 'PASSKEY_AAGUID_BLOCKED', detail: { aaguid: YUBIKEY } });
  });
});

describe('evaluateRegistrationWhatIf with metadata facts', () => {
  it('names the model in a refusal, as registration does', () => {
    const r = evaluateRegistrationWhatIf(
      input({ config: attested, model: 'YubiKey 5', authenticator: { ...key, passkeyType: 'synced' } }),
    );
    expect(r.decision).toMatchObject({
      code: 'PASSKEY_TYPE_NOT_ALLOWED',
      detail: { model: 'YubiKey 5', aaguid: YUBIKEY },
    });
  });

  it('fails closed when a profile enforces attestation and the metadata is past its nextUpdate', () => {
    const stale = evaluateRegistrationWhatIf(input({ config: attested, metadataStale: true }));
    expect(stale.decision).toMatchObject({ code: 'PASSKEY_ATTESTATION_METADATA_STALE' });
    expect(evaluateRegistrationWhatIf(input({ metadataStale: true })).decision.ok).toBe(true);
  });
});

describe('whatIfAttestation', () => {
  it('takes format none as trust none, and a format without a trust as unverified', () => {
    expect(whatIfAttestation(undefined, undefined)).toEqual({ ok: true, format: 'none', trust: 'none' });
    expect(whatIfAttestation('packed', undefined)).toEqual({ ok: true, format: 'packed', trust: 'unverified' });
    expect(whatIfAttestation(undefined, 'verified')).toEqual({ ok: true, format: 'packed', trust: 'verified' });
  });

  it('refuses format none with any other trust, naming the field', () => {
    expect(whatIfAttestation('none', 'verified')).toMatchObject({ ok: false, detail: { field: 'attestationTrust' } });
  });
});
