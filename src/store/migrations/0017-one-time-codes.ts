import type { Kysely } from 'kysely';

// Forward only, identical on both engines: one-time code methods (issue 8).
// - totp_methods: a user's authenticator apps (software OATH). The key is sealed at rest (JWE under a key derived
//   from the instance secret, flows/totp.ts); `confirmed_at` is null while a set-up waits for its first code;
//   `last_step` is the last accepted RFC 6238 time step, raised by one conditional write so a code works once.
// - email_methods: a user's address for codes (Graph's emailAuthenticationMethod), at most one per user.
// - email_codes: the code last sent to a user, as an HMAC; at most one per user (a resend replaces it), spent and
//   counted by conditional writes.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('totp_methods')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('last_step', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('totp_methods_user').on('totp_methods').columns(['tenant_id', 'user_id']).execute();
  await db.schema
    .createTable('email_methods')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email_address', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('email_methods_pk', ['tenant_id', 'user_id'])
    .execute();
  await db.schema
    .createTable('email_codes')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('wrong_attempts', 'integer', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('email_codes_pk', ['tenant_id', 'user_id'])
    .execute();
}
