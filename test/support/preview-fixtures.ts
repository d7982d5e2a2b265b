// Users with chosen passkeys for the impact preview and What If tests, and the fixtures of their routes in the Graph
// authorization walk. Passkeys are stored directly (these tests are about what the policy says of stored facts; the
// property test signs in with real ones).
import { randomBytes } from 'node:crypto';
import type { AttestationTrust } from '../../src/core/passkey-profile.ts';
import type { Ctx } from '../../src/flows/context.ts';
import { createUser } from '../../src/flows/directory.ts';
import { insertPasskey } from '../../src/store/passkeys.ts';
import type { Tenant } from '../../src/store/tenants.ts';

export const FIDO2_TYPE = '#microsoft.graph.fido2AuthenticationMethodConfiguration';
export const YUBIKEY_AAGUID = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
export const PHONE_AAGUID = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';

export interface StoredKey {
  synced?: boolean;
  aaguid?: string;
  trust?: AttestationTrust;
  name?: string;
}

/** A passkey for the user, stored directly; its id. */
export async function storePasskey(ctx: Ctx, tenant: Tenant, userId: string, k: StoredKey = {}): Promise<string> {
  const id = ctx.newId();
  await insertPasskey(ctx.db, {
    id,
    tenantId: tenant.id,
    userId,
    credentialId: randomBytes(16).toString('base64url'),
    publicKey: randomBytes(32).toString('base64url'),
    alg: -7,
    counter: 0,
    aaguid: k.aaguid ?? (k.synced ? PHONE_AAGUID : YUBIKEY_AAGUID),
    transports: k.synced ? ['internal', 'hybrid'] : ['usb'],
    backupEligible: k.synced ?? false,
    backupState: k.synced ?? false,
    attestationFormat: k.trust && k.trust !== 'none' ? 'packed' : 'none',
    attestationTrust: k.trust ?? 'none',
    displayName: k.name ?? (k.synced ? 'Phone' : 'Security key'),
    createdAt: ctx.now(),
    lastUsedAt: null,
    cloneSuspectedAt: null,
  });
  return id;
}

/** A fresh user of the tenant with these passkeys. */
export async function previewUser(ctx: Ctx, tenant: Tenant, name: string, keys: readonly StoredKey[] = []) {
  const user = await createUser(ctx, tenant, {
    userPrincipalName: `${name}@${tenant.slug}.example`,
    displayName: name,
  });
  const passkeys: string[] = [];
  for (const k of keys) passkeys.push(await storePasskey(ctx, tenant, user.id, k));
  return { user, passkeys };
}

/** A Fido2 PATCH body that admits device-bound passkeys only (the default profile narrowed). */
export function deviceBoundOnlyBody() {
  return {
    '@odata.type': FIDO2_TYPE,
    passkeyProfiles: [
      {
        id: '00000000-0000-0000-0000-000000000001',
        name: 'Default passkey profile',
        passkeyTypes: 'deviceBound',
        attestationEnforcement: 'disabled',
        keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
      },
    ],
  };
}

/**
 * The walk's fixtures: a fresh user of tenant A with a synced passkey, which a device-bound-only body would shut
 * out. The body names no object of A, so another tenant's token previews its own tenant, which must not hold them.
 */
export async function previewImpactFixture(ctx: Ctx, tenant: Tenant) {
  const { user, passkeys } = await previewUser(ctx, tenant, `p-${randomBytes(4).toString('hex')}`, [{ synced: true }]);
  return {
    values: { configId: 'Fido2' },
    body: deviceBoundOnlyBody(),
    everyTenantHas: { notTheirs: [user.id, user.userPrincipalName, passkeys[0]!] },
  };
}

/** A What If for a user of tenant A by userPrincipalName: another tenant's token finds no such user (404). */
export async function evaluateRegistrationFixture(ctx: Ctx, tenant: Tenant) {
  const { user } = await previewUser(ctx, tenant, `w-${randomBytes(4).toString('hex')}`);
  return {
    values: { configId: 'fido2' },
    body: {
      userId: user.id,
      authenticator: { aaGuid: YUBIKEY_AAGUID, passkeyType: 'deviceBound', attestationTrust: 'verified' },
    },
  };
}
