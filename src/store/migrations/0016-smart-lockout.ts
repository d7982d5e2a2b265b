import type { Kysely } from 'kysely';

// Forward only, identical on both engines: smart lockout (src/core/lockout.ts). A counter remembers how many
// lockouts in a row it has had, so that each lasts twice the one before; and the addresses each user has signed in
// from successfully are kept, so that failures from them are counted apart from everyone else's (familiar and
// unfamiliar sources). One row per user and address, its time refreshed at each success.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('lockouts')
    .addColumn('lock_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('familiar_sources')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('last_success_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('familiar_sources_pk', ['tenant_id', 'user_id', 'address'])
    .execute();
  await db.schema
    .createIndex('familiar_sources_last_success')
    .on('familiar_sources')
    .column('last_success_at')
    .execute();
}
