import type { Db } from './db.ts';

// Storage for oidc-provider's artifacts (sessions, interactions, codes, tokens, grants), per tenant.

export interface OidcPayloadRow {
  payload: Record<string, unknown>;
  consumedAt: number | null;
}

export async function upsertOidcPayload(
  db: Db,
  key: { tenantId: string; model: string; id: string },
  v: {
    payload: Record<string, unknown>;
    grantId?: string;
    userCode?: string;
    uid?: string;
    accountId?: string;
    expiresAt: number | null;
  },
): Promise<void> {
  const values = {
    payload: JSON.stringify(v.payload),
    grant_id: v.grantId ?? null,
    user_code: v.userCode ?? null,
    uid: v.uid ?? null,
    account_id: v.accountId ?? null,
    expires_at: v.expiresAt,
  };
  await db
    .insertInto('oidc_payloads')
    .values({ tenant_id: key.tenantId, model: key.model, id: key.id, consumed_at: null, ...values })
    .onConflict((oc) => oc.columns(['tenant_id', 'model', 'id']).doUpdateSet(values))
    .execute();
}

export async function findOidcPayload(
  db: Db,
  tenantId: string,
  model: string,
  by: { id?: string; uid?: string; userCode?: string },
  now: number,
): Promise<OidcPayloadRow | undefined> {
  let q = db
    .selectFrom('oidc_payloads')
    .select(['payload', 'consumed_at', 'expires_at'])
    .where('tenant_id', '=', tenantId)
    .where('model', '=', model);
  if (by.id !== undefined) q = q.where('id', '=', by.id);
  if (by.uid !== undefined) q = q.where('uid', '=', by.uid);
  if (by.userCode !== undefined) q = q.where('user_code', '=', by.userCode);
  const r = await q.executeTakeFirst();
  if (!r || (r.expires_at !== null && r.expires_at <= now)) return undefined;
  return { payload: JSON.parse(r.payload) as Record<string, unknown>, consumedAt: r.consumed_at };
}

/** One conditional write: false when the artifact was already consumed (a racing redemption won). */
export async function consumeOidcPayload(
  db: Db,
  tenantId: string,
  model: string,
  id: string,
  at: number,
): Promise<boolean> {
  const r = await db
    .updateTable('oidc_payloads')
    .set({ consumed_at: at })
    .where('tenant_id', '=', tenantId)
    .where('model', '=', model)
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function destroyOidcPayload(db: Db, tenantId: string, model: string, id: string): Promise<void> {
  await db
    .deleteFrom('oidc_payloads')
    .where('tenant_id', '=', tenantId)
    .where('model', '=', model)
    .where('id', '=', id)
    .execute();
}

export async function revokeOidcGrant(db: Db, tenantId: string, grantId: string): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('tenant_id', '=', tenantId).where('grant_id', '=', grantId).execute();
}

/** Every session, grant, code and token of one user in a tenant: their apps must sign them in again. */
export async function revokeOidcForAccount(db: Db, tenantId: string, accountId: string): Promise<number> {
  const r = await db
    .deleteFrom('oidc_payloads')
    .where('tenant_id', '=', tenantId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function purgeOidcPayloads(db: Db, before: number): Promise<number> {
  const r = await db.deleteFrom('oidc_payloads').where('expires_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
