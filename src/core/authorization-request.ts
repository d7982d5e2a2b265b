// What an app's authorization request asks of the session, read from its OIDC parameters: acr_values, the `claims`
// parameter's acr and acrs (essential or not), prompt=login and max_age as a freshness bound. Pure; the
// parameters come as oidc-provider parsed them (strings), anything malformed counts as not asked.
import type { AppRequest } from './interaction-decision.ts';

const CONTEXT = /^c([1-9]|[1-9][0-9])$/;
const words = (v: unknown) => (typeof v === 'string' ? v.split(' ').filter(Boolean) : []);

interface ClaimRequest {
  essential?: unknown;
  value?: unknown;
  values?: unknown;
}
const valuesOf = (c: ClaimRequest | undefined): string[] => {
  if (!c || typeof c !== 'object') return [];
  if (typeof c.value === 'string') return [c.value];
  return Array.isArray(c.values) ? c.values.filter((v): v is string => typeof v === 'string') : [];
};

/** The `claims` parameter's request for one claim, in the ID token or the userinfo/access token (OIDC Core §5.5). */
function claimRequests(claims: unknown, name: string): ClaimRequest[] {
  let parsed: unknown = claims;
  if (typeof claims === 'string') {
    try {
      parsed = JSON.parse(claims);
    } catch {
      return [];
    }
  }
  if (!parsed || typeof parsed !== 'object') return [];
  const out: ClaimRequest[] = [];
  for (const where of ['id_token', 'userinfo', 'access_token']) {
    const section = (parsed as Record<string, unknown>)[where];
    const c = section && typeof section === 'object' ? (section as Record<string, unknown>)[name] : undefined;
    if (c && typeof c === 'object') out.push(c as ClaimRequest);
  }
  return out;
}

export function appRequestOf(p: {
  params: Record<string, unknown>;
  /** When the request began (its interaction), epoch milliseconds; undefined before there is one. */
  startedAt: number | undefined;
  /** prompt=login was asked (and so a sign-in after the request began). */
  promptLogin: boolean;
  now: number;
}): AppRequest {
  const acr = claimRequests(p.params.claims, 'acr');
  const acrs = claimRequests(p.params.claims, 'acrs');
  const fromClaims = acr.flatMap(valuesOf);
  const acrValues = [...new Set([...fromClaims, ...words(p.params.acr_values)])];
  // Authentication contexts come as Entra's apps send them: the `claims` parameter's acrs (c1..c99).
  const contexts = acrs.flatMap(valuesOf).filter((v) => CONTEXT.test(v));
  const maxAge = Number(p.params.max_age);
  let freshSince: number | null = null;
  if (p.promptLogin && p.startedAt !== undefined) freshSince = p.startedAt;
  if (p.params.max_age !== undefined && Number.isFinite(maxAge) && maxAge >= 0)
    freshSince = Math.max(freshSince ?? 0, p.now - maxAge * 1000);
  return {
    acrValues,
    acrEssential: acr.some((c) => c.essential === true) && fromClaims.length > 0,
    authenticationContexts: [...new Set(contexts)],
    freshSince,
  };
}

/**
 * The authentication contexts a token may say were met (`acrs`): those the request's `claims` parameter asked for.
 * The app got its code only once the interaction decision found every one of them met.
 */
export function contextsMet(claims: unknown): string[] {
  return [...new Set(claimRequests(claims, 'acrs').flatMap(valuesOf))].filter((v) => CONTEXT.test(v));
}

/**
 * The sign-in claims of an access token (RFC 9068 §2.2.1: acr, amr, auth_time; Entra's acrs) from the code or
 * refresh token it was made from, as the provider recorded them at the authorization.
 */
export function signInClaimsOf(
  from: { acr?: unknown; amr?: unknown; authTime?: unknown; claims?: unknown } | undefined,
) {
  if (!from) return {};
  const acrs = contextsMet(from.claims);
  return {
    ...(typeof from.acr === 'string' ? { acr: from.acr } : {}),
    ...(Array.isArray(from.amr) ? { amr: from.amr.filter((v): v is string => typeof v === 'string') } : {}),
    ...(typeof from.authTime === 'number' ? { auth_time: from.authTime } : {}),
    ...(acrs.length ? { acrs } : {}),
  };
}
