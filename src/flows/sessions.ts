import { SignetError } from '../core/errors.ts';
import {
  amrOf,
  authTimeOf,
  firstStep,
  type SessionStep,
  type StepMethod,
  strongAuthAtOf,
} from '../core/session-steps.ts';
import { providerSessionsToEnd } from '../core/sign-out.ts';
import type { Db } from '../store/db.ts';
import { destroyOidcSessions, listOidcSessionsOfAccount } from '../store/oidc-payloads.ts';
import {
  findLiveSession,
  findLiveSessionWithUser,
  insertSession,
  liveSessionIds,
  revokeSession,
  type Session,
} from '../store/sessions.ts';
import type { User } from '../store/users.ts';
import { type Ctx, tokenId } from './context.ts';

export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

/**
 * A new session (and a new cookie value) at every sign-in and every step-up: the id rotates, the old one is revoked
 * (ATK-05). When the browser's previous session is live and the same user's, the new one keeps its steps and adds
 * this one (a step-up loses nothing of what came before, and lives no longer than the sign-in it began with);
 * another user's session is simply ended.
 */
export async function startSession(
  ctx: Ctx,
  db: Db,
  p: {
    tenantId: string;
    userId: string;
    method: StepMethod;
    /** A passkey's or pass's facts (core/session-steps.ts). */
    facts?: Omit<SessionStep, 'method' | 'at'>;
    previousToken?: string;
  },
): Promise<{ token: string; session: Session }> {
  const now = ctx.now();
  const previous =
    p.previousToken && p.previousToken.length <= 200
      ? await findLiveSession(db, p.tenantId, tokenId(p.previousToken), now)
      : undefined;
  const carried = previous?.userId === p.userId ? previous : undefined;
  const session = await insertNextSession(ctx, db, p, carried, now);
  if (p.previousToken) await revokeSession(db, p.tenantId, tokenId(p.previousToken), now);
  return session;
}

/**
 * A step added to a live session (a second factor, a step-up): the session is replaced by one holding its steps
 * and this one, under a new id. The old one is revoked by one conditional write, so two racing step-ups cannot both
 * continue it; SESSION_REQUIRED when it is no longer live.
 */
export async function addSessionStep(
  ctx: Ctx,
  db: Db,
  current: Session,
  p: { method: StepMethod; facts?: Omit<SessionStep, 'method' | 'at'> },
): Promise<{ token: string; session: Session }> {
  const now = ctx.now();
  if (current.expiresAt <= now || !(await revokeSession(db, current.tenantId, current.id, now)))
    throw new SignetError('SESSION_REQUIRED');
  return insertNextSession(ctx, db, { tenantId: current.tenantId, userId: current.userId, ...p }, current, now);
}

async function insertNextSession(
  ctx: Ctx,
  db: Db,
  p: { tenantId: string; userId: string; method: StepMethod; facts?: Omit<SessionStep, 'method' | 'at'> },
  carried: Session | undefined,
  now: number,
): Promise<{ token: string; session: Session }> {
  const steps = [...(carried?.steps ?? []), firstStep(p.method, now, p.facts)];
  const token = ctx.randomBytes(32).toString('base64url');
  const session: Session = {
    id: tokenId(token),
    tenantId: p.tenantId,
    userId: p.userId,
    createdAt: carried?.createdAt ?? now,
    authTime: authTimeOf(steps),
    amr: amrOf(steps),
    strongAuthAt: strongAuthAtOf(steps),
    expiresAt: carried?.expiresAt ?? now + SESSION_LIFETIME_MS,
    revokedAt: null,
    steps,
  };
  await insertSession(db, session);
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

/** A live session and its user, read together. */
export interface LiveSession {
  session: Session;
  user: User;
}

/** A live session whose user is still enabled (VULN-09), with that user; undefined otherwise. */
export async function liveSessionOf(
  ctx: Ctx,
  tenantId: string,
  token: string | undefined,
): Promise<LiveSession | undefined> {
  if (!token || token.length > 200) return undefined;
  const live = await findLiveSessionWithUser(ctx.db, tenantId, tokenId(token), ctx.now());
  return live?.user.enabled ? live : undefined;
}

/**
 * Signs the browser's session out, and with it the provider sessions logged in from a sign-in that is no longer
 * live: app tokens issued without offline_access end with the session they came from.
 */
export async function endSession(ctx: Ctx, tenantId: string, token: string | undefined): Promise<EndedAppSession[]> {
  if (!token || token.length > 200) return [];
  const now = ctx.now();
  const session = await findLiveSession(ctx.db, tenantId, tokenId(token), now);
  await revokeSession(ctx.db, tenantId, tokenId(token), now);
  if (!session) return [];
  const live = await liveSessionIds(ctx.db, tenantId, session.userId, now);
  const provider = await listOidcSessionsOfAccount(ctx.db, tenantId, session.userId);
  const ending = new Set(providerSessionsToEnd(provider, live));
  await destroyOidcSessions(ctx.db, tenantId, [...ending]);
  return provider
    .filter((p) => ending.has(p.id))
    .flatMap((p) => Object.entries(p.authorizations ?? {}))
    .flatMap(([clientId, a]) => (a.sid ? [{ accountId: session.userId, clientId, sid: a.sid }] : []));
}

/** An app's session that a sign-out ended: the app is told by back-channel logout (http/oidc-mount.ts). */
export interface EndedAppSession {
  accountId: string;
  clientId: string;
  sid: string;
}
