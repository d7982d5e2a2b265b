// Directory roles (`directoryRoles`, with their members) and role assignments
// (`roleManagement/directory/roleAssignments`) in Graph's shapes (src/core/graph-role.ts). Every lookup is in the
// token's tenant only: another tenant's role or assignment is as absent as one that never was.
import type { RoleName, RoutePermission } from '../../core/authorization.ts';
import { SignetError } from '../../core/errors.ts';
import {
  parseRoleAssignmentCreate,
  parseRoleAssignmentFilter,
  parseRoleAssignmentId,
  ROLE_NAMES,
  roleAssignmentQuerySpec,
  roleOfDirectoryRoleId,
  roleOfTemplateId,
  toGraphDirectoryRole,
  toGraphRoleAssignment,
} from '../../core/graph-role.ts';
import { toGraphUser, USER_ODATA_TYPE } from '../../core/graph-user.ts';
import { nextLink, parseCollectionQuery } from '../../core/odata.ts';
import { assignDirectoryRole, removeDirectoryRole } from '../../flows/roles.ts';
import { hasRoleAssignment, queryRoleAssignments, usersWithRole } from '../../store/role-assignments.ts';
import type { GraphCall, GraphRoute } from './route.ts';
import { skiptokenKey } from './skiptoken-key.ts';

// Graph reads roles with RoleManagement.Read.Directory or Directory.Read.All, which Signet does not grant; of
// the permissions Signet knows, RoleManagement.ReadWrite.Directory is the one Graph lists. Reads take a Global
// Reader; writes a Global Administrator (src/core/role-rules.ts then decides per role).
const READ: RoutePermission = {
  application: ['RoleManagement.ReadWrite.Directory'],
  delegated: { scopes: ['RoleManagement.ReadWrite.Directory'], roles: ['Global Reader'] },
};
const WRITE: RoutePermission = {
  application: ['RoleManagement.ReadWrite.Directory'],
  delegated: { scopes: ['RoleManagement.ReadWrite.Directory'], roles: ['Global Administrator'] },
};

const queryOf = (call: GraphCall) => (call.req.query ?? {}) as Record<string, unknown>;
const selfUrl = (call: GraphCall) => `${call.base}${call.req.url.replace(/^\/graph\/[^/?]+/, '')}`;
const roleNotFound = () => new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'directoryRole' });
const assignmentNotFound = () => new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'unifiedRoleAssignment' });
const assignmentsContext = (base: string) => `${base}/$metadata#roleManagement/directory/roleAssignments`;

/**
 * The role a path names: by the tenant's directoryRole id (`/directoryRoles/{id}`), or by its role template id,
 * Graph's alternate key (`/directoryRoles(roleTemplateId='{id}')`), which is the same in every tenant: each
 * tenant's token reads its own tenant's role.
 */
function roleOf(call: GraphCall): RoleName {
  const role =
    call.params.roleTemplateId !== undefined
      ? roleOfTemplateId(call.params.roleTemplateId)
      : roleOfDirectoryRoleId(call.tenant.id, call.params.id ?? '');
  if (!role) throw roleNotFound();
  return role;
}

// find-my-way: the parameter is the text between the quotes (a regex parameter, so the quote ends it).
const BY_TEMPLATE_ID = "/directoryRoles(roleTemplateId=':roleTemplateId([^/']+)')";

const directoryRole = async (call: GraphCall) => ({
  body: {
    '@odata.context': `${call.base}/$metadata#directoryRoles/$entity`,
    ...toGraphDirectoryRole(call.tenant.id, roleOf(call)),
  },
});

async function directoryRoleMembers(call: GraphCall) {
  const users = await usersWithRole(call.ctx.db, call.tenant.id, roleOf(call));
  return {
    body: {
      '@odata.context': `${call.base}/$metadata#directoryObjects`,
      value: users.map((u) => ({ '@odata.type': USER_ODATA_TYPE, ...toGraphUser(u) })),
    },
  };
}

