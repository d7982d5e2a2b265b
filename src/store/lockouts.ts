import type { LockoutState } from '../core/lockout.ts';
import type { Db } from './db.ts';

export async function loadLockout(db: Db, tenantId: string, key: string): Promise<LockoutState | undefined> {
  const r = await db
    .selectFrom('lockouts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .executeTakeFirst();
  return r && { failures: r.failures, windowStart: r.window_start, lockedUntil: r.locked_until };
}

/**
 * Replaces `expected` with `next` only if the row still holds `expected` (or is still absent): racing
 * attempts cannot both count as the same attempt. Returns false when someone else wrote first.
 */
export async function compareAndSetLockout(
  db: Db,
  tenantId: string,
  key: string,
  expected: LockoutState | undefined,
  next: LockoutState,
): Promise<boolean> {
  const values = { failures: next.failures, window_start: next.windowStart, locked_until: next.lockedUntil };
  if (!expected) {
    const r = await db
      .insertInto('lockouts')
      .values({ tenant_id: tenantId, key, ...values })
      .onConflict((oc) => oc.columns(['tenant_id', 'key']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }
  const r = await db
    .updateTable('lockouts')
    .set(values)
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .where('failures', '=', expected.failures)
    .where('window_start', '=', expected.windowStart)
    .where('locked_until', '=', expected.lockedUntil)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Rows whose window and lock have both passed say nothing any more. */
export async function purgeLockouts(db: Db, before: number): Promise<number> {
  const r = await db
    .deleteFrom('lockouts')
    .where('window_start', '<', before)
    .where('locked_until', '<', before)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Every counter whose key starts with `prefix` (one per source address for an account). */
export async function clearLockoutsStartingWith(db: Db, tenantId: string, prefix: string): Promise<void> {
  await db
    .deleteFrom('lockouts')
    .where('tenant_id', '=', tenantId)
    .where('key', 'like', `${prefix.replace(/[%_\\]/g, '')}%`)
    .execute();
}

export async function clearLockout(db: Db, tenantId: string, key: string): Promise<void> {
  await db.deleteFrom('lockouts').where('tenant_id', '=', tenantId).where('key', '=', key).execute();
}
