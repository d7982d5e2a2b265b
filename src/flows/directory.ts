// Creating tenants, users and apps: the administration that the CLI (and later the admin API) drives.
import { APPLICATION_PERMISSIONS, type ApplicationPermission, canonicalPermission } from '../core/authorization.ts';
import { SignetError } from '../core/errors.ts';
import { defaultPasskeyMethodConfig } from '../core/passkey-method.ts';
import { evaluateTenantSlug } from '../core/tenant-slug.ts';
import { type App, findApp, insertApp, setAppPermissions } from '../store/apps.ts';
import { isUniqueViolation } from '../store/db.ts';
import { type AuditRecord, insertAudit } from '../store/logs.ts';
import { savePasskeyMethodConfig } from '../store/policies.ts';
import { insertTenant, type Tenant } from '../store/tenants.ts';
import { assignRole, insertUser, type User } from '../store/users.ts';
import { type Ctx, hashSecret } from './context.ts';
import { createSigningKeys } from './signing-keys.ts';

export const ROLES = [
  'Global Administrator',
  'Authentication Policy Administrator',
  'Authentication Administrator',
] as const;

export async function createTenant(
  ctx: Ctx,
  p: { slug: string; displayName?: string; kind?: 'workforce' | 'customer'; conformance?: boolean },
): Promise<Tenant> {
  const slug = evaluateTenantSlug(p.slug);
  if (!slug.ok) throw new SignetError(slug.code, slug.detail);
  const tenant: Tenant = {
    id: ctx.newId(),
    slug: p.slug,
    kind: p.kind ?? 'workforce',
    displayName: p.displayName ?? p.slug,
    conformance: p.conformance ?? false,
    createdAt: ctx.now(),
  };
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await insertTenant(trx, tenant);
      await savePasskeyMethodConfig(trx, tenant.id, defaultPasskeyMethodConfig(), tenant.createdAt);
      await createSigningKeys(ctx, trx, tenant.id);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new SignetError('TENANT_SLUG_TAKEN', { slug: p.slug }, { cause: err });
    throw err;
  }
  return tenant;
}

const UPN = /^[^\s@]{1,64}@[^\s@]{1,190}$/;

/** A new user of the tenant, not yet stored: a fresh id and WebAuthn user handle (random, never the name). */
export function newUser(
  ctx: Ctx,
  tenant: Tenant,
  p: { userPrincipalName: string; displayName: string; enabled: boolean },
  createdAt?: number,
): User {
  return {
    id: ctx.newId(),
    tenantId: tenant.id,
    userPrincipalName: p.userPrincipalName,
    displayName: p.displayName,
    enabled: p.enabled,
    userHandle: ctx.randomBytes(64).toString('base64url'),
    createdAt: createdAt ?? ctx.now(),
  };
}

/** The audit row of a user's creation, as directoryAudits shows it ("Add user" with name, state and roles). */
export function addUserAudit(
  ctx: Ctx,
  user: User,
  actor: Pick<AuditRecord, 'actorType' | 'actorId'>,
  roles: readonly string[],
  extra: Record<string, string> = {},
): AuditRecord {
  return {
    id: ctx.newId(),
    tenantId: user.tenantId,
    createdAt: user.createdAt,
    ...actor,
    activity: 'Add user',
    targetType: 'user',
    targetId: user.id,
    detail: {
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      accountEnabled: String(user.enabled),
      roles: roles.join(','),
      ...extra,
    },
  };
}

export async function createUser(
  ctx: Ctx,
  tenant: Tenant,
  p: {
    userPrincipalName: string;
    displayName?: string;
    roles?: string[];
    /** false: created disabled (Graph's `accountEnabled: false`). */
    enabled?: boolean;
    actor?: { type: 'user' | 'app' | 'system'; id: string | null };
  },
): Promise<User> {
  if (!UPN.test(p.userPrincipalName))
    throw new SignetError('REQUEST_INVALID', { field: 'userPrincipalName', reason: 'must look like name@domain' });
  for (const r of p.roles ?? [])
    if (!(ROLES as readonly string[]).includes(r))
      throw new SignetError('REQUEST_INVALID', { field: 'role', reason: `unknown role ${r}` });
  const user = newUser(ctx, tenant, {
    userPrincipalName: p.userPrincipalName,
    displayName: p.displayName ?? p.userPrincipalName.split('@')[0]!,
    enabled: p.enabled ?? true,
  });
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await insertUser(trx, user);
      for (const r of p.roles ?? []) await assignRole(trx, tenant.id, user.id, r);
      const actor = { actorType: p.actor?.type ?? 'system', actorId: p.actor?.id ?? null } as const;
      await insertAudit(trx, addUserAudit(ctx, user, actor, p.roles ?? []));
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new SignetError('USER_ALREADY_EXISTS', { userPrincipalName: p.userPrincipalName }, { cause: err });
    throw err;
  }
  return user;
}

/** Redirect URIs are matched exactly, so they must be exact: absolute, https (http only for loopback), no fragment. */
export function validateRedirectUri(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new SignetError('APP_REDIRECT_URI_INVALID', { redirectUri: raw });
  }
  const loopback = u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
  if (
    u.hash ||
    raw.includes('#') ||
    !(u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) ||
    u.username ||
    u.password
  )
    throw new SignetError('APP_REDIRECT_URI_INVALID', { redirectUri: raw });
  return raw;
}

