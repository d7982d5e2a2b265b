import type { Kysely } from 'kysely';

// Forward only, identical on both engines: Conditional Access (issue 9). Each document is stored as Graph shapes it
// (JSON), with the columns queries need beside it. Built-in authentication strengths are code, not rows.
// - authentication_strengths: custom strengths (allowed combinations, fido2 combination configurations).
// - ca_policies: Conditional Access policies; `strength_id` is the strength its grant requires, for `usage` and
//   for refusing to delete a strength in use.
// - named_locations: IP ranges (trusted or not) that policies name.
// - auth_contexts: authentication context class references (c1..c99) that apps ask for and policies target.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('authentication_strengths')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('authentication_strengths_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createTable('ca_policies')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('strength_id', 'text')
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('modified_at', 'bigint')
    .addPrimaryKeyConstraint('ca_policies_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema.createIndex('ca_policies_strength').on('ca_policies').columns(['tenant_id', 'strength_id']).execute();
  await db.schema
    .createTable('named_locations')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('modified_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('named_locations_pk', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createTable('auth_contexts')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('is_available', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('auth_contexts_pk', ['tenant_id', 'id'])
    .execute();
}
