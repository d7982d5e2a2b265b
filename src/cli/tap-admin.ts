// `signet tap list | delete`: a user's Temporary Access Pass (at most one) as Graph's
// temporaryAccessPassMethods show it (the pass itself never: only `tap issue` prints it), and its deletion
// through the same flow, as the local operator.
import { SignetError } from '../core/errors.ts';
import { toGraphTap } from '../core/graph-authentication-method.ts';
import { localOperator } from '../flows/local-operator.ts';
import { deleteUserTap, tapPolicyOf } from '../flows/temporary-access-pass.ts';
import { findTapOfUser } from '../store/taps.ts';
import type { PositionalCommand } from './positionals.ts';
import { tenantOption } from './runtime.ts';
import { table } from './table.ts';
import { userOption } from './user-admin.ts';

const tenantOpt = { type: 'string', description: 'tenant id or slug (default: the only tenant)' } as const;
const userOpt = { type: 'string', required: true, description: 'the user: object id or userPrincipalName' } as const;

export const tapListCommand: PositionalCommand = {
  name: 'tap list',
  summary: "show a user's Temporary Access Pass: when it starts, how long it lasts, whether it is usable",
  usage: 'signet tap list USER [--tenant T] [--json]',
  positionals: ['user'],
  options: { user: userOpt, tenant: tenantOpt },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const user = await userOption(rt, tenant, v.user);
    const tap = await findTapOfUser(rt.ctx.db, tenant.id, user.id);
    const now = rt.ctx.now();
    const passes = tap ? [toGraphTap(tap, (await tapPolicyOf(rt.ctx, tenant.id, user.id)).facts, now)] : [];
    if (!rt.json)
      rt.print(
        table(
          ['ID', 'START', 'MINUTES', 'ONE USE', 'USABLE'],
          passes.map((t) => [
            String(t.id),
            String(t.startDateTime),
            Number(t.lifetimeInMinutes),
            t.isUsableOnce ? 'yes' : 'no',
            t.isUsable ? 'yes' : `no (${String(t.methodUsabilityReason)})`,
          ]),
          `${user.userPrincipalName} has no Temporary Access Pass.`,
        ),
      );
    return { user: { id: user.id, userPrincipalName: user.userPrincipalName }, temporaryAccessPasses: passes };
  },
};

export const tapDeleteCommand: PositionalCommand = {
  name: 'tap delete',
  summary: "delete a user's Temporary Access Pass: it stops working at once",
  usage: 'signet tap delete USER [--tenant T] [--json]',
  positionals: ['user'],
  options: { user: userOpt, tenant: tenantOpt },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const user = await userOption(rt, tenant, v.user);
    const tap = await findTapOfUser(rt.ctx.db, tenant.id, user.id);
    const none = new SignetError('GRAPH_RESOURCE_NOT_FOUND', {
      resource: 'temporaryAccessPassAuthenticationMethod',
      user: user.userPrincipalName,
      remediation: 'The user has no Temporary Access Pass; `npx signet tap list USER` shows it.',
    });
    if (!tap) throw none;
    await deleteUserTap(rt.ctx, tenant, localOperator(tenant.id), user.id, tap.id).catch((err) => {
      if (err instanceof SignetError && err.code === 'GRAPH_RESOURCE_NOT_FOUND') throw none;
      throw err;
    });
    if (!rt.json) rt.print(`Deleted the Temporary Access Pass of ${user.userPrincipalName}`);
    return { deleted: true, user: { id: user.id, userPrincipalName: user.userPrincipalName }, id: tap.id };
  },
};
