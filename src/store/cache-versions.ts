// The versions of what processes keep in memory per tenant (core/cache-staleness.ts): written where the thing
// is written, in the same transaction, and read by a per-process watch at most once a second per tenant.
import { performance } from 'node:perf_hooks';
import {
  type CacheKind,
  type CacheVersions,
  VERSION_CHECK_INTERVAL_MS,
  versionCheckDue,
} from '../core/cache-staleness.ts';
import type { Db } from './db.ts';

interface CacheVersionsTable {
  tenant_id: string;
  kind: string;
  version: number;
}
const versioned = (db: Db) => db.withTables<{ cache_versions: CacheVersionsTable }>();

/** Marks every process's copy of this tenant's `kind` stale; call it in the transaction of the write. */
export async function bumpCacheVersion(db: Db, tenantId: string, kind: CacheKind): Promise<void> {
  await versioned(db)
    .insertInto('cache_versions')
    .values({ tenant_id: tenantId, kind, version: 1 })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'kind']).doUpdateSet((eb) => ({ version: eb('cache_versions.version', '+', 1) })),
    )
    .execute();
}

/** One primary-key range read: the tenant's versions of every kind. */
export async function readCacheVersions(db: Db, tenantId: string): Promise<CacheVersions> {
  const rows = await versioned(db)
    .selectFrom('cache_versions')
    .select(['kind', 'version'])
    .where('tenant_id', '=', tenantId)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.kind, Number(r.version)])) as CacheVersions;
}

interface Seen {
  versions: CacheVersions;
  checkedAt: number;
  reading?: Promise<CacheVersions>;
}

/**
 * The versions as last read, read again when a second has passed: the hot path pays a map lookup and a clock
 * read, and at most one SELECT per tenant per second (concurrent callers share it).
 */
export class CacheVersionWatch {
  readonly #db: Db;
  readonly #now: () => number;
  readonly #intervalMs: number;
  readonly #seen = new Map<string, Seen>();
  constructor(db: Db, opts: { now?: () => number; intervalMs?: number } = {}) {
    this.#db = db;
    this.#now = opts.now ?? (() => performance.now());
    this.#intervalMs = opts.intervalMs ?? VERSION_CHECK_INTERVAL_MS;
  }

  /** A plain value while the last read is fresh, so callers need not wait on a promise. */
  current(tenantId: string): CacheVersions | Promise<CacheVersions> {
    const seen = this.#seen.get(tenantId);
    const now = this.#now();
    if (seen && !versionCheckDue(seen.checkedAt, now, this.#intervalMs)) return seen.versions;
    if (seen?.reading) return seen.reading;
    const entry: Seen = seen ?? { versions: {}, checkedAt: Number.NEGATIVE_INFINITY };
    const reading = readCacheVersions(this.#db, tenantId).then(
      (versions) => {
        this.#seen.set(tenantId, { versions, checkedAt: now });
        return versions;
      },
      (err: unknown) => {
        delete entry.reading;
        throw err;
      },
    );
    entry.reading = reading;
    this.#seen.set(tenantId, entry);
    return reading;
  }
}

const watches = new WeakMap<Db, CacheVersionWatch>();

/** The process's watch over one database (each Signet server or CLI run has its own Db). */
export function cacheVersionWatch(db: Db): CacheVersionWatch {
  let w = watches.get(db);
  if (!w) {
    w = new CacheVersionWatch(db);
    watches.set(db, w);
  }
  return w;
}
