import type { Insertable, Selectable } from 'kysely';
import type { Db } from './db.ts';
import { hotInsert } from './hot-insert.ts';
import type { ChallengesTable } from './schema.ts';

export type ChallengePurpose = 'registration' | 'authentication';

export interface Challenge {
  id: string;
  tenantId: string;
  purpose: ChallengePurpose;
  /** base64url, as it appears in clientDataJSON. */
  challenge: string;
  userId: string | null;
  sessionId: string | null;
  data: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

type Row = Selectable<ChallengesTable>;
const toChallenge = (r: Row): Challenge => ({
  id: r.id,
  tenantId: r.tenant_id,
  purpose: r.purpose as ChallengePurpose,
  challenge: r.challenge,
  userId: r.user_id,
  sessionId: r.session_id,
  data: JSON.parse(r.data) as Record<string, unknown>,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
});

export async function insertChallenge(db: Db, c: Challenge): Promise<void> {
  // On the sign-in's hot path: compiled once, then only executed.
  await hotInsert(db, 'challenges', {
    id: c.id,
    tenant_id: c.tenantId,
    purpose: c.purpose,
    challenge: c.challenge,
    user_id: c.userId,
    session_id: c.sessionId,
    data: JSON.stringify(c.data),
    created_at: c.createdAt,
    expires_at: c.expiresAt,
    used_at: null,
  } satisfies Insertable<ChallengesTable>);
}

export async function findChallenge(
  db: Db,
  tenantId: string,
  purpose: ChallengePurpose,
  challenge: string,
): Promise<Challenge | undefined> {
  const r = await db
    .selectFrom('challenges')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('purpose', '=', purpose)
    .where('challenge', '=', challenge)
    .executeTakeFirst();
  return r && toChallenge(r);
}

/** One conditional write: of any number of racing callers, exactly one consumes the challenge. */
export async function consumeChallenge(db: Db, tenantId: string, id: string, at: number): Promise<boolean> {
  const r = await db
    .updateTable('challenges')
    .set({ used_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Consumes the challenge with this value issued to this session and user, and returns it, in one conditional
 * write: of any number of racing callers, exactly one gets it; undefined when it is unknown, used, or another's.
 */
export async function consumeChallengeByValue(
  db: Db,
  tenantId: string,
  purpose: ChallengePurpose,
  challenge: string,
  bound: { sessionId: string; userId: string },
  at: number,
): Promise<Challenge | undefined> {
  const r = await db
    .updateTable('challenges')
    .set({ used_at: at })
    .where('tenant_id', '=', tenantId)
    .where('purpose', '=', purpose)
    .where('challenge', '=', challenge)
    .where('session_id', '=', bound.sessionId)
    .where('user_id', '=', bound.userId)
    .where('used_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return r && toChallenge(r);
}

/** Expired challenges are useless after their lifetime; keep the table small. */
export async function purgeChallenges(db: Db, before: number): Promise<number> {
  const r = await db.deleteFrom('challenges').where('expires_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
