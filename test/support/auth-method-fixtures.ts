// Fixtures for the authentication-method routes of the Graph authorization walk: a fresh user of the tenant
// with one passkey (stored directly: the walk tests authorization, not the ceremony) and one pass.
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../../src/flows/context.ts';
import { createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { insertPasskey } from '../../src/store/passkeys.ts';
import { findTapOfUser } from '../../src/store/taps.ts';
import type { Tenant } from '../../src/store/tenants.ts';

export async function userWithMethods(ctx: Ctx, tenant: Tenant) {
  const user = await createUser(ctx, tenant, {
    userPrincipalName: `m-${randomBytes(4).toString('hex')}@${tenant.slug}.com`,
  });
  const passkeyId = await addPasskey(ctx, tenant, user.id);
  const tap = await issueTap(ctx, tenant, user, { actor: { type: 'system', id: null } });
  return { user, passkeyId, tapId: tap.id };
}

/** A route's fixture: the user (`user`), one of their methods (`passkey`, `tap`), or a pass to create. */
export async function methodFixture(
  ctx: Ctx,
  tenant: Tenant,
  kind: 'user' | 'passkey' | 'tap' | 'create',
): Promise<{ values: Record<string, string>; body?: unknown }> {
  const { user, passkeyId, tapId } = await userWithMethods(ctx, tenant);
  if (kind === 'passkey') return { values: { id: user.id, methodId: passkeyId } };
  if (kind === 'tap') return { values: { id: user.id, methodId: tapId } };
  if (kind === 'create') return { values: { id: user.id }, body: { lifetimeInMinutes: 60, isUsableOnce: true } };
  return { values: { id: user.id } };
}

/** For a walk over an existing user: a new passkey of theirs, and their current pass, by route segment. */
export async function methodIdsOf(ctx: Ctx, tenant: Tenant, userId: string): Promise<Record<string, string>> {
  const fido2Methods = await addPasskey(ctx, tenant, userId);
  const tap = await findTapOfUser(ctx.db, tenant.id, userId);
  return { fido2Methods, ...(tap ? { temporaryAccessPassMethods: tap.id } : {}) };
}

/** A passkey stored directly (the walks test authorization, not the ceremony). */
export async function addPasskey(ctx: Ctx, tenant: Tenant, userId: string): Promise<string> {
  const passkeyId = ctx.newId();
  await insertPasskey(ctx.db, {
    id: passkeyId,
    tenantId: tenant.id,
    userId,
    credentialId: randomBytes(16).toString('base64url'),
    publicKey: randomBytes(32).toString('base64url'),
    alg: -7,
    counter: 0,
    aaguid: '00000000-0000-0000-0000-000000000000',
    transports: ['internal'],
    backupEligible: false,
    backupState: false,
    attestationFormat: 'none',
    attestationTrust: 'none',
    displayName: 'Walk key',
    createdAt: ctx.now(),
    lastUsedAt: null,
    cloneSuspectedAt: null,
  });
  return passkeyId;
}
