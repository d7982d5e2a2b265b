import { createHash } from 'node:crypto';
import { type Selectable, sql } from 'kysely';
import type { AppSecretFacts } from '../core/app-secret.ts';
import type { ErrorCode } from '../core/errors.ts';
import { secretKeyId } from '../core/graph-application.ts';
import type { CollectionQuery } from '../core/odata.ts';
import type { Db } from './db.ts';
import type { AppSecretsTable, AppsTable } from './schema.ts';
import { type Cursor, decodeSkiptoken, keysetPage, queryFingerprint } from './skiptoken.ts';

export interface App {
  id: string;
  tenantId: string;
  displayName: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  publicClient: boolean;
  /**
   * Written only: the HMAC-SHA-256 (under the instance secret) of the secret the app is created with, which
   * insertApp stores as its first secret (no end, keyId from secretKeyId). Reads leave it out: an app's secrets
   * are rows of their own (listAppSecrets).
   */
  secretHash?: string | null;
  createdAt: number;
  /** Granted application permissions (Graph names), carried as `roles` in client-credentials tokens. */
  permissions: string[];
  /** Where a logout token is posted when the user's session with the app ends (OIDC Back-Channel Logout). */
  backchannelLogoutUri?: string;
}

type Row = Selectable<AppsTable>;
const toApp = (r: Row): App => ({
  id: r.id,
  tenantId: r.tenant_id,
  displayName: r.display_name,
  redirectUris: JSON.parse(r.redirect_uris) as string[],
  postLogoutRedirectUris: JSON.parse(r.post_logout_redirect_uris) as string[],
  publicClient: r.public_client === 1,
  createdAt: r.created_at,
  permissions: JSON.parse(r.permissions) as string[],
  ...(r.backchannel_logout_uri ? { backchannelLogoutUri: r.backchannel_logout_uri } : {}),
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
      created_at: a.createdAt,
      permissions: JSON.stringify(a.permissions),
      backchannel_logout_uri: a.backchannelLogoutUri ?? null,
    })
    .execute();
  if (a.secretHash)
    await insertAppSecret(db, a.tenantId, a.id, {
      keyId: secretKeyId(a.secretHash),
      secretHash: a.secretHash,
      displayName: null,
      hint: null,
      startAt: a.createdAt,
      endAt: null,
      removedAt: null,
      createdAt: a.createdAt,
    });
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
  const page = keysetPage(rows, query.top, (last) => ({ key: null, id: last.id }), fp, key);
  return {
    ok: true,
    items: page.rows.map(toApp),
    ...(page.skiptoken ? { skiptoken: page.skiptoken } : {}),
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

/** A client secret as stored: its HMAC under the instance secret, never its text. */
export interface AppSecret extends AppSecretFacts {
  secretHash: string;
  createdAt: number;
}

type SecretRow = Selectable<AppSecretsTable>;
const toSecret = (r: SecretRow): AppSecret => ({
  keyId: r.key_id,
  secretHash: r.secret_hash,
  displayName: r.display_name,
  hint: r.hint,
  startAt: Number(r.start_at),
  endAt: r.end_at === null ? null : Number(r.end_at),
  removedAt: r.removed_at === null ? null : Number(r.removed_at),
  createdAt: Number(r.created_at),
});

export async function insertAppSecret(db: Db, tenantId: string, appId: string, s: AppSecret): Promise<void> {
  await db
    .insertInto('app_secrets')
    .values({
      tenant_id: tenantId,
      app_id: appId,
      key_id: s.keyId,
      secret_hash: s.secretHash,
      display_name: s.displayName,
      hint: s.hint,
      start_at: s.startAt,
      end_at: s.endAt,
      created_at: s.createdAt,
      removed_at: s.removedAt,
    })
    .execute();
}

/** The app's secrets, removed ones included (they tell "removed" from "wrong" at the token endpoint), oldest first. */
export async function listAppSecrets(db: Db, tenantId: string, appId: string): Promise<AppSecret[]> {
  const rows = await db
    .selectFrom('app_secrets')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('app_id', '=', appId)
    .orderBy('created_at')
    .orderBy('key_id')
    .execute();
  return rows.map(toSecret);
}

/** The secrets of several apps of the tenant (one page of a list), by app id. */
export async function listSecretsOfApps(db: Db, tenantId: string, appIds: readonly string[]) {
  const out = new Map<string, AppSecret[]>(appIds.map((id) => [id, []]));
  if (appIds.length === 0) return out;
  const rows = await db
    .selectFrom('app_secrets')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('app_id', 'in', [...appIds])
    .orderBy('created_at')
    .orderBy('key_id')
    .execute();
  for (const r of rows) out.get(r.app_id)?.push(toSecret(r));
  return out;
}

/** Marks the secret removed; false when the app has no such secret, or it was already removed. */
export async function removeAppSecret(db: Db, tenantId: string, appId: string, keyId: string, at: number) {
  const r = await db
    .updateTable('app_secrets')
    .set({ removed_at: at })
    .where('tenant_id', '=', tenantId)
    .where('app_id', '=', appId)
    .where('key_id', '=', keyId)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Takes the app row's lock (a no-op update) so that two writes judging the app's secrets (the limit) run one
 * after the other on PostgreSQL; SQLite runs one write transaction at a time. False when the app is absent.
 */
export async function lockApp(db: Db, tenantId: string, id: string): Promise<boolean> {
  const r = await db
    .updateTable('apps')
    .set({ id: sql`id` })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteApp(db: Db, tenantId: string, id: string): Promise<boolean> {
  await db.deleteFrom('app_secrets').where('tenant_id', '=', tenantId).where('app_id', '=', id).execute();
  const r = await db.deleteFrom('apps').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
