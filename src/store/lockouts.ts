// Lockout counters (core/lockout.ts) and the addresses each user signed in from (familiar sources), shared by
// every process through the database. A counter changes only by compare-and-set on the whole row, so racing
// attempts on any engine and in any number of processes each count once.
import { LOCKOUT_RULES, type LockoutState } from '../core/lockout.ts';
import type { Db } from './db.ts';

export async function loadLockout(db: Db, tenantId: string, key: string): Promise<LockoutState | undefined> {
  const r = await db
    .selectFrom('lockouts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('key', '=', key)
    .executeTakeFirst();
  return (
    r && {
      failures: Number(r.failures),
      windowStart: Number(r.window_start),
      lockedUntil: Number(r.locked_until),
      lockCount: Number(r.lock_count),
    }
  );
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
  const values = {
    failures: next.failures,
    window_start: next.windowStart,
    locked_until: next.lockedUntil,
    lock_count: next.lockCount,
  };
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
    .where('lock_count', '=', expected.lockCount)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The longest a lock is remembered after its end, so that the next one lasts longer (the rules' forgiveMs). */
const LOCK_MEMORY_MS = Math.max(...Object.values(LOCKOUT_RULES).map((r) => r.forgiveMs));

/**
 * Rows whose window and lock have both passed `before` say nothing any more, unless they still remember lockouts
 * in a row (the next lock doubles) and their last lock ended after `forgivenBefore` (by default a day earlier).
 */
export async function purgeLockouts(db: Db, before: number, forgivenBefore = before - LOCK_MEMORY_MS): Promise<number> {
  const r = await db
    .deleteFrom('lockouts')
    .where('window_start', '<', before)
    .where('locked_until', '<', before)
    .where((eb) => eb.or([eb('lock_count', '=', 0), eb('locked_until', '<', forgivenBefore)]))
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

/** Whether the user has signed in successfully from `address` since `since`. */
export async function isFamiliarSource(
  db: Db,
  tenantId: string,
  userId: string,
  address: string,
  since: number,
): Promise<boolean> {
  const r = await db
    .selectFrom('familiar_sources')
    .select('last_success_at')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('address', '=', address)
    .executeTakeFirst();
  return r !== undefined && Number(r.last_success_at) >= since;
}

/** Remembers a successful sign-in from `address` (one statement: an upsert on both engines). */
export async function markFamiliarSource(
  db: Db,
  tenantId: string,
  userId: string,
  address: string,
  at: number,
): Promise<void> {
  await db
    .insertInto('familiar_sources')
    .values({ tenant_id: tenantId, user_id: userId, address, last_success_at: at })
    .onConflict((oc) => oc.columns(['tenant_id', 'user_id', 'address']).doUpdateSet({ last_success_at: at }))
    .execute();
}

/** Addresses not seen in a successful sign-in since `before` are strangers again. */
export async function purgeFamiliarSources(db: Db, before: number): Promise<number> {
  const r = await db.deleteFrom('familiar_sources').where('last_success_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
