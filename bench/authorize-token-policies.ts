// The Conditional Access policies of the authorization benchmark's busy tenant (bench/authorize-token.ts): 200 as a
// real tenant has them, most for other apps or other people, a tenth applying to the benchmark's app with grants a
// device-bound passkey session meets (mfa, the passwordless and phishing-resistant strengths, a 4-hour sign-in
// frequency), and report-only blocks that are evaluated and logged but never enforced.
import { ROLE_TEMPLATE_IDS } from '../src/core/authorization.ts';
import {
  MFA_STRENGTH_ID,
  PASSWORDLESS_MFA_STRENGTH_ID,
  PHISHING_RESISTANT_STRENGTH_ID,
} from '../src/core/strengths.ts';

export interface PolicyMixInput {
  /** The benchmark's app (client id). */
  appId: string;
  /** Other apps of the tenant (any GUIDs: policies may name apps Signet has not registered). */
  otherApps: readonly string[];
  /** Groups every benchmark user is in, and groups none of them is in. */
  memberGroups: readonly string[];
  otherGroups: readonly string[];
  /** Named locations of the tenant, none of which holds the load generator's address. */
  locations: readonly string[];
}

const STRENGTHS = [MFA_STRENGTH_ID, PASSWORDLESS_MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID];

/** The i-th policy's body as Graph takes it (POST identity/conditionalAccess/policies). */
export function policyBody(i: number, m: PolicyMixInput): Record<string, unknown> {
  const pick = <T>(xs: readonly T[], k: number) => xs[(i * 31 + k * 7) % xs.length]!;
  const grant =
    i % 5 === 0
      ? { operator: 'OR', builtInControls: ['block'] }
      : i % 5 === 1
        ? { operator: 'OR', builtInControls: ['mfa'] }
        : { operator: 'OR', authenticationStrength: { id: pick(STRENGTHS, 0) } };
  const members = { includeGroups: [pick(m.memberGroups, 1), pick(m.memberGroups, 2), pick(m.memberGroups, 3)] };
  let users: Record<string, unknown> = i % 3 === 0 ? { includeUsers: ['All'] } : members;
  let applications: Record<string, unknown>;
  let state = i % 7 === 6 ? 'enabledForReportingButNotEnforced' : i % 23 === 22 ? 'disabled' : 'enabled';
  let body: Record<string, unknown> = {};
  switch (i % 10) {
    case 7:
      // Every app but this one (and a few others).
      applications = { includeApplications: ['All'], excludeApplications: [m.appId, pick(m.otherApps, 4)] };
      break;
    case 8:
      // This app, but people the benchmark's users are not: other groups, an admin role, or excluded by a group.
      applications = { includeApplications: i % 20 === 8 ? ['All'] : [m.appId] };
      users =
        i % 30 === 8
          ? { includeGroups: [pick(m.otherGroups, 5), pick(m.otherGroups, 6)] }
          : i % 30 === 18
            ? { includeRoles: [ROLE_TEMPLATE_IDS['Privileged Authentication Administrator']] }
            : { includeUsers: ['All'], excludeGroups: [pick(m.memberGroups, 7)] };
      break;
    case 9: {
      // Applies: this app (or all apps) and these users; met by a device-bound passkey, or report-only.
      applications = { includeApplications: i % 20 === 9 ? ['All'] : [m.appId, pick(m.otherApps, 8)] };
      const reportOnlyBlock = i % 40 === 19;
      state = reportOnlyBlock ? 'enabledForReportingButNotEnforced' : i % 40 === 39 ? 'disabled' : 'enabled';
      body = {
        // In turn: mfa, then each built-in strength.
        grantControls: reportOnlyBlock
          ? { operator: 'OR', builtInControls: ['block'] }
          : Math.floor(i / 20) % 4 === 0
            ? { operator: 'OR', builtInControls: ['mfa'] }
            : { operator: 'OR', authenticationStrength: { id: STRENGTHS[(Math.floor(i / 20) % 4) - 1] } },
        sessionControls:
          i % 40 === 9
            ? { signInFrequency: { isEnabled: true, frequencyInterval: 'timeBased', type: 'hours', value: 4 } }
            : null,
      };
      break;
    }
    default:
      // Other apps: most of a tenant's policies.
      applications = { includeApplications: [pick(m.otherApps, 10), pick(m.otherApps, 11), pick(m.otherApps, 12)] };
  }
  return {
    displayName: `Bench policy ${i}`,
    state,
    conditions: {
      users,
      applications,
      clientAppTypes: i % 11 === 10 && i % 10 !== 9 ? ['mobileAppsAndDesktopClients'] : ['all'],
      // Outside every named location counts as "not trusted": the policy applies wherever the other conditions do.
      locations:
        i % 4 === 2 || i % 40 === 29
          ? { includeLocations: ['All'], excludeLocations: ['AllTrusted', pick(m.locations, 13)] }
          : null,
    },
    grantControls: grant,
    sessionControls: null,
    ...body,
  };
}
