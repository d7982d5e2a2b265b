// Runs a parsed Graph collection query (src/core/odata.ts) against the users table: every filter a
// parameterized expression, the tenant always in the WHERE, keyset paging on (sort key, id) carried in an
// HMAC-protected $skiptoken bound to the query it was issued for, and $count as a query of its own.
// Sort keys are the indexed expressions: upn_lower (unique per tenant) and lower(display_name) (migration 0006).
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { ErrorCode } from '../core/errors.ts';
import type { CollectionQuery, FilterNode, Literal, OrderBy, SearchNode } from '../core/odata.ts';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';
import { type Cursor, decodeSkiptoken, keysetPage, queryFingerprint } from './skiptoken.ts';
import { toUser, type User } from './users.ts';

export interface UserPage {
  users: User[];
  /** Present when more rows follow: the opaque value of the next page's `$skiptoken`. */
  skiptoken?: string;
  /** Present when the query asked for `$count=true`: every matching user, not just this page. */
  count?: number;
}

export type UserQueryResult =
  | { ok: true; page: UserPage }
  | { ok: false; code: ErrorCode; detail: Record<string, string> };

export interface UserQueryOptions {
  /** Key of the $skiptoken HMAC (derived from the instance secret by the caller); at least 32 bytes. */
  skiptokenKey: Uint8Array;
  /** Filters on properties that are not the user's own (a report's computed ones), as SQL over `users`. */
  extraFilter?: UserFilterExtension;
}

type Eb = ExpressionBuilder<Database, 'users'>;
type Comparison = Exclude<FilterNode, { op: 'and' | 'or' | 'not' }>;
/** A comparison on a property of another resource built over users (src/store/report-query.ts), or undefined. */
export type UserFilterExtension = (eb: Eb, f: Comparison) => Expression<SqlBool> | undefined;
/** One page of the tenant's users matching `query`, after the page its `$skiptoken` (if any) ends. */
export async function queryUsers(
  db: Db,
  tenantId: string,
  query: CollectionQuery,
  opts: UserQueryOptions,
): Promise<UserQueryResult> {
  const fingerprint = queryFingerprint(tenantId, query);
  let cursor: Cursor | undefined;
  if (query.skiptoken !== undefined) {
    cursor = decodeSkiptoken(query.skiptoken, fingerprint, opts.skiptokenKey);
    if (!cursor) return { ok: false, code: 'GRAPH_SKIPTOKEN_INVALID', detail: { parameter: '$skiptoken' } };
  }
  const rows = await userPageQuery(db, tenantId, query, cursor, opts.extraFilter).execute();

  const keyset = keysetPage(
    rows,
    query.top,
    (last) => ({ key: (last as typeof last & { sort_key?: string }).sort_key ?? null, id: last.id }),
    fingerprint,
    opts.skiptokenKey,
  );
  const page: UserPage = {
    users: keyset.rows.map(toUser),
  };
  if (keyset.skiptoken) page.skiptoken = keyset.skiptoken;
  if (query.count) page.count = await countUsers(db, tenantId, query, opts.extraFilter);
  return { ok: true, page };
}

/** The page's SELECT (one row more than $top, to tell whether another page follows); exported for plan tests. */
export function userPageQuery(
  db: Db,
  tenantId: string,
  query: CollectionQuery,
  cursor?: Cursor,
  ext?: UserFilterExtension,
) {
  const order = query.orderBy;
  const sortKey = sortKeyOf(order);
  const desc = order?.direction === 'desc';
  let q = db
    .selectFrom('users')
    .select(['id', 'tenant_id', 'user_principal_name', 'display_name', 'enabled', 'user_handle', 'created_at'])
    .where('tenant_id', '=', tenantId)
    .where((eb) => matches(eb, query, ext));
  if (sortKey) q = q.select(sortKey.as('sort_key'));
  if (cursor) q = q.where((eb) => after(eb, sortKey, cursor, desc));
  if (sortKey) q = q.orderBy(sortKey, desc ? 'desc' : 'asc');
  // upn_lower is unique within a tenant, so it needs no tie-break; display names repeat and do.
  if (order?.property !== 'userPrincipalName') q = q.orderBy('id', desc ? 'desc' : 'asc');
  return q.limit(query.top + 1);
}

