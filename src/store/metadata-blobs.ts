// The FIDO MDS3 BLOBs this instance loaded (migration 0014): the verified one in force, refusals for operators, and
// the instance-wide cache version that tells every process a newer BLOB is in the database.
import type { CacheKind } from '../core/cache-staleness.ts';
import { bumpCacheVersion } from './cache-versions.ts';
import type { Db } from './db.ts';

interface MetadataBlobsTable {
  id: string;
  result: string;
  reason: string | null;
  no: number | null;
  next_update: string | null;
  entries: number | null;
  digest: string | null;
  blob: string | null;
  source: string;
  loaded_at: number;
}
const tables = (db: Db) => db.withTables<{ metadata_blobs: MetadataBlobsTable }>();

/**
 * Metadata is the instance's, not a tenant's: its cache_versions row (kind `metadata`) has tenant id '', which no
 * tenant has (they are UUIDs), read by the same per-process watch as the tenants' rows.
 */
export const INSTANCE_CACHE_KEY = '';
export const METADATA_CACHE_KIND = 'metadata' satisfies CacheKind;

export interface StoredBlob {
  id: string;
  no: number;
  nextUpdate: string;
  entries: number;
  digest: string;
  source: string;
  loadedAt: number;
}

export interface BlobRefusal {
  code: string;
  reason: string;
  source: string;
  at: number;
}

const meta = ['id', 'no', 'next_update', 'entries', 'digest', 'source', 'loaded_at'] as const;
const toStored = (r: Pick<MetadataBlobsTable, (typeof meta)[number]>): StoredBlob => ({
  id: r.id,
  no: Number(r.no),
  nextUpdate: r.next_update ?? '',
  entries: Number(r.entries),
  digest: r.digest ?? '',
  source: r.source,
  loadedAt: Number(r.loaded_at),
});

/** The verified BLOB in force (highest `no`), without its text. */
export async function currentBlob(db: Db): Promise<StoredBlob | undefined> {
  const r = await tables(db)
    .selectFrom('metadata_blobs')
    .select(meta)
    .where('result', '=', 'verified')
    .orderBy('no', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? toStored(r) : undefined;
}

/** The text of the verified BLOB in force, with what it is. */
export async function currentBlobText(db: Db): Promise<{ blob: StoredBlob; text: string } | undefined> {
  const r = await tables(db)
    .selectFrom('metadata_blobs')
    .select([...meta, 'blob'])
    .where('result', '=', 'verified')
    .orderBy('no', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.blob ? { blob: toStored(r), text: r.blob } : undefined;
}

/** The newest refusal after `since` (the load of the BLOB in force): what an operator must look at. */
export async function latestRefusal(db: Db, since: number): Promise<BlobRefusal | undefined> {
  const r = await tables(db)
    .selectFrom('metadata_blobs')
    .select(['result', 'reason', 'source', 'loaded_at'])
    .where('result', '!=', 'verified')
    .where('loaded_at', '>=', since)
    .orderBy('loaded_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? { code: r.result, reason: r.reason ?? '', source: r.source, at: Number(r.loaded_at) } : undefined;
}

/**
 * Stores a verified BLOB and bumps the instance's metadata version, in the caller's transaction; older verified
 * copies but the previous one are dropped (a BLOB is megabytes). A concurrent store of the same `no` violates the
 * unique index: the caller treats that as already stored.
 */
export async function insertVerifiedBlob(db: Db, b: StoredBlob & { text: string }): Promise<void> {
  const t = tables(db);
  await t
    .insertInto('metadata_blobs')
    .values({
      id: b.id,
      result: 'verified',
      reason: null,
      no: b.no,
      next_update: b.nextUpdate,
      entries: b.entries,
      digest: b.digest,
      blob: b.text,
      source: b.source,
      loaded_at: b.loadedAt,
    })
    .execute();
  const previous = await t
    .selectFrom('metadata_blobs')
    .select('no')
    .where('result', '=', 'verified')
    .where('no', '<', b.no)
    .orderBy('no', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (previous?.no != null)
    await t
      .deleteFrom('metadata_blobs')
      .where('result', '=', 'verified')
      .where('no', '<', Number(previous.no))
      .execute();
  // Every process's copy is stale now (the instance's row of the same versions the tenants' caches use).
  await bumpCacheVersion(db, INSTANCE_CACHE_KEY, METADATA_CACHE_KIND);
}

/** Records a refused BLOB (its code and reason, not its text); refusals older than 30 days are dropped. */
export async function insertRefusal(db: Db, id: string, r: BlobRefusal & { no?: number }): Promise<void> {
  const t = tables(db);
  await t
    .insertInto('metadata_blobs')
    .values({
      id,
      result: r.code,
      reason: r.reason,
      no: r.no ?? null,
      next_update: null,
      entries: null,
      digest: null,
      blob: null,
      source: r.source,
      loaded_at: r.at,
    })
    .execute();
  await t
    .deleteFrom('metadata_blobs')
    .where('result', '!=', 'verified')
    .where('loaded_at', '<', r.at - 30 * 24 * 60 * 60 * 1000)
    .execute();
}

export interface PasskeyOfModel {
  tenantId: string;
  userId: string;
  userPrincipalName: string;
  userDisplayName: string;
  passkeyId: string;
  passkeyName: string;
  aaguid: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/**
 * The passkeys of these models (AAGUIDs, lower case as stored), of one tenant or of every one, oldest first:
 * who a compromised model affects. Read in batches of AAGUIDs so a long list stays one bounded statement each.
 */
export async function passkeysOfModels(
  db: Db,
  aaguids: readonly string[],
  tenantId?: string,
): Promise<PasskeyOfModel[]> {
  const out: PasskeyOfModel[] = [];
  for (let i = 0; i < aaguids.length; i += 200) {
    let q = db
      .selectFrom('passkeys')
      .innerJoin('users', (j) =>
        j.onRef('users.id', '=', 'passkeys.user_id').onRef('users.tenant_id', '=', 'passkeys.tenant_id'),
      )
      .select([
        'passkeys.tenant_id',
        'passkeys.user_id',
        'users.user_principal_name',
        'users.display_name',
        'passkeys.id',
        'passkeys.display_name as passkey_name',
        'passkeys.aaguid',
        'passkeys.created_at',
        'passkeys.last_used_at',
      ])
      .where('passkeys.aaguid', 'in', aaguids.slice(i, i + 200));
    if (tenantId !== undefined) q = q.where('passkeys.tenant_id', '=', tenantId);
    for (const r of await q.orderBy('passkeys.created_at').orderBy('passkeys.id').execute())
      out.push({
        tenantId: r.tenant_id,
        userId: r.user_id,
        userPrincipalName: r.user_principal_name,
        userDisplayName: r.display_name,
        passkeyId: r.id,
        passkeyName: r.passkey_name,
        aaguid: r.aaguid,
        createdAt: Number(r.created_at),
        lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
      });
  }
  return out;
}
