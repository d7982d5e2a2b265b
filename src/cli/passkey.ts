// `signet passkey list | delete`: a user's passkeys (the view the account page shows) and their deletion through
// the admin API's flow, as the local operator: in one transaction the passkey goes, with every session of the
// user and the apps' refresh tokens (one may have been opened with a lost device).
import { SignetError } from '../core/errors.ts';
import { localOperator } from '../flows/local-operator.ts';
import { deleteUserPasskey, listOwnPasskeys } from '../flows/manage-passkeys.ts';
import type { PositionalCommand } from './positionals.ts';
import { tenantOption } from './runtime.ts';
import { table } from './table.ts';
import { userOption } from './user-admin.ts';

const tenantOpt = { type: 'string', description: 'tenant id or slug (default: the only tenant)' } as const;
const userOpt = { type: 'string', required: true, description: 'the user: object id or userPrincipalName' } as const;

export const passkeyListCommand: PositionalCommand = {
  name: 'passkey list',
  summary: "list a user's passkeys (id, name, model and whether attestation verified it, type, last use)",
  usage: 'signet passkey list USER [--tenant T] [--json]',
  positionals: ['user'],
  options: { user: userOpt, tenant: tenantOpt },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const user = await userOption(rt, tenant, v.user);
    const passkeys = await listOwnPasskeys(rt.ctx, tenant, user.id);
    if (!rt.json)
      rt.print(
        table(
          ['ID', 'NAME', 'MODEL', 'MODEL CHECK', 'TYPE', 'CREATED', 'LAST USED'],
          passkeys.map((p) => [
            p.id,
            p.displayName,
            p.model,
            // As the account page says it: proven by an attestation chain to metadata, or only what the device said.
            p.attestationLevel === 'attested' ? 'verified' : 'claimed only',
            p.passkeyType,
            p.createdDateTime,
            p.lastUsedDateTime ?? 'never',
          ]),
          `${user.userPrincipalName} has no passkeys.`,
        ),
      );
    return { user: { id: user.id, userPrincipalName: user.userPrincipalName }, passkeys };
  },
};

export const passkeyDeleteCommand: PositionalCommand = {
  name: 'passkey delete',
  summary: "delete a user's passkey; their sessions and app tokens end at once",
  usage: 'signet passkey delete USER PASSKEY_ID [--tenant T] [--json]',
  positionals: ['user', 'passkey'],
  options: {
    user: userOpt,
    passkey: { type: 'string', required: true, description: 'the passkey id (signet passkey list USER)' },
    tenant: tenantOpt,
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const user = await userOption(rt, tenant, v.user);
    const id = String(v.passkey ?? '');
    await deleteUserPasskey(rt.ctx, tenant, localOperator(tenant.id), user.id, id).catch((err) => {
      if (err instanceof SignetError && err.code === 'GRAPH_RESOURCE_NOT_FOUND')
        throw new SignetError('PASSKEY_NOT_FOUND', {
          passkey: id,
          user: user.userPrincipalName,
          remediation: 'Check the passkey id; `npx signet passkey list USER` lists the passkeys of the user.',
        });
      throw err;
    });
    if (!rt.json) rt.print(`Deleted passkey ${id} of ${user.userPrincipalName}; their sessions were ended`);
    return { deleted: true, user: { id: user.id, userPrincipalName: user.userPrincipalName }, id };
  },
};
