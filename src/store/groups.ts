// Groups and their members. Every query takes the tenant first. The group collection runs a parsed OData
// query (src/core/odata.ts) with keyset paging on (lower(display_name), id) or id; members and memberOf page on
// the other side's id. $skiptoken encoding is the users' (src/store/user-query.ts), bound to what it pages.
import { createHash } from 'node:crypto';
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { ErrorCode } from '../core/errors.ts';
import type { CollectionQuery, FilterNode, Literal } from '../core/odata.ts';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';
import { type Cursor, decodeSkiptoken, keysetPage, queryFingerprint } from './skiptoken.ts';
import { searchOn } from './user-query.ts';
import { toUser, type User } from './users.ts';

export interface Group {
  id: string;
  tenantId: string;
  displayName: string;
  createdAt: number;
}

type GroupRow = Database['groups'];
const toGroup = (r: GroupRow): Group => ({
  id: r.id,
  tenantId: r.tenant_id,
  displayName: r.display_name,
  createdAt: r.created_at,
});

export async function insertGroup(db: Db, g: Group): Promise<void> {
  await db
    .insertInto('groups')
    .values({ id: g.id, tenant_id: g.tenantId, display_name: g.displayName, created_at: g.createdAt })
    .execute();
}

export async function findGroup(db: Db, tenantId: string, id: string): Promise<Group | undefined> {
  const r = await db
    .selectFrom('groups')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r && toGroup(r);
}

