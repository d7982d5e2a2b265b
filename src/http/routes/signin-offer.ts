// Which ways to sign in the sign-in page offers (tenant methods, the app's policies and acr), and no downgrade.
import type { FastifyRequest } from 'fastify';
import { appRequestOf } from '../../core/authorization-request.ts';
import { SignetError } from '../../core/errors.ts';
import { strengthOfAcr } from '../../core/interaction-decision.ts';
import { signInOfferFor } from '../../core/sign-in-offer.ts';
import { caSnapshotOf } from '../../flows/conditional-access.ts';
import type { Ctx } from '../../flows/context.ts';
import { type ClientInfo, recordSignIn } from '../../flows/record-sign-in.ts';
import { strengthsOf } from '../../flows/strengths.ts';
import { methodPoliciesOf } from '../../store/policy-cache.ts';
import type { Tenant } from '../../store/tenants.ts';
import { findUserByName } from '../../store/users.ts';

/** The app's request behind a sign-in page (its client id and OIDC parameters), when there is one. */
export type AppAsk = { clientId: string | undefined; params: Record<string, unknown> };

/**
 * The password and pass forms are offered only while the tenant's Password and TemporaryAccessPass methods are
 * on: tenant-wide, so the page says nothing of any one account (targets are judged only after the secret).
 */
export async function formsShown(ctx: Ctx, tenant: Tenant, app?: AppAsk) {
  const { methods } = await methodPoliciesOf(ctx, tenant.id);
  // For an app whose policies require of every user what a password or pass can never give, or that asks for such
  // a strength itself (acr_values=phr), neither is offered.
  const offer = app?.clientId
    ? await offerFor(ctx, tenant, { ...app, clientId: app.clientId })
    : { password: true, temporaryAccessPass: true };
  return {
    passwordEnabled: methods.Password.state === 'enabled' && offer.password,
    tapEnabled: methods.TemporaryAccessPass.state === 'enabled' && offer.temporaryAccessPass,
  };
}

/** What the sign-in page may offer for an app's request (core/sign-in-offer.ts). */
async function offerFor(ctx: Ctx, tenant: Tenant, app: AppAsk & { clientId: string }) {
  const strengths = await strengthsOf(ctx, tenant.id);
  const asked = appRequestOf({ params: app.params, startedAt: undefined, promptLogin: false, now: ctx.now() })
    .acrValues.map((v) => strengthOfAcr(v, strengths))
    .filter((s) => s !== undefined);
  return signInOfferFor((await caSnapshotOf(ctx, tenant.id)).policies, app.clientId, strengths, asked);
}

/**
 * No downgrade: a password or pass posted for an app whose policies require of every user what neither can give,
 * or that asks for such a strength itself (the page did not offer it), is refused before it is checked or
 * counted, and logged (`client`: who is signing in from where, read only then).
 */
export async function refuseMethodTheAppForbids(
  ctx: Ctx,
  req: FastifyRequest,
  tenant: Tenant,
  app: AppAsk | undefined,
  method: 'password' | 'temporaryAccessPass',
  username: string,
  client: (req: FastifyRequest, tenant: Tenant) => ClientInfo,
) {
  const appId = app?.clientId;
  if (!appId) return;
  const offer = await offerFor(ctx, tenant, { ...app, clientId: appId });
  if (method === 'password' ? offer.password : offer.temporaryAccessPass) return;
  const user = await findUserByName(ctx.db, tenant.id, username);
  await recordSignIn(ctx, ctx.db, {
    tenantId: tenant.id,
    method,
    userId: user?.id ?? null,
    userPrincipalName: user?.userPrincipalName ?? username.slice(0, 256),
    errorCode: 'CA_METHOD_NOT_ACCEPTED',
    client: { ...client(req, tenant), appId },
  });
  throw new SignetError('CA_METHOD_NOT_ACCEPTED', {
    method: method === 'password' ? 'a password' : 'a Temporary Access Pass',
  });
}
