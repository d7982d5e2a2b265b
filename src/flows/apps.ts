// The tenant's apps as the admin API changes them: create, update, delete, and the one client secret
// (addPassword / removePassword). Each write runs in one transaction with its audit row. A secret is stored as
// an HMAC (hashSecret 'client-secret', as the CLI's) and shown only in the addPassword answer; replacing or
// removing it takes effect at once, since the provider reads the app from the store on each client lookup.
import type { Principal } from '../core/authorization.ts';
import { SignetError } from '../core/errors.ts';
import {
  type ApplicationCreate,
  type ApplicationUpdate,
  type PasswordCredential,
  passwordCredentialOf,
} from '../core/graph-application.ts';
import { isoUtc } from '../core/graph-user.ts';
import { type App, deleteApp, findApp, insertApp, setAppSecret, updateApp } from '../store/apps.ts';
import { insertAudit } from '../store/logs.ts';
import type { Tenant } from '../store/tenants.ts';
import { type Ctx, hashSecret } from './context.ts';
import { validateRedirectUri } from './directory.ts';
import { actorOf } from './users.ts';

const appNotFound = () => new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'application' });

/** POST /applications: a web (confidential) app without a secret yet, or a spa (public) one. */
export async function createDirectoryApp(ctx: Ctx, tenant: Tenant, by: Principal, body: ApplicationCreate) {
  const publicClient = body.spa !== undefined;
  const redirectUris = (body.spa ?? body.web)?.redirectUris.map(validateRedirectUri) ?? [];
  const app: App = {
    id: ctx.newId(),
    tenantId: tenant.id,
    displayName: body.displayName,
    redirectUris,
    postLogoutRedirectUris: [],
    publicClient,
    secretHash: null,
    createdAt: ctx.now(),
    permissions: [],
  };
  await ctx.db.transaction().execute(async (trx) => {
    await insertApp(trx, app);
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: app.createdAt,
      ...actorOf(by),
      activity: 'Add application',
      targetType: 'app',
      targetId: app.id,
      detail: { name: app.displayName, publicClient: String(publicClient), redirectUris: redirectUris.join(' ') },
    });
  });
  return app;
}

/** PATCH /applications/{id}: displayName, and the redirect URIs of the app's own kind (web or spa). */
export async function updateDirectoryApp(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  id: string,
  body: ApplicationUpdate,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const app = await findApp(trx, tenant.id, id);
    if (!app) throw appNotFound();
    const given = app.publicClient ? body.spa : body.web;
    const other = app.publicClient ? body.web : body.spa;
    if (other !== undefined)
      throw new SignetError('REQUEST_INVALID', {
        field: app.publicClient ? 'web' : 'spa',
        reason: `this app is ${app.publicClient ? 'a spa (public)' : 'a web (confidential)'} app`,
      });
    const redirectUris = given?.redirectUris.map(validateRedirectUri);
    const detail: Record<string, string> = {};
    if (body.displayName !== undefined && body.displayName !== app.displayName) {
      detail['displayName.oldValue'] = app.displayName;
      detail['displayName.newValue'] = body.displayName;
    }
    if (redirectUris !== undefined && redirectUris.join(' ') !== app.redirectUris.join(' ')) {
      detail['redirectUris.oldValue'] = app.redirectUris.join(' ');
      detail['redirectUris.newValue'] = redirectUris.join(' ');
    }
    if (Object.keys(detail).length === 0) return;
    await updateApp(trx, tenant.id, id, {
      ...(body.displayName === undefined ? {} : { displayName: body.displayName }),
      ...(redirectUris === undefined ? {} : { redirectUris }),
    });
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: ctx.now(),
      ...actorOf(by),
      activity: 'Update application',
      targetType: 'app',
      targetId: id,
      detail,
    });
  });
}

/** DELETE /applications/{id}: the app, and every grant, code and refresh token the provider stored for it. */
export async function deleteDirectoryApp(ctx: Ctx, tenant: Tenant, by: Principal, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const app = await findApp(trx, tenant.id, id);
    if (!app) throw appNotFound();
    await deleteApp(trx, tenant.id, id);
    // App ids are Signet's own UUIDs, so the pattern needs no escaping.
    await trx
      .deleteFrom('oidc_payloads')
      .where('tenant_id', '=', tenant.id)
      .where('payload', 'like', `%"clientId":"${id}"%`)
      .execute();
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: ctx.now(),
      ...actorOf(by),
      activity: 'Delete application',
      targetType: 'app',
      targetId: id,
      detail: { name: app.displayName },
    });
  });
}

/**
 * POST addPassword: a new secret replaces the app's one secret (Signet holds one per app, Entra several). The
 * answer is the only place its text appears.
 */
export async function addAppPassword(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  id: string,
  p: { displayName?: string },
): Promise<PasswordCredential> {
  return ctx.db.transaction().execute(async (trx) => {
    const app = await findApp(trx, tenant.id, id);
    if (!app) throw appNotFound();
    if (app.publicClient)
      throw new SignetError('REQUEST_INVALID', {
        field: 'passwordCredential',
        reason: 'a spa (public) app has no secret',
      });
    const secret = ctx.randomBytes(32).toString('base64url');
    const hash = hashSecret(ctx, 'client-secret', secret);
    await setAppSecret(trx, tenant.id, id, hash);
    const credential = passwordCredentialOf(hash);
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: ctx.now(),
      ...actorOf(by),
      activity: 'Update application – Certificates and secrets management',
      targetType: 'app',
      targetId: id,
      detail: {
        keyId: credential.keyId,
        ...(app.secretHash ? { replacedKeyId: passwordCredentialOf(app.secretHash).keyId } : {}),
      },
    });
    return {
      ...credential,
      displayName: p.displayName ?? null,
      startDateTime: isoUtc(ctx.now()),
      hint: secret.slice(0, 3),
      secretText: secret,
    };
  });
}

/** POST removePassword: the secret with that keyId stops working at once. */
export async function removeAppPassword(ctx: Ctx, tenant: Tenant, by: Principal, id: string, keyId: string) {
  await ctx.db.transaction().execute(async (trx) => {
    const app = await findApp(trx, tenant.id, id);
    if (!app) throw appNotFound();
    if (!app.secretHash || passwordCredentialOf(app.secretHash).keyId !== keyId.toLowerCase())
      throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'passwordCredential' });
    await setAppSecret(trx, tenant.id, id, null);
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: ctx.now(),
      ...actorOf(by),
      activity: 'Update application – Certificates and secrets management',
      targetType: 'app',
      targetId: id,
      detail: { removedKeyId: keyId },
    });
  });
}
