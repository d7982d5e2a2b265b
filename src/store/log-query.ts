// Runs parsed Graph collection queries (src/core/odata.ts) against the sign-in log and the audit log: every filter
// a parameterized expression, the tenant always in the WHERE, newest first with keyset paging on (created_at, id)
// (the (tenant_id, created_at, id) indexes of migration 0008) carried in an HMAC-protected $skiptoken bound to
// the query, and the display names of the users and apps a page refers to read in one query each.
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import { auditCategory } from '../core/graph-directory-audit.ts';
import type { CollectionQuery, FilterNode, Literal } from '../core/odata.ts';
import { type SignInConditionalAccessFacts, statusPrefix } from '../core/sign-in-facts.ts';
import type { Db } from './db.ts';
import { type AuditRecord, type SignInRecord, signInOf } from './logs.ts';
import type { Database } from './schema.ts';
import { type Cursor, decodeSkiptoken, keysetPage, queryFingerprint } from './skiptoken.ts';

export interface LogPage<T> {
  rows: T[];
  /** Present when more rows follow: the opaque value of the next page's `$skiptoken`. */
  skiptoken?: string;
  count?: number;
}
export type LogQueryResult<T> =
  | { ok: true; page: LogPage<T> }
  | { ok: false; code: 'GRAPH_SKIPTOKEN_INVALID'; detail: Record<string, string> };

export interface LogQueryOptions {
  /** Key of the $skiptoken HMAC, one per collection (derived from the instance secret by the caller). */
  skiptokenKey: Uint8Array;
}

type Table = 'sign_ins' | 'audit_logs';
type Eb<T extends Table> = ExpressionBuilder<Database, T>;
type Column = (eb: Eb<Table>, op: string, value: Literal) => Expression<SqlBool>;

const OPS: Record<string, string> = { eq: '=', ne: '<>', ge: '>=', le: '<=', gt: '>', lt: '<' };
const col =
  (name: string, fold = false): Column =>
  (eb, op, value) =>
    fold
      ? sql<SqlBool>`lower(${sql.ref(name)}) ${sql.raw(OPS[op]!)} lower(${String(value)})`
      : eb(sql.ref(name), OPS[op] as '=', value);

// Graph's status/errorCode is 0 on success (toGraphSignIn): `eq 0` is every successful row, `ne 0` every failed,
// and `ne 'CODE'` keeps the successes too (their error_code is NULL, which SQL's <> would drop).
const errorCodeColumn: Column = (eb, op, value) => {
  if (value === 0) return eb(sql.ref('result'), op === 'ne' ? '<>' : '=', 'success');
  const code = col('error_code')(eb, op, value);
  return op === 'ne' ? eb.or([eb(sql.ref('error_code'), 'is', null), code]) : code;
};

// The facts' JSON text begins with its status (core/sign-in-facts.ts serializeSignInFacts), so a status is a
// prefix comparison, the same SQL on both engines; an entry without facts is 'notApplied'. Never NULL, so `ne`
// (NOT) keeps the entries without facts.
const caStatusColumn: Column = (eb, op, value) => {
  const prefix = statusPrefix(String(value) as SignInConditionalAccessFacts['conditionalAccessStatus']);
  const has = sql<SqlBool>`coalesce(substr(conditional_access, 1, ${prefix.length}), '') = ${prefix}`;
  const is = value === 'notApplied' ? eb.or([eb(sql.ref('conditional_access'), 'is', null), has]) : has;
  return op === 'ne' ? eb.not(is) : is;
};

const SIGN_IN_COLUMNS: Record<string, Column> = {
  id: col('id'),
  createdDateTime: col('created_at'),
  userId: col('user_id'),
  userPrincipalName: col('user_principal_name', true),
  appId: col('app_id'),
  'status/errorCode': errorCodeColumn,
  conditionalAccessStatus: caStatusColumn,
  correlationId: col('correlation_id'),
};

