// The WWW-Authenticate challenges of RFC 6750 §3 (Bearer) and RFC 9470 §3 (insufficient_user_authentication).
// Pure: values in, one header string out.

export interface ChallengeParams {
  realm?: string;
  /** RFC 6750 `invalid_request` / `invalid_token` / `insufficient_scope`, or RFC 9470 `insufficient_user_authentication`. */
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'insufficient_user_authentication';
  description?: string;
  /** RFC 9470: any one of these, in order of preference; sent space-separated in one quoted string. */
  acrValues?: readonly string[];
  /** RFC 9470: seconds allowed since the last active authentication. */
  maxAge?: number;
  /** RFC 6750 §3: the scopes needed; sent space-separated in one quoted string. */
  scope?: readonly string[];
}

/**
 * `Bearer realm="…", error="…", error_description="…", acr_values="…", max_age="…", scope="…"`, each parameter only
 * when given. max_age is quoted as RFC 9470's own example is (`max_age="5"`); the grammar accepts both forms.
 */
export function challenge(p: ChallengeParams = {}): string {
  const params: string[] = [];
  if (p.realm !== undefined) params.push(`realm=${quoted(p.realm)}`);
  if (p.error !== undefined) params.push(`error="${p.error}"`);
  if (p.description !== undefined) params.push(`error_description="${descriptionText(p.description)}"`);
  if (p.acrValues?.length) params.push(`acr_values="${tokensText(p.acrValues, 'acr value')}"`);
  if (p.maxAge !== undefined) params.push(`max_age="${maxAgeText(p.maxAge)}"`);
  if (p.scope?.length) params.push(`scope="${tokensText(p.scope, 'scope')}"`);
  return params.length ? `Bearer ${params.join(', ')}` : 'Bearer';
}

/**
 * RFC 6750 §3: an error_description holds only %x20-21 / %x23-5B / %x5D-7E (printable ASCII without `"` and `\`).
 * Anything else is replaced, so no description can break out of its quotes.
 */
export function descriptionText(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '?');
}

/**
 * RFC 6750 §3 scope-token (%x21 / %x23-5B / %x5D-7E); acr values are held to the same (OIDC sends them space-separated).
 * A value outside it is a configuration mistake, refused where the requirement is made.
 */
export function isChallengeToken(value: string): boolean {
  return /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(value);
}

function tokensText(values: readonly string[], what: string): string {
  for (const v of values) if (!isChallengeToken(v)) throw new TypeError(`${what} ${JSON.stringify(v)} cannot be sent`);
  return values.join(' ');
}

function maxAgeText(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0)
    throw new TypeError(`max_age must be a whole number of seconds ≥ 0`);
  return String(seconds);
}

// A realm is a quoted-string (RFC 9110 §5.6.4): `"` and `\` escaped; control characters have no place in a header.
function quoted(value: string): string {
  return `"${value.replace(/[^\x20-\x7E]/g, '?').replace(/["\\]/g, '\\$&')}"`;
}
