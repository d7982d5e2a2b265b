import { SignetError } from '../core/errors.ts';
import { changeAppPermissions, createApp } from '../flows/directory.ts';
import { issuerOf } from '../oidc/provider.ts';
import { type Command, tenantOption } from './runtime.ts';

export const appCreateCommand: Command = {
  name: 'app create',
  summary: 'register an OIDC app (authorization code + PKCE; client credentials with --permission)',
  usage:
    'signet app create --name NAME (--redirect-uri URL [--redirect-uri URL] | --permission P [--permission P]) [--public] [--post-logout-redirect-uri URL] [--backchannel-logout-uri URL] [--tenant T]',
  options: {
    name: { type: 'string', required: true, description: 'app display name' },
    'redirect-uri': {
      type: 'string',
      multiple: true,
      description: 'exact callback URL; repeat for more (needed unless --permission is given)',
    },
    permission: {
      type: 'string',
      multiple: true,
      description: 'application permission for the client credentials grant, e.g. User.Read.All; repeat for more',
    },
    'post-logout-redirect-uri': { type: 'string', multiple: true, description: 'where to return after sign-out' },
    'backchannel-logout-uri': {
      type: 'string',
      description:
        "where Signet posts a logout token when a user's session with the app ends (OIDC Back-Channel Logout)",
    },
    public: { type: 'boolean', description: 'a public client (no secret; PKCE)' },
    tenant: { type: 'string', description: 'tenant id or slug (default: the only tenant)' },
  },
  run: async (rt, v) => {
    // An app signs users in (a callback) or runs as itself (permissions): one of the two is required.
    if (!v['redirect-uri'] && !v.permission)
      throw new SignetError('REQUEST_INVALID', {
        field: '--redirect-uri',
        reason: '--redirect-uri is required (or --permission, for an app that signs in as itself)',
      });
    const tenant = await tenantOption(rt, v.tenant);
    const { app, clientSecret } = await createApp(rt.ctx, tenant, {
      name: String(v.name ?? ''),
      redirectUris: (v['redirect-uri'] as string[] | undefined) ?? [],
      postLogoutRedirectUris: (v['post-logout-redirect-uri'] as string[] | undefined) ?? [],
      publicClient: v.public === true,
      permissions: (v.permission as string[] | undefined) ?? [],
      ...(typeof v['backchannel-logout-uri'] === 'string' ? { backchannelLogoutUri: v['backchannel-logout-uri'] } : {}),
    });
    const issuer = issuerOf(rt.ctx, tenant);
    if (!rt.json) {
      rt.print(`Registered app ${app.displayName}`);
      rt.print(`client_id:     ${app.id}`);
      if (clientSecret) rt.print(`client_secret: ${clientSecret}   (shown only now)`);
      if (app.permissions.length) rt.print(`permissions:   ${app.permissions.join(' ')}`);
      if (app.backchannelLogoutUri) rt.print(`back-channel logout: ${app.backchannelLogoutUri}`);
      rt.print(`issuer:        ${issuer}`);
    }
    return {
      clientId: app.id,
      clientSecret: clientSecret ?? null,
      issuer,
      redirectUris: app.redirectUris,
      publicClient: app.publicClient,
      permissions: app.permissions,
      backchannelLogoutUri: app.backchannelLogoutUri ?? null,
    };
  },
};

function permissionCommand(verb: 'grant' | 'revoke'): Command {
  return {
    name: `app ${verb}`,
    summary: `${verb} application permissions of an app (its next tokens carry them)`,
    usage: `signet app ${verb} --app CLIENT_ID --permission P [--permission P] [--tenant T]`,
    options: {
      app: { type: 'string', required: true, description: 'the client id of the app' },
      permission: {
        type: 'string',
        multiple: true,
        required: true,
        description: 'e.g. User.Read.All; repeat for more',
      },
      tenant: { type: 'string', description: 'tenant id or slug (default: the only tenant)' },
    },
    run: async (rt, v) => {
      const tenant = await tenantOption(rt, v.tenant);
      const permissions = (v.permission as string[] | undefined) ?? [];
      const app = await changeAppPermissions(rt.ctx, tenant, {
        appId: String(v.app ?? ''),
        [verb]: permissions,
      });
      if (!rt.json) rt.print(`${app.displayName}: ${app.permissions.join(' ') || '(no permissions)'}`);
      return { clientId: app.id, permissions: app.permissions };
    },
  };
}

export const appGrantCommand = permissionCommand('grant');
export const appRevokeCommand = permissionCommand('revoke');
