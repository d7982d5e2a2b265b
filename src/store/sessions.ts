import type { Insertable, Selectable } from 'kysely';
import { type SessionStep, stepsFromLegacyAmr } from '../core/session-steps.ts';
import type { Db } from './db.ts';
import { hotInsert } from './hot-insert.ts';
import type { SessionsTable } from './schema.ts';
import { toUser, type User } from './users.ts';

export interface Session {
  /** SHA-256 of the cookie value: a database read does not yield a usable cookie. */
  id: string;
  tenantId: string;
  userId: string;
  createdAt: number;
  authTime: number;
  amr: string[];
  strongAuthAt: number | null;
  expiresAt: number;
  revokedAt: number | null;
  /** Every authentication step the session holds (core/session-steps.ts); amr, authTime and strongAuthAt derive from it. */
  steps: SessionStep[];
}

type Row = Selectable<SessionsTable>;
const toSession = (r: Row): Session => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  createdAt: r.created_at,
  authTime: r.auth_time,
  amr: JSON.parse(r.amr) as string[],
  strongAuthAt: r.strong_auth_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  steps: stepsOf(r),
});

/** The stored steps; a session stored before 0018 has none and is read back from its amr. */
function stepsOf(r: Row): SessionStep[] {
  const steps = JSON.parse(r.steps) as SessionStep[];
  return steps.length > 0 ? steps : stepsFromLegacyAmr(JSON.parse(r.amr) as string[], r.auth_time, r.strong_auth_at);
}

export async function insertSession(db: Db, s: Session): Promise<void> {
  // On the sign-in's hot path: compiled once, then only executed.
  await hotInsert(db, 'sessions', {
    id: s.id,
    tenant_id: s.tenantId,
    user_id: s.userId,
    created_at: s.createdAt,
    auth_time: s.authTime,
    amr: JSON.stringify(s.amr),
    strong_auth_at: s.strongAuthAt,
    expires_at: s.expiresAt,
    revoked_at: null,
    steps: JSON.stringify(s.steps),
  } satisfies Insertable<SessionsTable>);
}

export async function findLiveSession(db: Db, tenantId: string, id: string, now: number): Promise<Session | undefined> {
  const r = await db
    .selectFrom('sessions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return r && toSession(r);
}

/**
 * A live session with its user, in one query: every page and ceremony that needs a session needs its user too (is
 * the account still enabled, whose passkeys). Undefined when either is missing.
 */
export async function findLiveSessionWithUser(
  db: Db,
  tenantId: string,
  id: string,
  now: number,
): Promise<{ session: Session; user: User } | undefined> {
  const r = await db
    .selectFrom('sessions')
    .innerJoin('users', (j) =>
      j.onRef('users.tenant_id', '=', 'sessions.tenant_id').onRef('users.id', '=', 'sessions.user_id'),
    )
    .selectAll('sessions')
    .select([
      'users.user_principal_name as user_principal_name',
      'users.display_name as user_display_name',
      'users.enabled as user_enabled',
      'users.user_handle as user_handle',
      'users.created_at as user_created_at',
    ])
    .where('sessions.tenant_id', '=', tenantId)
    .where('sessions.id', '=', id)
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
  if (!r) return undefined;
  const user = toUser({
    id: r.user_id,
    tenant_id: r.tenant_id,
    user_principal_name: r.user_principal_name,
    display_name: r.user_display_name,
    enabled: r.user_enabled,
    user_handle: r.user_handle,
    created_at: r.user_created_at,
  });
  return { session: toSession(r), user };
}

/** A session by its id whatever its state (ended or expired too): what it held, for a refresh made from it. */
export async function findSessionById(db: Db, tenantId: string, id: string): Promise<Session | undefined> {
  const r = await db
    .selectFrom('sessions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r && toSession(r);
}

/** Revokes a live session; whether this call did (false when it was already revoked or is unknown). */
export async function revokeSession(db: Db, tenantId: string, id: string, at: number): Promise<boolean> {
  const r = await db
    .updateTable('sessions')
    .set({ revoked_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Signs the user out everywhere but `keepId` (the session making the change). */
export async function revokeOtherSessions(
  db: Db,
  tenantId: string,
  userId: string,
  keepId: string,
  at: number,
): Promise<number> {
  const r = await db
    .updateTable('sessions')
    .set({ revoked_at: at })
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('id', '!=', keepId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** The ids of a user's live sessions. */
export async function liveSessionIds(db: Db, tenantId: string, userId: string, now: number): Promise<string[]> {
  const rows = await db
    .selectFrom('sessions')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
  return rows.map((r) => r.id);
}
