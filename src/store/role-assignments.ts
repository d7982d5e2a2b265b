// The directory roles assigned to users (role names, as `signet user create --role` stores them), and the
// queries the role assignment routes need. Every query is in one tenant.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { ErrorCode } from '../core/errors.ts';
import type { CollectionQuery } from '../core/odata.ts';
import type { Db } from './db.ts';
import { type Cursor, decodeSkiptoken, keysetPage, queryFingerprint } from './skiptoken.ts';
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

/**
 * One page of the tenant's assignments in (role, user) order, narrowed to a user and/or roles, after the page its
 * `$skiptoken` (if any) ends; the token is bound to the tenant and to this filter.
 */
export async function queryRoleAssignments(
  db: Db,
  tenantId: string,
  filter: { userId?: string; roles: readonly string[] },
  query: CollectionQuery,
  key: Uint8Array,
): Promise<
  | { ok: true; items: { userId: string; role: string }[]; skiptoken?: string }
  | { ok: false; code: ErrorCode; detail: Record<string, string> }
> {
  const fp = createHash('sha256')
    .update(`roleAssignments\n${JSON.stringify([filter.userId ?? null, [...filter.roles].sort()])}\n`)
    .update(queryFingerprint(tenantId, query))
    .digest('base64url')
    .slice(0, 22);
  let cursor: Cursor | undefined;
  if (query.skiptoken !== undefined) {
    cursor = decodeSkiptoken(query.skiptoken, fp, key);
    if (!cursor || cursor.key === null)
      return { ok: false, code: 'GRAPH_SKIPTOKEN_INVALID', detail: { parameter: '$skiptoken' } };
  }
  if (filter.roles.length === 0) return { ok: true, items: [] };
  let q = db
    .selectFrom('role_assignments')
    .select(['user_id', 'role'])
    .where('tenant_id', '=', tenantId)
    .where('role', 'in', [...filter.roles]);
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  if (cursor) {
    const { key: role, id: userId } = cursor as { key: string; id: string };
    q = q.where((eb) => eb.or([eb('role', '>', role), eb.and([eb('role', '=', role), eb('user_id', '>', userId)])]));
  }
  const rows = await q
    .orderBy('role')
    .orderBy('user_id')
    .limit(query.top + 1)
    .execute();
  const page = keysetPage(rows, query.top, (last) => ({ key: last.role, id: last.user_id }), fp, key);
  return {
    ok: true,
    items: page.rows.map((r) => ({ userId: r.user_id, role: r.role })),
    ...(page.skiptoken ? { skiptoken: page.skiptoken } : {}),
  };
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
