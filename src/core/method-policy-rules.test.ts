import { describe, expect, it } from 'vitest';
import {
  applyMethodPatch,
  applyPolicyRootPatch,
  changedProperties,
  checkFido2Config,
  checkMethodConfig,
  checkTapConfig,
  checkTargetsExist,
  fido2PolicyBytes,
  MAX_FIDO2_POLICY_BYTES,
  MAX_PASSKEY_PROFILES,
  targetReferences,
} from './method-policy-rules.ts';
import { defaultMethodDocument, defaultPolicyRoot, type Fido2Document } from './method-policy-schemas.ts';
import { DEFAULT_PROFILE_ID, type PasskeyProfile } from './passkey-method.ts';

const base = () => defaultMethodDocument('Fido2');
const profile = (id: string, over: Partial<PasskeyProfile> = {}): PasskeyProfile => ({
  id,
  name: `Profile ${id.slice(0, 4)}`,
  passkeyTypes: 'deviceBound',
  attestationEnforcement: 'disabled',
  keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
  ...over,
});
const ids = (n: number) =>
  Array.from({ length: n }, (_, i) => `00000000-0000-0000-0000-${String(i + 2).padStart(12, '0')}`);
const withProfiles = (n: number): Fido2Document => {
  const c = base();
  c.passkeyProfiles = [c.passkeyProfiles[0]!, ...ids(n - 1).map((id) => profile(id))];
  return c;
};

