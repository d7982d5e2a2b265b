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
  const acrValues = [...new Set([...fromClaims, ...words(p.params.acr_values)])].filter((v) => !CONTEXT.test(v));
  // Authentication contexts come as Entra's apps send them: the `claims` parameter's acrs (and, for apps that
  // put them in acr_values, those too).
  const contexts = [...acrs.flatMap(valuesOf), ...words(p.params.acr_values)].filter((v) => CONTEXT.test(v));
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
