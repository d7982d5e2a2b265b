// `signet group create | list | show | delete | members | add-member | remove-member`: the flows and store
// queries of Graph's /groups routes, as the local operator. A group is named by its id or, when no other group of
// the tenant has it, its display name; a user by object id or userPrincipalName.
import { SignetError } from '../core/errors.ts';
import { groupQuerySpec, parseGroupCreate, toGraphGroup } from '../core/graph-group.ts';
import { parseCollectionQuery } from '../core/odata.ts';
import { addMember, createGroup, deleteDirectoryGroup, removeMember } from '../flows/groups.ts';
import { localOperator } from '../flows/local-operator.ts';
import { countGroupMembers, findGroupsByKeys } from '../store/bulk-directory.ts';
import { type Group, queryGroupMembers, queryGroups } from '../store/groups.ts';
import type { Tenant } from '../store/tenants.ts';
import { collect, orNotFound, pageKey, pagingOptions, rowLimit } from './listing.ts';
import type { PositionalCommand } from './positionals.ts';
import { type Runtime, tenantOption } from './runtime.ts';
import { fields, table } from './table.ts';
import { iso, userJson, userOption } from './user-admin.ts';

const tenantOpt = { type: 'string', description: 'tenant id or slug (default: the only tenant)' } as const;
const groupOpt = { type: 'string', required: true, description: 'the group: id, or its display name' } as const;
const userOpt = { type: 'string', required: true, description: 'the user: object id or userPrincipalName' } as const;

const groupJson = (g: Group) => toGraphGroup(g);

export const groupNotFound = (key: string) =>
  new SignetError('GROUP_NOT_FOUND', {
    group: key,
    remediation: 'Check the group id or display name; `npx signet group list` lists the groups of the tenant.',
  });

/** The group named by id or (unambiguous) display name. */
export async function groupOption(rt: Runtime, tenant: Tenant, key: unknown): Promise<Group> {
  const k = String(key ?? '');
  const found = await findGroupsByKeys(rt.ctx.db, tenant.id, [k]);
  const byId = found.find((g) => g.id === k);
  if (byId) return byId;
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw groupNotFound(k);
  throw new SignetError('GROUP_NAME_AMBIGUOUS', { group: k, ids: found.map((g) => g.id).join(', ') });
}

export const groupCreateCommand: PositionalCommand = {
  name: 'group create',
  summary: 'create a security group',
  usage: 'signet group create --name DISPLAY [--mail-nickname NICK] [--tenant T] [--json]',
  positionals: [],
  options: {
    name: { type: 'string', required: true, description: 'display name' },
    'mail-nickname': { type: 'string', description: 'Graph mailNickname (default: from the name; not stored)' },
    tenant: tenantOpt,
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const name = String(v.name ?? '');
    const nick = v['mail-nickname'] ?? (name.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 64) || 'group');
    const parsed = parseGroupCreate({
      displayName: name,
      mailNickname: nick,
      mailEnabled: false,
      securityEnabled: true,
    });
    if (!parsed.ok) throw new SignetError(parsed.code, parsed.detail);
    const group = await createGroup(rt.ctx, tenant, localOperator(tenant.id), parsed.value);
    if (!rt.json) rt.print(`Created group ${group.displayName} (${group.id})`);
    return groupJson(group);
  },
};

export const groupListCommand: PositionalCommand = {
  name: 'group list',
  summary: 'list the groups of a tenant (Graph $filter on displayName or id)',
  usage: 'signet group list [--filter EXPR] [--top N | --all] [--tenant T] [--json]',
  positionals: [],
  options: {
    filter: { type: 'string', description: "an OData $filter as Graph's /groups takes it" },
    ...pagingOptions,
    tenant: tenantOpt,
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const params = v.filter === undefined ? {} : { $filter: String(v.filter) };
    const { items, more } = await collect(rowLimit(v), async (top, skiptoken) => {
      const parsed = parseCollectionQuery({ ...params, $top: String(top) }, groupQuerySpec);
      if (!parsed.ok) return parsed;
      return queryGroups(rt.ctx.db, tenant.id, { ...parsed.query, skiptoken }, pageKey);
    });
    if (!rt.json) {
      rt.print(
        table(
          ['ID', 'DISPLAY NAME', 'CREATED'],
          items.map((g) => [g.id, g.displayName, iso(g.createdAt)]),
          'No groups match.',
        ),
      );
      if (more) rt.print('(more groups follow: --top N for more, --all for every one)');
    }
    return { groups: items.map(groupJson), more };
  },
};

