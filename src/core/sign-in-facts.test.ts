import { describe, expect, it } from 'vitest';
import {
  parseSignInFacts,
  passkeyMethodDetail,
  type SignInConditionalAccessFacts,
  serializeSignInFacts,
  statusPrefix,
  stepFactOf,
} from './sign-in-facts.ts';

const facts: SignInConditionalAccessFacts = {
  authenticationRequirement: 'multiFactorAuthentication',
  steps: [
    {
      method: 'password',
      at: 1_000,
      succeeded: true,
      detail: null,
      resultDetail: 'Previously satisfied',
      requirement: 'Primary authentication',
    },
    {
      method: 'passkey',
      at: 2_000,
      succeeded: true,
      detail: 'YubiKey 5 NFC - ee882879-721c-4913-9775-3dfcce97072a',
      resultDetail: 'Passkey verified',
      requirement: 'Phishing-resistant MFA',
      passkeyType: 'deviceBound',
    },
  ],
  appliedConditionalAccessPolicies: [{ id: 'p1', displayName: 'Admins', result: 'success' }],
  conditionalAccessStatus: 'success',
  authenticationContextClassReferences: [{ id: 'c1', detail: 'required' }],
  strengthsRequired: [{ id: '00000000-0000-0000-0000-000000000004', displayName: 'Phishing-resistant MFA' }],
  strengthsSatisfied: [{ id: '00000000-0000-0000-0000-000000000004', displayName: 'Phishing-resistant MFA' }],
};

describe('sign-in facts as stored', () => {
  it('read back as written', () => {
    expect(parseSignInFacts(serializeSignInFacts(facts))).toEqual(facts);
  });

  it('begin with the status, so the log filters on the prefix', () => {
    for (const s of ['success', 'failure', 'notApplied'] as const)
      expect(serializeSignInFacts({ ...facts, conditionalAccessStatus: s }).startsWith(statusPrefix(s))).toBe(true);
    expect(serializeSignInFacts(facts).startsWith(statusPrefix('failure'))).toBe(false);
  });

  it('a row without facts, or with text this version does not write, reads as none or drops what it cannot read', () => {
    expect(parseSignInFacts(null)).toBeNull();
    expect(parseSignInFacts('')).toBeNull();
    expect(parseSignInFacts('not json')).toBeNull();
    expect(parseSignInFacts('[1]')).toBeNull();
    expect(
      parseSignInFacts(
        JSON.stringify({
          authenticationRequirement: 'triple',
          conditionalAccessStatus: 'maybe',
          steps: [
            { method: 'smartcard', at: 1 },
            { method: 'email', at: 'x' },
            { method: 'email', at: 5, passkeyType: 'hologram' },
            7,
          ],
          appliedConditionalAccessPolicies: [{ id: 'p' }, 'x', null],
          authenticationContextClassReferences: [{ id: 'c1', detail: 'odd' }, { detail: 'required' }],
          strengthsRequired: [{ id: 's' }, { displayName: 'no id' }],
        }),
      ),
    ).toEqual({
      authenticationRequirement: 'singleFactorAuthentication',
      conditionalAccessStatus: 'notApplied',
      steps: [{ method: 'email', at: 5, succeeded: false, detail: null, resultDetail: null, requirement: null }],
      appliedConditionalAccessPolicies: [{ id: 'p' }],
      authenticationContextClassReferences: [{ id: 'c1', detail: 'notApplicable' }],
      strengthsRequired: [{ id: 's', displayName: 's' }],
      strengthsSatisfied: [],
    });
  });
});

describe("steps of a session as the log's steps", () => {
  it('keep the method, time and passkey type; the rest as given, a success by default', () => {
    expect(
      stepFactOf(
        { method: 'passkey', at: 9, passkey: { aaguid: 'a', type: 'synced', attestation: 'none' } },
        { detail: passkeyMethodDetail('iCloud Keychain', 'a'), requirement: 'Passwordless MFA' },
      ),
    ).toEqual({
      method: 'passkey',
      at: 9,
      succeeded: true,
      detail: 'iCloud Keychain - a',
      resultDetail: null,
      requirement: 'Passwordless MFA',
      passkeyType: 'synced',
    });
    expect(stepFactOf({ method: 'temporaryAccessPass', at: 3, tap: { oneTime: true } }, { succeeded: false })).toEqual({
      method: 'temporaryAccessPass',
      at: 3,
      succeeded: false,
      detail: null,
      resultDetail: null,
      requirement: null,
    });
    expect(passkeyMethodDetail(null, 'ee882879-721c-4913-9775-3dfcce97072a')).toBe(
      'Passkey - ee882879-721c-4913-9775-3dfcce97072a',
    );
  });
});
