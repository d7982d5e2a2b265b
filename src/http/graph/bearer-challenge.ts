// The WWW-Authenticate challenge of a 401 from the Graph routes (RFC 6750 §3, RFC 9470 §3): no error code when
// no token was sent, `insufficient_user_authentication` with `max_age` when the token is good but the sign-in
// behind it is too old for the call (so a client sends the user through a fresh sign-in instead of discarding
// a valid token), `invalid_token` otherwise.
import type { ErrorCode } from '../../core/errors.ts';
import { STRONG_AUTH_FRESHNESS_MS } from '../../core/registration-gate.ts';

export function bearerChallenge(code: ErrorCode, realm: string): string {
  const base = `Bearer realm="${realm}"`;
  if (code === 'GRAPH_TOKEN_MISSING') return base;
  if (code === 'PASSKEY_STRONG_AUTH_REQUIRED')
    return `${base}, error="insufficient_user_authentication", error_description="A sign-in within the last 5 minutes is required", max_age=${STRONG_AUTH_FRESHNESS_MS / 1000}`;
  return `${base}, error="invalid_token"`;
}