const CATEGORY_TARGETS = ['user', 'group', 'app', 'role', 'policy', 'passkey', 'tap'];
const AUDIT_COLUMNS: Record<string, Column> = {
  id: col('id'),
  activityDateTime: col('created_at'),
  activityDisplayName: col('activity', true),
  category: (eb, op, value) => {
    const types = CATEGORY_TARGETS.filter((t) => auditCategory(t) === value);
    const inCategory = types.length ? eb('target_type', 'in', types) : eb.lit(false);
    return op === 'ne' ? eb.not(inCategory) : inCategory;
  },
  'initiatedBy/user/id': (eb, op, value) => eb.and([eb('actor_type', '=', 'user'), col('actor_id')(eb, op, value)]),
  'initiatedBy/app/appId': (eb, op, value) => eb.and([eb('actor_type', '=', 'app'), col('actor_id')(eb, op, value)]),
};

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const LIKE_COLUMNS: Record<string, string> = {
  userPrincipalName: 'user_principal_name',
  activityDisplayName: 'activity',
};

function filterExpression(eb: Eb<Table>, f: FilterNode, columns: Record<string, Column>): Expression<SqlBool> {
  switch (f.op) {
    case 'and':
    case 'or': {
      const both = [filterExpression(eb, f.left, columns), filterExpression(eb, f.right, columns)];
      return f.op === 'and' ? eb.and(both) : eb.or(both);
    }
    case 'not':
      return eb.not(filterExpression(eb, f.operand, columns));
    case 'in':
      return eb.or(f.values.map((v) => columns[f.property]!(eb, 'eq', v)));
    case 'startswith': {
      const c = LIKE_COLUMNS[f.property];
      if (!c) return eb.lit(false);
      return sql<SqlBool>`lower(${sql.ref(c)}) LIKE lower(${`${likeEscape(f.value)}%`}) ESCAPE '\\'`;
    }
    default: {
      const c = columns[f.property];
      return c ? c(eb, f.op, f.value) : eb.lit(false); // the parser admits only the properties above
    }
  }
}

/** Whether every row the filter admits has one of the correlation ids it names (an eq or in, alone or in an and). */
function pinsCorrelation(f: FilterNode | undefined): boolean {
  if (!f) return false;
  if (f.op === 'and') return pinsCorrelation(f.left) || pinsCorrelation(f.right);
  return (f.op === 'eq' || f.op === 'in') && f.property === 'correlationId';
}

function filtered(db: Db, table: Table, tenantId: string, query: CollectionQuery, columns: Record<string, Column>) {
  const where = (eb: Eb<Table>) => (query.filter ? filterExpression(eb, query.filter, columns) : eb.lit(true));
  // biome-ignore lint/suspicious/noExplicitAny: one query over either log table; the columns named exist in both
  return (db as any).selectFrom(table).where('tenant_id', '=', tenantId).where(where);
}

function pageQuery(
  db: Db,
  table: Table,
  tenantId: string,
  query: CollectionQuery,
  columns: Record<string, Column>,
  cursor?: Cursor,
) {
  // The few entries of an authorization request are read from sign_ins_correlation and sorted: ordered (or paged)
  // by the bare column, SQLite (no statistics) walks the tenant's whole log on the time index instead (135 ms a
  // page at 200,000 rows, against 0.1 ms); `+ 0` keeps the same order and keyset without offering that index.
  const byTime = table === 'sign_ins' && pinsCorrelation(query.filter) ? sql`created_at + 0` : sql.ref('created_at');
  let q = filtered(db, table, tenantId, query, columns).selectAll();
  if (cursor) q = q.where(sql<SqlBool>`(${byTime}, id) < (${Number(cursor.key)}, ${cursor.id})`);
  return q
    .orderBy(byTime, 'desc')
    .orderBy('id', 'desc')
    .limit(query.top + 1) as {
    execute(): Promise<unknown[]>;
    compile(): { sql: string; parameters: readonly unknown[] };
  };
}

/** The sign-in page SELECT after `cursor` (one row more than $top); exported for plan tests. */
export const signInPageQuery = (db: Db, tenantId: string, query: CollectionQuery, cursor?: Cursor) =>
  pageQuery(db, 'sign_ins', tenantId, query, SIGN_IN_COLUMNS, cursor);
