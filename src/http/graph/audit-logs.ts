// The tenant's sign-in log and audit log as Graph's auditLogs/signIns and auditLogs/directoryAudits: newest
// first, $filter on the properties the specs in src/core name, $top with @odata.nextLink keyset paging, and one
// entry by id. Every read is in the token's tenant only: another tenant's row is as absent as one never written.
import type { RoutePermission } from '../../core/authorization.ts';
import { type ErrorCode, SignetError } from '../../core/errors.ts';
import {
  directoryAuditEntityContext,
  directoryAuditQuerySpec,
  graphDirectoryAuditCollection,
  toGraphDirectoryAudit,
} from '../../core/graph-directory-audit.ts';
import {
  checkSignInFilter,
  graphSignInCollection,
  signInEntityContext,
  signInQuerySpec,
  toGraphSignIn,
} from '../../core/graph-sign-in.ts';
import {
  checkConsistencyLevel,
  nextLink,
  parseCollectionQuery,
  parseEntitySelect,
  type ResourceSpec,
} from '../../core/odata.ts';
import { findAudit, findSignIn, namesOf, queryAudits, querySignIns } from '../../store/log-query.ts';
import type { AuditRecord, SignInRecord } from '../../store/logs.ts';
import type { GraphCall, GraphRoute } from './route.ts';
import { skiptokenKey } from './skiptoken-key.ts';

// As Entra: AuditLog.Read.All, delegated to Reports Reader, Global Reader, Global Administrator and the
// authentication administrators (who read sign-ins to help users).
const READ: RoutePermission = {
  application: ['AuditLog.Read.All'],
  delegated: {
    scopes: ['AuditLog.Read.All'],
    roles: [
      'Reports Reader',
      'Global Reader',
      'Global Administrator',
      'Authentication Administrator',
      'Privileged Authentication Administrator',
    ],
  },
};

const refuse = (r: { code: ErrorCode; detail: Record<string, string> }): never => {
  throw new SignetError(r.code, r.detail);
};
const queryOf = (call: GraphCall) => (call.req.query ?? {}) as Record<string, unknown>;

/** Parses and checks a log collection's query options; lambda filters (any/all) get a refusal that says so. */
function logQuery(call: GraphCall, spec: ResourceSpec) {
  const params = queryOf(call);
  const filter = params.$filter;
  if (typeof filter === 'string' && /\/\s*(any|all)\s*\(/i.test(filter))
    refuse({
      code: 'GRAPH_QUERY_INVALID',
      detail: { parameter: '$filter', reason: 'lambda operators (any, all) are not supported on this collection' },
    });
  const parsed = parseCollectionQuery(params, spec);
  if (!parsed.ok) return refuse(parsed);
  // Scripts ask for `createdDateTime desc`, the one order the log is read in; any other is refused by name.
  const order = parsed.query.orderBy;
  if (order && order.direction !== 'desc')
    refuse({
      code: 'GRAPH_QUERY_INVALID',
      detail: { parameter: '$orderby', reason: `this collection is read newest first only (${order.property} desc)` },
    });
  const consistency = checkConsistencyLevel(parsed.query, call.req.headers.consistencylevel);
  if (!consistency.ok) return refuse(consistency);
  return parsed.query;
}

function entitySelect(call: GraphCall, spec: ResourceSpec): string[] | undefined {
  const parsed = parseEntitySelect(queryOf(call), spec);
  if (!parsed.ok) return refuse(parsed);
  return parsed.select;
}

// The audit log as Graph serves it to scripts: `activityDateTime desc` (the order it is read in) may be named,
// ne runs without the directory's advanced-query pair, and a page holds up to 1,000 entries.
const directoryAuditsSpec: ResourceSpec = {
  ...directoryAuditQuerySpec,
  properties: {
    ...directoryAuditQuerySpec.properties,
    activityDateTime: { ...directoryAuditQuerySpec.properties.activityDateTime!, orderBy: true },
  },
  advancedQueryRules: false,
  maxPageSize: 1000,
};

const selfOf = (call: GraphCall) => `${call.base}${call.req.url.replace(/^\/graph\/[^/?]+/, '')}`;
const notFound = () => new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'log entry' });

