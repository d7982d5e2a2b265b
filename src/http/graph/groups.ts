// The tenant's security groups in Graph's group shape (src/core/graph-group.ts): list, get, create, update,
// delete; their members (`members`, `members/$ref`) and a user's `memberOf`. Every lookup is in the token's
// tenant only: another tenant's group or user is as absent as one that never was.
import type { RoutePermission } from '../../core/authorization.ts';
import { type ErrorCode, SignetError } from '../../core/errors.ts';
import {
  graphGroupCollection,
  graphGroupEntity,
  graphMemberCollection,
  graphMemberOfCollection,
  groupEntityContext,
  groupQuerySpec,
  memberOfQuerySpec,
  memberQuerySpec,
  parseGroupCreate,
  parseGroupUpdate,
  parseMemberReference,
  toGraphGroup,
} from '../../core/graph-group.ts';
import {
  type CollectionQuery,
  checkConsistencyLevel,
  nextLink,
  parseCollectionQuery,
  parseCountSegmentQuery,
  parseEntitySelect,
  type ResourceSpec,
} from '../../core/odata.ts';
import { addMember, createGroup, deleteDirectoryGroup, removeMember, updateGroup } from '../../flows/groups.ts';
import { findUserByKey } from '../../flows/users.ts';
import { findGroup, queryGroupMembers, queryGroups, queryMemberOf } from '../../store/groups.ts';
import type { GraphCall, GraphRoute } from './route.ts';
import { skiptokenKey } from './skiptoken-key.ts';

// Graph allows group reads with Group.Read.All or GroupMember.Read.All, which Signet does not grant; of the
// permissions Signet knows, Group.ReadWrite.All is the one Graph lists. Group administrator roles are not
// Signet's: reads take a Global Reader, writes a Global Administrator (who may always).
const READ: RoutePermission = {
  application: ['Group.ReadWrite.All'],
  delegated: { scopes: ['Group.ReadWrite.All'], roles: ['Global Reader'] },
};
const WRITE: RoutePermission = {
  application: ['Group.ReadWrite.All'],
  delegated: { scopes: ['Group.ReadWrite.All'], roles: ['Global Administrator'] },
};
// GET /users/{id}/memberOf: Graph lists User.Read.All among its permissions.
const MEMBER_OF: RoutePermission = {
  application: ['User.Read.All', 'User.ReadWrite.All'],
  delegated: { scopes: ['User.Read.All', 'User.ReadWrite.All'], roles: ['Global Reader'] },
};

const refuse = (r: { code: ErrorCode; detail: Record<string, string> }): never => {
  throw new SignetError(r.code, r.detail);
};
const groupNotFound = () => new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'group' });
const queryOf = (call: GraphCall) => (call.req.query ?? {}) as Record<string, unknown>;
/** The request's own URL below the version root, on the public base: `{base}/groups?…`. */
const selfUrl = (call: GraphCall) => `${call.base}${call.req.url.replace(/^\/graph\/[^/?]+/, '')}`;

function collectionQuery(call: GraphCall, spec: ResourceSpec): CollectionQuery {
  const parsed = parseCollectionQuery(queryOf(call), spec);
  if (!parsed.ok) return refuse(parsed);
  const consistency = checkConsistencyLevel(parsed.query, call.req.headers.consistencylevel);
  if (!consistency.ok) return refuse(consistency);
  return parsed.query;
}

const next = (call: GraphCall, skiptoken: string | undefined) =>
  skiptoken === undefined ? {} : { nextLink: nextLink(selfUrl(call), skiptoken) };

async function listGroups(call: GraphCall) {
  const query = collectionQuery(call, groupQuerySpec);
  const page = await queryGroups(call.ctx.db, call.tenant.id, query, skiptokenKey(call.ctx, 'groups'));
  if (!page.ok) return refuse(page);
  return {
    body: graphGroupCollection({
      graphBase: call.base,
      query,
      items: page.items,
      ...(page.count === undefined ? {} : { count: page.count }),
      ...next(call, page.skiptoken),
    }),
  };
}

