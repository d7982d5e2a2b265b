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

export async function saveLockout(db: Db, tenantId: string, key: string, s: LockoutState): Promise<void> {
  const values = { failures: s.failures, window_start: s.windowStart, locked_until: s.lockedUntil };
  await db
    .insertInto('lockouts')
    .values({ tenant_id: tenantId, key, ...values })
    .onConflict((oc) => oc.columns(['tenant_id', 'key']).doUpdateSet(values))
    .execute();
}

export async function clearLockout(db: Db, tenantId: string, key: string): Promise<void> {
  await db.deleteFrom('lockouts').where('tenant_id', '=', tenantId).where('key', '=', key).execute();
}
