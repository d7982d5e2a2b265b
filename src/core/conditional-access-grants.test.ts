// Conditional Access evaluation: grant controls, sign-in frequency, What If, Graph's appliedConditionalAccessPolicy.
import { describe, expect, it } from 'vitest';
import {
  APP,
  apps,
  ctx,
  HOUR,
  NOW,
  OTHER,
  one,
  passkey,
  password,
  policy,
  strengths,
  totp,
  users,
} from './conditional-access.test-support.ts';
import {
  type CaPolicy,
  evaluateConditionalAccess,
  toAppliedConditionalAccessPolicy,
  whatIf,
} from './conditional-access.ts';
import { MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID } from './strengths.ts';

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