async function assignmentOf(call: GraphCall) {
  const a = parseRoleAssignmentId(call.params.id ?? '');
  if (!a || !(await hasRoleAssignment(call.ctx.db, call.tenant.id, a.userId, a.role))) throw assignmentNotFound();
  return a;
}

export const roleRoutes: GraphRoute[] = [
  {
    method: 'GET',
    path: '/directoryRoles',
    permission: READ,
    handler: async ({ tenant, base }) => ({
      body: {
        '@odata.context': `${base}/$metadata#directoryRoles`,
        value: ROLE_NAMES.map((r) => toGraphDirectoryRole(tenant.id, r)),
      },
    }),
  },
  { method: 'GET', path: '/directoryRoles/:id', permission: READ, handler: directoryRole },
  { method: 'GET', path: '/directoryRoles/:id/members', permission: READ, handler: directoryRoleMembers },
  { method: 'GET', path: BY_TEMPLATE_ID, permission: READ, handler: directoryRole },
  { method: 'GET', path: `${BY_TEMPLATE_ID}/members`, permission: READ, handler: directoryRoleMembers },
  {
    method: 'GET',
    path: '/roleManagement/directory/roleAssignments',
    permission: READ,
    handler: async (call) => {
      const { $filter, ...options } = queryOf(call);
      const parsedFilter = parseRoleAssignmentFilter($filter);
      if (!parsedFilter.ok) throw new SignetError(parsedFilter.code, parsedFilter.detail);
      const parsed = parseCollectionQuery(options, roleAssignmentQuerySpec);
      if (!parsed.ok) throw new SignetError(parsed.code, parsed.detail);
      const query = parsed.query;
      if (query.count || query.search || query.orderBy)
        throw new SignetError('GRAPH_QUERY_INVALID', {
          parameter: query.count ? '$count' : query.search ? '$search' : '$orderby',
          reason: 'not supported on this collection',
        });
      const f = parsedFilter.value;
      // The $filter takes part in the $skiptoken's binding as parsed (the user, the roles), not as written.
      const page = await queryRoleAssignments(
        call.ctx.db,
        call.tenant.id,
        {
          ...(f.principalId === undefined ? {} : { userId: f.principalId }),
          roles: f.none ? [] : f.role ? [f.role] : ROLE_NAMES,
        },
        query,
        skiptokenKey(call.ctx, 'roleAssignments'),
      );
      if (!page.ok) throw new SignetError(page.code, page.detail);
      const select = query.select ? `(${query.select.join(',')})` : '';
      return {
        body: {
          '@odata.context': `${assignmentsContext(call.base)}${select}`,
          value: page.items.map((r) =>
            toGraphRoleAssignment({ userId: r.userId, role: r.role as RoleName }, query.select),
          ),
          ...(page.skiptoken === undefined ? {} : { '@odata.nextLink': nextLink(selfUrl(call), page.skiptoken) }),
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/roleManagement/directory/roleAssignments/:id',
    permission: READ,
    handler: async (call) => ({
      body: {
        '@odata.context': `${assignmentsContext(call.base)}/$entity`,
        ...toGraphRoleAssignment(await assignmentOf(call)),
      },
    }),
  },
  {
    method: 'POST',
    path: '/roleManagement/directory/roleAssignments',
    permission: WRITE,
    handler: async ({ ctx, tenant, principal, base, req }) => {
      const parsed = parseRoleAssignmentCreate(req.body);
      if (!parsed.ok) throw new SignetError(parsed.code, parsed.detail);
      const a = await assignDirectoryRole(ctx, tenant, principal, parsed.value);
      return {
        status: 201,
        body: { '@odata.context': `${assignmentsContext(base)}/$entity`, ...toGraphRoleAssignment(a) },
      };
    },
  },
  {
    method: 'DELETE',
    path: '/roleManagement/directory/roleAssignments/:id',
    permission: WRITE,
    handler: async (call) => {
      const a = parseRoleAssignmentId(call.params.id ?? '');
      if (!a) throw assignmentNotFound();
      await removeDirectoryRole(call.ctx, call.tenant, call.principal, a);
      return { status: 204 };
    },
  },
];
