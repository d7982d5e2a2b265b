// A signed-in user's own passkeys: list, rename, delete (the account page and /me API).
import type { Principal } from '../core/authorization.ts';
import { SignetError } from '../core/errors.ts';
import { passkeyTypeOf } from '../core/passkey-profile.ts';
import { mayChangeUser } from '../core/privileged-target.ts';
import { isStrongAuthFresh, STRONG_AUTH_FRESHNESS_MS } from '../core/registration-gate.ts';
import { insertAudit } from '../store/logs.ts';
import { revokeOidcForAccount } from '../store/oidc-payloads.ts';
import { deletePasskey, listPasskeys, type Passkey, renamePasskey } from '../store/passkeys.ts';
import { roleNamesOf } from '../store/role-assignments.ts';
import { revokeOtherSessions, type Session } from '../store/sessions.ts';
import type { Tenant } from '../store/tenants.ts';
import type { Ctx } from './context.ts';
import { cleanName } from './register-passkey.ts';
import { actorOf, findUserByKey } from './users.ts';

export interface PasskeyView {
  id: string;
  displayName: string;
  model: string | null;
  aaGuid: string;
  passkeyType: 'deviceBound' | 'synced';
  attestationLevel: 'attested' | 'notAttested';
  createdDateTime: string;
  lastUsedDateTime: string | null;
  /** Signet's own: a counter went backwards with a genuine signature; the passkey no longer signs in. */
  suspectedClone: boolean;
}

export function viewPasskey(ctx: Ctx, p: Passkey): PasskeyView {
  return {
    id: p.id,
    displayName: p.displayName,
    model: ctx.metadata.nameOf(p.aaguid) ?? null,
    aaGuid: p.aaguid,
    passkeyType: passkeyTypeOf(p),
    attestationLevel: p.attestationTrust === 'verified' ? 'attested' : 'notAttested',
    createdDateTime: new Date(p.createdAt).toISOString(),
    lastUsedDateTime: p.lastUsedAt === null ? null : new Date(p.lastUsedAt).toISOString(),
    suspectedClone: p.cloneSuspectedAt !== null,
  };
}

export async function listOwnPasskeys(ctx: Ctx, tenant: Tenant, userId: string): Promise<PasskeyView[]> {
  return (await listPasskeys(ctx.db, tenant.id, userId)).map((p) => viewPasskey(ctx, p));
}

export async function renameOwnPasskey(
  ctx: Ctx,
  tenant: Tenant,
  userId: string,
  id: string,
  name: string,
): Promise<void> {
  const clean = cleanName(name)!;
  if (!(await renamePasskey(ctx.db, tenant.id, userId, id, clean))) throw new SignetError('PASSKEY_NOT_FOUND');
  await audit(ctx, tenant, userId, 'Rename passkey', id, { displayName: clean });
}

/**
 * Deleting a passkey signs the user out of every other session: one of them may have been opened with the
 * passkey being removed (a lost or stolen device).
 */
export async function deleteOwnPasskey(ctx: Ctx, tenant: Tenant, session: Session, id: string): Promise<void> {
  // Removing a passkey needs the same fresh strong sign-in as adding one: a stolen session cannot lock the owner out.
  if (!isStrongAuthFresh(session.strongAuthAt, ctx.now()))
    throw new SignetError('PASSKEY_STRONG_AUTH_REQUIRED', { maxAgeSeconds: String(STRONG_AUTH_FRESHNESS_MS / 1000) });
  if (!(await deletePasskey(ctx.db, tenant.id, session.userId, id))) throw new SignetError('PASSKEY_NOT_FOUND');
  const revoked = await revokeOtherSessions(ctx.db, tenant.id, session.userId, session.id, ctx.now());
  // The apps' refresh tokens and grants go too: one may have been obtained with the passkey being removed.
  const oidc = await revokeOidcForAccount(ctx.db, tenant.id, session.userId);
  await audit(ctx, tenant, session.userId, 'Delete passkey', id, {
    otherSessionsRevoked: String(revoked),
    appTokensRevoked: String(oidc),
  });
}

/**
 * An administrator (or an app) deletes a user's passkey (DELETE /users/{id}/authentication/fido2Methods/{id}):
 * in one transaction, the passkey, every session of the user and the apps' refresh tokens and grants, audited
 * with the administrator as actor. A privileged user's passkeys only a Global Administrator or a Privileged
 * Authentication Administrator may delete.
 */
export async function deleteUserPasskey(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  userKey: string,
  id: string,
): Promise<void> {
  const now = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    const user = await findUserByKey(trx, tenant.id, userKey);
    if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
    const allowed = mayChangeUser(by, await roleNamesOf(trx, tenant.id, user.id));
    if (!allowed.ok) throw new SignetError(allowed.code, allowed.detail);
    if (!(await deletePasskey(trx, tenant.id, user.id, id)))
      throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'fido2AuthenticationMethod' });
    const revoked = await revokeOtherSessions(trx, tenant.id, user.id, '', now);
    const oidc = await revokeOidcForAccount(trx, tenant.id, user.id);
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: now,
      ...actorOf(by),
      activity: 'Delete passkey',
      targetType: 'passkey',
      targetId: id,
      detail: { userId: user.id, sessionsRevoked: String(revoked), appTokensRevoked: String(oidc) },
    });
  });
}

async function audit(
  ctx: Ctx,
  tenant: Tenant,
  userId: string,
  activity: string,
  id: string,
  detail: Record<string, string>,
) {
  await insertAudit(ctx.db, {
    id: ctx.newId(),
    tenantId: tenant.id,
    createdAt: ctx.now(),
    actorType: 'user',
    actorId: userId,
    activity,
    targetType: 'passkey',
    targetId: id,
    detail,
  });
}
