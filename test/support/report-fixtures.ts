// Fixtures for the report and password-method routes of the Graph authorization walks, and users with chosen
// methods for the report tests: passkeys and passwords stored directly (these test what is counted and who may
// read it, not the ceremony or the password rules).
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../../src/flows/context.ts';
import { createUser } from '../../src/flows/directory.ts';
import { PASSWORD_METHOD_ID } from '../../src/http/graph/password-methods.ts';
import { insertPasskey } from '../../src/store/passkeys.ts';
import { hashPassword, savePasswordCredential } from '../../src/store/password-credentials.ts';
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

// The walks need a password, not a fresh hash per fixture: one scrypt hash per process, shared.
let walkHash: Promise<string> | undefined;

/** Gives the user a password (stored as the flow stores it: a scrypt hash, never the text). */
export async function setPassword(ctx: Ctx, tenant: Tenant, userId: string): Promise<void> {
  walkHash ??= hashPassword('Walk-Passw0rd', randomBytes(16));
  await savePasswordCredential(ctx.db, {
    tenantId: tenant.id,
    userId,
    hash: await walkHash,
    forceChangeNextSignIn: false,
    forceChangeWithMfa: false,
    createdAt: ctx.now(),
  });
}

/** The walk's fixture of the passwordMethods routes: a fresh user with a password (and its method id). */
export async function passwordMethodFixture(ctx: Ctx, tenant: Tenant, withMethodId: boolean) {
  const user = await reportUser(ctx, tenant, `p-${randomBytes(4).toString('hex')}`);
  await setPassword(ctx, tenant, user.id);
  return { values: { id: user.id, ...(withMethodId ? { methodId: PASSWORD_METHOD_ID } : {}) } };
}

/** For a walk over an existing user: gives them a password, and the method id by route segment. */
export async function passwordMethodIdsOf(ctx: Ctx, tenant: Tenant, userId: string) {
  await setPassword(ctx, tenant, userId);
  return { passwordMethods: PASSWORD_METHOD_ID };
}
