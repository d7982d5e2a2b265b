// The signIn fields that say how Conditional Access decided a sign-in, from the facts the decision recorded.
import { describe, expect, it } from 'vitest';
import { describeError } from './errors.ts';
import { checkSignInFilter, type SignInFacts, signInQuerySpec, toGraphSignIn } from './graph-sign-in.ts';
import { parseCollectionQuery } from './odata.ts';
import type { AuthenticationStepFact, SignInConditionalAccessFacts } from './sign-in-facts.ts';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const PHR = { id: '00000000-0000-0000-0000-000000000004', displayName: 'Phishing-resistant MFA' };
const MFA = { id: '00000000-0000-0000-0000-000000000002', displayName: 'Multifactor authentication' };

const step = (over: Partial<AuthenticationStepFact>): AuthenticationStepFact => ({
  method: 'password',
  at: T0,
  succeeded: true,
  detail: null,
  resultDetail: null,
  requirement: 'Primary authentication',
  ...over,
});

const admins = {
  id: 'p-admins',
  displayName: 'Admins need phishing-resistant MFA',
  enforcedGrantControls: ['RequireAuthenticationStrength'],
  enforcedSessionControls: [],
  result: 'success',
  authenticationStrength: { authenticationStrengthId: PHR.id, displayName: PHR.displayName },
};
const reportOnly = (id: string, result: string) => ({
  id,
  displayName: `Pilot ${id}`,
  enforcedGrantControls: ['Mfa'],
  enforcedSessionControls: [],
  result,
});

// A user signed in with a password earlier, stepped up with a device-bound passkey for an admin app.
const stepUp: SignInConditionalAccessFacts = {
  authenticationRequirement: 'multiFactorAuthentication',
  steps: [
    step({ at: T0 - 60_000, resultDetail: 'Previously satisfied' }),
    step({
      method: 'passkey',
      passkeyType: 'deviceBound',
      detail: 'YubiKey 5 NFC - ee882879-721c-4913-9775-3dfcce97072a',
      resultDetail: 'Passkey verified',
      requirement: PHR.displayName,
    }),
  ],
  appliedConditionalAccessPolicies: [
    admins,
    reportOnly('r1', 'reportOnlySuccess'),
    reportOnly('r2', 'reportOnlyFailure'),
  ],
  conditionalAccessStatus: 'success',
  authenticationContextClassReferences: [{ id: 'c1', detail: 'required' }],
  strengthsRequired: [PHR],
  strengthsSatisfied: [MFA, PHR],
};

const row: SignInFacts = {
  id: 'e2',
  createdAt: T0,
  userId: 'u1',
  userPrincipalName: 'admin@contoso.com',
  appId: 'app-1',
  method: 'passkey',
  result: 'success',
  errorCode: null,
  detail: { credentialId: 'cred-1' },
  ip: '192.0.2.1',
  userAgent: 'UA',
  correlationId: 'interaction-7',
  sessionId: 'session-3',
  conditionalAccess: stepUp,
};

