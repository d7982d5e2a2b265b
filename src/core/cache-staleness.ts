// What a process keeps in memory (a tenant, its signing keys) carries the versions it was built at; a write
// bumps the version in the database (store/cache-versions.ts). These two decisions say when to read the versions
// again and when what is kept must be dropped.

/**
 * What is cached per tenant and versioned (the method policies: store/policy-cache.ts); apps and users are read
 * from the database every time. `metadata` is the instance's MDS BLOB (store/metadata-blobs.ts), under tenant id ''.
 */
export type CacheKind = 'tenant' | 'signing-keys' | 'method-policies' | 'metadata' | 'conditional-access';

/** The version of each kind for one tenant; a kind never written is version 0. */
export type CacheVersions = Readonly<Partial<Record<CacheKind, number>>>;

/** A change made through another process is in force here within this long. */
export const VERSION_CHECK_INTERVAL_MS = 1000;

/**
 * Whether the versions read at `checkedAt` must be read again at `now` (monotonic milliseconds). A clock that
 * went backwards reads again rather than trusting a time that has not come.
 */
export function versionCheckDue(checkedAt: number, now: number, intervalMs = VERSION_CHECK_INTERVAL_MS): boolean {
  return !(now >= checkedAt && now - checkedAt < intervalMs);
}

/** Whether something built at `cached` versions is stale at `current` for any of the kinds it depends on. */
export function isStale(cached: CacheVersions, current: CacheVersions, kinds: readonly CacheKind[]): boolean {
  return kinds.some((k) => (cached[k] ?? 0) !== (current[k] ?? 0));
}
