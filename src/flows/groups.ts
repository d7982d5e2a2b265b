// The directory's groups as the admin API changes them: create, rename, delete, add and remove members. Each
// write runs in one transaction with its audit row (actor, the group as target, the member where there is one).
// A group the passkey method policy still targets cannot be deleted: its users would silently change scope.

import type { Principal } from '../core/authorization.ts';
import { SignetError } from '../core/errors.ts';
import type { GroupCreate, GroupUpdate } from '../core/graph-group.ts';
import { METHOD_IDS } from '../core/method-policy-schemas.ts';
import { loadCaDocuments } from '../store/conditional-access.ts';
import {
  addGroupMember,
  deleteGroup,
  findGroup,
  type Group,
  insertGroup,
  removeGroupMember,
  renameGroup,
} from '../store/groups.ts';
import { insertAudit } from '../store/logs.ts';
import { loadMethodPolicies, methodPoliciesOf } from '../store/policy-cache.ts';
import type { Tenant } from '../store/tenants.ts';
import { caSnapshotOf } from './conditional-access.ts';
import type { Ctx } from './context.ts';
import { actorOf, findUserByKey } from './users.ts';

const groupNotFound = () => new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'group' });

/** POST /groups. mailNickname is required by Graph and checked, but Signet does not store it. */
export async function createGroup(ctx: Ctx, tenant: Tenant, by: Principal, body: GroupCreate): Promise<Group> {
  const group: Group = { id: ctx.newId(), tenantId: tenant.id, displayName: body.displayName, createdAt: ctx.now() };
  await ctx.db.transaction().execute(async (trx) => {
    await insertGroup(trx, group);
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: group.createdAt,
      ...actorOf(by),
      activity: 'Add group',
      targetType: 'group',
      targetId: group.id,
      detail: { displayName: group.displayName, mailNickname: body.mailNickname, securityEnabled: 'true' },
    });
  });
  return group;
}

/** PATCH /groups/{id}: only displayName is stored; the constant properties were checked by the parser. */
export async function updateGroup(ctx: Ctx, tenant: Tenant, by: Principal, id: string, body: GroupUpdate) {
  await ctx.db.transaction().execute(async (trx) => {
    const group = await findGroup(trx, tenant.id, id);
    if (!group) throw groupNotFound();
    if (body.displayName === undefined || body.displayName === group.displayName) return;
    if (!(await renameGroup(trx, tenant.id, id, body.displayName))) throw groupNotFound();
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: ctx.now(),
      ...actorOf(by),
      activity: 'Update group',
      targetType: 'group',
      targetId: id,
      detail: { 'displayName.oldValue': group.displayName, 'displayName.newValue': body.displayName },
    });
  });
}

/** Where a tenant's policies name the group, as `policy/part` strings; empty when nothing does. */
export async function groupUses(ctx: Ctx, tenantId: string, groupId: string, db = ctx.db): Promise<string[]> {
  // Inside a deletion's transaction the documents are read there (what is committed), else from the cache.
  const p = db === ctx.db ? await methodPoliciesOf(ctx, tenantId) : await loadMethodPolicies(db, tenantId, ctx.log);
  const uses: string[] = [];
  const named = (ts: readonly { id: string }[]) => ts.some((t) => t.id.toLowerCase() === groupId.toLowerCase());
  for (const m of METHOD_IDS) {
    const c = p.methods[m];
    if (named(c.includeTargets))
      uses.push(`authenticationMethodsPolicy/authenticationMethodConfigurations/${m} includeTargets`);
    if (named(c.excludeTargets))
      uses.push(`authenticationMethodsPolicy/authenticationMethodConfigurations/${m} excludeTargets`);
  }
  const campaign = p.root.registrationEnforcement.authenticationMethodsRegistrationCampaign;
  if (named(campaign.includeTargets) || named(campaign.excludeTargets))
    uses.push('authenticationMethodsPolicy registrationEnforcement');
  // A Conditional Access policy that includes or excludes the group (an excluded break-glass group most of all).
  const ca = db === ctx.db ? await caSnapshotOf(ctx, tenantId) : await loadCaDocuments(db, tenantId, ctx.log);
  const is = (ids: readonly string[]) => ids.some((g) => g.toLowerCase() === groupId.toLowerCase());
  for (const policy of ca.policies) {
    const u = policy.conditions.users;
    if (is(u.includeGroups)) uses.push(`conditionalAccess/policies/${policy.id} includeGroups`);
    if (is(u.excludeGroups)) uses.push(`conditionalAccess/policies/${policy.id} excludeGroups`);
  }
  return uses;
}

/** DELETE /groups/{id}: refused while a policy targets the group. */
export async function deleteDirectoryGroup(ctx: Ctx, tenant: Tenant, by: Principal, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const group = await findGroup(trx, tenant.id, id);
    if (!group) throw groupNotFound();
    const uses = await groupUses(ctx, tenant.id, id, trx);
    if (uses.length > 0) throw new SignetError('GROUP_IN_USE', { group: id, usedBy: uses.join('; ') });
    if (!(await deleteGroup(trx, tenant.id, id))) throw groupNotFound();
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: ctx.now(),
      ...actorOf(by),
      activity: 'Delete group',
      targetType: 'group',
      targetId: id,
      detail: { 'displayName.oldValue': group.displayName },
    });
  });
}

/** POST /groups/{id}/members/$ref: the user must be of the tenant; adding a member twice is refused, as Graph does. */
export async function addMember(ctx: Ctx, tenant: Tenant, by: Principal, groupId: string, userId: string) {
  await ctx.db.transaction().execute(async (trx) => {
    const group = await findGroup(trx, tenant.id, groupId);
    if (!group) throw groupNotFound();
    const user = await findUserByKey(trx, tenant.id, userId);
    if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'directoryObject' });
    if (!(await addGroupMember(trx, tenant.id, group.id, user.id)))
      throw new SignetError('GRAPH_MEMBER_ALREADY_EXISTS', { member: user.id });
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: ctx.now(),
      ...actorOf(by),
      activity: 'Add member to group',
      targetType: 'group',
      targetId: group.id,
      detail: {
        'group.displayName': group.displayName,
        'member.id': user.id,
        'member.userPrincipalName': user.userPrincipalName,
      },
    });
  });
}

/** DELETE /groups/{id}/members/{userId}/$ref: 404 when the user is not a member. */
export async function removeMember(ctx: Ctx, tenant: Tenant, by: Principal, groupId: string, userId: string) {
  await ctx.db.transaction().execute(async (trx) => {
    const group = await findGroup(trx, tenant.id, groupId);
    if (!group) throw groupNotFound();
    const user = await findUserByKey(trx, tenant.id, userId);
    if (!user || !(await removeGroupMember(trx, tenant.id, group.id, user.id)))
      throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'member' });
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: ctx.now(),
      ...actorOf(by),
      activity: 'Remove member from group',
      targetType: 'group',
      targetId: group.id,
      detail: {
        'group.displayName': group.displayName,
        'member.id': user.id,
        'member.userPrincipalName': user.userPrincipalName,
      },
    });
  });
}
