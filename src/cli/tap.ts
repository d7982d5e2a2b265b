// `signet tap issue USER [--lifetime MINUTES] [--once | --multi] [--start ISO]`: a new Temporary Access Pass through
// the same flow as Graph's POST …/temporaryAccessPassMethods (the TAP policy's targets, lifetimes, one-time rule
// and length), as the local operator. The pass is printed once; nothing else ever shows it.
import { SignetError } from '../core/errors.ts';
import { localOperator } from '../flows/local-operator.ts';
import { issueUserTap } from '../flows/temporary-access-pass.ts';
import type { PositionalCommand } from './positionals.ts';
import { tenantOption } from './runtime.ts';
import { userOption } from './user-admin.ts';

const invalid = (field: string, reason: string) => new SignetError('REQUEST_INVALID', { field, reason });

/** --once / --multi (and the older --multi-use): undefined leaves it to the flow (one-time). */
function oneTimeOption(v: Record<string, unknown>): boolean | undefined {
  const multi = v.multi === true || v['multi-use'] === true;
  if (v.once === true && multi) throw invalid('once', 'give --once or --multi, not both');
  return v.once === true ? true : multi ? false : undefined;
}

function lifetimeOption(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const s = String(raw);
  if (!/^\d{1,6}$/.test(s)) throw invalid('lifetime', 'must be a whole number of minutes');
  return Number(s);
}

function startOption(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const s = String(raw);
  const at = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?(Z|[+-]\d\d:\d\d)$/.test(s) ? Date.parse(s) : Number.NaN;
  if (!Number.isFinite(at)) throw invalid('start', 'must be an ISO 8601 date and time with a time zone');
  return at;
}

export const tapIssueCommand: PositionalCommand = {
  name: 'tap issue',
  summary: 'issue a Temporary Access Pass for a user, as the TAP policy allows (replaces any earlier pass)',
  usage: 'signet tap issue USER [--lifetime MINUTES] [--once | --multi] [--start ISO] [--tenant T] [--json]',
  positionals: ['user'],
  options: {
    user: { type: 'string', required: true, description: 'the user: object id or userPrincipalName' },
    lifetime: {
      type: 'string',
      description: "minutes, within the policy's minimum and maximum (default: the policy's, 60 unless changed)",
    },
    once: { type: 'boolean', description: 'usable once (the default)' },
    multi: { type: 'boolean', description: 'usable more than once within its lifetime, when the policy allows it' },
    'multi-use': { type: 'boolean', description: 'the same as --multi' },
    start: { type: 'string', description: 'when it starts to work, e.g. 2026-12-01T08:00:00Z (default: now)' },
    tenant: { type: 'string', description: 'tenant id or slug (default: the only tenant)' },
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const user = await userOption(rt, tenant, v.user);
    const tap = await issueUserTap(rt.ctx, tenant, localOperator(tenant.id), user.id, {
      lifetimeMinutes: lifetimeOption(v.lifetime),
      oneTime: oneTimeOption(v),
      startsAt: startOption(v.start),
    });
    const out = {
      user: user.userPrincipalName,
      id: tap.id,
      temporaryAccessPass: tap.pass,
      startDateTime: new Date(tap.startsAt).toISOString(),
      expiresDateTime: new Date(tap.expiresAt).toISOString(),
      lifetimeInMinutes: Math.round((tap.expiresAt - tap.startsAt) / 60_000),
      isUsableOnce: tap.oneTime,
      url: new URL(`/${tenant.slug}/signin`, rt.config.publicUrl).href,
    };
    if (!rt.json) {
      const from = tap.startsAt > rt.ctx.now() ? `From ${out.startDateTime}, valid` : 'Valid';
      rt.print(
        `Temporary Access Pass for ${out.user}: ${tap.pass}\n${from} until ${out.expiresDateTime}${tap.oneTime ? ', one use' : ', more than one use'}. It is shown only now. Sign in at ${out.url}`,
      );
    }
    return out;
  },
};
