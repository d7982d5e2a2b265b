import { describe, expect, it } from 'vitest';
import type { Requirement } from './conditional-access.ts';
import { type AppRequest, decideInteraction, strengthOfAcr } from './interaction-decision.ts';
import type { SessionStep } from './session-steps.ts';
import {
  type AuthenticationStrength,
  type AvailableMethod,
  BUILT_IN_STRENGTHS,
  MFA_STRENGTH_ID,
  PHISHING_RESISTANT_STRENGTH_ID,
} from './strengths.ts';

const strengths = new Map(BUILT_IN_STRENGTHS.map((s) => [s.id, s]));
const MFA = strengths.get(MFA_STRENGTH_ID)!;
const PHR = strengths.get(PHISHING_RESISTANT_STRENGTH_ID)!;
const NOW = 1_000_000;
const none: AppRequest = { acrValues: [], acrEssential: false, authenticationContexts: [], freshSince: null };
const password: SessionStep = { method: 'password', at: NOW - 1000 };
const totp: SessionStep = { method: 'softwareOath', at: NOW - 500 };
const synced: SessionStep = {
  method: 'passkey',
  at: NOW - 100,
  passkey: { aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4', type: 'synced', attestation: 'none' },
};
const key: AvailableMethod = {
  method: 'passkey',
  passkey: { aaguid: 'ee882879-721c-4913-9775-3dfcce97072a', type: 'deviceBound', attestation: 'verified' },
};
const requirement = (anyOf: AuthenticationStrength[], extra: Partial<Requirement> = {}): Requirement => ({
  policyId: 'p1',
  displayName: 'Admins need phishing-resistant MFA',
  reportOnly: false,
  block: false,
  anyOf,
  freshSince: null,
  ...extra,
});
const decide = (p: {
  unmet?: Requirement[];
  request?: AppRequest;
  steps: SessionStep[];
  available?: AvailableMethod[];
}) =>
  decideInteraction({
    unmet: p.unmet ?? [],
    results: [],
    request: p.request ?? none,
    strengths,
    steps: p.steps,
    available: p.available ?? [],
  });

describe('decideInteraction', () => {
  it('finishes a password session nothing asks more of, with amr pwd and no acr', () => {
    expect(decide({ steps: [password] })).toMatchObject({
      kind: 'finish',
      amr: ['pwd'],
      acr: undefined,
      authTime: password.at,
    });
  });

  it('names the strongest built-in strength met in the acr when nothing was asked', () => {
    expect(decide({ steps: [synced] })).toMatchObject({ kind: 'finish', acr: PHISHING_RESISTANT_STRENGTH_ID });
    expect(decide({ steps: [password, totp] })).toMatchObject({ kind: 'finish', acr: MFA_STRENGTH_ID });
  });

  it('asks a password session for exactly a passkey where phishing-resistant MFA is required, never a code', () => {
    const d = decide({
      unmet: [requirement([PHR])],
      steps: [password],
      available: [
        key,
        { method: 'softwareOath' },
        { method: 'password' },
        { method: 'temporaryAccessPass', tap: { oneTime: true } },
      ],
    });
    expect(d).toEqual({ kind: 'stepUp', offer: ['passkey'], needs: [PHR] });
  });

  it('refuses, with the help-desk way out, a user who has nothing that can meet the strength', () => {
    const d = decide({
      unmet: [requirement([PHR])],
      steps: [password],
      available: [{ method: 'password' }, { method: 'softwareOath' }],
    });
    expect(d).toMatchObject({ kind: 'block', code: 'CA_STRENGTH_CANNOT_SATISFY' });
  });

  it('says when only the strength’s passkey models keep the user out', () => {
    const onlyOther: AuthenticationStrength = {
      ...PHR,
      id: 'c0ffee00-0000-4000-8000-000000000001',
      policyType: 'custom',
      combinationConfigurations: [
        { id: 'cfg', appliesToCombinations: ['fido2'], allowedAAGUIDs: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'] },
      ],
    };
    const d = decide({ unmet: [requirement([onlyOther])], steps: [password], available: [key] });
    expect(d).toMatchObject({ kind: 'block', code: 'CA_PASSKEY_MODEL_NOT_ALLOWED' });
  });

  it('blocks where a block policy applies, naming it', () => {
    expect(decide({ unmet: [requirement([], { block: true })], steps: [synced] })).toMatchObject({
      kind: 'block',
      code: 'CA_ACCESS_BLOCKED',
      detail: { policy: 'Admins need phishing-resistant MFA' },
    });
  });

  it('offers what moves every missing requirement forward at once', () => {
    const d = decide({
      unmet: [requirement([MFA]), requirement([PHR], { policyId: 'p2' })],
      steps: [password],
      available: [key, { method: 'softwareOath' }],
    });
    expect(d).toMatchObject({ kind: 'stepUp', offer: ['passkey'] });
  });

  it('honours acr_values phr: a password session steps up, a passkey session answers acr phr', () => {
    const request = { ...none, acrValues: ['phr'] };
    expect(decide({ request, steps: [password], available: [key] })).toMatchObject({
      kind: 'stepUp',
      offer: ['passkey'],
    });
    expect(decide({ request, steps: [password, synced] })).toMatchObject({ kind: 'finish', acr: 'phr' });
  });

  it('phrh wants a passkey that cannot leave its device: a synced one is not enough', () => {
    const request = { ...none, acrValues: ['phrh'] };
    expect(decide({ request, steps: [synced], available: [key] })).toMatchObject({
      kind: 'stepUp',
      offer: ['passkey'],
    });
    const deviceBound: SessionStep = { method: 'passkey', at: NOW, passkey: key.passkey! };
    expect(decide({ request, steps: [synced, deviceBound] })).toMatchObject({ kind: 'finish', acr: 'phrh' });
  });

  it('answers the first acr value met, in the app’s order of preference', () => {
    const request = { ...none, acrValues: ['phrh', 'phr'] };
    expect(decide({ request, steps: [synced], available: [] })).toMatchObject({ kind: 'finish', acr: 'phr' });
  });

  it('ignores an unknown voluntary acr value, and refuses an unknown essential one', () => {
    expect(decide({ request: { ...none, acrValues: ['urn:unknown'] }, steps: [password] })).toMatchObject({
      kind: 'finish',
    });
    expect(
      decide({ request: { ...none, acrValues: ['urn:unknown'], acrEssential: true }, steps: [password] }),
    ).toMatchObject({ kind: 'block', code: 'OIDC_ACR_UNSUPPORTED' });
  });

  it('counts only steps after the freshness bound (prompt=login, max_age): an older passkey does not count', () => {
    const request = { ...none, acrValues: ['phr'], freshSince: NOW - 50 };
    const fresh: SessionStep = { method: 'password', at: NOW };
    const d = decide({ request, steps: [synced, fresh], available: [key] });
    expect(d).toMatchObject({ kind: 'stepUp', offer: ['passkey'] });
    // And the tokens describe only what was done since: the old passkey is not in the amr.
    expect(decide({ request: { ...none, freshSince: NOW - 50 }, steps: [synced, fresh] })).toMatchObject({
      kind: 'finish',
      amr: ['pwd'],
      authTime: NOW,
    });
  });

  it('asks for any new sign-in when a sign-in frequency alone is unmet', () => {
    const d = decide({
      unmet: [requirement([], { freshSince: NOW })],
      steps: [synced],
      available: [key, { method: 'password' }],
    });
    expect(d).toMatchObject({ kind: 'stepUp', offer: ['passkey', 'password'] });
  });

  it('echoes the authentication contexts asked for once every requirement is met', () => {
    expect(decide({ request: { ...none, authenticationContexts: ['c1'] }, steps: [synced] })).toMatchObject({
      kind: 'finish',
      acrs: ['c1'],
    });
  });
});

describe('strengthOfAcr', () => {
  it('maps phr and phrh to the phishing-resistant strength, a strength id to itself, anything else to nothing', () => {
    expect(strengthOfAcr('phr', strengths)?.allowedCombinations).toEqual(PHR.allowedCombinations);
    expect(strengthOfAcr('phrh', strengths)?.combinationConfigurations[0]?.allowedPasskeyTypes).toEqual([
      'deviceBound',
    ]);
    expect(strengthOfAcr(MFA_STRENGTH_ID.toUpperCase(), strengths)?.id).toBe(MFA_STRENGTH_ID);
    expect(strengthOfAcr('0', strengths)).toBeUndefined();
  });
});
