import type { Kysely } from 'kysely';

// Forward only, identical on both engines: sessions remember every step (issue 9). `steps` is the JSON list of
// core/session-steps.ts (method, time, a passkey's facts); amr, auth_time and strong_auth_at stay as columns,
// written from it, for the queries that read them. A session stored before reads its steps back from its amr.
// The sign-in log keeps, per entry, the authorization request it belongs to (`correlation_id`), the session,
// and the Graph signIn facts that explain it (`conditional_access`: requirement, steps, the policies applied).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('sessions')
    .addColumn('steps', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.alterTable('sign_ins').addColumn('correlation_id', 'text').execute();
  await db.schema.alterTable('sign_ins').addColumn('session_id', 'text').execute();
  await db.schema.alterTable('sign_ins').addColumn('conditional_access', 'text').execute();
  await db.schema.createIndex('sign_ins_correlation').on('sign_ins').columns(['tenant_id', 'correlation_id']).execute();
}
