// Conditional Access: policies, named locations, authentication contexts, What If, and the sign-in decisions they
// make (issue 9). Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

const ADMIN = 'admin API (Graph: identity/conditionalAccess)';

export const conditionalAccessErrors = {
  CA_CONDITION_UNSUPPORTED: {
    status: 400,
    message:
      'The policy sets a condition or control Signet cannot evaluate (device platforms, device filters, risk levels, compliant devices, terms of use, ...): it would be stored and never enforced, so it is refused.',
    remediation:
      'Remove the property named in the error detail (`innerError.field`), or send it empty ([] or null); Signet evaluates users, groups, roles, apps, authentication contexts, the register-security-info action, client app types, IP named locations, block, mfa, authentication strengths and sign-in frequency.',
    where: ADMIN,
  },
  CA_POLICY_INCOMPLETE: {
    status: 400,
    message:
      'The policy does not say whom or what it applies to: it needs a user rule and exactly one kind of target (apps, the register-security-info action, or authentication contexts).',
    remediation:
      'Correct the part named in the error detail (`innerError.field`): include some users, groups or roles (or All), and target apps (All or client ids), the action urn:user:registersecurityinfo, or authentication contexts c1 to c99 — one kind per policy.',
    where: ADMIN,
  },
  CA_POLICY_NO_CONTROLS: {
    status: 400,
    message: 'The policy has no control: it neither grants with conditions nor sets a sign-in frequency.',
    remediation:
      'Add grantControls with block, mfa or an authenticationStrength {id}, or an enabled sessionControls.signInFrequency.',
    where: ADMIN,
  },
  CA_GRANT_MFA_WITH_STRENGTH: {
    status: 400,
    message:
      'The grant asks for mfa and an authentication strength together, which Microsoft Entra does not allow in one policy: the strength already says which methods count.',
    remediation:
      'Keep one: the authentication strength (the built-in Multifactor authentication strength, id 00000000-0000-0000-0000-000000000002, is what mfa means), or mfa without authenticationStrength.',
    where: ADMIN,
  },
  CA_GRANT_BLOCK_WITH_OTHERS: {
    status: 400,
    message: 'The grant blocks access and also names controls that would grant it; block stands alone.',
    remediation: 'Send builtInControls ["block"] with no other control and no authenticationStrength, or drop block.',
    where: ADMIN,
  },
  CA_STRENGTH_NOT_FOUND: {
    status: 400,
    message: 'The grant names an authentication strength this tenant does not have.',
    remediation:
      'Use the id of a built-in strength or of one of the tenant’s custom strengths (GET policies/authenticationStrengthPolicies lists them); the error detail names the id.',
    where: ADMIN,
  },
  CA_TARGET_NOT_FOUND: {
    status: 400,
    message:
      'The policy names a user, group, named location or authentication context that does not exist in this tenant.',
    remediation:
      'Use ids of this tenant (`npx signet group list` lists the groups; GET identity/conditionalAccess/namedLocations and authenticationContextClassReferences list the others); the error detail names the field and the id.',
    where: ADMIN,
  },
  CA_POLICY_WOULD_LOCK_OUT_ADMINS: {
    status: 400,
    message:
      'Saving this policy would leave no Global Administrator able to sign in: it blocks them all, or requires a strength none of them can meet with the methods they have, for every app.',
    remediation:
      'Exclude a break-glass Global Administrator (excludeUsers) or a group holding one (excludeGroups), or save it as report-only (state enabledForReportingButNotEnforced) first; to save it as it is, send the request again with the query parameter signetConfirmLockout=true. The error detail gives the number of administrators locked out.',
    where: ADMIN,
  },
  CA_LOCATION_TYPE_UNSUPPORTED: {
    status: 400,
    message:
      'Signet has IP named locations only: it has no country lookup, so a countryNamedLocation cannot be judged.',
    remediation:
      'Send a #microsoft.graph.ipNamedLocation with the IP ranges (ipRanges, each a cidrAddress) of the place you mean.',
    where: ADMIN,
  },
  CA_LOCATION_RANGE_INVALID: {
    status: 400,
    message:
      'An IP range of the named location is not a CIDR range (an IPv4 or IPv6 address, a slash and a prefix length).',
    remediation:
      'Correct the range named in the error detail (`innerError.field`), as 192.0.2.0/24 or 2001:db8::/32, typed #microsoft.graph.iPv4CidrRange or iPv6CidrRange by its family.',
    where: ADMIN,
  },
  CA_LOCATION_IN_USE: {
    status: 409,
    message: 'The named location cannot be deleted while a Conditional Access policy names it.',
    remediation:
      'First remove the location from the policies named in the error detail (`innerError.policies`), then delete it.',
    where: ADMIN,
  },
  CA_CONTEXT_ID_INVALID: {
    status: 400,
    message: 'An authentication context class reference id is c1 to c99.',
    remediation:
      'Use an id from c1 to c99 in the URL (PATCH identity/conditionalAccess/authenticationContextClassReferences/c1).',
    where: ADMIN,
  },
  CA_CONTEXT_IN_USE: {
    status: 409,
    message: 'The authentication context cannot be deleted while a Conditional Access policy targets it.',
    remediation:
      'First remove it from the policies named in the error detail (`innerError.policies`), or set isAvailable to false so apps stop asking for it.',
    where: ADMIN,
  },
  CA_WHATIF_UNSUPPORTED: {
    status: 400,
    message:
      'The What If request sets something Signet cannot judge (a service principal sign-in, device platform, risk level, country, device details or authentication flow).',
    remediation:
      'Remove the property named in the error detail (`innerError.field`); What If judges a userSignIn with an applicationContext, authContext or userActionContext, a clientAppType and an ipAddress.',
    where: 'admin API (Graph: identity/conditionalAccess/evaluate), CLI (ca whatif)',
  },
} satisfies Record<string, ErrorEntry>;
