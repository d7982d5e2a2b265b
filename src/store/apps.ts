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
  /** Granted application permissions (Graph names), carried as `roles` in client-credentials tokens. */
  permissions: string[];
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
  permissions: JSON.parse(r.permissions) as string[],
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
      permissions: JSON.stringify(a.permissions),
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

/** Replaces the app's granted permissions; false when the app does not exist in the tenant. */
export async function setAppPermissions(db: Db, tenantId: string, id: string, permissions: string[]): Promise<boolean> {
  const r = await db
    .updateTable('apps')
    .set({ permissions: JSON.stringify(permissions) })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
