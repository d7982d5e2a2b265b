// Fresh groups (with a member when asked) for the Graph authorization walk: one per destructive call.
import type { Ctx } from '../../src/flows/context.ts';
import { createUser } from '../../src/flows/directory.ts';
import { addGroupMember, insertGroup } from '../../src/store/groups.ts';
import type { Tenant } from '../../src/store/tenants.ts';

export async function groupFixture(ctx: Ctx, tenant: Tenant, withMember = false) {
  const id = ctx.newId();
  await insertGroup(ctx.db, { id, tenantId: tenant.id, displayName: `g-${id.slice(0, 8)}`, createdAt: ctx.now() });
  if (!withMember) return { id, userId: '' };
  const user = await createUser(ctx, tenant, { userPrincipalName: `m-${id.slice(0, 8)}@contoso.com` });
  await addGroupMember(ctx.db, tenant.id, id, user.id);
  return { id, userId: user.id };
}
