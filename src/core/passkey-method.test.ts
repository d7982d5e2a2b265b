import { describe, expect, it } from 'vitest';
import {
  ALL_USERS,
  DEFAULT_PROFILE_ID,
  defaultPasskeyMethodConfig,
  isTargeted,
  type PasskeyIncludeTarget,
  type PasskeyMethodConfig,
  type PasskeyProfile,
  profilesForUser,
  targetsAnyGroup,
  type UserScope,
} from './passkey-method.ts';

const ADMINS = 'group-admins';
const SALES = 'group-sales';
const CONTRACTORS = 'group-contractors';
const ADMIN_PROFILE = '00000000-0000-0000-0000-00000000000a';
const SALES_PROFILE = '00000000-0000-0000-0000-00000000000b';

function profile(id: string, name: string, over: Partial<PasskeyProfile> = {}): PasskeyProfile {
  return {
    id,
    name,
    passkeyTypes: 'deviceBound,synced',
    attestationEnforcement: 'disabled',
    keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
    ...over,
  };
}

function include(id: string, allowedPasskeyProfiles: string[]): PasskeyIncludeTarget {
  return { id, targetType: 'group', isRegistrationRequired: false, allowedPasskeyProfiles };
}

function config(over: Partial<PasskeyMethodConfig> = {}): PasskeyMethodConfig {
  const base = defaultPasskeyMethodConfig();
  return {
    ...base,
    passkeyProfiles: [
      ...base.passkeyProfiles,
      profile(ADMIN_PROFILE, 'Admins', { passkeyTypes: 'deviceBound', attestationEnforcement: 'registrationOnly' }),
      profile(SALES_PROFILE, 'Sales'),
    ],
    ...over,
  };
}

const alice: UserScope = { userId: 'user-alice', groupIds: [ADMINS] };
const bob: UserScope = { userId: 'user-bob', groupIds: [SALES] };
const carol: UserScope = { userId: 'user-carol', groupIds: [ADMINS, SALES] };
const dave: UserScope = { userId: 'user-dave', groupIds: [] };

const ids = (ps: PasskeyProfile[]) => ps.map((p) => p.id).sort();

describe('the default passkey method configuration', () => {
  it('is enabled for all users with self-service registration and the default profile', () => {
    const c = defaultPasskeyMethodConfig();
    expect(c.state).toBe('enabled');
    expect(c.isSelfServiceRegistrationAllowed).toBe(true);
    expect(c.includeTargets).toEqual([
      {
        id: ALL_USERS,
        targetType: 'group',
        isRegistrationRequired: false,
        allowedPasskeyProfiles: [DEFAULT_PROFILE_ID],
      },
    ]);
    expect(c.excludeTargets).toEqual([]);
    expect(c.defaultPasskeyProfile).toBe(DEFAULT_PROFILE_ID);
    expect(c.passkeysPerUserLimit).toBeGreaterThan(0);
  });

  it('has a default profile that accepts both passkey types without attestation or key restrictions', () => {
    const [p] = defaultPasskeyMethodConfig().passkeyProfiles;
    expect(p.id).toBe(DEFAULT_PROFILE_ID);
    expect(p.passkeyTypes.split(',').sort()).toEqual(['deviceBound', 'synced']);
    expect(p.attestationEnforcement).toBe('disabled');
    expect(p.keyRestrictions.isEnforced).toBe(false);
  });

  it('returns a fresh object each time so callers cannot mutate a shared default', () => {
    const a = defaultPasskeyMethodConfig();
    a.includeTargets.length = 0;
    a.passkeyProfiles[0].passkeyTypes = 'deviceBound';
    const b = defaultPasskeyMethodConfig();
    expect(b.includeTargets).toHaveLength(1);
    expect(b.passkeyProfiles[0].passkeyTypes).toBe('deviceBound,synced');
  });

  it('targets a user in no group at all', () => {
    const c = defaultPasskeyMethodConfig();
    expect(isTargeted(c, dave)).toBe(true);
    expect(ids(profilesForUser(c, dave))).toEqual([DEFAULT_PROFILE_ID]);
  });
});

