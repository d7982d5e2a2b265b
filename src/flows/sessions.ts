import { amrFor, isStrongMethod, type SignInMethod } from '../core/session-claims.ts';
import { providerSessionsToEnd } from '../core/sign-out.ts';
import type { Db } from '../store/db.ts';
import { destroyOidcSessions, listOidcSessionsOfAccount } from '../store/oidc-payloads.ts';
import { findLiveSession, insertSession, liveSessionIds, revokeSession, type Session } from '../store/sessions.ts';
import { findUserById, type User } from '../store/users.ts';
import { type Ctx, tokenId } from './context.ts';

export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

/** A new session (and a new cookie value) at every sign-in: the id rotates, the old one is revoked. */
export async function startSession(
  ctx: Ctx,
  db: Db,
  p: { tenantId: string; userId: string; method: SignInMethod; previousToken?: string },
): Promise<{ token: string; session: Session }> {
  const now = ctx.now();
  const token = ctx.randomBytes(32).toString('base64url');
  const session: Session = {
    id: tokenId(token),
    tenantId: p.tenantId,
    userId: p.userId,
    createdAt: now,
    authTime: now,
    amr: amrFor([p.method]),
    strongAuthAt: isStrongMethod(p.method) ? now : null,
    expiresAt: now + SESSION_LIFETIME_MS,
    revokedAt: null,
  };
  await insertSession(db, session);
  if (p.previousToken) await revokeSession(db, p.tenantId, tokenId(p.previousToken), now);
  return { token, session };
}

export async function sessionFromToken(
  ctx: Ctx,
  tenantId: string,
  token: string | undefined,
): Promise<Session | undefined> {
  if (!token || token.length > 200) return undefined;
  return findLiveSession(ctx.db, tenantId, tokenId(token), ctx.now());
}

/** A live session whose user is still enabled (VULN-09), with that user; undefined otherwise. */
export async function liveSessionOf(
  ctx: Ctx,
  tenantId: string,
  token: string | undefined,
): Promise<{ session: Session; user: User } | undefined> {
  const session = await sessionFromToken(ctx, tenantId, token);
  if (!session) return undefined;
  const user = await findUserById(ctx.db, tenantId, session.userId);
  return user?.enabled ? { session, user } : undefined;
}

/**
 * Signs the browser's session out, and with it the provider sessions logged in from a sign-in that is no longer
 * live: app tokens issued without offline_access end with the session they came from.
 */
export async function endSession(ctx: Ctx, tenantId: string, token: string | undefined): Promise<void> {
  if (!token || token.length > 200) return;
  const now = ctx.now();
  const session = await findLiveSession(ctx.db, tenantId, tokenId(token), now);
  await revokeSession(ctx.db, tenantId, tokenId(token), now);
  if (!session) return;
  const live = await liveSessionIds(ctx.db, tenantId, session.userId, now);
  const provider = await listOidcSessionsOfAccount(ctx.db, tenantId, session.userId);
  await destroyOidcSessions(ctx.db, tenantId, providerSessionsToEnd(provider, live));
}
