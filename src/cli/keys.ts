import { SignetError } from '../core/errors.ts';
import { rotateSigningKeys } from '../flows/signing-keys.ts';
import { findTenant, listTenants, type Tenant } from '../store/tenants.ts';
import type { Command } from './runtime.ts';

export const keysRotateCommand: Command = {
  name: 'keys rotate',
  summary:
    "rotate a tenant's token signing keys (every tenant's without --tenant); old keys retire once their tokens expire",
  usage: 'signet keys rotate [--tenant TENANT] [--json]',
  options: {
    tenant: { type: 'string', description: 'slug or id of the tenant; every tenant when left out' },
  },
  run: async (rt, v) => {
    let tenants: Tenant[];
    if (typeof v.tenant === 'string') {
      const t = await findTenant(rt.ctx.db, v.tenant);
      if (!t) throw new SignetError('TENANT_NOT_FOUND');
      tenants = [t];
    } else tenants = await listTenants(rt.ctx.db);
    const rotated: { tenant: string; kids: string[]; retired: string[]; oldKeysUntil: string }[] = [];
    for (const t of tenants) {
      const { kids, retired, oldKeysUntil } = await rotateSigningKeys(rt.ctx, t);
      const until = new Date(oldKeysUntil).toISOString();
      rotated.push({ tenant: t.slug, kids, retired, oldKeysUntil: until });
      if (!rt.json) {
        rt.print(
          `Rotated the signing keys of ${t.slug}: new keys ${kids.join(', ')} (the old ones still verify until ${until}, when every token they signed has expired)`,
        );
        if (retired.length) rt.print(`Retired keys whose tokens have all expired: ${retired.join(', ')}`);
      }
    }
    return { rotated };
  },
};
