// Fixtures for the report routes of the Graph authorization walks, and users with chosen methods for the report
// tests: passkeys stored directly (the reports test what is counted, not the ceremony).
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../../src/flows/context.ts';
import { createUser } from '../../src/flows/directory.ts';
import { insertPasskey } from '../../src/store/passkeys.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { assignRole } from '../../src/store/users.ts';

export type PasskeyKind = 'platform' | 'synced' | 'securityKey';

const TRANSPORTS: Record<PasskeyKind, string[]> = {
  platform: ['internal'],
  synced: ['internal', 'hybrid'],
  securityKey: ['usb', 'nfc'],
};

/** A passkey of the given kind for the user, stored directly. */
export async function addReportPasskey(ctx: Ctx, tenant: Tenant, userId: string, kind: PasskeyKind): Promise<string> {
  const id = ctx.newId();
  await insertPasskey(ctx.db, {
    id,
    tenantId: tenant.id,
    userId,
    credentialId: randomBytes(16).toString('base64url'),
    publicKey: randomBytes(32).toString('base64url'),
    alg: -7,
    counter: 0,
    aaguid: '00000000-0000-0000-0000-000000000000',
    transports: TRANSPORTS[kind],
    backupEligible: kind === 'synced',
    backupState: kind === 'synced',
    attestationFormat: 'none',
    attestationTrust: 'none',
    displayName: `${kind} key`,
    createdAt: ctx.now(),
    lastUsedAt: null,
    cloneSuspectedAt: null,
  });
  return id;
}

/** A fresh user of the tenant, with the passkeys asked for. */
export async function reportUser(
  ctx: Ctx,
  tenant: Tenant,
  name: string,
  passkeys: readonly PasskeyKind[] = [],
  opts: { roles?: string[] } = {},
) {
  const user = await createUser(ctx, tenant, {
    userPrincipalName: `${name}@${tenant.slug}.com`,
    displayName: name,
  });
  // Role names straight into the store: every Entra role, not only those `user create --role` offers.
  for (const r of opts.roles ?? []) await assignRole(ctx.db, tenant.id, user.id, r);
  for (const kind of passkeys) await addReportPasskey(ctx, tenant, user.id, kind);
  return user;
}

/** The walk's fixture of `userRegistrationDetails/{id}`: a fresh user with a device-bound passkey. */
export async function registrationDetailsFixture(ctx: Ctx, tenant: Tenant) {
  const user = await reportUser(ctx, tenant, `r-${randomBytes(4).toString('hex')}`, ['platform']);
  return { values: { id: user.id } };
}