describe('isTargeted', () => {
  it('targets every user when all_users is included', () => {
    const c = config();
    for (const u of [alice, bob, carol, dave]) expect(isTargeted(c, u)).toBe(true);
  });

  it('targets only members of an included group', () => {
    const c = config({ includeTargets: [include(ADMINS, [ADMIN_PROFILE])] });
    expect(isTargeted(c, alice)).toBe(true);
    expect(isTargeted(c, carol)).toBe(true);
    expect(isTargeted(c, bob)).toBe(false);
    expect(isTargeted(c, dave)).toBe(false);
  });

  it('targets nobody when there are no include targets', () => {
    const c = config({ includeTargets: [] });
    for (const u of [alice, bob, carol, dave]) expect(isTargeted(c, u)).toBe(false);
  });

  it('lets a group exclusion win over an all_users inclusion', () => {
    const c = config({ excludeTargets: [{ id: ADMINS, targetType: 'group' }] });
    expect(isTargeted(c, alice)).toBe(false);
    expect(isTargeted(c, carol)).toBe(false);
    expect(isTargeted(c, bob)).toBe(true);
  });

  it('lets a group exclusion win over an inclusion of the same group', () => {
    const c = config({
      includeTargets: [include(SALES, [SALES_PROFILE])],
      excludeTargets: [{ id: SALES, targetType: 'group' }],
    });
    expect(isTargeted(c, bob)).toBe(false);
  });

  it('lets an exclusion of one group win over an inclusion through another group', () => {
    const c = config({
      includeTargets: [include(SALES, [SALES_PROFILE])],
      excludeTargets: [{ id: ADMINS, targetType: 'group' }],
    });
    expect(isTargeted(c, bob)).toBe(true);
    expect(isTargeted(c, carol)).toBe(false);
  });

  it('excludes a single user by a user exclude target, leaving everyone else targeted', () => {
    const c = config({ excludeTargets: [{ id: alice.userId, targetType: 'user' }] });
    expect(isTargeted(c, alice)).toBe(false);
    expect(isTargeted(c, bob)).toBe(true);
    expect(isTargeted(c, carol)).toBe(true);
  });

  it('does not treat a user exclude target as a group id', () => {
    const c = config({ excludeTargets: [{ id: ADMINS, targetType: 'user' }] });
    expect(isTargeted(c, alice)).toBe(true);
  });

  it('does not treat a group exclude target as a user id', () => {
    const c = config({ excludeTargets: [{ id: alice.userId, targetType: 'group' }] });
    expect(isTargeted(c, alice)).toBe(true);
  });

  it('excludes everyone when all_users is excluded', () => {
    const c = config({ excludeTargets: [{ id: ALL_USERS, targetType: 'group' }] });
    for (const u of [alice, bob, carol, dave]) expect(isTargeted(c, u)).toBe(false);
  });

  it('is not fooled by a group whose id merely resembles the user id', () => {
    const c = config({ includeTargets: [include('user-alice', [])] });
    expect(isTargeted(c, alice)).toBe(false);
  });
});

