// fast-check arbitraries of passkey (Fido2) method configurations for the property tests of the impact preview and
// the registration What If: profiles (types, attestation, allow and block lists over a pool of AAGUIDs), targets
// (all users, groups, excluded groups and a user, by index), the method on or off, self-service and the per-user
// limit; and the PATCH body they make once the tenant's groups and users exist. Only configurations the rules
// accept are generated (no synced profile that enforces attestation).
import fc from 'fast-check';
import { ALL_USERS } from '../../src/core/passkey-method.ts';
import { FIDO2_TYPE } from './preview-fixtures.ts';

const PROFILE_IDS = [
  '00000000-0000-0000-0000-000000000001',
  '00000000-0000-0000-0000-00000000000a',
  '00000000-0000-0000-0000-00000000000b',
] as const;

export interface GeneratedPolicy {
  enabled: boolean;
  selfService: boolean;
  limit: number;
  profiles: {
    passkeyTypes: string;
    attestationEnforcement: string;
    keyRestrictions: { isEnforced: boolean; enforcementType: string; aaGuids: string[] };
  }[];
  defaultIndex: number;
  include: { target: 'all' | 0 | 1; allowed: number[] }[];
  excludeGroups: number[];
  excludeUser: number | null;
}

/** Policies over groups 0..1 and users by index, with key restrictions drawn from `aaguids`. */
export function policyArbitrary(aaguids: readonly string[]): fc.Arbitrary<GeneratedPolicy> {
  const profile = fc
    .record({
      types: fc.constantFrom('deviceBound', 'synced', 'deviceBound,synced'),
      attest: fc.boolean(),
      enforced: fc.boolean(),
      kind: fc.constantFrom('allow', 'block'),
      aaGuids: fc.subarray([...aaguids]),
    })
    .map((p) => ({
      passkeyTypes: p.types,
      // Synced passkeys do not attest: a profile asking for both is refused by the rules, so it is not generated.
      attestationEnforcement: p.attest && p.types === 'deviceBound' ? 'registrationOnly' : 'disabled',
      keyRestrictions: { isEnforced: p.enforced, enforcementType: p.kind, aaGuids: p.aaGuids },
    }));
  return fc.record({
    enabled: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    selfService: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    limit: fc.integer({ min: 1, max: 3 }),
    profiles: fc.array(profile, { minLength: 1, maxLength: 3 }),
    defaultIndex: fc.nat(2),
    include: fc
      .subarray(['all', 0, 1] as const, { minLength: 0 })
      .chain((targets) =>
        fc.tuple(...targets.map((t) => fc.record({ target: fc.constant(t), allowed: fc.subarray([0, 1, 2]) }))),
      ),
    excludeGroups: fc.subarray([0, 1]),
    excludeUser: fc.option(fc.nat(3), { freq: 4 }),
  });
}

/** The permissive default: every user, every passkey, self-service, ten per user. */
export const PERMISSIVE: GeneratedPolicy = {
  enabled: true,
  selfService: true,
  limit: 10,
  profiles: [
    {
      passkeyTypes: 'deviceBound,synced',
      attestationEnforcement: 'disabled',
      keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
    },
  ],
  defaultIndex: 0,
  include: [{ target: 'all', allowed: [] }],
  excludeGroups: [],
  excludeUser: null,
};

/** The Fido2 PATCH body of a generated policy, with the tenant's two groups and its users. */
export function policyBody(p: GeneratedPolicy, groups: readonly string[], users: readonly string[]) {
  const ids = PROFILE_IDS.slice(0, p.profiles.length);
  const profile = (i: number) => ids[i % ids.length]!;
  return {
    '@odata.type': FIDO2_TYPE,
    state: p.enabled ? 'enabled' : 'disabled',
    isSelfServiceRegistrationAllowed: p.selfService,
    passkeysPerUserLimit: p.limit,
    passkeyProfiles: p.profiles.map((x, i) => ({ id: ids[i], name: `Profile ${i}`, ...x })),
    defaultPasskeyProfile: profile(p.defaultIndex),
    includeTargets: p.include.map((t) => ({
      id: t.target === 'all' ? ALL_USERS : groups[t.target],
      targetType: 'group',
      allowedPasskeyProfiles: [...new Set(t.allowed.map(profile))],
    })),
    excludeTargets: [
      ...p.excludeGroups.map((g) => ({ id: groups[g], targetType: 'group' })),
      ...(p.excludeUser === null ? [] : [{ id: users[p.excludeUser % users.length], targetType: 'user' }]),
    ],
  };
}
