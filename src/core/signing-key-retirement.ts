// When a rotated-out signing key may leave the JWKS and the validation key set: once every token it signed has
// expired. A key stops signing when a newer key of its algorithm is created (rotation), so the last token it
// signed expires at most the longest lifetime of a signed token after that, plus the clock skew a verifier
// allows (SPEC §5: "rotation keeps old keys in JWKS until their tokens expire").

/**
 * The longest lifetime of a token the provider signs (ID token, access token, client-credentials token; see
 * src/oidc/provider.ts, which takes its TTLs from here). Refresh tokens and codes are opaque, not signed.
 */
export const SIGNED_TOKEN_TTL_S = 3600;
/** Clock skew a relying party may allow when it checks `exp` (Microsoft.IdentityModel's default is 5 minutes). */
export const VERIFIER_CLOCK_SKEW_S = 300;
/** How long after it stopped signing a key is retired. */
export const KEY_RETIREMENT_DELAY_MS = (SIGNED_TOKEN_TTL_S + VERIFIER_CLOCK_SKEW_S) * 1000;

export interface SigningKeyFacts {
  kid: string;
  alg: string;
  createdAt: number;
  retiredAt: number | null;
}

/** When each live key that a newer key of its algorithm replaced is due to be retired, by kid. */
function retirementTimes(keys: readonly SigningKeyFacts[], delayMs: number): Map<string, number> {
  const due = new Map<string, number>();
  for (const k of keys) {
    if (k.retiredAt !== null) continue;
    const successors = keys.filter((n) => n.alg === k.alg && n.kid !== k.kid && n.createdAt > k.createdAt);
    if (successors.length === 0) continue;
    const supersededAt = Math.min(...successors.map((n) => n.createdAt));
    due.set(k.kid, supersededAt + delayMs);
  }
  return due;
}

/** The live keys whose tokens have all expired by `now`: retire them. */
export function keysDueForRetirement(
  keys: readonly SigningKeyFacts[],
  now: number,
  delayMs = KEY_RETIREMENT_DELAY_MS,
): string[] {
  return [...retirementTimes(keys, delayMs)].filter(([, at]) => now >= at).map(([kid]) => kid);
}

/** The keys still in force at `now` (live, and not yet due), and when the next of them falls due (if ever). */
export function keysInForce<K extends SigningKeyFacts>(
  keys: readonly K[],
  now: number,
  delayMs = KEY_RETIREMENT_DELAY_MS,
): { keys: K[]; nextChangeAt: number | undefined } {
  const due = retirementTimes(keys, delayMs);
  const inForce = keys.filter((k) => k.retiredAt === null && !(now >= (due.get(k.kid) ?? Number.POSITIVE_INFINITY)));
  const later = [...due.values()].filter((at) => at > now);
  return { keys: inForce, nextChangeAt: later.length ? Math.min(...later) : undefined };
}
