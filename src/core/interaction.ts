// May a Signet session finish an OIDC sign-in request without asking the user again? A pure decision over
// what oidc-provider says of the request and what we know of the session.

export interface InteractionFacts {
  /** The interaction the sign-in page was opened for, and the one the provider's cookie names. */
  expectedUid: string;
  uid: string;
  prompt: { name: string; reasons: readonly string[] };
  /** When the interaction began, seconds since the epoch. */
  startedAt: number;
  /** The subject named by a (provider-validated) id_token_hint, when one was sent; null when it is unreadable. */
  hintSubject?: string | null;
  maxAgeSeconds?: number;
  /** The account the provider's own session holds, if any. */
  providerAccountId?: string;
}

export interface SessionFacts {
  userId: string;
  /** When the user signed in, epoch milliseconds. */
  authTime: number;
}

export function sessionSatisfiesInteraction(i: InteractionFacts, s: SessionFacts, now: number): boolean {
  // Only the interaction the page was opened for (two tabs or a popup can change which one the cookie names).
  if (i.uid !== i.expectedUid) return false;
  if (i.prompt.name !== 'login' && i.prompt.name !== 'consent') return false;
  // An app that names the account gets that account or a sign-in page, never another one.
  if (i.hintSubject !== undefined && i.hintSubject !== s.userId) return false;
  // prompt=login and max_age want a sign-in that happened after the request began.
  if (
    (i.prompt.reasons.includes('login_prompt') || i.prompt.reasons.includes('max_age')) &&
    s.authTime < i.startedAt * 1000
  )
    return false;
  if (i.maxAgeSeconds !== undefined && now - s.authTime > i.maxAgeSeconds * 1000) return false;
  if (i.prompt.name === 'consent' && i.providerAccountId !== undefined && i.providerAccountId !== s.userId)
    return false;
  return true;
}
