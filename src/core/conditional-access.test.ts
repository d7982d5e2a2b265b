import { describe, expect, it } from 'vitest';
import {
  type CaPolicy,
  evaluateConditionalAccess,
  type SignInContext,
  toAppliedConditionalAccessPolicy,
  whatIf,
} from './conditional-access.ts';
import type { SessionStep } from './session-steps.ts';
import {
  type AuthenticationStrength,
  BUILT_IN_STRENGTHS,
  MFA_STRENGTH_ID,
  PHISHING_RESISTANT_STRENGTH_ID,
} from './strengths.ts';

const USER = '11111111-1111-1111-1111-111111111111';
const OTHER = '22222222-2222-2222-2222-222222222222';
const GROUP = '33333333-3333-3333-3333-333333333333';
const ROLE = '62e90394-69f5-4237-9190-012177145e10';
const APP = 'aaaaaaaa-0000-0000-0000-000000000001';
const APP2 = 'aaaaaaaa-0000-0000-0000-000000000002';
const OFFICE = 'bbbbbbbb-0000-0000-0000-000000000001';
const CAFE = 'bbbbbbbb-0000-0000-0000-000000000002';
const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

const strengths = new Map<string, AuthenticationStrength>(BUILT_IN_STRENGTHS.map((s) => [s.id, s]));

