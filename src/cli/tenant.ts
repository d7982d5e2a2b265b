import { SignetError } from '../core/errors.ts';
import { createTenant } from '../flows/directory.ts';
import { listTenants } from '../store/tenants.ts';
import type { Command } from './runtime.ts';

export const tenantCreateCommand: Command = {
  name: 'tenant create',
  summary: 'create a tenant',
  usage: 'signet tenant create --slug SLUG [--name NAME] [--kind workforce|customer] [--conformance]',
  options: {
    slug: { type: 'string', required: true, description: 'lowercase name used in URLs (not one of the reserved ones)' },
    name: { type: 'string', description: 'display name' },
    kind: { type: 'string', description: 'workforce (default) or customer' },
    conformance: { type: 'boolean', description: 'mount the FIDO2 conformance binding (testing only)' },
  },
  run: async (rt, v) => {
    const kind = v.kind === undefined ? 'workforce' : v.kind;
    if (kind !== 'workforce' && kind !== 'customer')
      throw new SignetError('REQUEST_INVALID', { field: '--kind', reason: 'must be workforce or customer' });
    const t = await createTenant(rt.ctx, {
      slug: String(v.slug ?? ''),
      displayName: typeof v.name === 'string' ? v.name : undefined,
      kind,
      conformance: v.conformance === true,
    });
    if (!rt.json)
      rt.print(`Created tenant ${t.slug} (${t.id})${t.conformance ? ' with the FIDO2 conformance binding' : ''}`);
    return { id: t.id, slug: t.slug, kind: t.kind, conformance: t.conformance };
  },
};

export const tenantListCommand: Command = {
  name: 'tenant list',
  summary: 'list the tenants of this instance (id, slug, kind, name)',
  usage: 'signet tenant list [--json]',
  options: {},
  run: async (rt) => {
    const tenants = (await listTenants(rt.ctx.db)).map((t) => ({
      id: t.id,
      slug: t.slug,
      kind: t.kind,
      displayName: t.displayName,
      conformance: t.conformance,
      createdDateTime: new Date(t.createdAt).toISOString(),
      signInUrl: new URL(`/${t.slug}/signin`, rt.config.publicUrl).href,
    }));
    if (!rt.json) {
      if (tenants.length === 0) rt.print('No tenants yet: npx signet init creates the first one.');
      for (const t of tenants)
        rt.print(`${t.slug.padEnd(20)} ${t.id}  ${t.kind}${t.conformance ? ' (conformance)' : ''}  ${t.displayName}`);
    }
    return { tenants };
  },
};
