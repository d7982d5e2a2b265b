import type { Kysely } from 'kysely';

// Forward only, identical on both engines: one row that lets a start-up tell whether SIGNET_SECRET is the
// secret this database was set up with (an HMAC of a fixed label under the secret, never the secret itself).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('instance')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('secret_probe', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