/** The audit page SELECT after `cursor` (one row more than $top); exported for plan tests. */
export const auditPageQuery = (db: Db, tenantId: string, query: CollectionQuery, cursor?: Cursor) =>
  pageQuery(db, 'audit_logs', tenantId, query, AUDIT_COLUMNS, cursor);

async function page<T extends Table, R>(
  db: Db,
  table: T,
  tenantId: string,
  query: CollectionQuery,
  opts: LogQueryOptions,
  columns: Record<string, Column>,
  map: (row: Database[T]) => R,
): Promise<LogQueryResult<R>> {
  const fingerprint = queryFingerprint(tenantId, query);
  let cursor: Cursor | undefined;
  if (query.skiptoken !== undefined) {
    cursor = decodeSkiptoken(query.skiptoken, fingerprint, opts.skiptokenKey);
    if (!cursor || cursor.key === null || !/^\d{1,16}$/.test(cursor.key))
      return { ok: false, code: 'GRAPH_SKIPTOKEN_INVALID', detail: { parameter: '$skiptoken' } };
  }
  const rows = (await pageQuery(db, table, tenantId, query, columns, cursor).execute()) as Database[T][];
  const keyset = keysetPage(
    rows,
    query.top,
    (row) => {
      const last = row as unknown as { created_at: number | string; id: string };
      return { key: String(Number(last.created_at)), id: last.id };
    },
    fingerprint,
    opts.skiptokenKey,
  );
  const out: LogPage<R> = { rows: keyset.rows.map(map) };
  if (keyset.skiptoken) out.skiptoken = keyset.skiptoken;
  if (query.count) {
    const r = await filtered(db, table, tenantId, query, columns)
      .select(sql<number | string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    out.count = Number(r.n);
  }
  return { ok: true, page: out };
}

const auditOf = (r: Database['audit_logs']): AuditRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  createdAt: Number(r.created_at),
  actorType: r.actor_type as AuditRecord['actorType'],
  actorId: r.actor_id,
  activity: r.activity,
  targetType: r.target_type,
  targetId: r.target_id,
  detail: JSON.parse(r.detail) as Record<string, string>,
});

/** One page of the tenant's sign-ins matching `query`, newest first. */
export function querySignIns(db: Db, tenantId: string, query: CollectionQuery, opts: LogQueryOptions) {
  return page(db, 'sign_ins', tenantId, query, opts, SIGN_IN_COLUMNS, signInOf);
}

/** One page of the tenant's audit rows matching `query`, newest first. */
export function queryAudits(db: Db, tenantId: string, query: CollectionQuery, opts: LogQueryOptions) {
  return page(db, 'audit_logs', tenantId, query, opts, AUDIT_COLUMNS, auditOf);
}

export async function findSignIn(db: Db, tenantId: string, id: string): Promise<SignInRecord | undefined> {
  const r = await db
    .selectFrom('sign_ins')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r && signInOf(r);
}

export async function findAudit(db: Db, tenantId: string, id: string): Promise<AuditRecord | undefined> {
  const r = await db
    .selectFrom('audit_logs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r && auditOf(r);
}

export interface Named {
  displayName: string;
  userPrincipalName?: string;
}

/** Display names of the tenant's users and apps among `ids` (the rest are gone or were never either). */
export async function namesOf(db: Db, tenantId: string, ids: readonly string[]): Promise<Map<string, Named>> {
  const wanted = [...new Set(ids)].filter((id) => id !== '');
  const names = new Map<string, Named>();
  if (wanted.length === 0) return names;
  const users = await db
    .selectFrom('users')
    .select(['id', 'display_name', 'user_principal_name'])
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', wanted)
    .execute();
  for (const u of users) names.set(u.id, { displayName: u.display_name, userPrincipalName: u.user_principal_name });
  const apps = await db
    .selectFrom('apps')
    .select(['id', 'display_name'])
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', wanted)
    .execute();
  for (const a of apps) names.set(a.id, { displayName: a.display_name });
  return names;
}