function policy(over: Partial<Omit<CaPolicy, 'conditions'>> & { conditions?: Partial<CaPolicy['conditions']> } = {}) {
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
const users = (u: Partial<CaPolicy['conditions']['users']>) => ({
  users: { ...policy().conditions.users, includeUsers: [], ...u },
});
const apps = (a: Partial<CaPolicy['conditions']['applications']>) => ({
  applications: { ...policy().conditions.applications, includeApplications: [], ...a },
});

function ctx(over: Partial<SignInContext> = {}): SignInContext {
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

const password: SessionStep = { method: 'password', at: NOW - 2 * HOUR };
const totp: SessionStep = { method: 'softwareOath', at: NOW - 2 * HOUR };
const passkey: SessionStep = {
  method: 'passkey',
  at: NOW - 2 * HOUR,
  passkey: { aaguid: 'ee882879-721c-4913-9775-3dfcce97072a', type: 'deviceBound', attestation: 'verified' },
};

const applies = (p: CaPolicy, c = ctx()) => evaluateConditionalAccess([p], c, strengths, []).results[0]!.applies;
const one = (p: CaPolicy, steps: SessionStep[] = [], c = ctx()) => evaluateConditionalAccess([p], c, strengths, steps);

describe('users', () => {
  it('includes everyone with All, the listed user, members of a listed group, holders of a listed role', () => {
    expect(applies(policy())).toBe(true);
    expect(applies(policy({ conditions: users({ includeUsers: [USER.toUpperCase()] }) }))).toBe(true);
    expect(applies(policy({ conditions: users({ includeGroups: [GROUP] }) }))).toBe(true);
    const admin = ctx({ user: { id: USER, groupIds: [], roleTemplateIds: [ROLE] } });
    expect(applies(policy({ conditions: users({ includeRoles: [ROLE] }) }), admin)).toBe(true);
  });

  it('leaves out a user not listed, not in the group, without the role', () => {
    const r = one(
      policy({ conditions: users({ includeUsers: [OTHER], includeGroups: [OTHER], includeRoles: [ROLE] }) }),
    );
    expect(r.results[0]).toMatchObject({ applies: false, analysisReasons: ['users'], result: 'notApplied' });
    expect(r.results[0]!.conditionsNotSatisfied).toEqual(['users']);
  });

  it('lets an exclusion win over an inclusion (user, group or role)', () => {
    const admin = ctx({ user: { id: USER, groupIds: [GROUP], roleTemplateIds: [ROLE] } });
    for (const ex of [{ excludeUsers: [USER] }, { excludeGroups: [GROUP] }, { excludeRoles: [ROLE] }]) {
      const r = one(policy({ conditions: users({ includeUsers: ['All'], ...ex }) }), [], admin).results[0]!;
      expect(r.applies, JSON.stringify(ex)).toBe(false);
      expect(r.excludeRulesSatisfied[0]?.conditionalAccessCondition).toBe('users');
    }
  });

  it('includes nobody with None, and nobody with GuestsOrExternalUsers (Signet has no guests)', () => {
    expect(applies(policy({ conditions: users({ includeUsers: ['None'] }) }))).toBe(false);
    expect(applies(policy({ conditions: users({ includeUsers: ['GuestsOrExternalUsers'] }) }))).toBe(false);
    // Excluding guests excludes no member.
    expect(
      applies(policy({ conditions: users({ includeUsers: ['All'], excludeUsers: ['GuestsOrExternalUsers'] }) })),
    ).toBe(true);
  });
});

describe('applications', () => {
  it('applies to All (Signet’s own pages too), to the listed app, and not to another app or None', () => {
    expect(applies(policy(), ctx({ appId: null }))).toBe(true);
    expect(applies(policy({ conditions: apps({ includeApplications: [APP] }) }))).toBe(true);
    expect(applies(policy({ conditions: apps({ includeApplications: [APP2] }) }))).toBe(false);
    expect(applies(policy({ conditions: apps({ includeApplications: [APP] }) }), ctx({ appId: null }))).toBe(false);
    expect(applies(policy({ conditions: apps({ includeApplications: ['None'] }) }))).toBe(false);
  });

  it('lets excludeApplications win', () => {
    const r = one(policy({ conditions: apps({ includeApplications: ['All'], excludeApplications: [APP] }) }))
      .results[0]!;
    expect(r).toMatchObject({ applies: false, analysisReasons: ['application'] });
  });

  it('applies an authentication-context policy when the app asked for one of its contexts, whatever the app', () => {
    const p = policy({ conditions: apps({ includeAuthenticationContextClassReferences: ['c1', 'c2'] }) });
    expect(applies(p, ctx({ authenticationContexts: ['c2'] }))).toBe(true);
    expect(applies(p, ctx({ appId: null, authenticationContexts: ['C1'] }))).toBe(true);
    const r = one(p, [], ctx({ authenticationContexts: ['c3'] })).results[0]!;
    expect(r).toMatchObject({ applies: false, analysisReasons: ['authenticationContext'] });
    expect(applies(p, ctx())).toBe(false);
  });

  it('applies a registersecurityinfo policy to the registerSecurityInformation action only', () => {
    const p = policy({ conditions: apps({ includeUserActions: ['urn:user:registersecurityinfo'] }) });
    expect(applies(p, ctx({ appId: null, userAction: 'registerSecurityInformation' }))).toBe(true);
    const r = one(p, [], ctx({ appId: null })).results[0]!;
    expect(r).toMatchObject({ applies: false, analysisReasons: ['userActions'] });
    expect(applies(p)).toBe(false);
  });
});

describe('client app types and locations', () => {
  it('applies to all client types, or only to the one named', () => {
    expect(applies(policy({ conditions: { clientAppTypes: ['mobileAppsAndDesktopClients'] } }))).toBe(false);
    expect(applies(policy({ conditions: { clientAppTypes: ['browser'] } }))).toBe(true);
    const r = one(
      policy({ conditions: { clientAppTypes: ['browser'] } }),
      [],
      ctx({ clientAppType: 'mobileAppsAndDesktopClients' }),
    );
    expect(r.results[0]).toMatchObject({
      applies: false,
      analysisReasons: ['clientApps'],
      conditionsNotSatisfied: ['clientType'],
    });
  });

  it('includes All locations (an unknown address too) and excludes trusted ones by AllTrusted', () => {
    const p = policy({ conditions: { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } } });
    expect(applies(p, ctx({ ip: '192.0.2.10' }))).toBe(false);
    expect(applies(p, ctx({ ip: '2001:db8::5' }))).toBe(false);
    expect(applies(p, ctx({ ip: '::ffff:192.0.2.10' }))).toBe(false);
    expect(applies(p, ctx({ ip: '198.51.100.1' }))).toBe(true);
    // An unknown address is in no named location, so not trusted: the policy applies.
    expect(applies(p, ctx({ ip: null }))).toBe(true);
  });

  it('includes a named location by id, and an unknown address is not in it', () => {
    const p = policy({ conditions: { locations: { includeLocations: [CAFE], excludeLocations: [] } } });
    expect(applies(p, ctx({ ip: '198.51.100.20' }))).toBe(true);
    const r = one(p, [], ctx({ ip: null })).results[0]!;
    expect(r).toMatchObject({ applies: false, analysisReasons: ['location'], conditionsNotSatisfied: ['location'] });
    expect(
      applies(
        policy({ conditions: { locations: { includeLocations: ['AllTrusted'], excludeLocations: [] } } }),
        ctx({ ip: null }),
      ),
    ).toBe(false);
  });

  it('names every condition that does not hold', () => {
    const p = policy({
      conditions: {
        ...users({ includeUsers: [OTHER] }),
        clientAppTypes: ['mobileAppsAndDesktopClients'],
        locations: { includeLocations: [CAFE], excludeLocations: [] },
      },
    });
    expect(one(p).results[0]!.analysisReasons).toEqual(['users', 'clientApps', 'location']);
  });
});

describe('state', () => {
  it('a disabled policy is notEnabled, and never unmet', () => {
    const r = one(
      policy({
        state: 'disabled',
        grantControls: { operator: 'OR', builtInControls: ['block'], authenticationStrengthId: null },
      }),
    );
    expect(r.results[0]).toMatchObject({ applies: false, result: 'notEnabled', analysisReasons: ['policyNotEnabled'] });
    expect(r.unmet).toEqual([]);
  });

  it('a report-only policy is judged (reportOnlyFailure, reportOnlySuccess, reportOnlyNotApplied) and never unmet', () => {
    const p = policy({ state: 'enabledForReportingButNotEnforced' });
    const failing = one(p, [password]);
    expect(failing.results[0]!.result).toBe('reportOnlyFailure');
    expect(failing.results[0]!.requirement?.reportOnly).toBe(true);
    expect(failing.unmet).toEqual([]);
    expect(one(p, [password, totp]).results[0]!.result).toBe('reportOnlySuccess');
    const notApplied = one(
      policy({ state: 'enabledForReportingButNotEnforced', conditions: users({ includeUsers: [OTHER] }) }),
    );
    expect(notApplied.results[0]!.result).toBe('reportOnlyNotApplied');
  });
});

describe('grant controls', () => {
  it('block is always unmet (failure), whatever the steps', () => {
    const r = one(
      policy({ grantControls: { operator: 'OR', builtInControls: ['block'], authenticationStrengthId: null } }),
      [passkey],
    );
    expect(r.results[0]).toMatchObject({ result: 'failure', enforcedGrantControls: ['Block'] });
    expect(r.unmet).toEqual([expect.objectContaining({ policyId: 'p1', block: true, anyOf: [] })]);
  });

  it('mfa is the built-in MFA strength: password alone fails, password + TOTP or a passkey succeeds', () => {
    const fail = one(policy(), [password]);
    expect(fail.unmet[0]!.anyOf.map((s) => s.id)).toEqual([MFA_STRENGTH_ID]);
    expect(fail.results[0]!.strength).toMatchObject({
      id: MFA_STRENGTH_ID,
      evaluation: { satisfied: false, result: 'singleChallengeRequired' },
    });
    expect(one(policy(), [password, totp]).results[0]!.result).toBe('success');
    expect(one(policy(), [passkey]).unmet).toEqual([]);
  });

  it('an authentication strength is that strength: phishing-resistant refuses password + TOTP and a TAP', () => {
    const p = policy({
      grantControls: { operator: 'OR', builtInControls: [], authenticationStrengthId: PHISHING_RESISTANT_STRENGTH_ID },
    });
    expect(one(p, [password, totp]).results[0]!.result).toBe('failure');
    expect(one(p, [{ method: 'temporaryAccessPass', at: NOW, tap: { oneTime: true } }]).unmet).toHaveLength(1);
    expect(one(p, [passkey]).results[0]).toMatchObject({
      result: 'success',
      enforcedGrantControls: ['RequireAuthenticationStrength'],
    });
  });

  it('a strength the tenant does not have fails closed, as a block, and says so', () => {
    const id = '99999999-9999-9999-9999-999999999999';
    const r = one(policy({ grantControls: { operator: 'AND', builtInControls: [], authenticationStrengthId: id } }), [
      passkey,
    ]);
    expect(r.results[0]).toMatchObject({ result: 'failure', unknownStrengthId: id });
    expect(r.unmet[0]).toMatchObject({ block: true });
  });

  it('with available methods, the strength evaluation says what can still be done', () => {
    const p = policy({
      grantControls: { operator: 'OR', builtInControls: [], authenticationStrengthId: PHISHING_RESISTANT_STRENGTH_ID },
    });
    const r = evaluateConditionalAccess(
      [p],
      ctx(),
      strengths,
      [password],
      [{ method: 'password' }, { method: 'softwareOath' }],
    );
    expect(r.results[0]!.strength?.evaluation).toEqual({ satisfied: false, result: 'cannotSatisfy', nextMethods: [] });
  });

  it('lists unmet requirements of every enforced applying policy, and none of the met ones', () => {
    const pr = policy({
      id: 'p2',
      grantControls: { operator: 'OR', builtInControls: [], authenticationStrengthId: PHISHING_RESISTANT_STRENGTH_ID },
    });
    const r = evaluateConditionalAccess([policy(), pr], ctx(), strengths, [password, totp]);
    expect(r.unmet.map((u) => u.policyId)).toEqual(['p2']);
  });
});

describe('sign-in frequency', () => {
  const every = (h: number): CaPolicy['sessionControls'] => ({
    signInFrequency: { isEnabled: true, frequencyInterval: 'timeBased', type: 'hours', value: h },
  });

  it('timeBased: steps older than the frequency do not count', () => {
    const r = one(policy({ sessionControls: every(1) }), [password, totp]);
    expect(r.results[0]!.result).toBe('failure');
    expect(r.unmet[0]!.freshSince).toBe(NOW - HOUR);
    expect(one(policy({ sessionControls: every(3) }), [password, totp]).unmet).toEqual([]);
    const days = one(
      policy({
        sessionControls: {
          signInFrequency: { isEnabled: true, frequencyInterval: 'timeBased', type: 'days', value: 1 },
        },
      }),
      [password, totp],
    );
    expect(days.results[0]!.requirement?.freshSince).toBe(NOW - 24 * HOUR);
  });

  it('everyTime: only steps since the authorization request began count', () => {
    const p = policy({
      sessionControls: {
        signInFrequency: { isEnabled: true, frequencyInterval: 'everyTime', type: null, value: null },
      },
    });
    expect(one(p, [passkey]).unmet[0]!.freshSince).toBe(NOW - 1000);
    expect(one(p, [{ ...passkey, at: NOW - 500 }]).unmet).toEqual([]);
  });

  it('a policy with only a session control needs any fresh sign-in (anyOf empty)', () => {
    const p = policy({ grantControls: null, sessionControls: every(1) });
    const stale = one(p, [password]);
    expect(stale.unmet).toEqual([expect.objectContaining({ anyOf: [], freshSince: NOW - HOUR, block: false })]);
    expect(one(p, [{ method: 'password', at: NOW - 10 }]).results[0]!.result).toBe('success');
    expect(stale.results[0]!.enforcedSessionControls).toEqual(['SignInFrequency']);
  });

  it('a disabled frequency sets no freshness', () => {
    const p = policy({
      sessionControls: {
        signInFrequency: { isEnabled: false, frequencyInterval: 'timeBased', type: 'hours', value: 1 },
      },
    });
    expect(one(p, [password, totp]).unmet).toEqual([]);
  });
});

describe('whatIf', () => {
  it('answers per policy whether it applies and why not, and what it requires, without steps', () => {
    const ps = [
      policy(),
      policy({ id: 'p2', conditions: users({ includeUsers: [OTHER] }) }),
      policy({ id: 'p3', state: 'disabled' }),
    ];
    const all = whatIf(ps, ctx(), strengths, false);
    expect(all.map((r) => [r.policy.id, r.policyApplies, r.analysisReasons])).toEqual([
      ['p1', true, []],
      ['p2', false, ['users']],
      ['p3', false, ['policyNotEnabled']],
    ]);
    expect(all[0]!.requirement?.anyOf.map((s) => s.id)).toEqual([MFA_STRENGTH_ID]);
    expect(whatIf(ps, ctx(), strengths, true).map((r) => r.policy.id)).toEqual(['p1']);
  });
});

describe('toAppliedConditionalAccessPolicy', () => {
  it('gives Graph’s appliedConditionalAccessPolicy, with the strength and its result', () => {
    const p = policy({
      displayName: 'Admins',
      grantControls: { operator: 'OR', builtInControls: [], authenticationStrengthId: PHISHING_RESISTANT_STRENGTH_ID },
      conditions: apps({ includeApplications: [APP] }),
    });
    const r = one(p, [passkey]).results[0]!;
    expect(toAppliedConditionalAccessPolicy(r)).toEqual({
      id: 'p1',
      displayName: 'Admins',
      enforcedGrantControls: ['RequireAuthenticationStrength'],
      enforcedSessionControls: [],
      result: 'success',
      conditionsSatisfied: 'application,users',
      conditionsNotSatisfied: 'none',
      includeRulesSatisfied: [
        { conditionalAccessCondition: 'application', ruleSatisfied: 'appId' },
        { conditionalAccessCondition: 'users', ruleSatisfied: 'allUsers' },
      ],
      excludeRulesSatisfied: [],
      authenticationStrength: {
        authenticationStrengthId: PHISHING_RESISTANT_STRENGTH_ID,
        displayName: 'Phishing resistant MFA',
        authenticationStrengthResult: 'satisfied',
      },
    });
    const failed = toAppliedConditionalAccessPolicy(one(p, [password]).results[0]!);
    expect(failed).toMatchObject({
      result: 'failure',
      authenticationStrength: { authenticationStrengthResult: 'singleChallengeRequired' },
    });
  });
});