describe('toGraphSignIn with Conditional Access facts', () => {
  it('a step-up: both steps, every policy with its result, the strengths, the context, the request and session', () => {
    const g = toGraphSignIn(row);
    expect(g).toMatchObject({
      correlationId: 'interaction-7',
      sessionId: 'session-3',
      status: { errorCode: 0, failureReason: null, additionalDetails: null },
      authenticationRequirement: 'multiFactorAuthentication',
      conditionalAccessStatus: 'success',
      authenticationContextClassReferences: [{ id: 'c1', detail: 'required' }],
      authenticationRequirementPolicies: [
        { requirementProvider: 'multiConditionalAccess', detail: 'Conditional Access' },
        { requirementProvider: 'authenticationStrengths', detail: 'Authentication Strength(s)' },
      ],
      signetStrengthsRequired: [PHR],
      signetStrengthsSatisfied: [MFA, PHR],
      authenticationMethodsUsed: ['Password', 'Passkey (device-bound)'],
    });
    expect(g.appliedConditionalAccessPolicies).toEqual(stepUp.appliedConditionalAccessPolicies);
    expect(g.authenticationDetails).toEqual([
      {
        authenticationStepDateTime: '2026-03-01T09:59:00.000Z',
        authenticationMethod: 'Password',
        authenticationMethodDetail: null,
        succeeded: true,
        authenticationStepRequirement: 'Primary authentication',
        authenticationStepResultDetail: 'Previously satisfied',
      },
      {
        authenticationStepDateTime: '2026-03-01T10:00:00.000Z',
        authenticationMethod: 'Passkey (device-bound)',
        authenticationMethodDetail: 'YubiKey 5 NFC - ee882879-721c-4913-9775-3dfcce97072a',
        succeeded: true,
        authenticationStepRequirement: 'Phishing-resistant MFA',
        authenticationStepResultDetail: 'Passkey verified',
      },
    ]);
  });

  it('names each method as the log shows it', () => {
    const cases: [Partial<AuthenticationStepFact>, string][] = [
      [{ method: 'password' }, 'Password'],
      [{ method: 'passkey', passkeyType: 'deviceBound' }, 'Passkey (device-bound)'],
      [{ method: 'passkey', passkeyType: 'synced' }, 'Passkey (synced)'],
      [{ method: 'passkey' }, 'Passkey'],
      [{ method: 'temporaryAccessPass' }, 'Temporary Access Pass'],
      [{ method: 'softwareOath' }, 'Software OATH token'],
      [{ method: 'email', detail: 'a***@contoso.com' }, 'Email OTP'],
    ];
    for (const [over, name] of cases) {
      const g = toGraphSignIn({ ...row, conditionalAccess: { ...stepUp, steps: [step(over)] } });
      expect((g.authenticationDetails as { authenticationMethod: string }[])[0]!.authenticationMethod).toBe(name);
      expect(g.authenticationMethodsUsed).toEqual([name]);
    }
  });

  it('a sign-in refused by a policy: the failed step with the code’s message, status failure, the code kept', () => {
    const entry = describeError('SIGNIN_COUNTER_REGRESSION');
    const g = toGraphSignIn({
      ...row,
      method: 'password',
      result: 'failure',
      errorCode: 'SIGNIN_COUNTER_REGRESSION',
      detail: { policy: 'p-admins' },
      conditionalAccess: {
        ...stepUp,
        conditionalAccessStatus: 'failure',
        steps: [step({ succeeded: false, resultDetail: entry.message, requirement: PHR.displayName })],
        appliedConditionalAccessPolicies: [{ ...admins, result: 'failure' }],
        strengthsSatisfied: [],
      },
    });
    expect(g).toMatchObject({
      conditionalAccessStatus: 'failure',
      status: {
        errorCode: 'SIGNIN_COUNTER_REGRESSION',
        failureReason: entry.message,
        additionalDetails: `${entry.remediation} (policy: p-admins)`,
      },
      authenticationMethodsUsed: [],
      signetStrengthsSatisfied: [],
      appliedConditionalAccessPolicies: [expect.objectContaining({ id: 'p-admins', result: 'failure' })],
    });
    expect(g.authenticationDetails).toEqual([
      expect.objectContaining({ succeeded: false, authenticationStepResultDetail: entry.message }),
    ]);
  });

  it('report-only or not applied policies required nothing; an enforced one without a strength is Conditional Access', () => {
    const only = (policies: Record<string, unknown>[], strengthsRequired = [] as (typeof PHR)[]) =>
      toGraphSignIn({
        ...row,
        conditionalAccess: { ...stepUp, appliedConditionalAccessPolicies: policies, strengthsRequired },
      }).authenticationRequirementPolicies;
    expect(
      only([
        reportOnly('r1', 'reportOnlySuccess'),
        reportOnly('r2', 'reportOnlyFailure'),
        reportOnly('n', 'notApplied'),
      ]),
    ).toEqual([]);
    expect(only([{ ...reportOnly('m', 'success') }])).toEqual([
      { requirementProvider: 'multiConditionalAccess', detail: 'Conditional Access' },
    ]);
    expect(only([], [PHR])).toHaveLength(2);
  });

  it('facts with no steps: the step is built from the method, the rest from the facts', () => {
    const g = toGraphSignIn({ ...row, conditionalAccess: { ...stepUp, steps: [] } });
    expect(g.authenticationDetails).toEqual([
      expect.objectContaining({ authenticationMethod: 'Passkey', authenticationMethodDetail: 'credential cred-1' }),
    ]);
    expect(g.conditionalAccessStatus).toBe('success');
  });

  it('$select names the new fields', () => {
    expect(toGraphSignIn(row, {}, ['correlationId', 'conditionalAccessStatus', 'signetStrengthsRequired'])).toEqual({
      correlationId: 'interaction-7',
      conditionalAccessStatus: 'success',
      signetStrengthsRequired: [PHR],
    });
  });
});

describe('filters on conditionalAccessStatus and correlationId', () => {
  const parse = (f: string) => {
    const r = parseCollectionQuery({ $filter: f }, signInQuerySpec);
    if (!r.ok) throw new Error(JSON.stringify(r.detail));
    return r.query.filter;
  };
  it('take Graph’s members (and correlationId any string)', () => {
    for (const f of [
      "conditionalAccessStatus eq 'failure'",
      "conditionalAccessStatus ne 'notApplied'",
      "conditionalAccessStatus in ('success', 'unknownFutureValue')",
      "correlationId eq 'interaction-7' and not (conditionalAccessStatus eq 'success')",
    ])
      expect(checkSignInFilter(parse(f)), f).toEqual({ ok: true });
    expect(checkSignInFilter(undefined)).toEqual({ ok: true });
  });
  it('refuse any other value by name, wherever it is in the filter', () => {
    for (const [f, bad] of [
      ["conditionalAccessStatus eq 'failed'", 'failed'],
      ["userId eq 'u' or conditionalAccessStatus in ('success', 'Success')", 'Success'],
      ["not (conditionalAccessStatus ne 'reportOnlyFailure')", 'reportOnlyFailure'],
    ] as const) {
      const d = checkSignInFilter(parse(f));
      expect(d.ok).toBe(false);
      if (!d.ok) {
        expect(d.code).toBe('GRAPH_QUERY_INVALID');
        expect(d.detail).toEqual({
          parameter: '$filter',
          reason: `conditionalAccessStatus is one of success, failure, notApplied, unknownFutureValue; not '${bad}'`,
        });
      }
    }
  });
  it('the parser itself refuses an unquoted status and startswith', () => {
    expect(parseCollectionQuery({ $filter: 'conditionalAccessStatus eq failure' }, signInQuerySpec).ok).toBe(false);
    expect(parseCollectionQuery({ $filter: "startswith(correlationId, 'a')" }, signInQuerySpec).ok).toBe(false);
  });
});
