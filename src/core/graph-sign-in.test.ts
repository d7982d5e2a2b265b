import { describe, expect, it } from 'vitest';
import { describeError } from './errors.ts';
import { type SignInFacts, signInQuerySpec, toGraphSignIn } from './graph-sign-in.ts';
import { parseCollectionQuery } from './odata.ts';

const base: SignInFacts = {
  id: 's1',
  createdAt: Date.parse('2026-03-01T10:00:00Z'),
  userId: 'u1',
  userPrincipalName: 'Alice@Contoso.com',
  appId: null,
  method: 'passkey',
  result: 'success',
  errorCode: null,
  detail: { credentialId: 'cred-1' },
  ip: '192.0.2.1',
  userAgent: 'UA',
};

describe('toGraphSignIn', () => {
  it('reads a success as errorCode 0 with the passkey step succeeded', () => {
    const g = toGraphSignIn(base, { userDisplayName: 'Alice' });
    expect(g).toMatchObject({
      id: 's1',
      createdDateTime: '2026-03-01T10:00:00.000Z',
      userPrincipalName: 'alice@contoso.com',
      userDisplayName: 'Alice',
      appDisplayName: null,
      ipAddress: '192.0.2.1',
      clientAppUsed: 'Browser',
      status: { errorCode: 0, failureReason: null, additionalDetails: null },
      authenticationMethodsUsed: ['Passkey'],
      // A passkey is multi-factor by itself.
      authenticationRequirement: 'multiFactorAuthentication',
    });
    expect(g.authenticationDetails).toEqual([
      expect.objectContaining({
        authenticationMethod: 'Passkey',
        authenticationMethodDetail: 'credential cred-1',
        succeeded: true,
      }),
    ]);
  });

  it('carries the catalogue code, its message as failureReason and its remediation with the facts as additionalDetails', () => {
    const g = toGraphSignIn({
      ...base,
      method: 'temporaryAccessPass',
      result: 'failure',
      errorCode: 'SIGNIN_COUNTER_REGRESSION',
      detail: { stored: '5', received: '3' },
    });
    const entry = describeError('SIGNIN_COUNTER_REGRESSION');
    expect(g.status).toEqual({
      errorCode: 'SIGNIN_COUNTER_REGRESSION',
      failureReason: entry.message,
      additionalDetails: `${entry.remediation} (stored: 5; received: 3)`,
    });
    expect(g.authenticationMethodsUsed).toEqual([]);
    expect(g.authenticationDetails).toEqual([
      expect.objectContaining({ authenticationMethod: 'Temporary Access Pass', succeeded: false }),
    ]);
  });

  it('reads a failure without a code as INTERNAL_ERROR, and an unknown method as Other', () => {
    const g = toGraphSignIn({ ...base, method: 'smartcard', result: 'failure', errorCode: null });
    expect((g.status as { errorCode: string }).errorCode).toBe('INTERNAL_ERROR');
    expect((g.authenticationDetails as { authenticationMethod: string }[])[0]!.authenticationMethod).toBe('Other');
  });

  it('names an authenticator app and an emailed code as Graph does, as the second step of a multi-factor sign-in', () => {
    for (const [method, name] of [
      ['softwareOath', 'Software OATH token'],
      ['email', 'Email OTP'],
    ] as const) {
      const g = toGraphSignIn({ ...base, method, detail: { step: 'secondFactor' } });
      expect(g.authenticationDetails).toEqual([
        {
          authenticationStepDateTime: '2026-03-01T10:00:00.000Z',
          authenticationMethod: name,
          authenticationMethodDetail: null,
          succeeded: true,
          authenticationStepRequirement: 'Multifactor authentication',
          authenticationStepResultDetail: 'MFA successfully completed',
        },
      ]);
      expect(g.authenticationMethodsUsed).toEqual([name]);
      expect(g.authenticationRequirement).toBe('multiFactorAuthentication');
    }
  });

  it('a refused second factor: the step failed with the catalogue message, still a multi-factor requirement', () => {
    const g = toGraphSignIn({
      ...base,
      method: 'softwareOath',
      result: 'failure',
      errorCode: 'OTP_CODE_INVALID',
      detail: { step: 'secondFactor', reason: 'not a code' },
    });
    const entry = describeError('OTP_CODE_INVALID');
    expect(g.status).toEqual({
      errorCode: 'OTP_CODE_INVALID',
      failureReason: entry.message,
      // The step is said by authenticationStepRequirement, not repeated among the facts.
      additionalDetails: `${entry.remediation} (reason: not a code)`,
    });
    expect(g.authenticationDetails).toEqual([
      expect.objectContaining({
        authenticationMethod: 'Software OATH token',
        succeeded: false,
        authenticationStepRequirement: 'Multifactor authentication',
        authenticationStepResultDetail: entry.message,
      }),
    ]);
    expect(g.authenticationMethodsUsed).toEqual([]);
    expect(g.authenticationRequirement).toBe('multiFactorAuthentication');
  });

  it('without facts: every step is the primary one; a passkey or pass is multi-factor, a password single-factor', () => {
    for (const [method, requirement] of [
      ['password', 'singleFactorAuthentication'],
      ['passkey', 'multiFactorAuthentication'],
      ['temporaryAccessPass', 'multiFactorAuthentication'],
      ['email', 'singleFactorAuthentication'],
    ] as const) {
      const g = toGraphSignIn({ ...base, method, detail: {} });
      expect((g.authenticationDetails as { authenticationStepRequirement: string }[])[0]).toMatchObject({
        authenticationStepRequirement: 'Primary authentication',
        authenticationStepResultDetail: 'Authentication succeeded',
      });
      expect(g.authenticationRequirement, method).toBe(requirement);
    }
    expect(
      (toGraphSignIn({ ...base, method: 'password' }).authenticationDetails as { authenticationMethod: string }[])[0]!
        .authenticationMethod,
    ).toBe('Password');
  });

  it('an entry without facts is its own correlation, with no Conditional Access applied', () => {
    expect(toGraphSignIn(base)).toMatchObject({
      correlationId: 's1',
      sessionId: null,
      appliedConditionalAccessPolicies: [],
      conditionalAccessStatus: 'notApplied',
      authenticationContextClassReferences: [],
      authenticationRequirementPolicies: [],
      signetStrengthsRequired: [],
      signetStrengthsSatisfied: [],
    });
    // A row read back with no facts (conditional_access NULL) reads the same.
    expect(toGraphSignIn({ ...base, conditionalAccess: null, correlationId: null, sessionId: null })).toEqual(
      toGraphSignIn(base),
    );
  });

  it('projects $select', () => {
    expect(toGraphSignIn(base, {}, ['id', 'status'])).toEqual({
      id: 's1',
      status: { errorCode: 0, failureReason: null, additionalDetails: null },
    });
  });
});

describe('signInQuerySpec: status/errorCode as scripts filter it', () => {
  const filter = (f: string) => parseCollectionQuery({ $filter: f }, signInQuerySpec);
  it('takes 0 (success) and quoted catalogue codes, with ne as a plain query', () => {
    const zero = filter('status/errorCode eq 0');
    expect(zero.ok && zero.query.filter).toEqual({ op: 'eq', property: 'status/errorCode', value: 0 });
    const ne = filter('status/errorCode ne 0');
    expect(ne.ok && ne.query.requiresEventualConsistency).toBe(false);
    const code = filter("status/errorCode in (0, 'TAP_INVALID')");
    expect(code.ok && code.query.filter).toEqual({
      op: 'in',
      property: 'status/errorCode',
      values: [0, 'TAP_INVALID'],
    });
  });

  it('refuses a number other than 0: no Signet sign-in carries an AADSTS number', () => {
    const r = filter('status/errorCode eq 50126');
    expect(r.ok ? undefined : r.detail.reason).toContain('the number 50126');
  });
});
