// Verifies a Signet access token (an RFC 9068 JWT) with jose: signature by the issuer's published keys, the
// algorithm pinned, iss, aud, exp, nbf and typ checked. Failures come back as data with a reason, never thrown.
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';

export interface VerifierOptions {
  /** The tenant's issuer, exactly as in its tokens: `https://signet.example/{tenant id}/v2.0`. */
  issuer: string;
  /** The audience this resource server accepts (one of them, if a list). */
  audience: string | readonly string[];
  /** The issuer's JWKS; when absent it is read from `{issuer}/.well-known/openid-configuration` on first use. */
  jwksUri?: string;
  /** Keys given directly instead of fetched (tests, air-gapped deployments). */
  jwks?: JSONWebKeySet;
  /** Accepted signature algorithms; asymmetric only. Default `['RS256']` (what Signet signs access tokens with). */
  algorithms?: readonly string[];
  /** Seconds of clock skew allowed for exp, nbf and a route's maxAge. Default 0. */
  clockTolerance?: number;
  /** The JWT `typ` header required. Default `at+jwt` (RFC 9068 §4); `null` accepts any. */
  typ?: string | null;
  /** Allow plain-http issuer and JWKS URLs beyond loopback. Anyone on the path could then swap the keys. */
  allowHttp?: boolean;
  /** Milliseconds since the epoch; tests pass a fixed clock. */
  now?: () => number;
}

export type TokenFailure =
  | 'malformed'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'signature_invalid'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'issuer_mismatch'
  | 'audience_mismatch'
  | 'wrong_type'
  | 'claim_invalid'
  | 'bound_token'
  | 'keys_unavailable';

export type VerifyResult =
  | { ok: true; claims: JWTPayload }
  /** 401 for a token the client must replace; 503 when the keys cannot be had (not the client's doing). */
  | { ok: false; status: 401 | 503; reason: TokenFailure; description: string };

export interface Verifier {
  verify(token: string): Promise<VerifyResult>;
  readonly clockTolerance: number;
  /** Seconds since the epoch, by the verifier's clock. */
  nowSeconds(): number;
}

const ASYMMETRIC = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

export function createVerifier(o: VerifierOptions): Verifier {
  const algorithms = [...(o.algorithms ?? ['RS256'])];
  if (!algorithms.length) throw new TypeError('algorithms: give at least one');
  for (const alg of algorithms)
    if (!ASYMMETRIC.has(alg))
      throw new TypeError(`algorithms: ${alg} is not accepted (only asymmetric signatures verify with published keys)`);
  checkUrl(o.issuer, 'issuer', o.allowHttp);
  if (o.jwksUri !== undefined) checkUrl(o.jwksUri, 'jwksUri', o.allowHttp);
  const audiences = typeof o.audience === 'string' ? [o.audience] : [...o.audience];
  if (!audiences.length || audiences.some((a) => typeof a !== 'string' || !a))
    throw new TypeError('audience: give the audience this resource server accepts');
  const clockTolerance = o.clockTolerance ?? 0;
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0) throw new TypeError('clockTolerance: seconds ≥ 0');
  const now = o.now ?? Date.now;
  const typ = o.typ === undefined ? 'at+jwt' : o.typ;

  let keys: Promise<JWTVerifyGetKey> | undefined;
  if (o.jwks) keys = Promise.resolve(createLocalJWKSet(o.jwks));
  else if (o.jwksUri) keys = Promise.resolve(createRemoteJWKSet(new URL(o.jwksUri)));
  // Discovered once; a failed discovery is tried again by the next request.
  const keySet = () => {
    keys ??= discoverJwksUri(o.issuer, o.allowHttp).then(
      (uri) => createRemoteJWKSet(new URL(uri)),
      (e) => {
        keys = undefined;
        throw e;
      },
    );
    return keys;
  };

  return {
    clockTolerance,
    nowSeconds: () => Math.floor(now() / 1000),
    async verify(token) {
      try {
        const getKey = await keySet();
        const { payload } = await jwtVerify(token, getKey, {
          issuer: o.issuer,
          audience: audiences,
          algorithms,
          clockTolerance,
          currentDate: new Date(now()),
          requiredClaims: ['exp', 'sub'],
          ...(typ !== null ? { typ } : {}),
        });
        // RFC 9449 §7.1 / RFC 8705 §3: a token bound to a key is not a bearer token; its holder must prove the key.
        if (payload.cnf !== undefined)
          return failure(401, 'bound_token', 'The access token is bound to a key and cannot be used as a bearer token');
        return { ok: true, claims: payload };
      } catch (e) {
        return failureOf(e);
      }
    },
  };
}

