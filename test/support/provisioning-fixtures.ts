// Passkey registration through Graph (admin provisioning and /me): request bodies as a browser page builds them
// from a real software-authenticator answer, and the walk fixtures of those routes.
import { randomBytes } from 'node:crypto';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { Principal } from '../../src/core/authorization.ts';
import type { Ctx } from '../../src/flows/context.ts';
import { createUser } from '../../src/flows/directory.ts';
import { beginGraphRegistration } from '../../src/flows/provision-passkey.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { addPasskey } from './auth-method-fixtures.ts';
import { type RegisterContext, SoftAuthenticator } from './soft-authenticator.ts';

/** What a page does with Graph's creationOptions: the authenticator's answer, as POST …/fido2Methods takes it. */
export async function fido2MethodBody(
  publicKey: unknown,
  origin: string,
  opts: { authenticator?: SoftAuthenticator; displayName?: string } & Omit<RegisterContext, 'origin'> = {},
) {
  const { authenticator, displayName, ...ctx } = opts;
  const r = await (authenticator ?? new SoftAuthenticator()).register(
    publicKey as PublicKeyCredentialCreationOptionsJSON,
    { origin, ...ctx },
  );
  return {
    '@odata.type': '#microsoft.graph.fido2AuthenticationMethod',
    ...(displayName === undefined ? {} : { displayName }),
    publicKeyCredential: {
      '@odata.type': '#microsoft.graph.webauthnPublicKeyCredential',
      id: r.id,
      response: {
        '@odata.type': '#microsoft.graph.webauthnAuthenticatorAttestationResponse',
        clientDataJSON: r.response.clientDataJSON,
        attestationObject: r.response.attestationObject,
      },
      clientExtensionResults: { '@odata.type': '#microsoft.graph.webauthnAuthenticationExtensionsClientOutputs' },
    },
  };
}

/** An app of the walk, as the issuer of a fixture's challenge (challenges are bound to user and path, not caller). */
const walkApp = (tenant: Tenant): Principal => ({ kind: 'application', tenantId: tenant.id, appId: 'walk', roles: [] });

/**
 * The provisioning routes' walk fixtures: a fresh user of the tenant (`options`), with the beta timeout
 * (`timeout`), or options issued for them and answered on Signet's origin (`create`).
 */
export async function provisioningFixture(
  ctx: Ctx,
  tenant: Tenant,
  kind: 'options' | 'timeout' | 'create',
): Promise<{ values: Record<string, string>; body?: unknown }> {
  const user = await createUser(ctx, tenant, {
    userPrincipalName: `p-${randomBytes(4).toString('hex')}@${tenant.slug}.com`,
  });
  if (kind === 'options') return { values: { id: user.id } };
  // Leading zeros: a value no request id or date in an answer can contain by chance.
  if (kind === 'timeout') return { values: { id: user.id, minutes: '0000000060' } };
  const begun = await beginGraphRegistration(ctx, tenant, { kind: 'admin', by: walkApp(tenant), userKey: user.id }, 5);
  return { values: { id: user.id }, body: await fido2MethodBody(begun.options, ctx.config.origin) };
}

/**
 * The /me routes' fixtures for the application walk (an app's token is refused before anything is looked up): a
 * passkey id and a body of the right shape.
 */
export async function meFixture(
  ctx: Ctx,
  tenant: Tenant,
  kind: 'plain' | 'passkey' | 'rename' | 'create',
): Promise<{ values: Record<string, string>; body?: unknown }> {
  if (kind === 'plain') return { values: {} };
  if (kind === 'create') return { values: {}, body: { displayName: 'Refused before it is read' } };
  const user = await createUser(ctx, tenant, {
    userPrincipalName: `me-${randomBytes(4).toString('hex')}@${tenant.slug}.com`,
  });
  const methodId = await addPasskey(ctx, tenant, user.id);
  return { values: { methodId }, ...(kind === 'rename' ? { body: { displayName: 'Renamed' } } : {}) };
}

/** For the delegated walk: a passkey of each of these users, so /me/…/{id} names the caller's own. */
export async function ownPasskeyIds(ctx: Ctx, tenant: Tenant, userIds: readonly string[]) {
  const ids = new Map<string, string>();
  for (const id of userIds) ids.set(id, await addPasskey(ctx, tenant, id));
  return ids;
}
