import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';

// Forward only, identical on both engines: an app may hold several client secrets (Graph's passwordCredentials),
// each its own row keyed by (tenant, app, keyId) with the time it starts and (optionally) ends. The one secret an
// app held moves here as it was (the HMAC under the instance secret, never the text), valid from the app's
// creation with no end, under the keyId the admin API already showed for it; then the apps column goes. This
// file keeps its own copy of that keyId's derivation on purpose: a migration must do tomorrow what it did today.
function keyIdOf(secretHash: string): string {
  const h = createHash('sha256').update(`signet app secret key id\n${secretHash}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function up(untyped: Kysely<unknown>): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: a migration works on the schema of its day, not today's types.
  const db = untyped as Kysely<any>;
  await db.schema
    .createTable('app_secrets')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('hint', 'text')
    .addColumn('start_at', 'bigint', (c) => c.notNull())
    .addColumn('end_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // A removed secret is kept (its HMAC only), so the sign-in log can say "removed" rather than "wrong".
    .addColumn('removed_at', 'bigint')
    .addPrimaryKeyConstraint('app_secrets_pk', ['tenant_id', 'app_id', 'key_id'])
    .execute();
  const apps = (await db
    .selectFrom('apps')
    .select(['id', 'tenant_id', 'secret_hash', 'created_at'])
    .where('secret_hash', 'is not', null)
    .execute()) as { id: string; tenant_id: string; secret_hash: string; created_at: number | string }[];
  for (const a of apps)
    await db
      .insertInto('app_secrets')
      .values({
        tenant_id: a.tenant_id,
        app_id: a.id,
        key_id: keyIdOf(a.secret_hash),
        secret_hash: a.secret_hash,
        display_name: null,
        hint: null,
        start_at: Number(a.created_at),
        end_at: null,
        created_at: Number(a.created_at),
        removed_at: null,
      })
      .execute();
  await db.schema.alterTable('apps').dropColumn('secret_hash').execute();
}
