import { describe, expect, it } from 'vitest';
import { defaultMethodDocument } from './method-policy-schemas.ts';
import {
  ALL_USERS,
  DEFAULT_PROFILE_ID,
  defaultPasskeyMethodConfig,
  type PasskeyMethodConfig,
  type PasskeyProfile,
} from './passkey-method.ts';
import {
  CLONE_SUSPECTED_REASON,
  type CompromiseLookup,
  type ImpactPasskey,
  ImpactTally,
  type ImpactUser,
  impactNeedsGroups,
  signInVerdict,
  tapAvailability,
  userImpact,
} from './policy-impact.ts';
import { evaluateSignInGate } from './sign-in-gate.ts';

const YUBIKEY = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
const PHONE = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
const ADMINS = '11111111-1111-4111-8111-111111111111';
const STRICT = '00000000-0000-0000-0000-00000000000a';

const none: CompromiseLookup = () => undefined;

function user(id: string, over: Partial<ImpactUser> = {}): ImpactUser {
  return { id, userPrincipalName: `${id}@contoso.com`, displayName: id, enabled: true, groupIds: [], ...over };
}
function passkey(id: string, over: Partial<ImpactPasskey> = {}): ImpactPasskey {
  return {
    id,
    displayName: id,
    aaguid: YUBIKEY,
    backupEligible: false,
    attestationTrust: 'verified',
    model: 'YubiKey 5',
    cloneSuspected: false,
    ...over,
  };
}
function profile(over: Partial<PasskeyProfile>): PasskeyProfile {
  return {
    id: DEFAULT_PROFILE_ID,
    name: 'Default passkey profile',
    passkeyTypes: 'deviceBound,synced',
    attestationEnforcement: 'disabled',
    keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
    ...over,
  };
}
const current = defaultPasskeyMethodConfig();
const deviceBoundOnly: PasskeyMethodConfig = {
  ...current,
  passkeyProfiles: [profile({ passkeyTypes: 'deviceBound' })],
};

describe('signInVerdict', () => {
  it('gives the code and detail the sign-in gate gives, for the same user and passkey', () => {
    const synced = passkey('p1', { backupEligible: true, aaguid: PHONE });
    const v = signInVerdict(deviceBoundOnly, user('u1'), synced, none);
    expect(v).toMatchObject({
      ok: false,
      code: 'PASSKEY_TYPE_NOT_ALLOWED',
      detail: { profile: 'Default passkey profile', type: 'synced' },
    });
    const stored = { aaguid: PHONE, backupEligible: true, attestationTrust: 'verified' as const };
    const gate = evaluateSignInGate(deviceBoundOnly, { userId: 'u1', groupIds: [], enabled: true }, stored);
    expect(v).toEqual(gate.ok ? gate : { ...gate, detail: { ...gate.detail, model: 'YubiKey 5' } });
  });

  it('names the model beside the AAGUID when a profile refuses the passkey, as sign-in does', () => {
    const blocked: PasskeyMethodConfig = {
      ...current,
      passkeyProfiles: [
        profile({ keyRestrictions: { isEnforced: true, enforcementType: 'block', aaGuids: [YUBIKEY] } }),
      ],
    };
    expect(signInVerdict(blocked, user('u1'), passkey('p1'), none)).toMatchObject({
      code: 'PASSKEY_AAGUID_BLOCKED',
      detail: { aaguid: YUBIKEY, model: 'YubiKey 5', profile: 'Default passkey profile' },
    });
    const unnamed = signInVerdict(blocked, user('u1'), passkey('p1', { model: null }), none);
    expect(unnamed.ok ? {} : unnamed.detail).not.toHaveProperty('model');
  });

  it('refuses a passkey marked as cloned before anything else, as sign-in does', () => {
    const v = signInVerdict(current, user('u1', { enabled: false }), passkey('p1', { cloneSuspected: true }), none);
    expect(v).toEqual({ ok: false, code: 'SIGNIN_COUNTER_REGRESSION', detail: { reason: CLONE_SUSPECTED_REASON } });
  });

  it("refuses a model the metadata reports compromised with the metadata's detail, before the account is looked at", () => {
    const report = { aaguid: YUBIKEY, model: 'YubiKey 5', status: 'REVOKED', reason: 'revoked' };
    const v = signInVerdict(current, user('u1', { enabled: false }), passkey('p1'), (a) =>
      a === YUBIKEY ? report : undefined,
    );
    expect(v).toEqual({ ok: false, code: 'PASSKEY_AUTHENTICATOR_COMPROMISED', detail: report });
  });

  it('refuses every passkey of a disabled account, and of a user the method no longer targets', () => {
    expect(signInVerdict(current, user('u1', { enabled: false }), passkey('p1'), none)).toMatchObject({
      code: 'SIGNIN_USER_DISABLED',
    });
    const excluded: PasskeyMethodConfig = { ...current, excludeTargets: [{ id: ADMINS, targetType: 'group' }] };
    expect(signInVerdict(excluded, user('u1', { groupIds: [ADMINS] }), passkey('p1'), none)).toMatchObject({
      code: 'PASSKEY_METHOD_NOT_TARGETED',
    });
    expect(signInVerdict({ ...current, state: 'disabled' }, user('u1'), passkey('p1'), none)).toMatchObject({
      code: 'PASSKEY_METHOD_DISABLED',
    });
  });

  it('ignores groups when the configuration names none, as sign-in reads none then', () => {
    const blocked: PasskeyMethodConfig = {
      ...current,
      passkeyProfiles: [
        profile({ keyRestrictions: { isEnforced: true, enforcementType: 'block', aaGuids: [YUBIKEY] } }),
      ],
    };
    const a = signInVerdict(blocked, user('u1', { groupIds: [ADMINS] }), passkey('p1'), none);
    const b = signInVerdict(blocked, user('u1'), passkey('p1'), none);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ code: 'PASSKEY_AAGUID_BLOCKED', detail: { aaguid: YUBIKEY } });
  });
});

