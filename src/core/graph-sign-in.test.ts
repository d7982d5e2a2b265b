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
      authenticationMethodsUsed: ['FIDO2 security key'],
      authenticationRequirement: 'singleFactorAuthentication',
    });
    expect(g.authenticationDetails).toEqual([
      expect.objectContaining({
        authenticationMethod: 'FIDO2 security key',
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
