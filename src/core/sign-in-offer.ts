// Which ways to sign in the sign-in page offers before it knows who is signing in, for one app: a password or a pass
// is left off when the app itself asks for a strength none of whose combinations uses it (acr_values=phr), or when
// an enforced policy requires, of every user of that app wherever they are, a strength no
// combination of which uses it (phishing-resistant MFA: only a passkey). A policy that leaves anyone out (an
// excluded user, group or role, a location, a client type) leaves the forms on, since the excluded break-glass
// account must still get in; once the user is known, the interaction decision offers exactly what they need.
import type { CaPolicy } from './conditional-access.ts';
import { type AuthenticationStrength, type MethodMode, MFA_STRENGTH_ID } from './strengths.ts';

export interface SignInOffer {
  password: boolean;
  temporaryAccessPass: boolean;
}

const everyone = (p: CaPolicy) => {
  const u = p.conditions.users;
  return (
    u.includeUsers.some((x) => x.toLowerCase() === 'all') &&
    u.excludeUsers.length + u.excludeGroups.length + u.excludeRoles.length === 0
  );
};
const coversApp = (p: CaPolicy, appId: string) => {
  const a = p.conditions.applications;
  const has = (list: string[], v: string) => list.some((x) => x.toLowerCase() === v.toLowerCase());
  return (
    (has(a.includeApplications, 'All') || has(a.includeApplications, appId)) &&
    !has(a.excludeApplications, appId) &&
    a.includeAuthenticationContextClassReferences.length === 0 &&
    a.includeUserActions.length === 0
  );
};
const everywhere = (p: CaPolicy) => {
  const l = p.conditions.locations;
  const types = p.conditions.clientAppTypes;
  const allTypes = types.length === 0 || types.includes('all') || types.includes('browser');
  return allTypes && (l === null || (l.includeLocations.includes('All') && l.excludeLocations.length === 0));
};

/** The strengths that would satisfy the policy's grant, or undefined when it names none (block, no grant). */
function strengthsOfGrant(p: CaPolicy, strengths: ReadonlyMap<string, AuthenticationStrength>) {
  const g = p.grantControls;
  if (!g || g.builtInControls.includes('block')) return undefined;
  const id = g.authenticationStrengthId ?? (g.builtInControls.includes('mfa') ? MFA_STRENGTH_ID : null);
  const s = id === null ? undefined : strengths.get(id.toLowerCase());
  return s ? [s] : undefined;
}

const uses = (s: AuthenticationStrength, modes: readonly MethodMode[]) =>
  s.allowedCombinations.some((c) => c.split(',').some((m) => modes.includes(m as MethodMode)));

export function signInOfferFor(
  policies: readonly CaPolicy[],
  appId: string,
  strengths: ReadonlyMap<string, AuthenticationStrength>,
  /** The strengths the app's own request asks for (acr_values, an essential acr): one of them must be met. */
  asked: readonly AuthenticationStrength[] = [],
): SignInOffer {
  const offer: SignInOffer = { password: true, temporaryAccessPass: true };
  if (asked.length > 0) {
    if (!asked.some((s) => uses(s, ['password']))) offer.password = false;
    if (!asked.some((s) => uses(s, ['temporaryAccessPassOneTime', 'temporaryAccessPassMultiUse'])))
      offer.temporaryAccessPass = false;
  }
  for (const p of policies) {
    if (p.state !== 'enabled' || !everyone(p) || !coversApp(p, appId) || !everywhere(p)) continue;
    const anyOf = strengthsOfGrant(p, strengths);
    if (!anyOf) continue;
    if (!anyOf.some((s) => uses(s, ['password']))) offer.password = false;
    if (!anyOf.some((s) => uses(s, ['temporaryAccessPassOneTime', 'temporaryAccessPassMultiUse'])))
      offer.temporaryAccessPass = false;
  }
  return offer;
}
