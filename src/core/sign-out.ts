// What signing out ends. Pure decisions over what the provider and Signet know of a browser's sessions.

/**
 * oidc-provider keeps its own session per browser, stamped with the Signet session it was last confirmed
 * against (`signetSession`, the id of Signet's session row). When a user signs out of Signet, every provider
 * session of theirs whose Signet session is no longer live ends with it, and with it the codes and tokens issued
 * without offline_access (`expiresWithSession`). A provider session of another browser, still signed in, stays.
 */
export function providerSessionsToEnd(
  providerSessions: ReadonlyArray<{ id: string; signetSession?: string }>,
  liveSignetSessions: readonly string[],
): string[] {
  const live = new Set(liveSignetSessions);
  return providerSessions.filter((p) => p.signetSession === undefined || !live.has(p.signetSession)).map((p) => p.id);
}

export interface ProviderLogoutFacts {
  /** The user asked to sign out of the provider (the end-session form's `logout`), not of one app only. */
  signOut: boolean;
  /** The account of the provider session that ended; none when the browser had none (an auto-posted logout). */
  providerAccountId?: string;
  /** The user of the live Signet session the browser holds, if any. */
  signetUserId?: string;
}

/**
 * Does the provider's end of session end the browser's Signet session too? Only the same user's. When B signs
 * in while the provider still holds A's session, oidc-provider logs A out on its own before finishing B's
 * sign-in: that logout must not end B's fresh Signet session. A logout posted with no provider session was
 * never confirmed by the user (oidc-provider submits it by itself), so it ends nothing of Signet's either.
 */
export function logoutEndsSignetSession(f: ProviderLogoutFacts): boolean {
  return f.signOut && f.signetUserId !== undefined && f.providerAccountId === f.signetUserId;
}
