// One request's Authorization header → who it is and how they signed in, or the exact answer to send:
// status, WWW-Authenticate and a small JSON body. The Fastify plugin and the Express middleware only send it.
import type { JWTPayload } from 'jose';
import { challenge } from './challenge.ts';
import { evaluateRequirement, factsOf, type Requirement, type Unmet } from './requirement.ts';
import type { TokenFailure, Verifier } from './verifier.ts';

/** What a verified token says, on `request.auth` (Fastify) or `req.auth` (Express). */
export interface SignetAuth {
  /** `sub`: the user (or, for an app-only token, the app). */
  subject: string;
  /** `client_id` (RFC 9068), else `azp`: the app that asked for the token. */
  clientId: string | undefined;
  scopes: readonly string[];
  acr: string | undefined;
  amr: readonly string[];
  /** `auth_time`, seconds since the epoch. */
  authTime: number | undefined;
  claims: JWTPayload;
}

export type FailureReason = 'token_missing' | 'invalid_request' | TokenFailure | 'requirement_unmet';

export interface AuthFailure {
  ok: false;
  status: 400 | 401 | 403 | 503;
  reason: FailureReason;
  /** Which parts of the route's requirement the sign-in missed (reason `requirement_unmet`). */
  unmet?: Unmet[];
  /** Absent only for 503: the keys could not be had, nothing the client can do differently. */
  wwwAuthenticate: string | undefined;
  body: { error: string; error_description: string };
}

export type AuthOutcome = { ok: true; auth: SignetAuth } | AuthFailure;

export type BearerToken = { kind: 'missing' } | { kind: 'malformed' } | { kind: 'token'; token: string };

/**
 * RFC 6750 §2.1: `Bearer` (any case), one or more spaces, a b64token. Another scheme means no bearer token was
 * offered; a Bearer header that is not one token is a malformed request. Tokens in a query or a form body
 * (§2.2, §2.3) are not read: they end up in logs.
 */
export function bearerTokenOf(authorization: string | undefined): BearerToken {
  if (!authorization) return { kind: 'missing' };
  const m = /^(\S+)(?: +(.*))?$/.exec(authorization.trim());
  if (!m || m[1]!.toLowerCase() !== 'bearer') return { kind: 'missing' };
  const token = m[2]?.trim();
  if (!token || !/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) return { kind: 'malformed' };
  return { kind: 'token', token };
}

export async function authenticate(
  verifier: Verifier,
  authorization: string | undefined,
  r: Requirement,
  o: { realm?: string } = {},
): Promise<AuthOutcome> {
  const realm = o.realm !== undefined ? { realm: o.realm } : {};
  const bearer = bearerTokenOf(authorization);
  // RFC 6750 §3.1: a request with no authentication gets the bare challenge, no error code.
  if (bearer.kind === 'missing')
    return fail(401, 'token_missing', challenge(realm), 'unauthorized', 'An access token is required');
  if (bearer.kind === 'malformed') {
    const description = 'The Authorization header is not one bearer token';
    return fail(
      400,
      'invalid_request',
      challenge({ ...realm, error: 'invalid_request', description }),
      'invalid_request',
      description,
    );
  }
  const verified = await verifier.verify(bearer.token);
  if (!verified.ok) {
    if (verified.status === 503)
      return fail(503, verified.reason, undefined, 'temporarily_unavailable', verified.description);
    const header = challenge({ ...realm, error: 'invalid_token', description: verified.description });
    return fail(401, verified.reason, header, 'invalid_token', verified.description);
  }
  // RFC 9470's security considerations: only a token proven valid gets a challenge naming what the route needs.
  const claims = verified.claims;
  const facts = factsOf(claims);
  const result = evaluateRequirement(facts, r, verifier.nowSeconds(), verifier.clockTolerance);
  if (!result.ok) {
    const header = challenge({ ...realm, ...result.challenge });
    const failure = fail(
      result.status,
      'requirement_unmet',
      header,
      result.challenge.error!,
      result.challenge.description!,
    );
    return { ...failure, unmet: result.unmet };
  }
  const clientId =
    typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : undefined;
  return {
    ok: true,
    auth: {
      subject: String(claims.sub),
      clientId,
      scopes: facts.scopes,
      acr: facts.acr,
      amr: facts.amr,
      authTime: facts.authTime,
      claims,
    },
  };
}

function fail(
  status: AuthFailure['status'],
  reason: FailureReason,
  wwwAuthenticate: string | undefined,
  error: string,
  description: string,
): AuthFailure {
  return { ok: false, status, reason, wwwAuthenticate, body: { error, error_description: description } };
}
