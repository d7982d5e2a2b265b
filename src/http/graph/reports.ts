// Graph's authentication methods reports: userRegistrationDetails (list with $filter, $orderby, $top and
// @odata.nextLink paging; one user by object id), computed by src/core/registration-report.ts; and Signet's own
// passkey coverage per group (beta only: Graph has no such report). Every read is in the token's tenant only:
// another tenant's user is as absent as one that never was.
import type { RoutePermission } from '../../core/authorization.ts';
import { type ErrorCode, SignetError } from '../../core/errors.ts';
import { checkConsistencyLevel, type FilterNode, nextLink, parseCollectionQuery } from '../../core/odata.ts';
import {
  GRAPH_REGISTRATION_METHODS,
  groupPasskeyCoverageQuerySpec,
  registrationDetailsContext,
  registrationDetailsQuerySpec,
  toGroupPasskeyCoverage,
  toUserRegistrationDetails,
} from '../../core/registration-report.ts';
import { queryGroupPasskeyCoverage } from '../../store/coverage-query.ts';
import { findRegistrationDetails, queryRegistrationDetails } from '../../store/report-query.ts';
import type { GraphCall, GraphRoute } from './route.ts';
import { skiptokenKey } from './skiptoken-key.ts';

// As Graph: AuditLog.Read.All (graph.md §6.3); delegated to Reports Reader and Global Reader (Entra also names
// Security Reader and Security Administrator, which Signet does not have), and Global Administrator.
const READ: RoutePermission = {
  application: ['AuditLog.Read.All'],
  delegated: { scopes: ['AuditLog.Read.All'], roles: ['Reports Reader', 'Global Reader'] },
};

// Ours: the same readers, and Reports.Read.All too (Graph's permission for its usage reports).
const COVERAGE_READ: RoutePermission = {
  application: ['AuditLog.Read.All', 'Reports.Read.All'],
  delegated: { scopes: ['AuditLog.Read.All', 'Reports.Read.All'], roles: ['Reports Reader', 'Global Reader'] },
};

const refuse = (r: { code: ErrorCode; detail: Record<string, string> }): never => {
  throw new SignetError(r.code, r.detail);
};
const queryOf = (call: GraphCall) => (call.req.query ?? {}) as Record<string, unknown>;
const selfOf = (call: GraphCall) => `${call.base}${call.req.url.replace(/^\/graph\/[^/?]+/, '')}`;

const ROOT = '/reports/authenticationMethods';

/** A methodsRegistered value Graph does not define is a mistake in the script: say so rather than match nothing. */
function checkMethodNames(f: FilterNode | undefined): void {
  if (!f) return;
  if (f.op === 'and' || f.op === 'or') {
    checkMethodNames(f.left);
    checkMethodNames(f.right);
  } else if (f.op === 'not') checkMethodNames(f.operand);
  else if (f.op === 'any' && !GRAPH_REGISTRATION_METHODS.includes(String(f.value)))
    refuse({
      code: 'GRAPH_QUERY_INVALID',
      detail: {
        parameter: '$filter',
        reason: `methodsRegistered has no value ${String(f.value).slice(0, 40)}; it holds Graph's names such as passKeyDeviceBound, passKeySynced, fido2SecurityKey, temporaryAccessPass`,
      },
    });
}

export const reportRoutes: GraphRoute[] = [
  {
    method: 'GET',
    path: `${ROOT}/userRegistrationDetails`,
    permission: READ,
    handler: async (call) => {
      const parsed = parseCollectionQuery(queryOf(call), registrationDetailsQuerySpec);
      if (!parsed.ok) return refuse(parsed);
      const query = parsed.query;
      checkMethodNames(query.filter);
      const consistency = checkConsistencyLevel(query, call.req.headers.consistencylevel);
      if (!consistency.ok) return refuse(consistency);
      const now = call.ctx.now();
      const result = await queryRegistrationDetails(call.ctx.db, call.tenant.id, query, {
        skiptokenKey: skiptokenKey(call.ctx, 'userRegistrationDetails'),
        now,
      });
      if (!result.ok) return refuse(result);
      const { page } = result;
      return {
        body: {
          '@odata.context': registrationDetailsContext(call.base, query.select),
          ...(page.count === undefined ? {} : { '@odata.count': page.count }),
          value: page.rows.map((r) => toUserRegistrationDetails(r, now, query.select)),
          ...(page.skiptoken === undefined ? {} : { '@odata.nextLink': nextLink(selfOf(call), page.skiptoken) }),
        },
      };
    },
  },
  {
    method: 'GET',
    path: `${ROOT}/userRegistrationDetails/:id`,
    permission: READ,
    handler: async (call) => {
      const rawSelect = queryOf(call).$select;
      let select: string[] | undefined;
      if (rawSelect !== undefined) {
        const parsed = parseCollectionQuery({ $select: rawSelect }, registrationDetailsQuerySpec);
        if (!parsed.ok) return refuse(parsed);
        select = parsed.query.select;
      }
      const facts = await findRegistrationDetails(call.ctx.db, call.tenant.id, call.params.id ?? '');
      if (!facts) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'userRegistrationDetails' });
      return {
        body: {
          '@odata.context': registrationDetailsContext(call.base, select, true),
          ...toUserRegistrationDetails(facts, call.ctx.now(), select),
        },
      };
    },
  },
  {
    // Signet's own report, not Graph's (Graph has no passkey coverage per group): served on beta only, so a
    // v1.0 script never meets a resource Microsoft does not define.
    method: 'GET',
    path: `${ROOT}/groupPasskeyCoverage`,
    versions: ['beta'],
    permission: COVERAGE_READ,
    handler: async (call) => {
      const parsed = parseCollectionQuery(queryOf(call), groupPasskeyCoverageQuerySpec);
      if (!parsed.ok) return refuse(parsed);
      if (parsed.query.count)
        refuse({ code: 'GRAPH_QUERY_INVALID', detail: { parameter: '$count', reason: 'this report has no $count' } });
      const result = await queryGroupPasskeyCoverage(call.ctx.db, call.tenant.id, parsed.query, {
        skiptokenKey: skiptokenKey(call.ctx, 'groupPasskeyCoverage'),
      });
      if (!result.ok) return refuse(result);
      const { page } = result;
      return {
        body: {
          '@odata.context': `${call.base}/$metadata#reports/authenticationMethods/groupPasskeyCoverage`,
          tenantTotal: page.tenant,
          value: page.groups.map(toGroupPasskeyCoverage),
          ...(page.skiptoken === undefined ? {} : { '@odata.nextLink': nextLink(selfOf(call), page.skiptoken) }),
        },
      };
    },
  },
];
