// The directory roles assigned to users (role names, as `signet user create --role` stores them), and the
// queries the role assignment routes need. Every query is in one tenant.
import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { User } from './users.ts';

export async function roleNamesOf(db: Db, tenantId: string, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('role_assignments')
    .select('role')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .execute();
  return rows.map((r) => r.role);
}

/** The tenant's assignments, in a stable order, narrowed to a user and/or a role. */
export async function listRoleAssignments(
  db: Db,
  tenantId: string,
  filter: { userId?: string; roles?: readonly string[] } = {},
): Promise<{ userId: string; role: string }[]> {
  let q = db.selectFrom('role_assignments').select(['user_id', 'role']).where('tenant_id', '=', tenantId);
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  if (filter.roles) {
    if (filter.roles.length === 0) return [];
    q = q.where('role', 'in', [...filter.roles]);
  }
  const rows = await q.orderBy('role').orderBy('user_id').execute();
  return rows.map((r) => ({ userId: r.user_id, role: r.role }));
}

export async function hasRoleAssignment(db: Db, tenantId: string, userId: string, role: string): Promise<boolean> {
  const row = await db
    .selectFrom('role_assignments')
    .select('role')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('role', '=', role)
    .executeTakeFirst();
  return row !== undefined;
}

/** Inserts the assignment; false when the user already holds the role. */
export async function insertRoleAssignment(db: Db, tenantId: string, userId: string, role: string): Promise<boolean> {
  const r = await db
    .insertInto('role_assignments')
    .values({ tenant_id: tenantId, user_id: userId, role })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function deleteRoleAssignment(db: Db, tenantId: string, userId: string, role: string): Promise<boolean> {
  const r = await db
    .deleteFrom('role_assignments')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('role', '=', role)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * How many enabled users of the tenant other than `exceptUserId` hold the role, after taking the row locks of its assignments (a no-op
 * update: PostgreSQL then serializes two removals of the role; SQLite runs one write transaction at a time).
 */
export async function countOtherRoleHoldersLocked(
  db: Db,
  tenantId: string,
  role: string,
  exceptUserId: string,
): Promise<number> {
  await db
    .updateTable('role_assignments')
    .set({ role: sql`role` })
    .where('tenant_id', '=', tenantId)
    .where('role', '=', role)
    .execute();
  const row = await db
    .selectFrom('role_assignments')
    .innerJoin('users', 'users.id', 'role_assignments.user_id')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('role_assignments.tenant_id', '=', tenantId)
    .where('users.tenant_id', '=', tenantId)
    .where('role_assignments.role', '=', role)
    .where('users.enabled', '=', 1)
    .where('users.id', '!=', exceptUserId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The users holding the role, by userPrincipalName. */
export async function usersWithRole(db: Db, tenantId: string, role: string): Promise<User[]> {
  const rows = await db
    .selectFrom('role_assignments')
    .innerJoin('users', 'users.id', 'role_assignments.user_id')
    .selectAll('users')
    .where('role_assignments.tenant_id', '=', tenantId)
    .where('users.tenant_id', '=', tenantId)
    .where('role_assignments.role', '=', role)
    .orderBy('users.user_principal_name')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    userPrincipalName: r.user_principal_name,
    displayName: r.display_name,
    enabled: r.enabled === 1,
    userHandle: r.user_handle,
    createdAt: Number(r.created_at),
  }));
}
