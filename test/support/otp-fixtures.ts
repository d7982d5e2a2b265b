// Fixtures for the one-time code methods: an authenticator app and an email method stored directly (the Graph walks
// test authorization, not the set-up), and the method configurations turned on for a tenant.
import { randomBytes } from 'node:crypto';
import { EMAIL_METHOD_ID } from '../../src/core/graph-otp-methods.ts';
import { TOTP_SECRET_BYTES } from '../../src/core/totp.ts';
import type { Ctx } from '../../src/flows/context.ts';
import { createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updateMethodConfiguration } from '../../src/flows/method-policy.ts';
import { sealTotpSecret } from '../../src/flows/totp.ts';
import { confirmTotp, insertEmailMethod, insertPendingTotp } from '../../src/store/otp-methods.ts';
import type { Tenant } from '../../src/store/tenants.ts';

/** A confirmed authenticator app of the user, with its key (to compute codes from). */
export async function addTotp(ctx: Ctx, tenant: Tenant, userId: string, lastStep = 0) {
  const id = ctx.newId();
  const secret = randomBytes(TOTP_SECRET_BYTES);
  await insertPendingTotp(ctx.db, {
    id,
    tenantId: tenant.id,
    userId,
    secretSealed: await sealTotpSecret(ctx.config, id, secret),
    displayName: 'Walk app',
    createdAt: ctx.now(),
  });
  await confirmTotp(ctx.db, tenant.id, id, lastStep, ctx.now());
  return { id, secret };
}

export async function addEmail(ctx: Ctx, tenant: Tenant, userId: string, address?: string) {
  await insertEmailMethod(ctx.db, {
    tenantId: tenant.id,
    userId,
    emailAddress: address ?? `code-${randomBytes(3).toString('hex')}@example.com`,
    createdAt: ctx.now(),
  });
  return EMAIL_METHOD_ID;
}

const enabled = new WeakMap<Tenant, Promise<void>>();
/** The SoftwareOath and Email configurations enabled for all users of the tenant (once per tenant). */
export function enableCodeMethods(ctx: Ctx, tenant: Tenant): Promise<void> {
  let done = enabled.get(tenant);
  if (!done) {
    done = (async () => {
      const op = localOperator(tenant.id);
      await updateMethodConfiguration(ctx, tenant, op, 'SoftwareOath', {
        '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethodConfiguration',
        state: 'enabled',
      });
      await updateMethodConfiguration(ctx, tenant, op, 'Email', {
        '@odata.type': '#microsoft.graph.emailAuthenticationMethodConfiguration',
        state: 'enabled',
      });
    })();
    enabled.set(tenant, done);
  }
  return done;
}

/** A route's fixture for the Graph authorization walk: a fresh user of the tenant with what the route needs. */
export async function otpMethodFixture(
  ctx: Ctx,
  tenant: Tenant,
  kind: 'user' | 'totp' | 'email' | 'emailCreate' | 'emailPatch',
): Promise<{ values: Record<string, string>; body?: unknown }> {
  await enableCodeMethods(ctx, tenant);
  const user = await createUser(ctx, tenant, {
    userPrincipalName: `otp-${randomBytes(4).toString('hex')}@${tenant.slug}.com`,
  });
  if (kind === 'totp') return { values: { id: user.id, methodId: (await addTotp(ctx, tenant, user.id)).id } };
  if (kind === 'emailCreate') return { values: { id: user.id }, body: { emailAddress: 'new@example.com' } };
  if (kind === 'email' || kind === 'emailPatch') {
    const methodId = await addEmail(ctx, tenant, user.id);
    return {
      values: { id: user.id, methodId },
      ...(kind === 'emailPatch' ? { body: { emailAddress: 'changed@example.com' } } : {}),
    };
  }
  await addTotp(ctx, tenant, user.id);
  await addEmail(ctx, tenant, user.id);
  return { values: { id: user.id } };
}

/** For the delegated walk over an existing user: an authenticator app and an email method, by route segment. */
export async function otpMethodIdsOf(ctx: Ctx, tenant: Tenant, userId: string): Promise<Record<string, string>> {
  return {
    softwareOathMethods: (await addTotp(ctx, tenant, userId)).id,
    emailMethods: await addEmail(ctx, tenant, userId),
  };
}

/** For the delegated walk: an authenticator app of each of these users, so /me/…/{id} names the caller's own. */
export async function ownTotpIds(ctx: Ctx, tenant: Tenant, userIds: readonly string[]) {
  const ids = new Map<string, string>();
  for (const id of userIds) ids.set(id, (await addTotp(ctx, tenant, id)).id);
  return ids;
}