describe('userImpact', () => {
  it('lists the passkeys that stop working and says when the user loses every one', () => {
    const u = userImpact(
      current,
      deviceBoundOnly,
      user('u1'),
      [passkey('synced', { backupEligible: true, aaguid: PHONE })],
      none,
    );
    expect(u).toMatchObject({ passkeys: 1, usableNow: 1, usableAfter: 0, starting: 0, losesEveryPasskey: true });
    expect(u.stopping).toEqual([
      expect.objectContaining({
        passkeyType: 'synced',
        code: 'PASSKEY_TYPE_NOT_ALLOWED',
        detail: expect.objectContaining({ profile: 'Default passkey profile', type: 'synced' }),
      }),
    ]);
  });

  it('does not count a user who keeps a usable passkey as losing every one', () => {
    const u = userImpact(
      current,
      deviceBoundOnly,
      user('u1'),
      [passkey('synced', { backupEligible: true }), passkey('key')],
      none,
    );
    expect(u.stopping).toHaveLength(1);
    expect(u.losesEveryPasskey).toBe(false);
  });

  it('does not count a passkey refused already (cloned, compromised, disabled account) as stopping', () => {
    const u = userImpact(
      current,
      deviceBoundOnly,
      user('u1'),
      [passkey('p', { cloneSuspected: true, backupEligible: true })],
      none,
    );
    expect(u).toMatchObject({ usableNow: 0, usableAfter: 0, stopping: [], losesEveryPasskey: false });
    const off = userImpact(current, deviceBoundOnly, user('u2', { enabled: false }), [passkey('p')], none);
    expect(off).toMatchObject({ usableNow: 0, stopping: [], losesEveryPasskey: false });
  });

  it('counts passkeys that a looser configuration lets back in', () => {
    const u = userImpact(deviceBoundOnly, current, user('u1'), [passkey('s', { backupEligible: true })], none);
    expect(u).toMatchObject({ starting: 1, stopping: [], usableNow: 0, usableAfter: 1 });
  });

  it('a user without passkeys is affected by nothing', () => {
    expect(userImpact(current, { ...current, state: 'disabled' }, user('u1'), [], none)).toMatchObject({
      passkeys: 0,
      stopping: [],
      losesEveryPasskey: false,
    });
  });
});

