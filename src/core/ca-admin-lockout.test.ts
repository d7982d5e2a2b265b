import { describe, expect, it } from 'vitest';
import { type AdminFacts, checkAdminLockout, coversEverything } from './ca-admin-lockout.ts';
import type { CaPolicy } from './conditional-access.ts';
import { type AuthenticationStrength, BUILT_IN_STRENGTHS, PHISHING_RESISTANT_STRENGTH_ID } from './strengths.ts';

const GA = '62e90394-69f5-4237-9190-012177145e10';
const strengths = new Map<string, AuthenticationStrength>(BUILT_IN_STRENGTHS.map((s) => [s.id, s]));
const passkey = {
  method: 'passkey' as const,
  passkey: {
    aaguid: 'ee882879-721c-4913-9775-3dfcce97072a',
    type: 'deviceBound' as const,
    attestation: 'verified' as const,
  },
};
const admin = (id: string, available: AdminFacts['available'], groupIds: string[] = []): AdminFacts => ({
  userId: id,
  groupIds,
  roleTemplateIds: [GA],
  available,
});
const a1 = admin('a1', [{ method: 'password' }]);
const a2 = admin('a2', [{ method: 'password' }, { method: 'softwareOath' }], ['break-glass']);

function policy(over: Partial<CaPolicy> = {}, conditions: Partial<CaPolicy['conditions']> = {}): CaPolicy {
  return {
    id: 'p',
    displayName: 'Everyone',
    state: 'enabled',
    conditions: {
      users: {
        includeUsers: ['All'],
        excludeUsers: [],
        includeGroups: [],
        excludeGroups: [],
        includeRoles: [],
        excludeRoles: [],
      },
      applications: {
        includeApplications: ['All'],
        excludeApplications: [],
        includeAuthenticationContextClassReferences: [],
        includeUserActions: [],
      },
      clientAppTypes: ['all'],
      locations: null,
      ...conditions,
    },
    grantControls: { operator: 'OR', builtInControls: ['block'], authenticationStrengthId: null },
    sessionControls: null,
    createdAt: 0,
    modifiedAt: null,
    ...over,
  };
}
const phishingResistant = {
  grantControls: {
    operator: 'OR' as const,
    builtInControls: [],
    authenticationStrengthId: PHISHING_RESISTANT_STRENGTH_ID,
  },
};
const check = (p: CaPolicy, admins = [a1, a2], confirmed = false) =>
  checkAdminLockout(p, admins, strengths, [], confirmed);

describe('checkAdminLockout', () => {
  it('refuses an enabled block of all users and apps, naming how many administrators it locks out', () => {
    expect(check(policy())).toEqual({
      ok: false,
      code: 'CA_POLICY_WOULD_LOCK_OUT_ADMINS',
      detail: expect.objectContaining({
        globalAdministrators: '2',
        lockedOut: '2',
        confirm: 'signetConfirmLockout=true',
      }),
    });
  });

  it('accepts it when confirmed, when report-only or disabled, or when there is no administrator', () => {
    expect(check(policy(), [a1, a2], true).ok).toBe(true);
    expect(check(policy({ state: 'enabledForReportingButNotEnforced' })).ok).toBe(true);
    expect(check(policy({ state: 'disabled' })).ok).toBe(true);
    expect(check(policy(), []).ok).toBe(true);
  });

  it('accepts a policy that excludes a break-glass administrator, by user or by group', () => {
    const byUser = policy({}, { users: { ...policy().conditions.users, excludeUsers: ['a2'] } });
    expect(check(byUser).ok).toBe(true);
    const byGroup = policy({}, { users: { ...policy().conditions.users, excludeGroups: ['break-glass'] } });
    expect(check(byGroup).ok).toBe(true);
  });

  it('refuses a phishing-resistant requirement when no administrator has a passkey, and accepts it when one has', () => {
    expect(check(policy(phishingResistant)).ok).toBe(false);
    expect(check(policy(phishingResistant), [a1, admin('a3', [passkey])]).ok).toBe(true);
  });

  it('accepts an MFA requirement that an administrator with a password and TOTP can meet', () => {
    const mfa = policy({ grantControls: { operator: 'OR', builtInControls: ['mfa'], authenticationStrengthId: null } });
    expect(check(mfa).ok).toBe(true);
    expect(check(mfa, [a1]).ok).toBe(false);
  });

  it('accepts a policy that leaves an app, a client type or a place outside it', () => {
    expect(
      check(policy({}, { applications: { ...policy().conditions.applications, excludeApplications: ['app'] } })).ok,
    ).toBe(true);
    expect(
      check(policy({}, { applications: { ...policy().conditions.applications, includeApplications: ['app'] } })).ok,
    ).toBe(true);
    expect(check(policy({}, { clientAppTypes: ['browser'] })).ok).toBe(true);
    expect(check(policy({}, { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } })).ok).toBe(
      true,
    );
  });

  it('takes a policy not applying to administrators (other users only) as no lockout', () => {
    expect(check(policy({}, { users: { ...policy().conditions.users, includeUsers: ['someone-else'] } })).ok).toBe(
      true,
    );
  });
});

describe('coversEverything', () => {
  it('is true for All apps from both client types and everywhere', () => {
    expect(coversEverything(policy({}, { clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'] }))).toBe(true);
    expect(coversEverything(policy({}, { locations: { includeLocations: ['All'], excludeLocations: [] } }))).toBe(true);
    expect(
      coversEverything(policy({}, { locations: { includeLocations: ['AllTrusted'], excludeLocations: [] } })),
    ).toBe(false);
  });
});
