// `signet log signins | audits`: the sign-in log and the audit log, newest first, with the filters a help desk
// asks for, through the same store queries (and Graph shapes, with --json) as auditLogs/signIns and
// auditLogs/directoryAudits.
import { SignetError } from '../core/errors.ts';
import { toGraphDirectoryAudit } from '../core/graph-directory-audit.ts';
import { toGraphSignIn } from '../core/graph-sign-in.ts';
import type { CollectionQuery, FilterNode } from '../core/odata.ts';
import { type Named, namesOf, queryAudits, querySignIns } from '../store/log-query.ts';
import type { Tenant } from '../store/tenants.ts';
import { collect, instantOption, pageKey, pagingOptions, rowLimit } from './listing.ts';
import type { PositionalCommand } from './positionals.ts';
import { type Runtime, tenantOption } from './runtime.ts';
import { table } from './table.ts';
import { userOption } from './user-admin.ts';

const tenantOpt = { type: 'string', description: 'tenant id or slug (default: the only tenant)' } as const;
const range = {
  since: { type: 'string', description: 'only entries at or after this ISO 8601 time' },
  until: { type: 'string', description: 'only entries at or before this ISO 8601 time' },
} as const;

const and = (nodes: FilterNode[]): FilterNode | undefined =>
  nodes.reduce<FilterNode | undefined>((l, r) => (l ? { op: 'and', left: l, right: r } : r), undefined);

function timeFilter(property: string, v: Record<string, unknown>): FilterNode[] {
  const since = instantOption('since', v.since);
  const until = instantOption('until', v.until);
  return [
    ...(since === undefined ? [] : [{ op: 'ge', property, value: since } as const]),
    ...(until === undefined ? [] : [{ op: 'le', property, value: until } as const]),
  ];
}

const queryOf = (filter: FilterNode | undefined, top: number, skiptoken?: string): CollectionQuery => ({
  ...(filter ? { filter } : {}),
  top,
  count: false,
  skiptoken,
  requiresEventualConsistency: false,
});

/** Display names of the users and apps the rows name, 500 ids a query (--all may read many rows). */
async function named(rt: Runtime, tenant: Tenant, ids: string[]) {
  const unique = [...new Set(ids)].filter((id) => id !== '');
  const out = new Map<string, Named>();
  for (let i = 0; i < unique.length; i += 500)
    for (const [k, n] of await namesOf(rt.ctx.db, tenant.id, unique.slice(i, i + 500))) out.set(k, n);
  return out;
}

export const logSignInsCommand: PositionalCommand = {
  name: 'log signins',
  summary: 'the sign-in log, newest first: who, when, the result and why it failed',
  usage:
    'signet log signins [--user ID|UPN] [--since ISO] [--until ISO] [--failed] [--top N | --all] [--tenant T] [--json]',
  positionals: [],
  options: {
    user: { type: 'string', description: 'only this user (object id or userPrincipalName)' },
    ...range,
    failed: { type: 'boolean', description: 'only failed sign-ins' },
    ...pagingOptions,
    tenant: tenantOpt,
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const parts = timeFilter('createdDateTime', v);
    // A UPN is matched as the log wrote it, so attempts for names that do not exist (or no longer do) are found too.
    if (typeof v.user === 'string')
      parts.push(
        v.user.includes('@')
          ? { op: 'eq', property: 'userPrincipalName', value: v.user }
          : { op: 'eq', property: 'userId', value: v.user },
      );
    // Graph's reading: errorCode is 0 on success, so `ne 0` is every failed attempt (with a code or without).
    if (v.failed === true) parts.push({ op: 'ne', property: 'status/errorCode', value: 0 });
    const filter = and(parts);
    const { items, more } = await collect(rowLimit(v), async (top, skiptoken) => {
      const r = await querySignIns(rt.ctx.db, tenant.id, queryOf(filter, top, skiptoken), { skiptokenKey: pageKey });
      return r.ok ? { ok: true, items: r.page.rows, skiptoken: r.page.skiptoken } : r;
    });
    const names = await named(
      rt,
      tenant,
      items.flatMap((r) => [r.userId ?? '', r.appId ?? '']),
    );
    const rows = items.map((r) =>
      toGraphSignIn(r, {
        ...(r.userId && names.has(r.userId) ? { userDisplayName: names.get(r.userId)!.displayName } : {}),
        ...(r.appId && names.has(r.appId) ? { appDisplayName: names.get(r.appId)!.displayName } : {}),
      }),
    );
    if (!rt.json) {
      rt.print(
        table(
          ['TIME', 'USER', 'APP', 'METHOD', 'RESULT'],
          items.map((r, i) => {
            const status = rows[i]!.status as { failureReason: string | null };
            return [
              new Date(r.createdAt).toISOString(),
              r.userPrincipalName,
              (rows[i]!.appDisplayName as string | null) ?? r.appId,
              r.method,
              r.result === 'success' ? 'success' : `${r.errorCode ?? 'failure'}: ${status.failureReason ?? ''}`,
            ];
          }),
          'No sign-ins match.',
        ),
      );
      if (more) rt.print('(older sign-ins follow: --top N for more, --all for every one)');
    }
    return { signIns: rows, more };
  },
};

