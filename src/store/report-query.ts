// The userRegistrationDetails report over the users table: one keyset-paged page of users (the users paging of
// user-query.ts, with this report's computed properties as filters of its own), then one batched query for the
// methods of that page's users. Never a query per user (Signet's own coverage per group: coverage-query.ts).
// The SQL filters say in SQL what
// src/core/registration-report.ts says in code; the integration tests hold the two to each other.
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { ErrorCode } from '../core/errors.ts';
import type { CollectionQuery, FilterNode, Literal } from '../core/odata.ts';
import {
  type RegistrationFacts,
  type ReportPasskey,
  type ReportTap,
  SECURITY_KEY_TRANSPORTS,
} from '../core/registration-report.ts';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';
import { queryUsers, type UserFilterExtension } from './user-query.ts';
import { findUserById, type User } from './users.ts';

export interface RegistrationPage {
  rows: RegistrationFacts[];
  skiptoken?: string;
  count?: number;
}

export type RegistrationQueryResult =
  | { ok: true; page: RegistrationPage }
  | { ok: false; code: ErrorCode; detail: Record<string, string> };

/** The report's names of the user's own properties, as the users query knows them. */
const USER_PROPERTY: Record<string, string> = { userDisplayName: 'displayName' };

function asUserQuery(q: CollectionQuery): CollectionQuery {
  const rename = (f: FilterNode): FilterNode => {
    switch (f.op) {
      case 'and':
      case 'or':
        return { ...f, left: rename(f.left), right: rename(f.right) };
      case 'not':
        return { ...f, operand: rename(f.operand) };
      default:
        return { ...f, property: USER_PROPERTY[f.property] ?? f.property };
    }
  };
  return {
    ...q,
    ...(q.filter ? { filter: rename(q.filter) } : {}),
    ...(q.orderBy
      ? { orderBy: { ...q.orderBy, property: USER_PROPERTY[q.orderBy.property] ?? q.orderBy.property } }
      : {}),
  };
}

type Eb = ExpressionBuilder<Database, 'users'>;

/** Whether the user has a passkey (of the kind given): an EXISTS on the (tenant_id, user_id) index. */
function hasPasskey(eb: Eb, tenantId: string, kind: 'any' | 'deviceBound' | 'synced' | 'securityKey') {
  let q = eb
    .selectFrom('passkeys as pk')
    .select(sql.lit(1).as('one'))
    .where('pk.tenant_id', '=', tenantId)
    .whereRef('pk.user_id', '=', 'users.id');
  if (kind === 'deviceBound' || kind === 'securityKey') q = q.where('pk.backup_eligible', '=', 0);
  if (kind === 'synced') q = q.where('pk.backup_eligible', '=', 1);
  if (kind === 'securityKey')
    // transports is a JSON array of strings: a roaming transport, and neither internal nor hybrid (isSecurityKey).
    q = q
      .where((e) => e.or(SECURITY_KEY_TRANSPORTS.map((t) => e('pk.transports', 'like', `%"${t}"%`))))
      .where('pk.transports', 'not like', '%"internal"%')
      .where('pk.transports', 'not like', '%"hybrid"%');
  return eb.exists(q);
}

function methodRegistered(eb: Eb, tenantId: string, now: number, method: Literal): Expression<SqlBool> {
  switch (method) {
    case 'passKeyDeviceBound':
      return hasPasskey(eb, tenantId, 'deviceBound');
    case 'passKeySynced':
      return hasPasskey(eb, tenantId, 'synced');
    case 'fido2SecurityKey':
      return hasPasskey(eb, tenantId, 'securityKey');
    case 'temporaryAccessPass':
      // isTapRegistered: not expired, and not a used single-use pass.
      return eb.exists(
        eb
          .selectFrom('taps as t')
          .select(sql.lit(1).as('one'))
          .where('t.tenant_id', '=', tenantId)
          .whereRef('t.user_id', '=', 'users.id')
          .where('t.expires_at', '>', now)
          .where((e) => e.or([e('t.one_time', '=', 0), e('t.used_at', 'is', null)])),
      );
  }
  return eb.lit(false); // a method of Graph's list that Signet never registers
}

/** The report's computed properties as SQL over `users` (src/core/registration-report.ts, the same rules). */
function reportFilter(tenantId: string, now: number): UserFilterExtension {
  return (eb, f) => {
    if (f.op === 'any' && f.property === 'methodsRegistered') return methodRegistered(eb, tenantId, now, f.value);
    if (f.op !== 'eq' && f.op !== 'ne') return undefined;
    const value = f.value;
    const is = (e: Expression<SqlBool>) => {
      const positive = value === true ? e : eb.not(e);
      return f.op === 'ne' ? eb.not(positive) : positive;
    };
    switch (f.property) {
      case 'isMfaCapable':
      case 'isMfaRegistered':
      case 'isPasswordlessCapable':
        return is(hasPasskey(eb, tenantId, 'any'));
      case 'isAdmin':
        return is(
          eb.exists(
            eb
              .selectFrom('role_assignments as ra')
              .select(sql.lit(1).as('one'))
              .where('ra.tenant_id', '=', tenantId)
              .whereRef('ra.user_id', '=', 'users.id'),
          ),
        );
      case 'isSsprCapable':
      case 'isSsprEnabled':
      case 'isSsprRegistered':
      case 'isSystemPreferredAuthenticationMethodEnabled':
        return is(eb.lit(false)); // always false in Signet
      case 'userType': {
        const member = String(value).toLowerCase() === 'member';
        return eb.lit(f.op === 'ne' ? !member : member); // every Signet user is a member
      }
    }
    return undefined;
  };
}

