// Directory roles and role assignments for the Graph walks: real ids of a tenant, a fresh assignment per call.
import { ROLE_TEMPLATE_IDS } from '../../src/core/authorization.ts';
import { directoryRoleId, roleAssignmentId } from '../../src/core/graph-role.ts';
import type { Ctx } from '../../src/flows/context.ts';
import { createUser } from '../../src/flows/directory.ts';
import { insertRoleAssignment } from '../../src/store/role-assignments.ts';
import type { Tenant } from '../../src/store/tenants.ts';

export const directoryRoleFixture = async (tenant: Tenant) => ({
  values: { id: directoryRoleId(tenant.id, 'Global Administrator') },
});

/** A fresh user of the tenant holding Reports Reader, and that assignment's id. */
export async function roleAssignmentFixture(ctx: Ctx, tenant: Tenant) {
  const user = await createUser(ctx, tenant, { userPrincipalName: `r-${ctx.newId().slice(0, 8)}@contoso.com` });
  await insertRoleAssignment(ctx.db, tenant.id, user.id, 'Reports Reader');
  return { values: { id: roleAssignmentId({ userId: user.id, role: 'Reports Reader' }) } };
}

/** A POST body assigning Reports Reader to a user whose userPrincipalName exists in each of the tenants. */
export async function roleAssignmentBody(ctx: Ctx, tenants: readonly Tenant[]) {
  const upn = `p-${ctx.newId().slice(0, 8)}@contoso.com`;
  for (const t of tenants) await createUser(ctx, t, { userPrincipalName: upn });
  return {
    values: {},
    body: { principalId: upn, roleDefinitionId: ROLE_TEMPLATE_IDS['Reports Reader'], directoryScopeId: '/' },
  };
}

/** The Global Administrator role by its template id, which names a role of every tenant (Graph's alternate key). */
export const roleTemplateFixture = async (tenant: Tenant) => ({
  values: { roleTemplateId: ROLE_TEMPLATE_IDS['Global Administrator'] },
  everyTenantHas: { notTheirs: [directoryRoleId(tenant.id, 'Global Administrator')] },
});