export async function renameGroup(db: Db, tenantId: string, id: string, displayName: string): Promise<boolean> {
  const r = await db
    .updateTable('groups')
    .set({ display_name: displayName })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The group and its memberships. */
export async function deleteGroup(db: Db, tenantId: string, id: string): Promise<boolean> {
  await db.deleteFrom('group_members').where('tenant_id', '=', tenantId).where('group_id', '=', id).execute();
  const r = await db.deleteFrom('groups').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Adds the membership; false when it already existed (one conditional write, so two racing adds see one true). */
export async function addGroupMember(db: Db, tenantId: string, groupId: string, userId: string): Promise<boolean> {
  const r = await db
    .insertInto('group_members')
    .values({ tenant_id: tenantId, group_id: groupId, user_id: userId })
    .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function removeGroupMember(db: Db, tenantId: string, groupId: string, userId: string): Promise<boolean> {
  const r = await db
    .deleteFrom('group_members')
    .where('tenant_id', '=', tenantId)
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export type PageResult<T> =
  | { ok: true; items: T[]; skiptoken?: string; count?: number }
  | { ok: false; code: ErrorCode; detail: Record<string, string> };

const badToken = { ok: false, code: 'GRAPH_SKIPTOKEN_INVALID', detail: { parameter: '$skiptoken' } } as const;

/** Binds a token to what it pages (resource, tenant, the owning object, filter and order). */
function fingerprintOf(resource: string, tenantId: string, query: CollectionQuery, owner = ''): string {
  return createHash('sha256')
    .update(`${resource}\n${owner}\n${queryFingerprint(tenantId, query)}`)
    .digest('base64url')
    .slice(0, 22);
}

type Eb = ExpressionBuilder<Database, 'groups'>;

/** One page of the tenant's groups matching `query`, after the page its `$skiptoken` (if any) ends. */
export async function queryGroups(
  db: Db,
  tenantId: string,
  query: CollectionQuery,
  key: Uint8Array,
): Promise<PageResult<Group>> {
  const fp = fingerprintOf('groups', tenantId, query);
  let cursor: Cursor | undefined;
  if (query.skiptoken !== undefined) {
    cursor = decodeSkiptoken(query.skiptoken, fp, key);
    if (!cursor) return badToken;
  }
  const byName = query.orderBy?.property === 'displayName';
  const desc = query.orderBy?.direction === 'desc';
  const sortKey = sql<string>`lower(display_name)`;
  let q = db
    .selectFrom('groups')
    .selectAll()
    .select(sortKey.as('sort_key'))
    .where('tenant_id', '=', tenantId)
    .where((eb) => matches(eb, query));
  if (cursor) {
    const c = cursor;
    q = q.where((eb) => {
      if (!byName) return eb('id', desc ? '<' : '>', c.id);
      if (c.key === null) return eb.lit(false);
      return desc
        ? sql<SqlBool>`(${sortKey}, id) < (${c.key}, ${c.id})`
        : sql<SqlBool>`(${sortKey}, id) > (${c.key}, ${c.id})`;
    });
  }
  if (byName) q = q.orderBy(sortKey, desc ? 'desc' : 'asc');
  const rows = await q
    .orderBy('id', desc ? 'desc' : 'asc')
    .limit(query.top + 1)
    .execute();
  const page = keysetPage(rows, query.top, (last) => ({ key: byName ? last.sort_key : null, id: last.id }), fp, key);
  let count: number | undefined;
  if (query.count) {
    const r = await db
      .selectFrom('groups')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where((eb) => matches(eb, query))
      .executeTakeFirstOrThrow();
    count = Number(r.n);
  }
  return {
    ok: true,
    items: page.rows.map(toGroup),
    ...(count === undefined ? {} : { count }),
    ...(page.skiptoken ? { skiptoken: page.skiptoken } : {}),
  };
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function matches(eb: Eb, query: CollectionQuery): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = [];
  if (query.filter) parts.push(filterExpression(eb, query.filter));
  if (query.search) parts.push(searchOn(eb, query.search, () => sql`lower(display_name)`));
  return eb.and(parts);
}

function filterExpression(eb: Eb, f: FilterNode): Expression<SqlBool> {
  switch (f.op) {
    case 'and':
      return eb.and([filterExpression(eb, f.left), filterExpression(eb, f.right)]);
    case 'or':
      return eb.or([filterExpression(eb, f.left), filterExpression(eb, f.right)]);
    case 'not':
      return eb.not(filterExpression(eb, f.operand));
    case 'eq':
      return equals(eb, f.property, f.value);
    case 'ne':
      return eb.not(equals(eb, f.property, f.value));
    case 'in':
      return eb.or(f.values.map((v) => equals(eb, f.property, v)));
    case 'startswith':
      if (f.property !== 'displayName') return eb.lit(false);
      return sql<SqlBool>`lower(display_name) LIKE lower(${`${likeEscape(f.value)}%`}) ESCAPE '\\'`;
  }
  return eb.lit(false);
}

// Graph compares directory strings case-insensitively.
function equals(eb: Eb, property: string, value: Literal): Expression<SqlBool> {
  if (property === 'id') return eb('id', '=', String(value));
  if (property === 'displayName') return sql<SqlBool>`lower(display_name) = lower(${String(value)})`;
  // Every Signet group is a security group (src/core/graph-group.ts), so these compare with constants.
  if (property === 'securityEnabled') return eb.lit(value === true);
  if (property === 'mailEnabled') return eb.lit(value === false);
  return eb.lit(false); // the parser admits only the properties above (groupTypes/any: no group has a type)
}

/** One page of the group's members (users), in id order. */
export async function queryGroupMembers(
  db: Db,
  tenantId: string,
  groupId: string,
  query: CollectionQuery,
  key: Uint8Array,
): Promise<PageResult<User>> {
  const fp = fingerprintOf('members', tenantId, query, groupId);
  let cursor: Cursor | undefined;
  if (query.skiptoken !== undefined) {
    cursor = decodeSkiptoken(query.skiptoken, fp, key);
    if (!cursor) return badToken;
  }
  // One FROM and WHERE for the page and for its $count.
  const members = db
    .selectFrom('group_members as m')
    .innerJoin('users as u', (j) => j.onRef('u.id', '=', 'm.user_id').onRef('u.tenant_id', '=', 'm.tenant_id'))
    .where('m.tenant_id', '=', tenantId)
    .where('m.group_id', '=', groupId);
  let q = members.select([
    'u.id',
    'u.tenant_id',
    'u.user_principal_name',
    'u.display_name',
    'u.enabled',
    'u.user_handle',
    'u.created_at',
  ]);
  const count = query.count
    ? Number((await members.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n)
    : undefined;
  if (cursor) q = q.where('u.id', '>', cursor.id);
  const rows = await q
    .orderBy('u.id')
    .limit(query.top + 1)
    .execute();
  const page = keysetPage(rows, query.top, (last) => ({ key: null, id: last.id }), fp, key);
  return {
    ok: true,
    items: page.rows.map(toUser),
    ...(page.skiptoken ? { skiptoken: page.skiptoken } : {}),
    ...(count === undefined ? {} : { count }),
  };
}

/** One page of the groups the user is a direct member of, in id order. */
export async function queryMemberOf(
  db: Db,
  tenantId: string,
  userId: string,
  query: CollectionQuery,
  key: Uint8Array,
): Promise<PageResult<Group>> {
  const fp = fingerprintOf('memberOf', tenantId, query, userId);
  let cursor: Cursor | undefined;
  if (query.skiptoken !== undefined) {
    cursor = decodeSkiptoken(query.skiptoken, fp, key);
    if (!cursor) return badToken;
  }
  const groups = db
    .selectFrom('group_members as m')
    .innerJoin('groups as g', (j) => j.onRef('g.id', '=', 'm.group_id').onRef('g.tenant_id', '=', 'm.tenant_id'))
    .where('m.tenant_id', '=', tenantId)
    .where('m.user_id', '=', userId);
  let q = groups.select(['g.id', 'g.tenant_id', 'g.display_name', 'g.created_at']);
  const count = query.count
    ? Number((await groups.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n)
    : undefined;
  if (cursor) q = q.where('g.id', '>', cursor.id);
  const rows = await q
    .orderBy('g.id')
    .limit(query.top + 1)
    .execute();
  const page = keysetPage(rows, query.top, (last) => ({ key: null, id: last.id }), fp, key);
  return {
    ok: true,
    items: page.rows.map(toGroup),
    ...(page.skiptoken ? { skiptoken: page.skiptoken } : {}),
    ...(count === undefined ? {} : { count }),
  };
}
