import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { TapsTable } from './schema.ts';

export interface Tap {
  id: string;
  tenantId: string;
  userId: string;
  /** HMAC-SHA-256 of the pass under the instance secret; the pass itself is shown once and never stored. */
  hash: string;
  oneTime: boolean;
  createdAt: number;
  startsAt: number;
  expiresAt: number;
  usedAt: number | null;
}

type Row = Selectable<TapsTable>;
const toTap = (r: Row): Tap => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  hash: r.hash,
  oneTime: r.one_time === 1,
  createdAt: r.created_at,
  startsAt: r.starts_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
});

/** At most one pass per user: issuing a new one replaces the old. */
export async function replaceTap(db: Db, t: Tap): Promise<void> {
  await db.deleteFrom('taps').where('tenant_id', '=', t.tenantId).where('user_id', '=', t.userId).execute();
  await db
    .insertInto('taps')
    .values({
      id: t.id,
      tenant_id: t.tenantId,
      user_id: t.userId,
      hash: t.hash,
      one_time: t.oneTime ? 1 : 0,
      created_at: t.createdAt,
      starts_at: t.startsAt,
      expires_at: t.expiresAt,
      used_at: null,
    })
    .execute();
}

export async function findTapOfUser(db: Db, tenantId: string, userId: string): Promise<Tap | undefined> {
  const r = await db
    .selectFrom('taps')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return r && toTap(r);
}

/** Marks a one-time pass used with one conditional write, so a pass cannot be spent twice by racing requests. */
export async function consumeTap(db: Db, tenantId: string, id: string, at: number): Promise<boolean> {
  const r = await db
    .updateTable('taps')
    .set({ used_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