describe('ImpactTally', () => {
  const scoped: PasskeyMethodConfig = {
    ...current,
    includeTargets: [
      {
        id: ALL_USERS,
        targetType: 'group',
        isRegistrationRequired: false,
        allowedPasskeyProfiles: [DEFAULT_PROFILE_ID],
      },
      { id: ADMINS, targetType: 'group', isRegistrationRequired: false, allowedPasskeyProfiles: [STRICT] },
    ],
    passkeyProfiles: [profile({}), profile({ id: STRICT, name: 'Admins', passkeyTypes: 'deviceBound' })],
  };
  const strictAdmins: PasskeyMethodConfig = {
    ...scoped,
    includeTargets: [
      {
        id: ALL_USERS,
        targetType: 'group',
        isRegistrationRequired: false,
        allowedPasskeyProfiles: [DEFAULT_PROFILE_ID],
      },
    ],
    excludeTargets: [{ id: ADMINS, targetType: 'group' }],
  };

  it('counts totals, reasons and groups, and lists affected users up to its limit', () => {
    const tally = new ImpactTally(1, impactNeedsGroups(scoped, strictAdmins));
    const users = [
      userImpact(scoped, strictAdmins, user('a1', { groupIds: [ADMINS] }), [passkey('k1'), passkey('k2')], none),
      userImpact(scoped, strictAdmins, user('a2', { groupIds: [ADMINS] }), [passkey('k3')], none),
      userImpact(scoped, strictAdmins, user('n1'), [passkey('k4')], none),
      userImpact(scoped, strictAdmins, user('n2'), [], none),
    ];
    for (const u of users) tally.add(u);
    const r = tally.result();
    expect(r.summary).toEqual({
      users: 4,
      usersWithPasskeys: 3,
      passkeys: 4,
      passkeysUsableNow: 4,
      passkeysUsableAfter: 1,
      passkeysThatStopWorking: 3,
      passkeysThatStartWorking: 0,
      usersAffected: 2,
      usersLosingEveryPasskey: 2,
      usersLosingEveryPasskeyWithoutTap: 0,
      reasons: [{ code: 'PASSKEY_METHOD_NOT_TARGETED', passkeys: 3 }],
    });
    expect(r.groups).toEqual([
      { id: ADMINS, usersAffected: 2, usersLosingEveryPasskey: 2, passkeysThatStopWorking: 3 },
    ]);
    expect(r.groupsCounted).toBe(true);
    expect(r.affectedUsers.map((u) => u.user.id)).toEqual(['a1']);
    expect(r.affectedUsersCapped).toBe(true);
  });

  it('counts no groups when neither configuration names one', () => {
    expect(impactNeedsGroups(current, deviceBoundOnly)).toBe(false);
    const tally = new ImpactTally(10, false);
    tally.add(
      userImpact(
        current,
        deviceBoundOnly,
        user('u', { groupIds: [ADMINS] }),
        [passkey('s', { backupEligible: true })],
        none,
      ),
    );
    const r = tally.result();
    expect(r.groups).toEqual([]);
    expect(r.groupsCounted).toBe(false);
    expect(r.affectedUsersCapped).toBe(false);
    expect(r.summary.usersAffected).toBe(1);
  });
});

describe('tapAvailability', () => {
  const tap = defaultMethodDocument('TemporaryAccessPass');
  const now = Date.parse('2026-12-01T12:00:00Z');

  it('allows a pass when the TAP method is on and covers the user, as issuing one does', () => {
    expect(tapAvailability(tap, user('u1'), now)).toEqual({ ok: true });
  });

  it("refuses with the issuing flow's code when the method is off or does not cover the user", () => {
    expect(tapAvailability({ ...tap, state: 'disabled' }, user('u1'), now)).toMatchObject({
      code: 'TAP_METHOD_DISABLED',
    });
    const excluded = { ...tap, excludeTargets: [{ id: ADMINS, targetType: 'group' as const }] };
    expect(tapAvailability(excluded, user('u1', { groupIds: [ADMINS] }), now)).toMatchObject({
      code: 'TAP_METHOD_NOT_TARGETED',
    });
    expect(tapAvailability(excluded, user('u2'), now)).toEqual({ ok: true });
  });

  it('counts users left with neither a passkey nor a pass', () => {
    const tally = new ImpactTally(10, false);
    const lost = userImpact(current, deviceBoundOnly, user('u1'), [passkey('s', { backupEligible: true })], none);
    lost.tap = tapAvailability({ ...tap, state: 'disabled' }, lost.user, now);
    tally.add(lost);
    expect(tally.result().summary).toMatchObject({ usersLosingEveryPasskey: 1, usersLosingEveryPasskeyWithoutTap: 1 });
    expect(
      impactNeedsGroups(current, current, {
        ...tap,
        includeTargets: [{ id: ADMINS, targetType: 'group', isRegistrationRequired: false }],
      }),
    ).toBe(true);
  });
});
