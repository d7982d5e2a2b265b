// When a signing key signs, and when a rotated-out one may leave the JWKS and the validation key set.
//
// Publication first: a rotation publishes the new keys at once but signs with them only from `signsFrom`, a lead
// (KEY_PUBLICATION_LEAD_MS) later, so a verifier that cached the key set meets no unknown kid (SPEC §5: "rotation
// keeps old keys in JWKS until their tokens expire"; the same holds for new keys before their first token). A key
// signs from its `signsFrom` until a newer key of its algorithm starts signing; the last token it signed then expires
// at most the longest lifetime of a signed token later, plus the clock skew a verifier allows: then it is retired.

/**
 * The longest lifetime of a token the provider signs (ID token, access token, client-credentials token; see
 * src/oidc/provider.ts, which takes its TTLs from here). Refresh tokens and codes are opaque, not signed.
 */
export const SIGNED_TOKEN_TTL_S = 3600;
/** Clock skew a relying party may allow when it checks `exp` (Microsoft.IdentityModel's default is 5 minutes). */
export const VERIFIER_CLOCK_SKEW_S = 300;
/** How long after it stopped signing a key is retired. */
export const KEY_RETIREMENT_DELAY_MS = (SIGNED_TOKEN_TTL_S + VERIFIER_CLOCK_SKEW_S) * 1000;
/**
 * How long a rotation publishes the new keys before they sign: longer than verifiers keep a key set without asking
 * again (jose's remote key set 10 minutes, Spring's 5; libraries that fetch again on an unknown kid wait 30 s to 5
 * minutes between fetches), so that none of them refuses a token for a kid it has not seen yet.
 */
export const KEY_PUBLICATION_LEAD_MS = 60 * 60_000;

export interface SigningKeyFacts {
  kid: string;
  alg: string;
  createdAt: number;
  retiredAt: number | null;
  /** When it starts signing; null or absent: from its creation. */
  signsFrom?: number | null;
}

const startOf = (k: SigningKeyFacts) => k.signsFrom ?? k.createdAt;

/** When each live key that a newer key of its algorithm replaced (or will replace) is due to be retired, by kid. */
function retirementTimes(keys: readonly SigningKeyFacts[], delayMs: number): Map<string, number> {
  const due = new Map<string, number>();
  for (const k of keys) {
    if (k.retiredAt !== null) continue;
    const successors = keys.filter((n) => n.alg === k.alg && n.kid !== k.kid && startOf(n) > startOf(k));
    if (successors.length === 0) continue;
    const supersededAt = Math.min(...successors.map(startOf));
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

/**
 * The keys in force at `now` (live, and not yet due), in the order the provider takes them: for each algorithm the
 * key signing now first (oidc-provider signs with the first key of the algorithm a token needs; RS256 first of all,
 * every client's default), then the others, which are published and verify but sign nothing (keys waiting for their
 * `signsFrom`, keys rotated out). And when that next changes by itself: a key starts signing or falls due.
 */
export function keysInForce<K extends SigningKeyFacts>(
  keys: readonly K[],
  now: number,
  delayMs = KEY_RETIREMENT_DELAY_MS,
): { keys: K[]; nextChangeAt: number | undefined } {
  const due = retirementTimes(keys, delayMs);
  const inForce = keys.filter((k) => k.retiredAt === null && !(now >= (due.get(k.kid) ?? Number.POSITIVE_INFINITY)));
  const signing = new Set(signingKids(inForce, now));
  const rank = (k: K) => (signing.has(k.kid) ? (k.alg === 'RS256' ? 0 : 1) : 2);
  const ordered = inForce
    .map((k, i) => ({ k, i }))
    .sort((a, b) => rank(a.k) - rank(b.k) || startOf(b.k) - startOf(a.k) || a.i - b.i)
    .map(({ k }) => k);
  const later = [...due.values(), ...inForce.map(startOf)].filter((at) => at > now);
  return { keys: ordered, nextChangeAt: later.length ? Math.min(...later) : undefined };
}

/** For each algorithm, the key that signs at `now`: the one that started signing last. */
export function signingKids(keys: readonly SigningKeyFacts[], now: number): string[] {
  const byAlg = new Map<string, SigningKeyFacts>();
  for (const k of keys) {
    if (k.retiredAt !== null || startOf(k) > now) continue;
    const current = byAlg.get(k.alg);
    if (!current || startOf(k) > startOf(current)) byAlg.set(k.alg, k);
  }
  return [...byAlg.values()].map((k) => k.kid);
}
