import type { Kysely } from 'kysely';

// Forward only, identical on both engines: one counter per (tenant, kind of cached thing) that every write of
// that kind bumps in its own transaction; processes read a tenant's row set (one primary-key range) at most
// once a second to drop what they keep in memory when it is stale (core/cache-staleness.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cache_versions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('cache_versions_pk', ['tenant_id', 'kind'])
    .execute();
}