async function signInNames(call: GraphCall, rows: readonly SignInRecord[]) {
  const names = await namesOf(
    call.ctx.db,
    call.tenant.id,
    rows.flatMap((r) => [r.userId ?? '', r.appId ?? '']),
  );
  return rows.map((record) => ({
    record,
    names: {
      ...(record.userId && names.has(record.userId) ? { userDisplayName: names.get(record.userId)!.displayName } : {}),
      ...(record.appId && names.has(record.appId) ? { appDisplayName: names.get(record.appId)!.displayName } : {}),
    },
  }));
}

async function auditNames(call: GraphCall, rows: readonly AuditRecord[]) {
  const names = await namesOf(
    call.ctx.db,
    call.tenant.id,
    rows.flatMap((r) => [r.actorId ?? '', r.targetId ?? '']),
  );
  return rows.map((record) => {
    const actor = record.actorId ? names.get(record.actorId) : undefined;
    const target = record.targetId ? names.get(record.targetId) : undefined;
    return { record, names: { ...(actor ? { actor } : {}), ...(target ? { target } : {}) } };
  });
}

export const auditLogRoutes: GraphRoute[] = [
  {
    method: 'GET',
    path: '/auditLogs/signIns',
    permission: READ,
    handler: async (call) => {
      const query = logQuery(call, signInQuerySpec);
      const values = checkSignInFilter(query.filter);
      if (!values.ok) return refuse(values);
      const result = await querySignIns(call.ctx.db, call.tenant.id, query, {
        skiptokenKey: skiptokenKey(call.ctx, 'signIns'),
      });
      if (!result.ok) return refuse(result);
      const { page } = result;
      return {
        body: graphSignInCollection({
          graphBase: call.base,
          query,
          rows: await signInNames(call, page.rows),
          ...(page.count === undefined ? {} : { count: page.count }),
          ...(page.skiptoken === undefined ? {} : { nextLink: nextLink(selfOf(call), page.skiptoken) }),
        }),
      };
    },
  },
  {
    method: 'GET',
    path: '/auditLogs/signIns/:id',
    permission: READ,
    handler: async (call) => {
      const select = entitySelect(call, signInQuerySpec);
      const row = await findSignIn(call.ctx.db, call.tenant.id, call.params.id ?? '');
      if (!row) throw notFound();
      const [named] = await signInNames(call, [row]);
      return {
        body: { '@odata.context': signInEntityContext(call.base), ...toGraphSignIn(row, named!.names, select) },
      };
    },
  },
  {
    method: 'GET',
    path: '/auditLogs/directoryAudits',
    permission: READ,
    handler: async (call) => {
      const query = logQuery(call, directoryAuditsSpec);
      const result = await queryAudits(call.ctx.db, call.tenant.id, query, {
        skiptokenKey: skiptokenKey(call.ctx, 'directoryAudits'),
      });
      if (!result.ok) return refuse(result);
      const { page } = result;
      return {
        body: graphDirectoryAuditCollection({
          graphBase: call.base,
          query,
          rows: await auditNames(call, page.rows),
          ...(page.count === undefined ? {} : { count: page.count }),
          ...(page.skiptoken === undefined ? {} : { nextLink: nextLink(selfOf(call), page.skiptoken) }),
        }),
      };
    },
  },
  {
    method: 'GET',
    path: '/auditLogs/directoryAudits/:id',
    permission: READ,
    handler: async (call) => {
      const select = entitySelect(call, directoryAuditQuerySpec);
      const row = await findAudit(call.ctx.db, call.tenant.id, call.params.id ?? '');
      if (!row) throw notFound();
      const [named] = await auditNames(call, [row]);
      return {
        body: {
          '@odata.context': directoryAuditEntityContext(call.base),
          ...toGraphDirectoryAudit(row, named!.names, select),
        },
      };
    },
  },
];
