import { SignetError } from '../core/errors.ts';
import { issueTap } from '../flows/temporary-access-pass.ts';
import { findUserByName } from '../store/users.ts';
import { type Command, tenantOption } from './runtime.ts';

export const tapIssueCommand: Command = {
  name: 'tap issue',
  summary: 'issue a Temporary Access Pass for a user (replaces any earlier pass)',
  usage: 'signet tap issue --user UPN [--lifetime MINUTES] [--multi-use] [--tenant T]',
  options: {
    user: { type: 'string', required: true, description: 'user principal name' },
    lifetime: { type: 'string', description: 'minutes, 10 to 43200 (default 60)' },
    'multi-use': { type: 'boolean', description: 'usable more than once within its lifetime' },
    tenant: { type: 'string', description: 'tenant id or slug (default: the only tenant)' },
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const user = await findUserByName(rt.ctx.db, tenant.id, String(v.user ?? ''));
    if (!user) throw new SignetError('USER_NOT_FOUND', { user: String(v.user ?? '') });
    const lifetime = v.lifetime === undefined ? undefined : Number(v.lifetime);
    const tap = await issueTap(rt.ctx, tenant, user, {
      lifetimeMinutes: lifetime,
      oneTime: v['multi-use'] !== true,
      actor: { type: 'system', id: null },
    });
    const out = {
      user: user.userPrincipalName,
      temporaryAccessPass: tap.pass,
      startDateTime: new Date(tap.startsAt).toISOString(),
      expiresDateTime: new Date(tap.expiresAt).toISOString(),
      isUsableOnce: tap.oneTime,
      url: new URL(`/${tenant.slug}/signin`, rt.config.publicUrl).href,
    };
    if (!rt.json)
      rt.print(
        `Temporary Access Pass for ${out.user}: ${tap.pass}\nValid until ${out.expiresDateTime}${tap.oneTime ? ', one use' : ''}. Sign in at ${out.url}`,
      );
    return out;
  },
};
