// The Conditional Access evaluation tests' shared fixtures: a policy, a sign-in context, session steps, shortcuts.
import { type CaPolicy, evaluateConditionalAccess, type SignInContext } from './conditional-access.ts';
import type { SessionStep } from './session-steps.ts';
import { type AuthenticationStrength, BUILT_IN_STRENGTHS } from './strengths.ts';

export const USER = '11111111-1111-1111-1111-111111111111';
export const OTHER = '22222222-2222-2222-2222-222222222222';
export const GROUP = '33333333-3333-3333-3333-333333333333';
export const ROLE = '62e90394-69f5-4237-9190-012177145e10';
export const APP = 'aaaaaaaa-0000-0000-0000-000000000001';
export const APP2 = 'aaaaaaaa-0000-0000-0000-000000000002';
const OFFICE = 'bbbbbbbb-0000-0000-0000-000000000001';
export const CAFE = 'bbbbbbbb-0000-0000-0000-000000000002';
export const NOW = 1_800_000_000_000;
export const HOUR = 3_600_000;

export const strengths = new Map<string, AuthenticationStrength>(BUILT_IN_STRENGTHS.map((s) => [s.id, s]));

export function policy(
  over: Partial<Omit<CaPolicy, 'conditions'>> & { conditions?: Partial<CaPolicy['conditions']> } = {},
) {
  const { conditions, ...rest } = over;
  const p: CaPolicy = {
    id: 'p1',
    displayName: 'Require MFA',
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
    grantControls: { operator: 'OR', builtInControls: ['mfa'], authenticationStrengthId: null },
    sessionControls: null,
    createdAt: 0,
    modifiedAt: null,
    ...rest,
  };
  return p;
}
export const users = (u: Partial<CaPolicy['conditions']['users']>) => ({
  users: { ...policy().conditions.users, includeUsers: [], ...u },
});
export const apps = (a: Partial<CaPolicy['conditions']['applications']>) => ({
  applications: { ...policy().conditions.applications, includeApplications: [], ...a },
});

export function ctx(over: Partial<SignInContext> = {}): SignInContext {
  return {
    user: { id: USER, groupIds: [GROUP], roleTemplateIds: [] },
    appId: APP,
    authenticationContexts: [],
    userAction: null,
    clientAppType: 'browser',
    ip: '192.0.2.10',
    namedLocations: [
      { id: OFFICE, displayName: 'Office', ipRanges: ['192.0.2.0/24', '2001:db8::/32'], isTrusted: true },
      { id: CAFE, displayName: 'Cafe', ipRanges: ['198.51.100.0/24'], isTrusted: false },
    ],
    now: NOW,
    requestStartedAt: NOW - 1000,
    ...over,
  };
}

export const password: SessionStep = { method: 'password', at: NOW - 2 * HOUR };
export const totp: SessionStep = { method: 'softwareOath', at: NOW - 2 * HOUR };
export const passkey: SessionStep = {
  method: 'passkey',
  at: NOW - 2 * HOUR,
  passkey: { aaguid: 'ee882879-721c-4913-9775-3dfcce97072a', type: 'deviceBound', attestation: 'verified' },
};

export const applies = (p: CaPolicy, c = ctx()) => evaluateConditionalAccess([p], c, strengths, []).results[0]!.applies;
export const one = (p: CaPolicy, steps: SessionStep[] = [], c = ctx()) =>
  evaluateConditionalAccess([p], c, strengths, steps);
