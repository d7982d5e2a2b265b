import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { UsersTable } from './schema.ts';

export interface User {
  id: string;
  tenantId: string;
  userPrincipalName: string;
  displayName: string;
  enabled: boolean;
  /** Random, opaque, never changes: the WebAuthn user.id (never the email, WebAuthn §14.6.1). */
  userHandle: string;
  createdAt: number;
}

type Row = Selectable<UsersTable>;
/** The columns a User is read from (a query may select more). */
export type UserRow = Pick<
  Row,
  'id' | 'tenant_id' | 'user_principal_name' | 'display_name' | 'enabled' | 'user_handle' | 'created_at'
>;
export const toUser = (r: UserRow): User => ({
  id: r.id,
  tenantId: r.tenant_id,
  userPrincipalName: r.user_principal_name,
  displayName: r.display_name,
  enabled: r.enabled === 1,
  userHandle: r.user_handle,
  createdAt: r.created_at,
});

/** The row a User is stored as. */
export const userValues = (u: User) => ({
  id: u.id,
  tenant_id: u.tenantId,
  user_principal_name: u.userPrincipalName,
  upn_lower: u.userPrincipalName.toLowerCase(),
  display_name: u.displayName,
  enabled: u.enabled ? 1 : 0,
  user_handle: u.userHandle,
  created_at: u.createdAt,
});

export async function insertUser(db: Db, u: User): Promise<void> {
  await db.insertInto('users').values(userValues(u)).execute();
}

export async function findUserById(db: Db, tenantId: string, id: string): Promise<User | undefined> {
  const r = await db
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r && toUser(r);
}

export async function findUserByName(db: Db, tenantId: string, upn: string): Promise<User | undefined> {
  const r = await db
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('upn_lower', '=', upn.toLowerCase())
    .executeTakeFirst();
  return r && toUser(r);
}

export async function setUserEnabled(db: Db, tenantId: string, id: string, enabled: boolean): Promise<void> {
  await db
    .updateTable('users')
    .set({ enabled: enabled ? 1 : 0 })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

export async function groupIdsOf(db: Db, tenantId: string, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('group_members')
    .select('group_id')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .execute();
  return rows.map((r) => r.group_id);
}

export async function assignRole(db: Db, tenantId: string, userId: string, role: string): Promise<void> {
  await db.insertInto('role_assignments').values({ tenant_id: tenantId, user_id: userId, role }).execute();
}

/**
 * Serializes writes that depend on a count of the user's rows (the passkey limit): a no-op update takes the
 * row lock on PostgreSQL, and SQLite runs one write transaction at a time anyway.
 */
export async function lockUserForUpdate(db: Db, tenantId: string, id: string): Promise<void> {
  await db
    .updateTable('users')
    .set((eb) => ({ enabled: eb.ref('enabled') }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** The properties an update may change (the store's names). */
export interface UserChanges {
  userPrincipalName?: string;
  displayName?: string;
  enabled?: boolean;
}

/** Applies `changes`; false when the tenant has no such user. A taken UPN fails as a unique violation. */
export async function updateUser(db: Db, tenantId: string, id: string, changes: UserChanges): Promise<boolean> {
  const set: { user_principal_name?: string; upn_lower?: string; display_name?: string; enabled?: number } = {};
  if (changes.userPrincipalName !== undefined) {
    set.user_principal_name = changes.userPrincipalName;
    set.upn_lower = changes.userPrincipalName.toLowerCase();
  }
  if (changes.displayName !== undefined) set.display_name = changes.displayName;
  if (changes.enabled !== undefined) set.enabled = changes.enabled ? 1 : 0;
  if (Object.keys(set).length === 0) return (await findUserById(db, tenantId, id)) !== undefined;
  const r = await db
    .updateTable('users')
    .set(set)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Deletes the user; their passkeys, sessions, passes, memberships and roles go with them (ON DELETE CASCADE). */
export async function deleteUser(db: Db, tenantId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('users').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
