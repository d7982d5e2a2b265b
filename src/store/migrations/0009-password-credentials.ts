import type { Kysely } from 'kysely';

// Forward only, identical on both engines: a user's password, when an administrator set one
// (passwordProfile), as a scrypt hash in PHC form (algorithm, parameters and salt with it, so the parameters
// can be raised later); at most one per user, gone with the user. Nothing signs in with it yet.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('password_credentials')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('force_change_next_sign_in', 'integer', (c) => c.notNull())
    .addColumn('force_change_with_mfa', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('password_credentials_pk', ['tenant_id', 'user_id'])
    .execute();
}