export const groupShowCommand: PositionalCommand = {
  name: 'group show',
  summary: 'show one group and how many members it has',
  usage: 'signet group show GROUP [--tenant T] [--json]',
  positionals: ['group'],
  options: { group: groupOpt, tenant: tenantOpt },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const group = await groupOption(rt, tenant, v.group);
    const memberCount = await countGroupMembers(rt.ctx.db, tenant.id, group.id);
    if (!rt.json)
      rt.print(
        fields([
          ['id', group.id],
          ['displayName', group.displayName],
          ['createdDateTime', iso(group.createdAt)],
          ['members', memberCount],
        ]),
      );
    return { ...groupJson(group), memberCount };
  },
};

export const groupDeleteCommand: PositionalCommand = {
  name: 'group delete',
  summary: 'delete a group (refused while a policy targets it)',
  usage: 'signet group delete GROUP [--tenant T] [--json]',
  positionals: ['group'],
  options: { group: groupOpt, tenant: tenantOpt },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const group = await groupOption(rt, tenant, v.group);
    await orNotFound(
      deleteDirectoryGroup(rt.ctx, tenant, localOperator(tenant.id), group.id),
      'GROUP_NOT_FOUND',
      groupNotFound(String(v.group)).detail,
    );
    if (!rt.json) rt.print(`Deleted group ${group.displayName} (${group.id})`);
    return { deleted: true, id: group.id, displayName: group.displayName };
  },
};

export const groupMembersCommand: PositionalCommand = {
  name: 'group members',
  summary: 'list the members of a group',
  usage: 'signet group members GROUP [--top N | --all] [--tenant T] [--json]',
  positionals: ['group'],
  options: { group: groupOpt, ...pagingOptions, tenant: tenantOpt },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const group = await groupOption(rt, tenant, v.group);
    const { items, more } = await collect(rowLimit(v), (top, skiptoken) =>
      queryGroupMembers(
        rt.ctx.db,
        tenant.id,
        group.id,
        { top, count: false, skiptoken, requiresEventualConsistency: false },
        pageKey,
      ),
    );
    if (!rt.json) {
      rt.print(
        table(
          ['ID', 'USER PRINCIPAL NAME', 'DISPLAY NAME', 'ENABLED'],
          items.map((u) => [u.id, u.userPrincipalName, u.displayName, u.enabled ? 'yes' : 'no']),
          `${group.displayName} has no members.`,
        ),
      );
      if (more) rt.print('(more members follow: --top N for more, --all for every one)');
    }
    return { group: { id: group.id, displayName: group.displayName }, members: items.map(userJson), more };
  },
};

function memberCommand(verb: 'add' | 'remove'): PositionalCommand {
  return {
    name: `group ${verb}-member`,
    summary: verb === 'add' ? 'add a user to a group' : 'remove a user from a group',
    usage: `signet group ${verb}-member GROUP USER [--tenant T] [--json]`,
    positionals: ['group', 'user'],
    options: { group: groupOpt, user: userOpt, tenant: tenantOpt },
    run: async (rt, v) => {
      const tenant = await tenantOption(rt, v.tenant);
      const group = await groupOption(rt, tenant, v.group);
      const user = await userOption(rt, tenant, v.user);
      const flow = verb === 'add' ? addMember : removeMember;
      // Removing someone who is not a member is the flow's 404 (as Graph's); said here as such.
      await orNotFound(
        flow(rt.ctx, tenant, localOperator(tenant.id), group.id, user.id),
        verb === 'add' ? 'GROUP_NOT_FOUND' : 'GROUP_MEMBER_NOT_FOUND',
        verb === 'add'
          ? groupNotFound(String(v.group)).detail
          : { group: group.displayName, user: user.userPrincipalName },
      );
      if (!rt.json)
        rt.print(
          verb === 'add'
            ? `Added ${user.userPrincipalName} to ${group.displayName}`
            : `Removed ${user.userPrincipalName} from ${group.displayName}`,
        );
      return {
        group: { id: group.id, displayName: group.displayName },
        member: userJson(user),
        [verb === 'add' ? 'added' : 'removed']: true,
      };
    },
  };
}

export const groupAddMemberCommand = memberCommand('add');
export const groupRemoveMemberCommand = memberCommand('remove');
