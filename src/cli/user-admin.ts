// `signet user list | show | update | delete`: the same flows and store queries as Graph's /users routes, as the
// local operator (src/flows/local-operator.ts). Users are named by object id or userPrincipalName, as in Graph.
import { SignetError } from '../core/errors.ts';
import { parseUserUpdate, STORED_USER_PROPERTIES, toGraphUser, userQuerySpec } from '../core/graph-user.ts';
import { parseCollectionQuery } from '../core/odata.ts';
import { localOperator } from '../flows/local-operator.ts';
import { deleteDirectoryUser, findUserByKey, updateDirectoryUser } from '../flows/users.ts';
import { queryMemberOf } from '../store/groups.ts';
import { roleNamesOf } from '../store/role-assignments.ts';
import type { Tenant } from '../store/tenants.ts';
import { queryUsers } from '../store/user-query.ts';
import type { User } from '../store/users.ts';
import { collect, orNotFound, pageKey, pagingOptions, rowLimit } from './listing.ts';
import type { PositionalCommand } from './positionals.ts';
import { type Runtime, tenantOption } from './runtime.ts';
import { fields, table } from './table.ts';

const tenantOpt = { type: 'string', description: 'tenant id or slug (default: the only tenant)' } as const;
const userOpt = { type: 'string', required: true, description: 'the user: object id or userPrincipalName' } as const;

/** The user as Graph shows it (every stored property). */
export const userJson = (u: User) => toGraphUser(u, STORED_USER_PROPERTIES);

export async function userOption(rt: Runtime, tenant: Tenant, key: unknown): Promise<User> {
  const user = await findUserByKey(rt.ctx.db, tenant.id, String(key ?? ''));
  if (!user) throw userNotFound(String(key ?? ''));
  return user;
}

export const userNotFound = (key: string) =>
  new SignetError('USER_NOT_FOUND', {
    user: key,
    remediation: 'Check the object id or userPrincipalName; `npx signet user list` lists the users of the tenant.',
  });

export const userListCommand: PositionalCommand = {
  name: 'user list',
  summary: "list the users of a tenant (Graph $filter, e.g. startswith(userPrincipalName,'a'))",
  usage: 'signet user list [--filter EXPR] [--top N | --all] [--tenant T] [--json]',
  positionals: [],
  options: {
    filter: { type: 'string', description: "an OData $filter as Graph's /users takes it" },
    ...pagingOptions,
    tenant: tenantOpt,
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const limit = rowLimit(v);
    const params = v.filter === undefined ? {} : { $filter: String(v.filter) };
    const { items, more } = await collect(limit, async (top, skiptoken) => {
      const parsed = parseCollectionQuery({ ...params, $top: String(top) }, userQuerySpec);
      if (!parsed.ok) return parsed;
      const r = await queryUsers(rt.ctx.db, tenant.id, { ...parsed.query, skiptoken }, { skiptokenKey: pageKey });
      return r.ok ? { ok: true, items: r.page.users, skiptoken: r.page.skiptoken } : r;
    });
    if (!rt.json) {
      rt.print(
        table(
          ['ID', 'USER PRINCIPAL NAME', 'DISPLAY NAME', 'ENABLED', 'CREATED'],
          items.map((u) => [u.id, u.userPrincipalName, u.displayName, u.enabled ? 'yes' : 'no', iso(u.createdAt)]),
          'No users match.',
        ),
      );
      if (more) rt.print(`(more users follow: --top N for more, --all for every one)`);
    }
    return { users: items.map(userJson), more };
  },
};

export const userShowCommand: PositionalCommand = {
  name: 'user show',
  summary: 'show one user: properties, directory roles, groups',
  usage: 'signet user show ID|UPN [--tenant T] [--json]',
  positionals: ['user'],
  options: { user: userOpt, tenant: tenantOpt },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const user = await userOption(rt, tenant, v.user);
    const roles = await roleNamesOf(rt.ctx.db, tenant.id, user.id);
    const { items: groups } = await collect(Number.POSITIVE_INFINITY, async (top, skiptoken) =>
      queryMemberOf(
        rt.ctx.db,
        tenant.id,
        user.id,
        { top, count: false, skiptoken, requiresEventualConsistency: false },
        pageKey,
      ),
    );
    if (!rt.json)
      rt.print(
        fields([
          ['id', user.id],
          ['userPrincipalName', user.userPrincipalName],
          ['displayName', user.displayName],
          ['accountEnabled', user.enabled],
          ['createdDateTime', iso(user.createdAt)],
          ['roles', roles.join(', ')],
          ['groups', groups.map((g) => g.displayName).join(', ')],
        ]),
      );
    return {
      ...userJson(user),
      roles,
      memberOf: groups.map((g) => ({ id: g.id, displayName: g.displayName })),
    };
  },
};

export const userUpdateCommand: PositionalCommand = {
  name: 'user update',
  summary: 'rename, enable or disable a user (disabling ends their sessions and app tokens at once)',
  usage: 'signet user update ID|UPN [--name DISPLAY] [--enable | --disable] [--tenant T] [--json]',
  positionals: ['user'],
  options: {
    user: userOpt,
    name: { type: 'string', description: 'new display name' },
    enable: { type: 'boolean', description: 'let the user sign in again' },
    disable: { type: 'boolean', description: 'refuse the user everywhere and revoke their sessions' },
    tenant: tenantOpt,
  },
  run: async (rt, v) => {
    if (v.enable === true && v.disable === true)
      throw new SignetError('REQUEST_INVALID', { field: '--disable', reason: 'give --enable or --disable, not both' });
    const body: Record<string, unknown> = {};
    if (v.name !== undefined) body.displayName = v.name;
    if (v.enable === true) body.accountEnabled = true;
    if (v.disable === true) body.accountEnabled = false;
    if (Object.keys(body).length === 0)
      throw new SignetError('REQUEST_INVALID', {
        field: '--name',
        reason: 'nothing to change: give --name, --enable or --disable',
      });
    const tenant = await tenantOption(rt, v.tenant);
    const key = String(v.user ?? '');
    const parsed = parseUserUpdate(body);
    if (!parsed.ok) throw new SignetError(parsed.code, parsed.detail);
    const user = await orNotFound(
      updateDirectoryUser(rt.ctx, tenant, localOperator(tenant.id), key, parsed.value),
      'USER_NOT_FOUND',
      userNotFound(key).detail,
    );
    if (!rt.json)
      rt.print(`Updated ${user.userPrincipalName}: ${user.displayName}, ${user.enabled ? 'enabled' : 'disabled'}`);
    return userJson(user);
  },
};

export const userDeleteCommand: PositionalCommand = {
  name: 'user delete',
  summary: 'delete a user with their passkeys, passes and sessions',
  usage: 'signet user delete ID|UPN [--tenant T] [--json]',
  positionals: ['user'],
  options: { user: userOpt, tenant: tenantOpt },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const user = await userOption(rt, tenant, v.user);
    await orNotFound(
      deleteDirectoryUser(rt.ctx, tenant, localOperator(tenant.id), user.id),
      'USER_NOT_FOUND',
      userNotFound(String(v.user)).detail,
    );
    if (!rt.json) rt.print(`Deleted user ${user.userPrincipalName} (${user.id})`);
    return { deleted: true, id: user.id, userPrincipalName: user.userPrincipalName };
  },
};

export const iso = (ms: number) => new Date(ms).toISOString();
