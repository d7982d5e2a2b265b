import { SignetError } from '../core/errors.ts';
import { rotateSigningKeys } from '../flows/signing-keys.ts';
import { findTenant, listTenants, type Tenant } from '../store/tenants.ts';
import type { Command } from './runtime.ts';

export const keysRotateCommand: Command = {
  name: 'keys rotate',
  summary:
    "rotate a tenant's token signing keys (every tenant's without --tenant): the new keys are published now and sign an hour later; old keys retire once their tokens expire",
  usage: 'signet keys rotate [--tenant TENANT] [--now [--retire-old]] [--json]',
  options: {
    tenant: { type: 'string', description: 'slug or id of the tenant; every tenant when left out' },
    now: {
      type: 'boolean',
      description:
        'sign with the new keys at once (for a key that must stop signing now); apps that cached the key set refuse new tokens until they fetch it again',
    },
    'retire-old': {
      type: 'boolean',
      description:
        'with --now: withdraw the old keys at once (a key believed compromised), so nothing they signed verifies any longer; every token they signed stops working',
    },
  },
  run: async (rt, v) => {
    let tenants: Tenant[];
    if (typeof v.tenant === 'string') {
      const t = await findTenant(rt.ctx.db, v.tenant);
      if (!t) throw new SignetError('TENANT_NOT_FOUND');
      tenants = [t];
    } else tenants = await listTenants(rt.ctx.db);
    const rotated: { tenant: string; kids: string[]; retired: string[]; signsFrom: string; oldKeysUntil: string }[] =
      [];
    for (const t of tenants) {
      const r = await rotateSigningKeys(rt.ctx, t, {
        immediately: v.now === true,
        retireOld: v['retire-old'] === true,
      });
      const from = new Date(r.signsFrom).toISOString();
      const until = new Date(r.oldKeysUntil).toISOString();
      rotated.push({ tenant: t.slug, kids: r.kids, retired: r.retired, signsFrom: from, oldKeysUntil: until });
      if (!rt.json) {
        rt.print(
          v['retire-old'] === true
            ? `Rotated the signing keys of ${t.slug}: new keys ${r.kids.join(', ')} sign from now on, and the old ones are withdrawn: nothing they signed verifies any longer`
            : v.now === true
              ? `Rotated the signing keys of ${t.slug}: new keys ${r.kids.join(', ')} sign from now on (the old ones still verify until ${until}, when every token they signed has expired)`
              : `Rotated the signing keys of ${t.slug}: new keys ${r.kids.join(', ')} are published now and sign from ${from}, so apps that cached the key set meet no unknown key; the old ones sign until then and verify until ${until}`,
        );
        if (r.retired.length && v['retire-old'] !== true)
          rt.print(
            `Retired keys (every token they signed has expired, or they were waiting and never signed): ${r.retired.join(', ')}`,
          );
        if (v['retire-old'] === true) rt.print(`Withdrawn: ${r.retired.join(', ') || 'none'}`);
      }
    }
    return { rotated };
  },
};
