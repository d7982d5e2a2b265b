// The directory's users as the admin API changes them: create, update (incl. disabling), delete. Each write
// runs in one transaction with its audit row; disabling or deleting a user ends at once their Signet sessions
// and everything oidc-provider issued to them (provider sessions, grants, codes, refresh tokens).
import type { Principal } from '../core/authorization.ts';
import { SignetError } from '../core/errors.ts';
import type { UserCreate, UserUpdate } from '../core/graph-user.ts';
import { checkPassword, type PasswordOwner } from '../core/password-rules.ts';
import { mayChangeUser } from '../core/privileged-target.ts';
import { mayRemoveAssignment } from '../core/role-rules.ts';
import type { Db } from '../store/db.ts';
import { isUniqueViolation } from '../store/db.ts';
import { type AuditRecord, insertAudit } from '../store/logs.ts';
import { revokeOidcForAccount } from '../store/oidc-payloads.ts';
import { hashPassword, savePasswordCredential } from '../store/password-credentials.ts';
import { countOtherRoleHoldersLocked, roleNamesOf } from '../store/role-assignments.ts';
import { revokeOtherSessions } from '../store/sessions.ts';
import type { Tenant } from '../store/tenants.ts';
import {
  deleteUser,
  findUserById,
  findUserByName,
  insertUser,
  type User,
  type UserChanges,
  updateUser,
} from '../store/users.ts';
import { commonPasswords } from './common-passwords.ts';
import type { Ctx } from './context.ts';
import { addUserAudit, createUser, newUser } from './directory.ts';
import { isLocalOperator } from './local-operator.ts';

type Actor = Pick<AuditRecord, 'actorType' | 'actorId'>;
export function actorOf(p: Principal): Actor {
  if (isLocalOperator(p)) return { actorType: 'system', actorId: null };
  return p.kind === 'application' ? { actorType: 'app', actorId: p.appId } : { actorType: 'user', actorId: p.userId };
}

/** A user of the tenant by object id or userPrincipalName (Graph accepts either in `/users/{id}`). */
export function findUserByKey(db: Db, tenantId: string, key: string): Promise<User | undefined> {
  return key.includes('@') ? findUserByName(db, tenantId, key) : findUserById(db, tenantId, key);
}

const notFound = () => new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });

type PasswordProfile = NonNullable<UserCreate['passwordProfile']>;
type HashedPassword = { hash: string; forceChangeNextSignIn: boolean; forceChangeWithMfa: boolean };

/** Judges the password by Entra's rules, then hashes it (outside any transaction: scrypt takes a while). */
async function hashedPassword(ctx: Ctx, profile: PasswordProfile, owner: PasswordOwner): Promise<HashedPassword> {
  const rule = checkPassword(profile.password, owner, commonPasswords());
  if (!rule.ok) throw new SignetError(rule.code, rule.detail);
  return {
    hash: await hashPassword(profile.password, ctx.randomBytes(16)),
    forceChangeNextSignIn: profile.forceChangePasswordNextSignIn ?? false,
    forceChangeWithMfa: profile.forceChangePasswordNextSignInWithMfa ?? false,
  };
}

/**
 * POST /users. `mailNickname` is accepted, as Graph scripts send it, but not stored. A `passwordProfile` is
 * judged by Entra's rules and its password stored hashed with the user, in one transaction; without one the
 * user is passwordless. (createUser of directory.ts writes in a transaction of its own, so a user with a
 * password is written here.)
 */
export async function createDirectoryUser(ctx: Ctx, tenant: Tenant, by: Principal, body: UserCreate): Promise<User> {
  if (body.passwordProfile) return createUserWithPassword(ctx, tenant, by, body, body.passwordProfile);
  const actor = actorOf(by);
  return createUser(ctx, tenant, {
    userPrincipalName: body.userPrincipalName,
    displayName: body.displayName,
    enabled: body.accountEnabled,
    actor: { type: actor.actorType as 'user' | 'app', id: actor.actorId },
  });
}

async function createUserWithPassword(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  body: UserCreate,
  profile: PasswordProfile,
): Promise<User> {
  const password = await hashedPassword(ctx, profile, body);
  const user = newUser(ctx, tenant, {
    userPrincipalName: body.userPrincipalName,
    displayName: body.displayName,
    enabled: body.accountEnabled,
  });
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await insertUser(trx, user);
      await savePasswordCredential(trx, {
        tenantId: tenant.id,
        userId: user.id,
        ...password,
        createdAt: user.createdAt,
      });
      // That a password was set, never anything of it.
      await insertAudit(trx, addUserAudit(ctx, user, actorOf(by), [], { passwordProfile: 'password set' }));
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new SignetError('USER_ALREADY_EXISTS', { userPrincipalName: body.userPrincipalName }, { cause: err });
    throw err;
  }
  return user;
}

