// The users of the tenant, in Graph's user shape (src/core/graph-user.ts): list with OData query options, get by
// id or userPrincipalName, create, update, delete. Every lookup is in the token's tenant only: another tenant's
// user is as absent as one that never was.
import type { RoutePermission } from '../../core/authorization.ts';
import { type ErrorCode, SignetError } from '../../core/errors.ts';
import {
  graphUserCollection,
  graphUserEntity,
  parseUserCreate,
  parseUserUpdate,
  STORED_USER_PROPERTIES,
  toGraphUser,
  userEntityContext,
  userQuerySpec,
} from '../../core/graph-user.ts';
import {
  checkConsistencyLevel,
  nextLink,
  parseCollectionQuery,
  parseCountSegmentQuery,
  parseEntitySelect,
} from '../../core/odata.ts';
import { createDirectoryUser, deleteDirectoryUser, findUserByKey, updateDirectoryUser } from '../../flows/users.ts';
import { countUsers, queryUsers } from '../../store/user-query.ts';
import type { GraphCall, GraphRoute } from './route.ts';
import { skiptokenKey } from './skiptoken-key.ts';

const READ_ROLES = [
  'Global Reader',
  'Privileged Authentication Administrator',
  'Authentication Administrator',
  'Reports Reader',
] as const;

const READ: RoutePermission = {
  application: ['User.Read.All', 'User.ReadWrite.All'],
  delegated: { scopes: ['User.Read.All', 'User.ReadWrite.All'], roles: READ_ROLES },
};
// Entra's user administrator roles are not among Signet's: writes take a Global Administrator.
const WRITE: RoutePermission = {
  application: ['User.ReadWrite.All'],
  delegated: { scopes: ['User.ReadWrite.All'], roles: ['Global Administrator'] },
};

const refuse = (r: { code: ErrorCode; detail: Record<string, string> }): never => {
  throw new SignetError(r.code, r.detail);
};

const queryOf = (call: GraphCall) => (call.req.query ?? {}) as Record<string, unknown>;

/** `$select` of a single entity (the only query option Signet honours there; others are refused by name). */
function entitySelect(call: GraphCall): string[] | undefined {
  const parsed = parseEntitySelect(queryOf(call), userQuerySpec);
  if (!parsed.ok) return refuse(parsed);
  return parsed.select;
}

async function listUsers(call: GraphCall) {
  const { ctx, tenant, base, req } = call;
  const parsed = parseCollectionQuery(queryOf(call), userQuerySpec);
  if (!parsed.ok) return refuse(parsed);
  const query = parsed.query;
  const consistency = checkConsistencyLevel(query, req.headers.consistencylevel);
  if (!consistency.ok) return refuse(consistency);
  const result = await queryUsers(ctx.db, tenant.id, query, { skiptokenKey: skiptokenKey(ctx, 'users') });
  if (!result.ok) return refuse(result);
  const { page } = result;
  // The request's own URL below the version root, on the public base: `{base}/users?…`.
  const self = `${base}${req.url.replace(/^\/graph\/[^/?]+/, '')}`;
  return {
    body: graphUserCollection({
      graphBase: base,
      query,
      users: page.users,
      ...(page.count === undefined ? {} : { count: page.count }),
      ...(page.skiptoken === undefined ? {} : { nextLink: nextLink(self, page.skiptoken) }),
    }),
  };
}

export const userRoutes: GraphRoute[] = [
  { method: 'GET', path: '/users', permission: READ, handler: listUsers },
  {
    method: 'GET',
    path: '/users/:id',
    permission: READ,
    handler: async (call) => {
      // `/users/` (a trailing slash, as some scripts join URLs) is the collection, not a user with an empty id.
      if (call.params.id === '') return listUsers(call);
      // `GET /users/$count` (the SDKs' users.count): the number of matching users, never "no user named $count".
      if (call.params.id === '$count') {
        const parsed = parseCountSegmentQuery(queryOf(call), userQuerySpec);
        if (!parsed.ok) return refuse(parsed);
        const consistency = checkConsistencyLevel(parsed.query, call.req.headers.consistencylevel);
        if (!consistency.ok) return refuse(consistency);
        return { body: await countUsers(call.ctx.db, call.tenant.id, parsed.query) };
      }
      const select = entitySelect(call);
      const user = await findUserByKey(call.ctx.db, call.tenant.id, call.params.id ?? '');
      if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
      return { body: graphUserEntity(call.base, user, select) };
    },
  },
  {
    method: 'POST',
    path: '/users',
    permission: WRITE,
    handler: async ({ ctx, tenant, principal, body, base, req }) => {
      const parsed = parseUserCreate(body ?? req.body);
      if (!parsed.ok) return refuse(parsed);
      const user = await createDirectoryUser(ctx, tenant, principal, parsed.value);
      // Every stored property, so the script sees what it created (accountEnabled and createdDateTime too).
      return {
        status: 201,
        body: { '@odata.context': userEntityContext(base), ...toGraphUser(user, STORED_USER_PROPERTIES) },
      };
    },
  },
  {
    method: 'PATCH',
    path: '/users/:id',
    permission: WRITE,
    handler: async ({ ctx, tenant, principal, params, req }) => {
      const parsed = parseUserUpdate(req.body);
      if (!parsed.ok) {
        // The user must exist before the body is judged, so a refusal never tells another tenant anything.
        if (!(await findUserByKey(ctx.db, tenant.id, params.id ?? '')))
          throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
        return refuse(parsed);
      }
      await updateDirectoryUser(ctx, tenant, principal, params.id ?? '', parsed.value);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    path: '/users/:id',
    permission: WRITE,
    handler: async ({ ctx, tenant, principal, params }) => {
      await deleteDirectoryUser(ctx, tenant, principal, params.id ?? '');
      return { status: 204 };
    },
  },
];
