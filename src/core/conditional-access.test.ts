// Conditional Access evaluation: which policies apply (users, applications, client types, locations) and state.
import { describe, expect, it } from 'vitest';
import {
  APP,
  APP2,
  applies,
  apps,
  CAFE,
  ctx,
  GROUP,
  OTHER,
  one,
  password,
  policy,
  ROLE,
  totp,
  USER,
  users,
} from './conditional-access.test-support.ts';

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