/** One page of the report, after the page its `$skiptoken` (if any) ends. */
export async function queryRegistrationDetails(
  db: Db,
  tenantId: string,
  query: CollectionQuery,
  opts: { skiptokenKey: Uint8Array; now: number },
): Promise<RegistrationQueryResult> {
  const result = await queryUsers(db, tenantId, asUserQuery(query), {
    skiptokenKey: opts.skiptokenKey,
    extraFilter: reportFilter(tenantId, opts.now),
  });
  if (!result.ok) return result;
  const { page } = result;
  return {
    ok: true,
    page: {
      rows: await registrationFactsOf(db, tenantId, page.users),
      ...(page.skiptoken === undefined ? {} : { skiptoken: page.skiptoken }),
      ...(page.count === undefined ? {} : { count: page.count }),
    },
  };
}

/** One user's row of the report, by object id; undefined when the tenant has no such user. */
export async function findRegistrationDetails(
  db: Db,
  tenantId: string,
  userId: string,
): Promise<RegistrationFacts | undefined> {
  const user = await findUserById(db, tenantId, userId);
  if (!user) return undefined;
  return (await registrationFactsOf(db, tenantId, [user]))[0];
}

/** The methods, roles and password of the given users, in one query (a UNION ALL of index lookups by user). */
export async function registrationFactsOf(
  db: Db,
  tenantId: string,
  users: readonly Pick<User, 'id' | 'userPrincipalName' | 'displayName' | 'createdAt'>[],
): Promise<RegistrationFacts[]> {
  if (users.length === 0) return [];
  const ids = users.map((u) => u.id);
  const rows = await registrationRowsQuery(db, tenantId, ids).execute();
  const byUser = new Map<
    string,
    { roles: string[]; passkeys: ReportPasskey[]; tap: ReportTap | null; passwordSetAt: number | null }
  >();
  for (const id of ids) byUser.set(id, { roles: [], passkeys: [], tap: null, passwordSetAt: null });
  for (const r of rows) {
    const facts = byUser.get(r.user_id);
    if (!facts) continue;
    if (r.kind === 'role') facts.roles.push(r.text ?? '');
    else if (r.kind === 'passkey')
      facts.passkeys.push({
        backupEligible: Number(r.flag) === 1,
        transports: JSON.parse(r.text ?? '[]') as string[],
        createdAt: Number(r.at),
      });
    else if (r.kind === 'tap')
      facts.tap = {
        createdAt: Number(r.at),
        expiresAt: Number(r.until),
        oneTime: Number(r.flag) === 1,
        usedAt: r.used === null ? null : Number(r.used),
      };
    else if (r.kind === 'password') facts.passwordSetAt = Number(r.at);
  }
  return users.map((u) => {
    const f = byUser.get(u.id)!;
    return {
      id: u.id,
      userPrincipalName: u.userPrincipalName,
      displayName: u.displayName,
      createdAt: u.createdAt,
      roles: f.roles,
      passkeys: f.passkeys,
      tap: f.tap,
      passwordSetAt: f.passwordSetAt,
    };
  });
}

/** The batched SELECT of a page's methods: one row per role, passkey, pass and password; exported for plan tests. */
export function registrationRowsQuery(db: Db, tenantId: string, userIds: readonly string[]) {
  const nullText = sql<string | null>`CAST(NULL AS text)`;
  const nullNumber = sql<number | null>`CAST(NULL AS bigint)`;
  return db
    .selectFrom('role_assignments')
    .select([
      'user_id',
      sql<string>`'role'`.as('kind'),
      sql<string | null>`role`.as('text'),
      sql<number>`0`.as('flag'),
      nullNumber.as('at'),
      nullNumber.as('until'),
      nullNumber.as('used'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('user_id', 'in', userIds)
    .unionAll(
      db
        .selectFrom('passkeys')
        .select([
          'user_id',
          sql<string>`'passkey'`.as('kind'),
          'transports as text',
          'backup_eligible as flag',
          'created_at as at',
          nullNumber.as('until'),
          nullNumber.as('used'),
        ])
        .where('tenant_id', '=', tenantId)
        .where('user_id', 'in', userIds),
    )
    .unionAll(
      db
        .selectFrom('taps')
        .select([
          'user_id',
          sql<string>`'tap'`.as('kind'),
          nullText.as('text'),
          'one_time as flag',
          'created_at as at',
          'expires_at as until',
          'used_at as used',
        ])
        .where('tenant_id', '=', tenantId)
        .where('user_id', 'in', userIds),
    )
    .unionAll(
      db
        .selectFrom('password_credentials')
        .select([
          'user_id',
          sql<string>`'password'`.as('kind'),
          nullText.as('text'),
          sql<number>`0`.as('flag'),
          'created_at as at',
          nullNumber.as('until'),
          nullNumber.as('used'),
        ])
        .where('tenant_id', '=', tenantId)
        .where('user_id', 'in', userIds),
    );
}
