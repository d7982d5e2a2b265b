import { describe, expect, it } from 'vitest';
import type { CaPolicy } from './conditional-access.ts';
import { signInOfferFor } from './sign-in-offer.ts';
import { BUILT_IN_STRENGTHS, MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID } from './strengths.ts';

const strengths = new Map(BUILT_IN_STRENGTHS.map((s) => [s.id, s]));
const APP = 'a0a0a0a0-0000-4000-8000-000000000001';
const policy = (over: Partial<CaPolicy> = {}, strength = PHISHING_RESISTANT_STRENGTH_ID): CaPolicy => ({
  id: 'p',
  displayName: 'p',
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
      includeApplications: [APP],
      excludeApplications: [],
      includeAuthenticationContextClassReferences: [],
      includeUserActions: [],
    },
    clientAppTypes: ['all'],
    locations: null,
  },
  grantControls: { operator: 'OR', builtInControls: [], authenticationStrengthId: strength },
  sessionControls: null,
  createdAt: 0,
  modifiedAt: null,
  ...over,
});
const both = { password: true, temporaryAccessPass: true };

describe('signInOfferFor', () => {
  it('offers only passkeys for an app every user must reach with phishing-resistant MFA', () => {
    expect(signInOfferFor([policy()], APP, strengths)).toEqual({ password: false, temporaryAccessPass: false });
  });

  it('keeps the pass (and the password, for password + code) where MFA is required', () => {
    expect(signInOfferFor([policy({}, MFA_STRENGTH_ID)], APP, strengths)).toEqual(both);
  });

  it('offers everything to other apps, and when the policy is off or report-only', () => {
    expect(signInOfferFor([policy()], 'b0b0b0b0-0000-4000-8000-000000000002', strengths)).toEqual(both);
    expect(signInOfferFor([policy({ state: 'disabled' })], APP, strengths)).toEqual(both);
    expect(signInOfferFor([policy({ state: 'enabledForReportingButNotEnforced' })], APP, strengths)).toEqual(both);
  });

  it('keeps the forms when anyone is left out (a break-glass account, a trusted location)', () => {
    const p = policy();
    const excluded = policy({
      conditions: { ...p.conditions, users: { ...p.conditions.users, excludeUsers: ['breakglass'] } },
    });
    const trusted = policy({
      conditions: { ...p.conditions, locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } },
    });
    expect(signInOfferFor([excluded], APP, strengths)).toEqual(both);
    expect(signInOfferFor([trusted], APP, strengths)).toEqual(both);
  });

  it('follows what the app itself asks for: acr_values phr leaves only the passkey, MFA keeps the pass', () => {
    const phr = strengths.get(PHISHING_RESISTANT_STRENGTH_ID)!;
    const mfa = strengths.get(MFA_STRENGTH_ID)!;
    expect(signInOfferFor([], APP, strengths, [phr])).toEqual({ password: false, temporaryAccessPass: false });
    expect(signInOfferFor([], APP, strengths, [phr, mfa])).toEqual(both);
  });

  it('leaves a block to the decision after sign-in', () => {
    const p = policy();
    expect(
      signInOfferFor([policy({ grantControls: { ...p.grantControls!, builtInControls: ['block'] } })], APP, strengths),
    ).toEqual(both);
  });
});
