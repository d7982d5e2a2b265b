import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { ErrorCode } from '../core/errors.ts';
import type { CollectionQuery } from '../core/odata.ts';
import type { Db } from './db.ts';
import type { AppsTable } from './schema.ts';
import { type Cursor, decodeSkiptoken, encodeSkiptoken, queryFingerprint } from './skiptoken.ts';

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

/** One page of the tenant's apps in id order, after the page its `$skiptoken` (if any) ends. */
export async function queryApps(
  db: Db,
  tenantId: string,
  query: CollectionQuery,
  key: Uint8Array,
): Promise<
  { ok: true; items: App[]; skiptoken?: string } | { ok: false; code: ErrorCode; detail: Record<string, string> }
> {
  const fp = createHash('sha256')
    .update(`apps\n\n${queryFingerprint(tenantId, query)}`)
    .digest('base64url')
    .slice(0, 22);
  let cursor: Cursor | undefined;
  if (query.skiptoken !== undefined) {
    cursor = decodeSkiptoken(query.skiptoken, fp, key);
    if (!cursor) return { ok: false, code: 'GRAPH_SKIPTOKEN_INVALID', detail: { parameter: '$skiptoken' } };
  }
  let q = db.selectFrom('apps').selectAll().where('tenant_id', '=', tenantId);
  if (cursor) q = q.where('id', '>', cursor.id);
  const rows = await q
    .orderBy('id')
    .limit(query.top + 1)
    .execute();
  const more = rows.length > query.top;
  const page = more ? rows.slice(0, query.top) : rows;
  const last = page[page.length - 1];
  return {
    ok: true,
    items: page.map(toApp),
    ...(more && last ? { skiptoken: encodeSkiptoken({ key: null, id: last.id }, fp, key) } : {}),
  };
}

/** Renames the app and/or replaces its redirect URIs; false when it does not exist in the tenant. */
export async function updateApp(
  db: Db,
  tenantId: string,
  id: string,
  p: { displayName?: string; redirectUris?: string[] },
): Promise<boolean> {
  const set: { display_name?: string; redirect_uris?: string } = {};
  if (p.displayName !== undefined) set.display_name = p.displayName;
  if (p.redirectUris !== undefined) set.redirect_uris = JSON.stringify(p.redirectUris);
  if (Object.keys(set).length === 0) return true;
  const r = await db
    .updateTable('apps')
    .set(set)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Replaces (or, with null, removes) the app's one client secret HMAC. */
export async function setAppSecret(db: Db, tenantId: string, id: string, secretHash: string | null): Promise<boolean> {
  const r = await db
    .updateTable('apps')
    .set({ secret_hash: secretHash })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteApp(db: Db, tenantId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('apps').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
