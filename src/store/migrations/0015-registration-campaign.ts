import type { Kysely } from 'kysely';

// Forward only, identical on both engines: each user's answers to the registration campaign's "Set up a passkey"
// (core/registration-campaign.ts): how many times they said "Not now", until when that holds, and in which sign-in
// (session id) the last one was given. One row per user; the row goes with the user (the tenant's rows with it).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('campaign_snoozes')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('snooze_count', 'integer', (c) => c.notNull())
    .addColumn('snoozed_until', 'bigint', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('campaign_snoozes_pk', ['tenant_id', 'user_id'])
    .execute();
}
