import type { Kysely } from 'kysely';

// Forward only, identical on both engines: an app's OpenID Connect Back-Channel Logout URI (issue 9), where Signet
// posts a logout token when the user's session with that app ends. Null: the app is not told.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apps').addColumn('backchannel_logout_uri', 'text').execute();
}