describe('profilesForUser', () => {
  it('gives the profiles of the all_users target to every user', () => {
    const c = config();
    expect(ids(profilesForUser(c, dave))).toEqual([DEFAULT_PROFILE_ID]);
    expect(ids(profilesForUser(c, alice))).toEqual([DEFAULT_PROFILE_ID]);
  });

  it('gives a group member the profiles scoped to that group only', () => {
    const c = config({ includeTargets: [include(ADMINS, [ADMIN_PROFILE]), include(SALES, [SALES_PROFILE])] });
    expect(ids(profilesForUser(c, alice))).toEqual([ADMIN_PROFILE]);
    expect(ids(profilesForUser(c, bob))).toEqual([SALES_PROFILE]);
  });

  it('gives a user in several targeted groups the union of their profiles', () => {
    const c = config({ includeTargets: [include(ADMINS, [ADMIN_PROFILE]), include(SALES, [SALES_PROFILE])] });
    expect(ids(profilesForUser(c, carol))).toEqual([ADMIN_PROFILE, SALES_PROFILE].sort());
  });

  it('combines the all_users profiles with those of a targeted group', () => {
    const c = config({
      includeTargets: [include(ALL_USERS, [DEFAULT_PROFILE_ID]), include(ADMINS, [ADMIN_PROFILE])],
    });
    expect(ids(profilesForUser(c, alice))).toEqual([DEFAULT_PROFILE_ID, ADMIN_PROFILE].sort());
    expect(ids(profilesForUser(c, bob))).toEqual([DEFAULT_PROFILE_ID]);
  });

  it('gives every profile of a target that is assigned several profiles', () => {
    const c = config({ includeTargets: [include(ADMINS, [ADMIN_PROFILE, SALES_PROFILE])] });
    expect(ids(profilesForUser(c, alice))).toEqual([ADMIN_PROFILE, SALES_PROFILE].sort());
  });

  it('lists a profile once even when several targets of the user assign it', () => {
    const c = config({ includeTargets: [include(ADMINS, [SALES_PROFILE]), include(SALES, [SALES_PROFILE])] });
    expect(ids(profilesForUser(c, carol))).toEqual([SALES_PROFILE]);
  });

  it('falls back to the default profile when a target has no allowed profiles', () => {
    const c = config({ includeTargets: [include(ADMINS, [])] });
    expect(ids(profilesForUser(c, alice))).toEqual([DEFAULT_PROFILE_ID]);
  });

  it('falls back to whichever profile the configuration names as default', () => {
    const c = config({ includeTargets: [include(ADMINS, [])], defaultPasskeyProfile: ADMIN_PROFILE });
    expect(ids(profilesForUser(c, alice))).toEqual([ADMIN_PROFILE]);
  });

  it('gives no profiles to a user no target covers', () => {
    const c = config({ includeTargets: [include(ADMINS, [ADMIN_PROFILE])] });
    expect(profilesForUser(c, bob)).toEqual([]);
    expect(profilesForUser(c, dave)).toEqual([]);
  });

  it('gives no profiles to a user excluded by group, even one included by another group', () => {
    const c = config({
      includeTargets: [include(ADMINS, [ADMIN_PROFILE]), include(SALES, [SALES_PROFILE])],
      excludeTargets: [{ id: ADMINS, targetType: 'group' }],
    });
    expect(profilesForUser(c, carol)).toEqual([]);
    expect(ids(profilesForUser(c, bob))).toEqual([SALES_PROFILE]);
  });

  it('gives no profiles to a user excluded by a user exclude target', () => {
    const c = config({ excludeTargets: [{ id: bob.userId, targetType: 'user' }] });
    expect(profilesForUser(c, bob)).toEqual([]);
    expect(ids(profilesForUser(c, alice))).toEqual([DEFAULT_PROFILE_ID]);
  });

  it('returns the profile objects themselves, with their rules', () => {
    const c = config({ includeTargets: [include(ADMINS, [ADMIN_PROFILE])] });
    const [p] = profilesForUser(c, alice);
    expect(p).toEqual(c.passkeyProfiles.find((x) => x.id === ADMIN_PROFILE));
    expect(p.passkeyTypes).toBe('deviceBound');
  });

  it('ignores a profile id that names no existing profile', () => {
    const c = config({ includeTargets: [include(ADMINS, ['no-such-profile', ADMIN_PROFILE])] });
    expect(ids(profilesForUser(c, alice))).toEqual([ADMIN_PROFILE]);
  });

  it('agrees with isTargeted about who is covered at all', () => {
    const configs = [
      config(),
      config({ includeTargets: [include(ADMINS, [ADMIN_PROFILE])] }),
      config({ excludeTargets: [{ id: SALES, targetType: 'group' }] }),
      config({ excludeTargets: [{ id: alice.userId, targetType: 'user' }] }),
      config({ includeTargets: [include(SALES, [])], excludeTargets: [{ id: CONTRACTORS, targetType: 'group' }] }),
    ];
    for (const c of configs)
      for (const u of [alice, bob, carol, dave]) expect(profilesForUser(c, u).length > 0).toBe(isTargeted(c, u));
  });
});

describe("targetsAnyGroup (whether the sign-in path must read a user's groups)", () => {
  const withTargets = (include: PasskeyIncludeTarget[], exclude: PasskeyMethodConfig['excludeTargets'] = []) => ({
    ...defaultPasskeyMethodConfig(),
    includeTargets: include,
    excludeTargets: exclude,
  });
  const target = (id: string, targetType: 'group' = 'group'): PasskeyIncludeTarget => ({
    id,
    targetType,
    isRegistrationRequired: false,
    allowedPasskeyProfiles: [DEFAULT_PROFILE_ID],
  });

  it('is false for the default (all users) and for user targets, true as soon as a group is named', () => {
    expect(targetsAnyGroup(defaultPasskeyMethodConfig())).toBe(false);
    expect(targetsAnyGroup(withTargets([target(ALL_USERS)], [{ id: 'user-1', targetType: 'user' }]))).toBe(false);
    expect(targetsAnyGroup(withTargets([target(ADMINS)]))).toBe(true);
    expect(targetsAnyGroup(withTargets([target(ALL_USERS)], [{ id: CONTRACTORS, targetType: 'group' }]))).toBe(true);
  });

  it('when false, no set of groups changes whether a user is targeted or which profiles apply', () => {
    const configs = [
      defaultPasskeyMethodConfig(),
      withTargets([target(ALL_USERS)], [{ id: 'user-1', targetType: 'user' }]),
      withTargets([]),
    ];
    for (const config of configs) {
      expect(targetsAnyGroup(config)).toBe(false);
      for (const userId of ['user-1', 'user-2']) {
        const none: UserScope = { userId, groupIds: [] };
        for (const groupIds of [[ADMINS], [SALES, CONTRACTORS], [ALL_USERS]]) {
          const some: UserScope = { userId, groupIds };
          expect(isTargeted(config, some)).toBe(isTargeted(config, none));
          expect(profilesForUser(config, some)).toEqual(profilesForUser(config, none));
        }
      }
    }
  });
});
