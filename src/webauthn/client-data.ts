// CollectedClientData checks (WebAuthn §7.1 steps 5–12, §7.2 steps 8–15), made here so each failure gets its
// own code. The library repeats some of them; ours run first and are exact.
import { allow, type Decision, deny, SignetError } from '../core/errors.ts';

export interface ClientData {
  type: string;
  challenge: string;
  origin: string;
  crossOrigin?: boolean;
  topOrigin?: string;
  tokenBinding?: unknown;
}

/** A client-supplied value for a log detail: strings as they are (bounded), anything else by its type. */
function describe(v: unknown): string {
  return typeof v === 'string' ? v.slice(0, 200) : v === undefined ? '' : typeof v;
}

export function decodeClientData(clientDataJSON: string): ClientData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
  } catch {
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', { field: 'response.clientDataJSON', reason: 'not JSON' });
  }
  const cd = parsed as Record<string, unknown>;
  if (typeof cd !== 'object' || cd === null || Array.isArray(cd))
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', { field: 'response.clientDataJSON', reason: 'not an object' });
  for (const field of ['type', 'challenge', 'origin'] as const) {
    if (typeof cd[field] !== 'string' || cd[field] === '')
      throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', {
        field: `clientData.${field}`,
        reason: 'missing or empty',
      });
  }
  if (!/^[A-Za-z0-9_-]+$/.test(cd.challenge as string))
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', {
      field: 'clientData.challenge',
      reason: 'must be base64url',
    });
  return cd as unknown as ClientData;
}

/** Exact comparisons only: scheme, host and port as configured, never derived from request headers. */
export function checkClientData(
  cd: ClientData,
  expected: { type: 'webauthn.create' | 'webauthn.get'; origins: readonly string[] },
): Decision {
  if (cd.type !== expected.type)
    return deny('WEBAUTHN_TYPE_MISMATCH', { expected: expected.type, received: describe(cd.type) });
  if (!expected.origins.includes(cd.origin)) return deny('WEBAUTHN_ORIGIN_MISMATCH', { origin: describe(cd.origin) });
  // Signet pages are never embedded: a cross-origin or top-origin ceremony is refused (WA-07).
  if (cd.crossOrigin === true || cd.topOrigin !== undefined)
    return deny('WEBAUTHN_CROSS_ORIGIN_REFUSED', { topOrigin: describe(cd.topOrigin) });
  if (cd.tokenBinding !== undefined) {
    const tb = cd.tokenBinding as { status?: unknown };
    if (typeof tb !== 'object' || tb === null || Array.isArray(tb)) return deny('WEBAUTHN_TOKEN_BINDING_INVALID');
    // Signet never negotiates token binding, so "present" cannot be honoured (FC-Q5).
    if (tb.status !== 'supported' && tb.status !== 'not-supported' && tb.status !== 'notSupported')
      return deny('WEBAUTHN_TOKEN_BINDING_INVALID', { status: describe(tb.status) });
  }
  return allow;
}