/** `$count`: how many of the tenant's users match the query's $filter and $search (paging ignored). */
export async function countUsers(
  db: Db,
  tenantId: string,
  query: CollectionQuery,
  ext?: UserFilterExtension,
): Promise<number> {
  const r = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where((eb) => matches(eb, query, ext))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

function sortKeyOf(order: OrderBy | undefined) {
  if (order?.property === 'displayName') return sql<string>`lower(display_name)`;
  if (order?.property === 'userPrincipalName') return sql<string>`upn_lower`;
  return undefined;
}

function after(eb: Eb, sortKey: ReturnType<typeof sortKeyOf>, c: Cursor, desc: boolean): Expression<SqlBool> {
  const op = desc ? '<' : '>';
  if (!sortKey) return eb('id', op, c.id);
  if (c.key === null) return eb.lit(false); // a token of the default order; the fingerprint already refuses it
  // Row values compare lexicographically on both engines. The scalar bound beside them is redundant but lets
  // SQLite seek the (tenant_id, sort key, id) index to the cursor instead of walking it from the start, so a
  // deep page costs what the first does (bench/graph-users.ts, $orderby=displayName).
  return desc
    ? sql<SqlBool>`${sortKey} <= ${c.key} AND (${sortKey}, id) < (${c.key}, ${c.id})`
    : sql<SqlBool>`${sortKey} >= ${c.key} AND (${sortKey}, id) > (${c.key}, ${c.id})`;
}

function matches(eb: Eb, query: CollectionQuery, ext?: UserFilterExtension): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = [];
  if (query.filter) parts.push(filterExpression(eb, query.filter, ext));
  if (query.search) parts.push(searchExpression(eb, query.search));
  return eb.and(parts);
}

const RANGE = { ge: '>=', le: '<=', gt: '>', lt: '<' } as const;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function filterExpression(eb: Eb, f: FilterNode, ext?: UserFilterExtension): Expression<SqlBool> {
  if (ext && f.op !== 'and' && f.op !== 'or' && f.op !== 'not') {
    const extended = ext(eb, f as Comparison);
    if (extended) return extended;
  }
  switch (f.op) {
    case 'and':
      return eb.and([filterExpression(eb, f.left, ext), filterExpression(eb, f.right, ext)]);
    case 'or':
      return eb.or([filterExpression(eb, f.left, ext), filterExpression(eb, f.right, ext)]);
    case 'not':
      return eb.not(filterExpression(eb, f.operand, ext));
    case 'eq':
      return equals(eb, f.property, f.value);
    case 'ne':
      return eb.not(equals(eb, f.property, f.value));
    case 'in':
      return eb.or(f.values.map((v) => equals(eb, f.property, v)));
    case 'startswith':
      return startsWith(f.property, f.value);
    case 'ge':
    case 'le':
    case 'gt':
    case 'lt':
      // The one property with range operators: created_at, epoch milliseconds as the parser reads the literal.
      return f.property === 'createdDateTime' ? eb('created_at', RANGE[f.op], Number(f.value)) : eb.lit(false);
    default:
      return eb.lit(false); // any: no user property is a collection
  }
}

// Graph compares directory strings case-insensitively. UPNs are stored lower-cased (upn_lower, by JavaScript),
// so the literal is lower-cased the same way; display names are lower-cased by the database on both sides.
function equals(eb: Eb, property: string, value: Literal): Expression<SqlBool> {
  switch (property) {
    case 'id':
      return eb('id', '=', String(value));
    case 'userPrincipalName':
      return eb('upn_lower', '=', String(value).toLowerCase());
    case 'displayName':
      return sql<SqlBool>`lower(display_name) = lower(${String(value)})`;
    case 'accountEnabled':
      return eb('enabled', '=', value === true ? 1 : 0);
  }
  return eb.lit(false); // the parser admits only the properties above
}

function startsWith(property: string, value: string): Expression<SqlBool> {
  const pattern = `${likeEscape(value)}%`;
  if (property === 'userPrincipalName') return sql<SqlBool>`upn_lower LIKE ${pattern.toLowerCase()} ESCAPE '\\'`;
  if (property === 'displayName') return sql<SqlBool>`lower(display_name) LIKE lower(${pattern}) ESCAPE '\\'`;
  return sql<SqlBool>`1 = 0`;
}

// A search word matches the start of the value or of any token after a separator Graph tokenizes on.
const SEPARATORS = [' ', '-', '_', '.', '@'];
function searchExpression(eb: Eb, s: SearchNode): Expression<SqlBool> {
  return searchOn(eb, s, (property) => (property === 'displayName' ? sql`lower(display_name)` : sql`upn_lower`));
}

/** A $search over the lower-cased column each property names (users here, groups in groups.ts). */
export function searchOn(
  // biome-ignore lint/suspicious/noExplicitAny: the and/or/LIKE built here are the same on any table
  eb: ExpressionBuilder<any, any>,
  s: SearchNode,
  columnOf: (property: string) => ReturnType<typeof sql>,
): Expression<SqlBool> {
  if (s.op !== 'term') {
    const both = [searchOn(eb, s.left, columnOf), searchOn(eb, s.right, columnOf)];
    return s.op === 'and' ? eb.and(both) : eb.or(both);
  }
  const column = columnOf(s.property);
  return eb.and(
    s.words.map((w) =>
      eb.or([
        sql<SqlBool>`${column} LIKE lower(${`${likeEscape(w)}%`}) ESCAPE '\\'`,
        ...SEPARATORS.map((sep) => sql<SqlBool>`${column} LIKE lower(${`%${likeEscape(sep + w)}%`}) ESCAPE '\\'`),
      ]),
    ),
  );
}