export const logAuditsCommand: PositionalCommand = {
  name: 'log audits',
  summary: 'the audit log, newest first: every change, who made it and what it changed',
  usage:
    'signet log audits [--user ID|UPN] [--activity TEXT] [--since ISO] [--until ISO] [--top N | --all] [--tenant T] [--json]',
  positionals: [],
  options: {
    user: { type: 'string', description: 'only changes made by this user (object id or userPrincipalName)' },
    activity: { type: 'string', description: 'only activities starting with this, e.g. "Delete user"' },
    ...range,
    ...pagingOptions,
    tenant: tenantOpt,
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const parts = timeFilter('activityDateTime', v);
    if (typeof v.user === 'string') {
      const user = await userOption(rt, tenant, v.user);
      parts.push({ op: 'eq', property: 'initiatedBy/user/id', value: user.id });
    }
    if (typeof v.activity === 'string') {
      if (v.activity === '')
        throw new SignetError('REQUEST_INVALID', { field: '--activity', reason: 'may not be empty' });
      parts.push({ op: 'startswith', property: 'activityDisplayName', value: v.activity });
    }
    const filter = and(parts);
    const { items, more } = await collect(rowLimit(v), async (top, skiptoken) => {
      const r = await queryAudits(rt.ctx.db, tenant.id, queryOf(filter, top, skiptoken), { skiptokenKey: pageKey });
      return r.ok ? { ok: true, items: r.page.rows, skiptoken: r.page.skiptoken } : r;
    });
    const names = await named(
      rt,
      tenant,
      items.flatMap((r) => [r.actorId ?? '', r.targetId ?? '']),
    );
    const rows = items.map((r) => {
      const actor = r.actorId ? names.get(r.actorId) : undefined;
      const target = r.targetId ? names.get(r.targetId) : undefined;
      return toGraphDirectoryAudit(r, { ...(actor ? { actor } : {}), ...(target ? { target } : {}) });
    });
    if (!rt.json) {
      rt.print(
        table(
          ['TIME', 'ACTIVITY', 'BY', 'TARGET'],
          items.map((r) => {
            const actor = r.actorId ? names.get(r.actorId) : undefined;
            const target = r.targetId ? names.get(r.targetId) : undefined;
            return [
              new Date(r.createdAt).toISOString(),
              r.activity,
              r.actorType === 'system' ? 'Signet (CLI)' : (actor?.userPrincipalName ?? actor?.displayName ?? r.actorId),
              target?.userPrincipalName ?? target?.displayName ?? r.targetId,
            ];
          }),
          'No audit entries match.',
        ),
      );
      if (more) rt.print('(older entries follow: --top N for more, --all for every one)');
    }
    return { directoryAudits: rows, more };
  },
};
