import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { SessionsTable } from './schema.ts';

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
});

export async function insertSession(db: Db, s: Session): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: s.id,
      tenant_id: s.tenantId,
      user_id: s.userId,
      created_at: s.createdAt,
      auth_time: s.authTime,
      amr: JSON.stringify(s.amr),
      strong_auth_at: s.strongAuthAt,
      expires_at: s.expiresAt,
      revoked_at: null,
    })
    .execute();
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

export async function revokeSession(db: Db, tenantId: string, id: string, at: number): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
}

/**
 * Adds a verified factor to a live session (the second-factor step): its amr becomes `amr` and strong
 * authentication is dated `at`. One conditional write; false when the session is gone or revoked.
 */
export async function addSessionFactor(
  db: Db,
  tenantId: string,
  sessionId: string,
  amr: readonly string[],
  at: number,
): Promise<boolean> {
  const r = await db
    .updateTable('sessions')
    .set({ amr: JSON.stringify(amr), strong_auth_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', at)
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
