// Directory role assignments as the admin API changes them. Each write is one transaction with its audit row
// (actor, the user as target, the role). The rules are src/core/role-rules.ts.
//
// A change takes effect on the user's next token: `wids` is read from the store when a token is issued (and
// refreshed). As in Entra, removing a role does not end the user's sessions or revoke tokens already issued:
// they keep their `wids` until they expire (an hour for access tokens).
import type { Principal } from '../core/authorization.ts';
import { type Decision, SignetError } from '../core/errors.ts';
import type { RoleAssignmentFacts } from '../core/graph-role.ts';
import { mayManageRole, mayReceiveRole, mayRemoveAssignment } from '../core/role-rules.ts';
import { insertAudit } from '../store/logs.ts';
import {
  countOtherRoleHoldersLocked,
  deleteRoleAssignment,
  hasRoleAssignment,
  insertRoleAssignment,
} from '../store/role-assignments.ts';
import type { Tenant } from '../store/tenants.ts';
import type { Ctx } from './context.ts';
import { actorOf, findUserByKey } from './users.ts';

const refuse = (d: Decision) => {
  if (!d.ok) throw new SignetError(d.code, d.detail);
};
const assignmentNotFound = () => new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'unifiedRoleAssignment' });

/**
 * POST /roleManagement/directory/roleAssignments. The user must be an enabled user of the tenant. `principalId`
 * is an object id as in Graph; a userPrincipalName is accepted too, as `/users/{id | userPrincipalName}` does.
 */
export async function assignDirectoryRole(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  a: RoleAssignmentFacts,
): Promise<RoleAssignmentFacts> {
  refuse(mayManageRole(by, a.role));
  return ctx.db.transaction().execute(async (trx) => {
    const user = await findUserByKey(trx, tenant.id, a.userId);
    if (!user) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'principal' });
    refuse(mayReceiveRole(user));
    if (!(await insertRoleAssignment(trx, tenant.id, user.id, a.role)))
      throw new SignetError('ROLE_ASSIGNMENT_EXISTS', { role: a.role });
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: ctx.now(),
      ...actorOf(by),
      activity: 'Add member to role',
      targetType: 'user',
      targetId: user.id,
      detail: { 'role.displayName': a.role, 'user.userPrincipalName': user.userPrincipalName },
    });
    return { userId: user.id, role: a.role };
  });
}

/** DELETE /roleManagement/directory/roleAssignments/{id}: never the tenant's last Global Administrator. */
export async function removeDirectoryRole(ctx: Ctx, tenant: Tenant, by: Principal, a: RoleAssignmentFacts) {
  await ctx.db.transaction().execute(async (trx) => {
    const user = await findUserByKey(trx, tenant.id, a.userId);
    if (!user || user.id !== a.userId || !(await hasRoleAssignment(trx, tenant.id, user.id, a.role)))
      throw assignmentNotFound();
    refuse(mayManageRole(by, a.role));
    const others =
      a.role === 'Global Administrator' ? await countOtherRoleHoldersLocked(trx, tenant.id, a.role, user.id) : 1;
    refuse(mayRemoveAssignment(a.role, others));
    if (!(await deleteRoleAssignment(trx, tenant.id, user.id, a.role))) throw assignmentNotFound();
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: ctx.now(),
      ...actorOf(by),
      activity: 'Remove member from role',
      targetType: 'user',
      targetId: user.id,
      detail: { 'role.displayName': a.role, 'user.userPrincipalName': user.userPrincipalName },
    });
  });
}