/** Ends the user's Signet sessions and their OIDC artifacts (refresh tokens stop working at once). */
async function revokeEverything(trx: Db, tenantId: string, userId: string, now: number): Promise<void> {
  await revokeOtherSessions(trx, tenantId, userId, '', now);
  await revokeOidcForAccount(trx, tenantId, userId);
}

/** PATCH /users/{id}: changes the given properties; `accountEnabled: false` also revokes the user's sessions. */
export async function updateDirectoryUser(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  key: string,
  body: UserUpdate,
): Promise<User> {
  const now = ctx.now();
  let password: HashedPassword | undefined;
  if (body.passwordProfile) {
    // Judged against the names the user will have after this PATCH.
    const current = await findUserByKey(ctx.db, tenant.id, key);
    if (!current) throw notFound();
    password = await hashedPassword(ctx, body.passwordProfile, {
      userPrincipalName: body.userPrincipalName ?? current.userPrincipalName,
      displayName: body.displayName ?? current.displayName,
    });
  }
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const user = await findUserByKey(trx, tenant.id, key);
      if (!user) throw notFound();
      const roles = await roleNamesOf(trx, tenant.id, user.id);
      const allowed = mayChangeUser(by, roles);
      if (!allowed.ok) throw new SignetError(allowed.code, allowed.detail);
      if (body.accountEnabled === false) await keepOneGlobalAdministrator(trx, tenant.id, user, roles);
      const changes: UserChanges = {};
      const detail: Record<string, string> = {};
      const change = <K extends keyof UserChanges>(graphName: string, field: K, value: UserChanges[K]) => {
        if (value === undefined || value === user[field]) return;
        changes[field] = value;
        detail[`${graphName}.oldValue`] = String(user[field]);
        detail[`${graphName}.newValue`] = String(value);
      };
      change('userPrincipalName', 'userPrincipalName', body.userPrincipalName);
      change('displayName', 'displayName', body.displayName);
      change('accountEnabled', 'enabled', body.accountEnabled);
      // The audit row says that a password was set, never anything of it.
      if (password) detail.passwordProfile = 'password set';
      if (Object.keys(detail).length === 0) return user;
      if (!(await updateUser(trx, tenant.id, user.id, changes))) throw notFound();
      if (password)
        await savePasswordCredential(trx, { tenantId: tenant.id, userId: user.id, ...password, createdAt: now });
      // Disabled, or a password set by an administrator (a reset: the old one may be known to someone else): every
      // session and refresh token of the user ends now (ATK-05).
      if (changes.enabled === false || password) await revokeEverything(trx, tenant.id, user.id, now);
      await insertAudit(trx, {
        id: ctx.newId(),
        tenantId: tenant.id,
        createdAt: now,
        ...actorOf(by),
        activity: changes.enabled === false ? 'Disable account' : 'Update user',
        targetType: 'user',
        targetId: user.id,
        detail,
      });
      return { ...user, ...changes };
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw new SignetError('USER_ALREADY_EXISTS', { userPrincipalName: body.userPrincipalName ?? '' }, { cause: err });
    throw err;
  }
}

/** DELETE /users/{id}: the user, their passkeys, passes, sessions and OIDC artifacts, in one transaction. */
/**
 * Deleting or disabling the tenant's last enabled Global Administrator would leave nobody to manage it: the
 * same rule as removing that role assignment (ROLE_LAST_GLOBAL_ADMINISTRATOR), asked in the write's transaction
 * with the other holders locked, so two racing calls cannot both pass. Whoever asks (an app, an admin, the CLI).
 */
async function keepOneGlobalAdministrator(trx: Db, tenantId: string, user: User, roles: readonly string[]) {
  if (!user.enabled || !roles.includes('Global Administrator')) return;
  const others = await countOtherRoleHoldersLocked(trx, tenantId, 'Global Administrator', user.id);
  const d = mayRemoveAssignment('Global Administrator', others);
  if (!d.ok) throw new SignetError(d.code, { ...d.detail, user: user.userPrincipalName });
}

export async function deleteDirectoryUser(ctx: Ctx, tenant: Tenant, by: Principal, key: string): Promise<void> {
  const now = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    const user = await findUserByKey(trx, tenant.id, key);
    if (!user) throw notFound();
    const roles = await roleNamesOf(trx, tenant.id, user.id);
    const allowed = mayChangeUser(by, roles);
    if (!allowed.ok) throw new SignetError(allowed.code, allowed.detail);
    await keepOneGlobalAdministrator(trx, tenant.id, user, roles);
    await revokeEverything(trx, tenant.id, user.id, now);
    if (!(await deleteUser(trx, tenant.id, user.id))) throw notFound();
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: now,
      ...actorOf(by),
      activity: 'Delete user',
      targetType: 'user',
      targetId: user.id,
      detail: {
        'userPrincipalName.oldValue': user.userPrincipalName,
        'displayName.oldValue': user.displayName,
        'accountEnabled.oldValue': String(user.enabled),
        ...(roles.length ? { 'roles.oldValue': roles.join(',') } : {}),
      },
    });
  });
}
