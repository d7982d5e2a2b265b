import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { AppsTable } from './schema.ts';

export interface App {
  id: string;
  tenantId: string;
  displayName: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  publicClient: boolean;
  /** HMAC-SHA-256 of the client secret under the instance secret; null for public clients. */
  secretHash: string | null;
  createdAt: number;
}

type Row = Selectable<AppsTable>;
const toApp = (r: Row): App => ({
  id: r.id,
  tenantId: r.tenant_id,
  displayName: r.display_name,
  redirectUris: JSON.parse(r.redirect_uris) as string[],
  postLogoutRedirectUris: JSON.parse(r.post_logout_redirect_uris) as string[],
  publicClient: r.public_client === 1,
  secretHash: r.secret_hash,
  createdAt: r.created_at,
});

export async function insertApp(db: Db, a: App): Promise<void> {
  await db
    .insertInto('apps')
    .values({
      id: a.id,
      tenant_id: a.tenantId,
      display_name: a.displayName,
      redirect_uris: JSON.stringify(a.redirectUris),
      post_logout_redirect_uris: JSON.stringify(a.postLogoutRedirectUris),
      public_client: a.publicClient ? 1 : 0,
      secret_hash: a.secretHash,
      created_at: a.createdAt,
    })
    .execute();
}

export async function findApp(db: Db, tenantId: string, id: string): Promise<App | undefined> {
  const r = await db
    .selectFrom('apps')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r && toApp(r);
}