/** The rules of a redirect URI (https, or http on loopback; no fragment or user name), and an app that signs in. */
function validateBackchannelLogoutUri(p: { backchannelLogoutUri?: string; redirectUris: string[] }): string {
  const raw = p.backchannelLogoutUri ?? '';
  const reason =
    'an https URL (http only on localhost), without a fragment or user name, for an app with a redirect URI';
  if (p.redirectUris.length === 0) throw new SignetError('REQUEST_INVALID', { field: 'backchannelLogoutUri', reason });
  try {
    return validateRedirectUri(raw);
  } catch (err) {
    throw new SignetError('REQUEST_INVALID', { field: 'backchannelLogoutUri', reason }, { cause: err });
  }
}

export async function createApp(
  ctx: Ctx,
  tenant: Tenant,
  p: {
    name: string;
    redirectUris: string[];
    postLogoutRedirectUris?: string[];
    publicClient: boolean;
    /** Application permissions for the client credentials grant (confidential apps only). */
    permissions?: string[];
    /** Where Signet posts a logout token when the user's session with the app ends (OIDC Back-Channel Logout). */
    backchannelLogoutUri?: string;
  },
): Promise<{ app: App; clientSecret?: string }> {
  if (p.name.trim() === '' || p.name.length > 120)
    throw new SignetError('REQUEST_INVALID', { field: 'name', reason: '1 to 120 characters' });
  const permissions = canonicalPermissions(p.permissions ?? []);
  if (permissions.length > 0 && p.publicClient)
    throw new SignetError('REQUEST_INVALID', {
      field: 'permission',
      reason: 'application permissions need a confidential app (one with a secret), not --public',
    });
  // An app for automation only (client credentials) has no browser callback.
  if (p.redirectUris.length === 0 && permissions.length === 0)
    throw new SignetError('APP_REDIRECT_URI_INVALID', { redirectUri: '(none given)' });
  const redirectUris = p.redirectUris.map(validateRedirectUri);
  const postLogoutRedirectUris = (p.postLogoutRedirectUris ?? []).map(validateRedirectUri);
  const backchannelLogoutUri = p.backchannelLogoutUri === undefined ? undefined : validateBackchannelLogoutUri(p);
  const clientSecret = p.publicClient ? undefined : ctx.randomBytes(32).toString('base64url');
  const app: App = {
    id: ctx.newId(),
    tenantId: tenant.id,
    displayName: p.name.trim(),
    redirectUris,
    postLogoutRedirectUris,
    publicClient: p.publicClient,
    secretHash: clientSecret ? hashSecret(ctx, 'client-secret', clientSecret) : null,
    createdAt: ctx.now(),
    permissions,
    ...(backchannelLogoutUri ? { backchannelLogoutUri } : {}),
  };
  await ctx.db.transaction().execute(async (trx) => {
    await insertApp(trx, app);
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: app.createdAt,
      actorType: 'system',
      actorId: null,
      activity: 'Add application',
      targetType: 'app',
      targetId: app.id,
      detail: {
        name: app.displayName,
        publicClient: String(app.publicClient),
        ...(permissions.length ? { permissions: permissions.join(',') } : {}),
        ...(backchannelLogoutUri ? { backchannelLogoutUri } : {}),
      },
    });
  });
  return { app, clientSecret };
}

/** Each name in Graph's spelling, once; an unknown one is refused by name. */
export function canonicalPermissions(names: readonly string[]): ApplicationPermission[] {
  const out = new Set<ApplicationPermission>();
  for (const n of names) {
    const p = canonicalPermission(n.trim());
    if (!p)
      throw new SignetError('APP_PERMISSION_UNKNOWN', { permission: n, known: APPLICATION_PERMISSIONS.join(', ') });
    out.add(p);
  }
  return [...out];
}

/** Grants (or revokes) application permissions; tokens issued afterwards carry the new set. */
export async function changeAppPermissions(
  ctx: Ctx,
  tenant: Tenant,
  p: { appId: string; grant?: string[]; revoke?: string[] },
): Promise<App> {
  const grant = canonicalPermissions(p.grant ?? []);
  const revoke = new Set(canonicalPermissions(p.revoke ?? []));
  return ctx.db.transaction().execute(async (trx) => {
    const app = await findApp(trx, tenant.id, p.appId);
    if (!app) throw new SignetError('APP_NOT_FOUND', { appId: p.appId });
    if (app.publicClient && grant.length > 0)
      throw new SignetError('REQUEST_INVALID', {
        field: 'permission',
        reason: 'application permissions need a confidential app (one with a secret)',
      });
    const permissions = [...new Set([...app.permissions, ...grant])].filter(
      (x) => !revoke.has(x as ApplicationPermission),
    );
    await setAppPermissions(trx, tenant.id, app.id, permissions);
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: ctx.now(),
      actorType: 'system',
      actorId: null,
      activity: grant.length
        ? 'Add app role assignment to service principal'
        : 'Remove app role assignment from service principal',
      targetType: 'app',
      targetId: app.id,
      detail: { granted: grant.join(','), revoked: [...revoke].join(','), permissions: permissions.join(',') },
    });
    return { ...app, permissions };
  });
}
