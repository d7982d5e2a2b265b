// The tenant's apps as the admin API changes them: create, update, delete, and their client secrets
// (addPassword / removePassword, a few per app: src/core/app-secret.ts), and the token endpoint's check of a
// presented secret. Each write runs in one transaction with its audit row. A secret is stored as an HMAC
// (hashSecret 'client-secret', as the CLI's) and shown only in the addPassword answer; adding or removing one
// takes effect at once, since the token endpoint reads the app's secrets from the store on each check.

import { type AppSecretFacts, judgePresentedSecret, judgeSecretAdd } from '../core/app-secret.ts';
import type { Principal } from '../core/authorization.ts';
import { SignetError } from '../core/errors.ts';
import {
  type ApplicationCreate,
  type ApplicationUpdate,
  type PasswordCredential,
  passwordCredentialOf,
} from '../core/graph-application.ts';
import {
  type App,
  deleteApp,
  findApp,
  insertApp,
  insertAppSecret,
  listAppSecrets,
  lockApp,
  removeAppSecret,
  updateApp,
} from '../store/apps.ts';
import { insertAudit } from '../store/logs.ts';
import type { Tenant } from '../store/tenants.ts';
import { type Ctx, hashSecret, secretMatches } from './context.ts';
import { validateRedirectUri } from './directory.ts';
import { recordSignIn } from './record-sign-in.ts';
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

const SECRETS_ACTIVITY = 'Update application – Certificates and secrets management';

/**
 * POST addPassword: one more secret, beside the app's others (up to APP_SECRET_LIMIT live ones). The answer is
 * the only place its text appears; the audit row has its keyId and hint.
 */
export async function addAppPassword(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  id: string,
  p: { displayName?: string; startAt?: number; endAt?: number },
): Promise<PasswordCredential> {
  return ctx.db.transaction().execute(async (trx) => {
    if (!(await lockApp(trx, tenant.id, id))) throw appNotFound();
    const app = await findApp(trx, tenant.id, id);
    if (!app) throw appNotFound();
    if (app.publicClient)
      throw new SignetError('REQUEST_INVALID', {
        field: 'passwordCredential',
        reason: 'a spa (public) app has no secret',
      });
    const now = ctx.now();
    const verdict = judgeSecretAdd(await listAppSecrets(trx, tenant.id, id), now, p);
    if (!verdict.ok) throw new SignetError(verdict.code, verdict.detail);
    const secret = ctx.randomBytes(32).toString('base64url');
    const facts: AppSecretFacts = {
      keyId: ctx.newId(),
      displayName: p.displayName ?? null,
      hint: secret.slice(0, 3),
      startAt: verdict.startAt,
      endAt: verdict.endAt,
      removedAt: null,
    };
    await insertAppSecret(trx, tenant.id, id, {
      ...facts,
      secretHash: hashSecret(ctx, 'client-secret', secret),
      createdAt: now,
    });
    const credential = passwordCredentialOf(facts);
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: now,
      ...actorOf(by),
      activity: SECRETS_ACTIVITY,
      targetType: 'app',
      targetId: id,
      detail: {
        addedKeyId: facts.keyId,
        hint: facts.hint ?? '',
        ...(facts.displayName ? { displayName: facts.displayName } : {}),
        startDateTime: credential.startDateTime ?? '',
        endDateTime: credential.endDateTime ?? '',
      },
    });
    return { ...credential, secretText: secret };
  });
}

/** POST removePassword: the secret with that keyId stops working at once; the app's others keep working. */
export async function removeAppPassword(ctx: Ctx, tenant: Tenant, by: Principal, id: string, keyId: string) {
  await ctx.db.transaction().execute(async (trx) => {
    const app = await findApp(trx, tenant.id, id);
    if (!app) throw appNotFound();
    const secret = (await listAppSecrets(trx, tenant.id, id)).find(
      (s) => s.keyId === keyId.toLowerCase() && s.removedAt === null,
    );
    if (!secret || !(await removeAppSecret(trx, tenant.id, id, secret.keyId, ctx.now())))
      throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'passwordCredential' });
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: ctx.now(),
      ...actorOf(by),
      activity: SECRETS_ACTIVITY,
      targetType: 'app',
      targetId: id,
      detail: { removedKeyId: secret.keyId, hint: secret.hint ?? '' },
    });
  });
}

/** What oidc-provider holds as a confidential client's `client_secret`: a marker, not a secret (see below). */
export const CLIENT_SECRET_IN_STORE = 'signet:app_secrets';

/**
 * The token endpoint's client authentication: the presented secret is good when its HMAC is one of the app's
 * current secrets (start ≤ now < end, not removed). A refusal is logged in the sign-in log with why (expired,
 * removed, not yet valid, or none of them) and the keyId; the client sees only `invalid_client`.
 */
export async function authenticateClientSecret(
  ctx: Ctx,
  tenantId: string,
  appId: string,
  presented: string,
): Promise<boolean> {
  const hash = hashSecret(ctx, 'client-secret', presented);
  const secrets = await listAppSecrets(ctx.db, tenantId, appId);
  // Every stored secret is compared (constant time each), so timing does not say which one matched.
  let matched: AppSecretFacts | undefined;
  for (const s of secrets)
    if (secretMatches(s.secretHash, hash) && (!matched || matched.removedAt !== null)) matched = s;
  const verdict = judgePresentedSecret(matched, ctx.now());
  if (verdict.ok) return true;
  await recordSignIn(ctx, ctx.db, {
    tenantId,
    method: 'clientSecret',
    errorCode: verdict.code,
    detail: verdict.detail,
    client: { appId },
  });
  return false;
}