function failureOf(e: unknown): VerifyResult {
  if (e instanceof errors.JWTExpired) return failure(401, 'token_expired', 'The access token expired');
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'iss') return failure(401, 'issuer_mismatch', 'The access token is from another issuer');
    if (e.claim === 'aud') return failure(401, 'audience_mismatch', 'The access token is for another audience');
    if (e.claim === 'nbf' || e.claim === 'iat')
      return failure(401, 'token_not_yet_valid', 'The access token is not valid yet');
    if (e.claim === 'typ') return failure(401, 'wrong_type', 'The token is not an access token');
    return failure(401, 'claim_invalid', 'The access token is invalid');
  }
  if (e instanceof errors.JOSEAlgNotAllowed)
    return failure(401, 'algorithm_not_allowed', 'The access token is invalid');
  if (e instanceof errors.JWKSNoMatchingKey) return failure(401, 'unknown_key', 'The access token is invalid');
  if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JWKSMultipleMatchingKeys)
    return failure(401, 'signature_invalid', 'The access token is invalid');
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid || e instanceof DiscoveryFailed)
    return failure(503, 'keys_unavailable', 'The issuer keys cannot be read now');
  // jose's base class (not a subclass) is the JWKS endpoint answering other than 200 with JSON.
  if (e instanceof errors.JOSEError && e.code !== errors.JOSEError.code)
    return failure(401, 'malformed', 'The access token is invalid');
  // Anything else is the issuer's JWKS endpoint or the network to it (fetch failed), not the client's token.
  return failure(503, 'keys_unavailable', 'The issuer keys cannot be read now');
}

function failure(status: 401 | 503, reason: TokenFailure, description: string): VerifyResult {
  return { ok: false, status, reason, description };
}

class DiscoveryFailed extends Error {}

/** OpenID Connect Discovery 1.0 §4: the document's issuer must be exactly ours, or its keys are not the issuer's. */
async function discoverJwksUri(issuer: string, allowHttp: boolean | undefined): Promise<string> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let doc: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
    if (!res.ok) throw new DiscoveryFailed(`${url} answered ${res.status}`);
    doc = (await res.json()) as typeof doc;
  } catch (e) {
    throw e instanceof DiscoveryFailed ? e : new DiscoveryFailed(`${url}: ${(e as Error).message}`, { cause: e });
  }
  if (doc.issuer !== issuer) throw new DiscoveryFailed(`${url} names another issuer`);
  if (typeof doc.jwks_uri !== 'string') throw new DiscoveryFailed(`${url} has no jwks_uri`);
  try {
    checkUrl(doc.jwks_uri, 'jwks_uri', allowHttp);
  } catch (e) {
    throw new DiscoveryFailed((e as Error).message);
  }
  return doc.jwks_uri;
}

function checkUrl(value: string, what: string, allowHttp: boolean | undefined): void {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new TypeError(`${what}: ${JSON.stringify(value)} is not a URL`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  if (u.protocol === 'https:' || (u.protocol === 'http:' && (loopback || allowHttp))) return;
  throw new TypeError(`${what}: ${value} must be https (plain http only on loopback, or with allowHttp)`);
}
