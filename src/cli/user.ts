import { createUser } from '../flows/directory.ts';
import { type Command, tenantOption } from './runtime.ts';

export const userCreateCommand: Command = {
  name: 'user create',
  summary: 'create a user',
  usage: 'signet user create --upn NAME@DOMAIN [--name DISPLAY] [--role "Global Administrator"] [--tenant T]',
  options: {
    upn: { type: 'string', required: true, description: 'user principal name (or email)' },
    name: { type: 'string', description: 'display name' },
    role: { type: 'string', multiple: true, description: 'an admin role to assign (repeatable)' },
    tenant: { type: 'string', description: 'tenant id or slug (default: the only tenant)' },
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const u = await createUser(rt.ctx, tenant, {
      userPrincipalName: String(v.upn ?? ''),
      displayName: typeof v.name === 'string' ? v.name : undefined,
      roles: (v.role as string[] | undefined) ?? [],
    });
    if (!rt.json) rt.print(`Created user ${u.userPrincipalName} (${u.id}) in ${tenant.slug}`);
    return { id: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName, tenantId: tenant.id };
  },
};