describe('checkFido2Config', () => {
  it(`allows ${MAX_PASSKEY_PROFILES} passkey profiles (Entra allows 3) and refuses one more`, () => {
    expect(checkFido2Config(withProfiles(MAX_PASSKEY_PROFILES), base()).ok).toBe(true);
    expect(checkFido2Config(withProfiles(MAX_PASSKEY_PROFILES + 1), base())).toEqual({
      ok: false,
      code: 'POLICY_PASSKEY_PROFILES_TOO_MANY',
      detail: { field: 'passkeyProfiles', count: '11', limit: '10' },
    });
  });

  it('refuses synced with enforced attestation in one error naming both fields', () => {
    const c = withProfiles(3);
    c.passkeyProfiles[2] = {
      ...c.passkeyProfiles[2]!,
      passkeyTypes: 'deviceBound,synced',
      attestationEnforcement: 'registrationOnly',
    };
    expect(checkFido2Config(c, base())).toEqual({
      ok: false,
      code: 'POLICY_PROFILE_SYNCED_WITH_ATTESTATION',
      detail: {
        field: 'passkeyProfiles[2].passkeyTypes, passkeyProfiles[2].attestationEnforcement',
        profile: c.passkeyProfiles[2]!.name,
      },
    });
    c.passkeyProfiles[2]!.passkeyTypes = 'deviceBound';
    expect(checkFido2Config(c, base()).ok).toBe(true);
  });

  it('refuses removing a profile a target or the default still names, and naming one that never was', () => {
    const before = withProfiles(2);
    const second = before.passkeyProfiles[1]!.id;
    before.includeTargets[0]!.allowedPasskeyProfiles = [DEFAULT_PROFILE_ID, second];
    const removed = { ...before, passkeyProfiles: [before.passkeyProfiles[0]!] };
    expect(checkFido2Config(removed, before)).toEqual({
      ok: false,
      code: 'POLICY_PROFILE_IN_USE',
      detail: { profile: second, usedBy: 'includeTargets[0].allowedPasskeyProfiles[1]' },
    });
    const noDefault = { ...before, passkeyProfiles: [before.passkeyProfiles[1]!] };
    expect(checkFido2Config(noDefault, before)).toMatchObject({
      code: 'POLICY_PROFILE_IN_USE',
      detail: {
        profile: DEFAULT_PROFILE_ID,
        usedBy: 'defaultPasskeyProfile, includeTargets[0].allowedPasskeyProfiles[0]',
      },
    });
    const unknown = base();
    unknown.includeTargets[0]!.allowedPasskeyProfiles = ['11111111-1111-1111-1111-111111111111'];
    expect(checkFido2Config(unknown, base())).toEqual({
      ok: false,
      code: 'POLICY_PROFILE_UNKNOWN',
      detail: { field: 'includeTargets[0].allowedPasskeyProfiles[0]', id: '11111111-1111-1111-1111-111111111111' },
    });
    // Once no target names it, it goes.
    const freed = {
      ...removed,
      includeTargets: [{ ...before.includeTargets[0]!, allowedPasskeyProfiles: [DEFAULT_PROFILE_ID] }],
    };
    expect(checkFido2Config(freed, before).ok).toBe(true);
  });

  it('checks AAGUIDs, keeping them in lower case once each', () => {
    const c = base();
    c.passkeyProfiles[0]!.keyRestrictions = {
      isEnforced: true,
      enforcementType: 'allow',
      aaGuids: ['CB69481E-8FF7-4039-93EC-0A2729A154A8', 'cb69481e-8ff7-4039-93ec-0a2729a154a8'],
    };
    const r = checkFido2Config(c, base());
    expect(r.ok && r.value.passkeyProfiles[0]!.keyRestrictions.aaGuids).toEqual([
      'cb69481e-8ff7-4039-93ec-0a2729a154a8',
    ]);
    c.passkeyProfiles[0]!.keyRestrictions.aaGuids.push('cb69481e8ff7403993ec0a2729a154a8');
    expect(checkFido2Config(c, base())).toEqual({
      ok: false,
      code: 'POLICY_AAGUID_INVALID',
      detail: { field: 'passkeyProfiles[0].keyRestrictions.aaGuids[2]', aaguid: 'cb69481e8ff7403993ec0a2729a154a8' },
    });
  });

  it('refuses duplicate profile ids and duplicate targets', () => {
    const c = withProfiles(2);
    c.passkeyProfiles[1] = { ...c.passkeyProfiles[1]!, id: DEFAULT_PROFILE_ID };
    expect(checkFido2Config(c, base())).toMatchObject({
      code: 'POLICY_PROFILE_DUPLICATE',
      detail: { field: 'passkeyProfiles[1].id' },
    });
    const t = base();
    t.includeTargets.push({ ...t.includeTargets[0]! });
    expect(checkFido2Config(t, base())).toMatchObject({
      code: 'POLICY_PROFILE_DUPLICATE',
      detail: { field: 'includeTargets[1].id' },
    });
  });

  it(`allows ${MAX_FIDO2_POLICY_BYTES} bytes serialized and refuses one byte more`, () => {
    const sized = (bytes: number) => {
      const c = base();
      c.passkeyProfiles[0]!.name = '';
      c.passkeyProfiles[0]!.name = 'x'.repeat(bytes - fido2PolicyBytes(c));
      return c;
    };
    const at = sized(MAX_FIDO2_POLICY_BYTES);
    expect(fido2PolicyBytes(at)).toBe(MAX_FIDO2_POLICY_BYTES);
    expect(checkFido2Config(at, base()).ok).toBe(true);
    expect(checkFido2Config(sized(MAX_FIDO2_POLICY_BYTES + 1), base())).toEqual({
      ok: false,
      code: 'POLICY_TOO_LARGE',
      detail: { size: String(MAX_FIDO2_POLICY_BYTES + 1), limit: String(MAX_FIDO2_POLICY_BYTES) },
    });
  });
});

