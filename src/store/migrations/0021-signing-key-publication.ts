import type { Kysely } from 'kysely';

// Forward only, identical on both engines: when a signing key starts signing. A rotation publishes the new keys
// first and signs with them only from here on, so verifiers that cached the key set meet no unknown kid. Null (every
// key before this): it signed from its creation.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('signing_keys').addColumn('signs_from', 'bigint').execute();
}
