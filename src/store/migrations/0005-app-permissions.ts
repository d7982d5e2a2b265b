import { type Kysely, sql } from 'kysely';

// Forward only, identical on both engines: the application permissions granted to an app (a JSON array of
// Graph permission names), which its client-credentials tokens carry as `roles`.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('apps')
    .addColumn('permissions', 'text', (c) => c.notNull().defaultTo(sql`'[]'`))
    .execute();
}