describe('applyMethodPatch', () => {
  it('changes only the properties sent', () => {
    const c = base();
    const next = applyMethodPatch('Fido2', c, { isSelfServiceRegistrationAllowed: false });
    expect(next).toEqual({ ...c, isSelfServiceRegistrationAllowed: false });
  });

  it('applies the deprecated global properties to the default profile, unless profiles are sent', () => {
    const kr = {
      isEnforced: true,
      enforcementType: 'block' as const,
      aaGuids: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'],
    };
    const next = applyMethodPatch('Fido2', base(), { isAttestationEnforced: true, keyRestrictions: kr });
    expect(next.passkeyProfiles[0]).toMatchObject({ attestationEnforcement: 'registrationOnly', keyRestrictions: kr });
    // …which the default profile's `synced` then makes a refusal, as it should be.
    expect(checkFido2Config(next, base())).toMatchObject({ code: 'POLICY_PROFILE_SYNCED_WITH_ATTESTATION' });
    const withProfiles = applyMethodPatch('Fido2', base(), {
      isAttestationEnforced: true,
      passkeyProfiles: base().passkeyProfiles,
    });
    expect(withProfiles.passkeyProfiles[0]!.attestationEnforcement).toBe('disabled');
  });

  it('merges the campaign property by property', () => {
    const next = applyPolicyRootPatch(defaultPolicyRoot(), {
      registrationEnforcement: { authenticationMethodsRegistrationCampaign: { state: 'enabled' } },
    });
    expect(next.registrationEnforcement.authenticationMethodsRegistrationCampaign).toEqual({
      ...defaultPolicyRoot().registrationEnforcement.authenticationMethodsRegistrationCampaign,
      state: 'enabled',
    });
  });
});

describe('checkTapConfig', () => {
  const tap = (min: number, def: number, max: number) => ({
    ...defaultMethodDocument('TemporaryAccessPass'),
    minimumLifetimeInMinutes: min,
    defaultLifetimeInMinutes: def,
    maximumLifetimeInMinutes: max,
  });
  it('holds minimum ≤ default ≤ maximum, equal values included', () => {
    expect(checkTapConfig(tap(60, 60, 60)).ok).toBe(true);
    expect(checkTapConfig(tap(10, 60, 43_200)).ok).toBe(true);
    expect(checkTapConfig(tap(61, 60, 480))).toMatchObject({
      code: 'POLICY_TAP_LIFETIME_INCONSISTENT',
      detail: { field: 'defaultLifetimeInMinutes' },
    });
    expect(checkTapConfig(tap(60, 481, 480))).toMatchObject({ detail: { field: 'defaultLifetimeInMinutes' } });
    expect(checkTapConfig(tap(500, 60, 480))).toMatchObject({
      detail: { field: 'minimumLifetimeInMinutes, maximumLifetimeInMinutes' },
    });
    expect(checkMethodConfig('TemporaryAccessPass', tap(61, 60, 480), tap(10, 60, 480)).ok).toBe(false);
  });
});

describe('targets', () => {
  it('must all be found in the tenant (all_users aside)', () => {
    const g = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
    const u = '9b2504e0-4f89-11d3-9a0c-0305e82c3301';
    const refs = targetReferences({
      includeTargets: [{ id: 'all_users' }, { id: g }],
      excludeTargets: [{ id: u, targetType: 'user' }],
    });
    expect(refs).toEqual([
      { field: 'includeTargets[1].id', id: g, kind: 'group' },
      { field: 'excludeTargets[0].id', id: u, kind: 'user' },
    ]);
    expect(checkTargetsExist(refs, new Set([g, u])).ok).toBe(true);
    expect(checkTargetsExist(refs, new Set([u]))).toEqual({
      ok: false,
      code: 'POLICY_TARGET_NOT_FOUND',
      detail: { field: 'includeTargets[1].id', id: g, kind: 'group' },
    });
  });
});

describe('changedProperties', () => {
  it('names what changed with old and new values, profiles by id, never the whole document', () => {
    const before = withProfiles(2);
    const after = structuredClone(before);
    after.passkeyProfiles[1]!.passkeyTypes = 'deviceBound,synced';
    after.isSelfServiceRegistrationAllowed = false;
    const d = changedProperties(before, after);
    const id = before.passkeyProfiles[1]!.id;
    expect(d).toEqual({
      'isSelfServiceRegistrationAllowed.oldValue': 'true',
      'isSelfServiceRegistrationAllowed.newValue': 'false',
      [`passkeyProfiles/${id}.oldValue`]: JSON.stringify(before.passkeyProfiles[1]),
      [`passkeyProfiles/${id}.newValue`]: JSON.stringify(after.passkeyProfiles[1]),
    });
    expect(changedProperties(before, structuredClone(before))).toEqual({});
  });
});
