// The tenant's authentication strengths as the sign-in path reads them on every request: built-ins and custom ones by
// id, kept in this process's memory and read again within a second of a write through any process (the tenant's
// 'conditional-access' cache version, bumped in the transaction of every write; store/policy-cache.ts does the same
// for the methods policy). flows/strengths.ts drops this process's copy after its own writes.
import { type CacheVersions, isStale } from '../core/cache-staleness.ts';
import { type AuthenticationStrength, BUILT_IN_STRENGTHS } from '../core/strengths.ts';
import { cacheVersionWatch } from '../store/cache-versions.ts';
import type { Db } from '../store/db.ts';
import { listCustomStrengths } from '../store/strengths.ts';
import type { Ctx } from './context.ts';

interface Entry {
  versions: CacheVersions;
  strengths: Promise<ReadonlyMap<string, AuthenticationStrength>>;
}
const caches = new WeakMap<Db, Map<string, Entry>>();

/**
 * Every strength of the tenant by id, built-ins included, from this process's memory; read again within a second of
 * a write through any process (the 'conditional-access' version, as store/policy-cache.ts does for methods).
 */
export async function strengthsOf(
  ctx: Pick<Ctx, 'db' | 'log'>,
  tenantId: string,
): Promise<ReadonlyMap<string, AuthenticationStrength>> {
  const current = cacheVersionWatch(ctx.db).current(tenantId);
  const versions = current instanceof Promise ? await current : current;
  let cache = caches.get(ctx.db);
  if (!cache) {
    cache = new Map();
    caches.set(ctx.db, cache);
  }
  const hit = cache.get(tenantId);
  if (hit && !isStale(hit.versions, versions, ['conditional-access'])) return hit.strengths;
  const entry: Entry = {
    versions,
    strengths: listCustomStrengths(ctx.db, tenantId, ctx.log).then(
      (custom) => new Map([...BUILT_IN_STRENGTHS, ...custom].map((s) => [s.id, s])),
    ),
  };
  const kept = cache;
  entry.strengths.catch(() => kept.get(tenantId) === entry && kept.delete(tenantId));
  cache.set(tenantId, entry);
  return entry.strengths;
}

/** Drops this process's copy after a write through `db`; other processes see the bumped version. */
export function forgetStrengths(db: Db, tenantId: string): void {
  caches.get(db)?.delete(tenantId);
}
