import { createHash } from 'node:crypto';
import type { Db } from './db.ts';

// Storage for oidc-provider's artifacts (sessions, interactions, codes, tokens, grants), per tenant.
//
// Codes, tokens, session cookies and interaction ids are bearer secrets, and oidc-provider keeps each one as its
// artifact's id (`jti`), which it also repeats inside payloads (an interaction's `returnTo` URL carries its id,
// and an interaction names the session cookie it began under). The database keeps none of them: the row id is
// the value's SHA-256, the payload is sealed without the value, and the value comes back from the id the caller
// presented. A copy of the database or of a backup holds nothing that Signet would accept.

/** Rows are keyed by the SHA-256 of the artifact's value (high-entropy random, so no key is needed). */
export function oidcRowId(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * Where the artifact's own value stood in the payload. A raw control character: JSON.stringify escapes every
 * one inside strings, so no value a client sends can look like it, and it can only be where sealing put it.
 */
const VALUE = '\u0001';

/** The payload as stored: without its own value (`jti` and every other place it occurs) or a session cookie. */
export function sealOidcPayload(id: string, payload: Record<string, unknown>): string {
  const { jti: _jti, userCode: _userCode, ...rest } = payload;
  const session = rest.session as Record<string, unknown> | undefined;
  // An interaction records the provider's session cookie (`session.cookie`); oidc-provider never reads it back.
  if (session && typeof session === 'object' && 'cookie' in session) {
    const { cookie: _cookie, ...kept } = session;
    rest.session = kept;
  }
  return JSON.stringify(rest).replaceAll(id, VALUE);
}

/** The payload with its value restored from the id the caller presented; without it when found by another key. */
export function unsealOidcPayload(text: string, id?: string): Record<string, unknown> {
  const payload = JSON.parse(text.replaceAll(VALUE, id ?? '')) as Record<string, unknown>;
  if (id !== undefined) payload.jti = id;
  return payload;
}

export interface OidcPayloadRow {
  payload: string;
  consumedAt: number | null;
}

export async function upsertOidcPayload(
  db: Db,
  key: { tenantId: string; model: string; id: string },
  v: {
    payload: string;
    grantId?: string;
    userCode?: string;
    uid?: string;
    accountId?: string;
    expiresAt: number | null;
  },
): Promise<void> {
  const values = {
    payload: v.payload,
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
  return { payload: r.payload, consumedAt: r.consumed_at };
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

/**
 * The artifacts of the given models issued under a grant. Never every model: an interaction started later in
 * the same browser also carries the grant id, and it belongs to whoever is signing in now.
 */
export async function revokeOidcGrant(
  db: Db,
  tenantId: string,
  grantId: string,
  models: readonly string[],
): Promise<void> {
  if (models.length === 0) return;
  await db
    .deleteFrom('oidc_payloads')
    .where('tenant_id', '=', tenantId)
    .where('grant_id', '=', grantId)
    .where('model', 'in', [...models])
    .execute();
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

/** The provider sessions (oidc-provider's `Session`) of one user, with the Signet session each was confirmed by. */
export async function listOidcSessionsOfAccount(
  db: Db,
  tenantId: string,
  accountId: string,
): Promise<Array<{ id: string; signetSession?: string; authorizations?: Record<string, { sid?: string }> }>> {
  const rows = await db
    .selectFrom('oidc_payloads')
    .select(['id', 'payload'])
    .where('tenant_id', '=', tenantId)
    .where('model', '=', 'Session')
    .where('account_id', '=', accountId)
    .execute();
  return rows.map((r) => {
    const payload = unsealOidcPayload(r.payload);
    const signetSession = payload.signetSession;
    // The apps signed in through the session, each with its session id (sid) for back-channel logout.
    const authorizations = payload.authorizations as Record<string, { sid?: string }> | undefined;
    return {
      id: r.id,
      ...(typeof signetSession === 'string' ? { signetSession } : {}),
      ...(authorizations && typeof authorizations === 'object' ? { authorizations } : {}),
    };
  });
}

/** Ends provider sessions by row id: the codes and tokens bound to them (`expiresWithSession`) stop working. */
export async function destroyOidcSessions(db: Db, tenantId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .deleteFrom('oidc_payloads')
    .where('tenant_id', '=', tenantId)
    .where('model', '=', 'Session')
    .where('id', 'in', [...ids])
    .execute();
}

export async function purgeOidcPayloads(db: Db, before: number): Promise<number> {
  const r = await db.deleteFrom('oidc_payloads').where('expires_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
