// Signet's own passkey coverage per group (Graph has no such report): one aggregate query for a page of groups,
// one for the tenant's total; never a loop over users. The registration report is report-query.ts.
import { sql } from 'kysely';
import type { ErrorCode } from '../core/errors.ts';
import type { CollectionQuery } from '../core/odata.ts';
import type { Db } from './db.ts';
import { decodeSkiptoken, keysetPage, queryFingerprint } from './skiptoken.ts';

export interface GroupCoverageRow {
  id: string;
  displayName: string;
  memberCount: number;
  membersWithPasskey: number;
  membersWithDeviceBoundPasskey: number;
  membersPasswordlessCapable: number;
}

export type GroupCoverageResult =
  | {
      ok: true;
      page: { groups: GroupCoverageRow[]; tenant: Omit<GroupCoverageRow, 'id' | 'displayName'>; skiptoken?: string };
    }
  | { ok: false; code: ErrorCode; detail: Record<string, string> };

/**
 * Passkey coverage per group (Signet's own report): one aggregate query for a page of groups in id order, and
 * one for the tenant's users as a whole. A member counts as passwordless-capable when they hold a passkey
 * (isPasswordlessCapable in src/core/registration-report.ts).
 */
export async function queryGroupPasskeyCoverage(
  db: Db,
  tenantId: string,
  query: CollectionQuery,
  opts: { skiptokenKey: Uint8Array },
): Promise<GroupCoverageResult> {
  const fingerprint = queryFingerprint(tenantId, query);
  let after: string | undefined;
  if (query.skiptoken !== undefined) {
    const cursor = decodeSkiptoken(query.skiptoken, fingerprint, opts.skiptokenKey);
    if (!cursor) return { ok: false, code: 'GRAPH_SKIPTOKEN_INVALID', detail: { parameter: '$skiptoken' } };
    after = cursor.id;
  }
  const rows = await groupCoverageQuery(db, tenantId, query.top, after).execute();
  const keyset = keysetPage(rows, query.top, (last) => ({ key: null, id: last.id }), fingerprint, opts.skiptokenKey);
  const page = keyset.rows.map((r) => ({
    id: r.id,
    displayName: r.display_name,
    memberCount: Number(r.member_count),
    membersWithPasskey: Number(r.with_passkey ?? 0),
    membersWithDeviceBoundPasskey: Number(r.with_device_bound ?? 0),
    membersPasswordlessCapable: Number(r.with_passkey ?? 0),
  }));
  const t = await tenantCoverageQuery(db, tenantId).executeTakeFirstOrThrow();
  return {
    ok: true,
    page: {
      groups: page,
      tenant: {
        memberCount: Number(t.member_count),
        membersWithPasskey: Number(t.with_passkey ?? 0),
        membersWithDeviceBoundPasskey: Number(t.with_device_bound ?? 0),
        membersPasswordlessCapable: Number(t.with_passkey ?? 0),
      },
      ...(keyset.skiptoken ? { skiptoken: keyset.skiptoken } : {}),
    },
  };
}

/** 1 when the user (a column reference) holds a passkey (device-bound only, if asked), else 0. */
function passkeyFlag(tenantId: string, userColumn: string, deviceBoundOnly: boolean) {
  const kind = deviceBoundOnly ? sql` AND pk.backup_eligible = 0` : sql``;
  return sql<number>`CASE WHEN EXISTS (SELECT 1 FROM passkeys pk WHERE pk.tenant_id = ${tenantId} AND pk.user_id = ${sql.ref(userColumn)}${kind}) THEN 1 ELSE 0 END`;
}

/** The tenant's passkey holders, one row per user: 0 in synced_only when one of their passkeys is device-bound.
 * Read in the order of the (tenant_id, user_id) index of passkeys. */
function passkeyHolders(db: Db, tenantId: string) {
  return db
    .selectFrom('passkeys')
    .select((eb) => ['user_id', eb.fn.min<number>('backup_eligible').as('synced_only')])
    .where('tenant_id', '=', tenantId)
    .groupBy('user_id');
}

const DEVICE_BOUND = sql<number>`CASE WHEN h.synced_only = 0 THEN 1 ELSE 0 END`;

/** The page's aggregate SELECT: the page of groups first (one more than asked, to tell whether another page
 * follows), then their members, each probing the (tenant_id, user_id) index of passkeys: the cost follows the
 * page's members, not the tenant's size. */
export function groupCoverageQuery(db: Db, tenantId: string, top: number, after?: string) {
  return (
    db
      .with('page', (d) => {
        let q = d.selectFrom('groups').select(['id', 'tenant_id', 'display_name']).where('tenant_id', '=', tenantId);
        if (after !== undefined) q = q.where('id', '>', after);
        return q.orderBy('id').limit(top + 1);
      })
      .selectFrom('page')
      // By the (group_id, user_id) key: a page's members only. The tenant is checked too, written so that no
      // planner reads the (tenant_id, user_id) index for it instead, which would walk every membership of the tenant.
      .leftJoin('group_members as gm', (j) =>
        j.onRef('gm.group_id', '=', 'page.id').on(sql<string>`gm.tenant_id || ''`, '=', sql.ref('page.tenant_id')),
      )
      .select((eb) => [
        'page.id',
        'page.display_name',
        eb.fn.count<number | string>('gm.user_id').as('member_count'),
        eb.fn.sum<number | string | null>(passkeyFlag(tenantId, 'gm.user_id', false)).as('with_passkey'),
        eb.fn.sum<number | string | null>(passkeyFlag(tenantId, 'gm.user_id', true)).as('with_device_bound'),
      ])
      .groupBy(['page.id', 'page.display_name'])
      .orderBy('page.id')
  );
}

/** The tenant-wide total: every user of the tenant, whether in a group or not. */
export function tenantCoverageQuery(db: Db, tenantId: string) {
  return db.selectFrom(passkeyHolders(db, tenantId).as('h')).select((eb) => [
    eb
      .selectFrom('users')
      .select((e) => e.fn.countAll<number | string>().as('n'))
      .where('tenant_id', '=', tenantId)
      .as('member_count'),
    eb.fn.countAll<number | string>().as('with_passkey'),
    eb.fn.sum<number | string | null>(DEVICE_BOUND).as('with_device_bound'),
  ]);
}