export const groupRoutes: GraphRoute[] = [
  { method: 'GET', path: '/groups', permission: READ, handler: listGroups },
  {
    method: 'GET',
    path: '/groups/:id',
    permission: READ,
    handler: async (call) => {
      // `/groups/` (a trailing slash) is the collection, not a group with an empty id.
      if (call.params.id === '') return listGroups(call);
      // `GET /groups/$count`: the number of matching groups, never "no group named $count".
      if (call.params.id === '$count') {
        const parsed = parseCountSegmentQuery(queryOf(call), groupQuerySpec);
        if (!parsed.ok) return refuse(parsed);
        const consistency = checkConsistencyLevel(parsed.query, call.req.headers.consistencylevel);
        if (!consistency.ok) return refuse(consistency);
        const page = await queryGroups(call.ctx.db, call.tenant.id, parsed.query, skiptokenKey(call.ctx, 'groups'));
        if (!page.ok) return refuse(page);
        return { body: page.count ?? 0 };
      }
      const parsed = parseEntitySelect(queryOf(call), groupQuerySpec);
      if (!parsed.ok) return refuse(parsed);
      const selected = parsed.select;
      const group = await findGroup(call.ctx.db, call.tenant.id, call.params.id ?? '');
      if (!group) throw groupNotFound();
      return { body: graphGroupEntity(call.base, group, selected) };
    },
  },
  {
    method: 'POST',
    path: '/groups',
    permission: WRITE,
    handler: async ({ ctx, tenant, principal, base, req }) => {
      const parsed = parseGroupCreate(req.body);
      if (!parsed.ok) return refuse(parsed);
      const group = await createGroup(ctx, tenant, principal, parsed.value);
      return { status: 201, body: { '@odata.context': groupEntityContext(base), ...toGraphGroup(group) } };
    },
  },
  {
    method: 'PATCH',
    path: '/groups/:id',
    permission: WRITE,
    handler: async ({ ctx, tenant, principal, params, req }) => {
      const parsed = parseGroupUpdate(req.body);
      if (!parsed.ok) {
        // The group must exist before the body is judged, so a refusal never tells another tenant anything.
        if (!(await findGroup(ctx.db, tenant.id, params.id ?? ''))) throw groupNotFound();
        return refuse(parsed);
      }
      await updateGroup(ctx, tenant, principal, params.id ?? '', parsed.value);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    path: '/groups/:id',
    permission: WRITE,
    handler: async ({ ctx, tenant, principal, params }) => {
      await deleteDirectoryGroup(ctx, tenant, principal, params.id ?? '');
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    path: '/groups/:id/members',
    permission: READ,
    handler: async (call) => {
      const query = collectionQuery(call, memberQuerySpec);
      const group = await findGroup(call.ctx.db, call.tenant.id, call.params.id ?? '');
      if (!group) throw groupNotFound();
      const page = await queryGroupMembers(
        call.ctx.db,
        call.tenant.id,
        group.id,
        query,
        skiptokenKey(call.ctx, 'groups'),
      );
      if (!page.ok) return refuse(page);
      return {
        body: graphMemberCollection({
          graphBase: call.base,
          query,
          items: page.items,
          ...(page.count === undefined ? {} : { count: page.count }),
          ...next(call, page.skiptoken),
        }),
      };
    },
  },
  {
    method: 'POST',
    path: '/groups/:id/members/$ref',
    permission: WRITE,
    handler: async ({ ctx, tenant, principal, params, req }) => {
      const parsed = parseMemberReference(req.body, `${ctx.config.origin}/graph`);
      if (!parsed.ok) {
        if (!(await findGroup(ctx.db, tenant.id, params.id ?? ''))) throw groupNotFound();
        return refuse(parsed);
      }
      await addMember(ctx, tenant, principal, params.id ?? '', parsed.value.id);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    path: '/groups/:id/members/:userId/$ref',
    permission: WRITE,
    handler: async ({ ctx, tenant, principal, params }) => {
      await removeMember(ctx, tenant, principal, params.id ?? '', params.userId ?? '');
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    path: '/users/:id/memberOf',
    permission: MEMBER_OF,
    handler: async (call) => {
      const query = collectionQuery(call, memberOfQuerySpec);
      const user = await findUserByKey(call.ctx.db, call.tenant.id, call.params.id ?? '');
      if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'user' });
      const page = await queryMemberOf(call.ctx.db, call.tenant.id, user.id, query, skiptokenKey(call.ctx, 'groups'));
      if (!page.ok) return refuse(page);
      return {
        body: graphMemberOfCollection({
          graphBase: call.base,
          query,
          items: page.items,
          ...(page.count === undefined ? {} : { count: page.count }),
          ...next(call, page.skiptoken),
        }),
      };
    },
  },
];
