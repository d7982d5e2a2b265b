// First run (SPEC §2.1): a workforce tenant, an administrator holding Global Administrator, the passkey
// method on for all users, and a one-time Temporary Access Pass. No password ever exists for this admin.
import { listTenants, type Tenant } from '../store/tenants.ts';
import { findUserByName, type User } from '../store/users.ts';
import type { Ctx } from './context.ts';
import { createTenant, createUser } from './directory.ts';
import { type IssuedTap, issueTap } from './temporary-access-pass.ts';

export const DEMO_SLUG = 'signet';
export const DEMO_ADMIN = 'admin@signet.local';

export interface InitResult {
  created: boolean;
  tenant: Tenant;
  admin: User;
  signInUrl: string;
  tap?: IssuedTap;
}

export async function initInstance(ctx: Ctx): Promise<InitResult> {
  const existing = (await listTenants(ctx.db)).find((t) => !t.conformance);
  if (existing) {
    const admin = await findUserByName(ctx.db, existing.id, DEMO_ADMIN);
    if (admin) return { created: false, tenant: existing, admin, signInUrl: accountUrl(ctx, existing) };
  }
  const tenant = existing ?? (await createTenant(ctx, { slug: DEMO_SLUG, displayName: 'Signet', kind: 'workforce' }));
  const admin = await createUser(ctx, tenant, {
    userPrincipalName: DEMO_ADMIN,
    displayName: 'Administrator',
    roles: ['Global Administrator'],
  });
  const tap = await issueTap(ctx, tenant, admin, { oneTime: true, actor: { type: 'system', id: null } });
  return { created: true, tenant, admin, signInUrl: accountUrl(ctx, tenant), tap };
}

export function accountUrl(ctx: Ctx, tenant: Tenant): string {
  return new URL(`/${tenant.slug}/account`, ctx.config.publicUrl).href;
}
