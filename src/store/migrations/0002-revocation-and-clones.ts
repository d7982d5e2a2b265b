import type { Kysely } from 'kysely';

// Forward only, identical on both engines: OIDC artifacts know their user (so they can be revoked with the
// user's passkeys), and a passkey can be marked as possibly cloned.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('oidc_payloads').addColumn('account_id', 'text').execute();
  await db.schema
    .createIndex('oidc_payloads_account')
    .on('oidc_payloads')
    .columns(['tenant_id', 'account_id'])
    .execute();
  await db.schema.alterTable('passkeys').addColumn('clone_suspected_at', 'bigint').execute();
}
