// What a route asks of the sign-in behind a token, and whether a token's claims meet it. Pure: the time comes in.
import { type ChallengeParams, isChallengeToken } from './challenge.ts';

export interface RequirementOptions {
  /** Any one of these `acr` values (in order of preference; the first is what the challenge asks for first). */
  acr?: readonly string[];
  /** The sign-in (`auth_time`) no older than this many seconds. */
  maxAge?: number;
  /** Every one of these `amr` values (RFC 8176: `hwk`, `swk`, `pop`, `mfa`, …). */
  amr?: readonly string[];
  /** Every one of these scopes, read from `scope` (RFC 9068) or `scp` (Entra-shaped tokens). */
  scopes?: readonly string[];
}

export interface Requirement {
  readonly acr: readonly string[];
  readonly maxAge: number | undefined;
  readonly amr: readonly string[];
  readonly scopes: readonly string[];
}

/** How the user signed in and what the token allows, as read from its claims. */
export interface AuthenticationFacts {
  acr: string | undefined;
  /** Seconds since the epoch. */
  authTime: number | undefined;
  amr: readonly string[];
  scopes: readonly string[];
}

export type Unmet = 'acr' | 'max_age' | 'amr' | 'scope';

export type RequirementResult =
  | { ok: true }
  /** 401 insufficient_user_authentication (RFC 9470), or 403 insufficient_scope (RFC 6750) when only scopes miss. */
  | { ok: false; status: 401 | 403; unmet: Unmet[]; challenge: ChallengeParams };

/** Checks the options once, where the route is declared: a value that cannot be sent in a challenge is refused. */
export function requirement(o: RequirementOptions = {}): Requirement {
  for (const [what, list] of [
    ['acr', o.acr],
    ['amr', o.amr],
    ['scopes', o.scopes],
  ] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new TypeError(`${what} must be an array of strings`);
    for (const v of list)
      if (typeof v !== 'string' || !isChallengeToken(v))
        throw new TypeError(`${what}: ${JSON.stringify(v)} is not valid`);
  }
  if (o.acr !== undefined && o.acr.length === 0) throw new TypeError('acr: an empty list can never be met');
  if (o.maxAge !== undefined && (!Number.isSafeInteger(o.maxAge) || o.maxAge < 0))
    throw new TypeError('maxAge must be a whole number of seconds ≥ 0');
  return Object.freeze({
    acr: Object.freeze([...(o.acr ?? [])]),
    maxAge: o.maxAge,
    amr: Object.freeze([...(o.amr ?? [])]),
    scopes: Object.freeze([...(o.scopes ?? [])]),
  });
}

/** OpenID EAP: `phrh` is `phr` whose keys are also hardware-protected, so it meets a request for `phr`. */
export function acrMeets(tokenAcr: string | undefined, wanted: string): boolean {
  return tokenAcr === wanted || (wanted === 'phr' && tokenAcr === 'phrh');
}

export function factsOf(claims: Record<string, unknown>): AuthenticationFacts {
  const scopes = new Set<string>();
  for (const source of [claims.scope, claims.scp]) {
    if (typeof source === 'string') for (const s of source.split(' ')) if (s) scopes.add(s);
    if (Array.isArray(source)) for (const s of source) if (typeof s === 'string' && s) scopes.add(s);
  }
  return {
    acr: typeof claims.acr === 'string' ? claims.acr : undefined,
    authTime: typeof claims.auth_time === 'number' && Number.isFinite(claims.auth_time) ? claims.auth_time : undefined,
    amr: Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => typeof v === 'string') : [],
    scopes: [...scopes],
  };
}

/**
 * A sign-in that falls short answers 401 with everything the route asks (acr_values and max_age together, and the
 * scopes if they miss too), so one new authorization request meets it all (RFC 9470 §3 allows both together).
 * Only missing scopes answer 403: stepping up would not help.
 */
export function evaluateRequirement(
  facts: AuthenticationFacts,
  r: Requirement,
  nowSeconds: number,
  clockToleranceSeconds = 0,
): RequirementResult {
  const unmet: Unmet[] = [];
  const why: string[] = [];
  if (r.acr.length && !r.acr.some((a) => acrMeets(facts.acr, a))) {
    unmet.push('acr');
    why.push(`a sign-in meeting ${r.acr.join(' or ')} is required`);
  }
  if (
    r.maxAge !== undefined &&
    !(facts.authTime !== undefined && nowSeconds - facts.authTime <= r.maxAge + clockToleranceSeconds)
  ) {
    unmet.push('max_age');
    why.push(`a sign-in within the last ${r.maxAge} seconds is required`);
  }
  const missingAmr = r.amr.filter((m) => !facts.amr.includes(m));
  if (missingAmr.length) {
    unmet.push('amr');
    why.push(`a sign-in with ${missingAmr.join(' and ')} is required`);
  }
  const missingScopes = r.scopes.filter((s) => !facts.scopes.includes(s));
  if (missingScopes.length) unmet.push('scope');
  if (!unmet.length) return { ok: true };
  if (!why.length)
    return {
      ok: false,
      status: 403,
      unmet,
      challenge: {
        error: 'insufficient_scope',
        description: 'The access token lacks a required scope',
        scope: r.scopes,
      },
    };
  return {
    ok: false,
    status: 401,
    unmet,
    challenge: {
      error: 'insufficient_user_authentication',
      description: capitalised(why.join('; ')),
      ...(r.acr.length ? { acrValues: r.acr } : {}),
      ...(r.maxAge !== undefined ? { maxAge: r.maxAge } : {}),
      ...(missingScopes.length ? { scope: r.scopes } : {}),
    },
  };
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
