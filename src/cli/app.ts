import { createApp } from '../flows/directory.ts';
import { issuerOf } from '../oidc/provider.ts';
import { type Command, tenantOption } from './runtime.ts';

export const appCreateCommand: Command = {
  name: 'app create',
  summary: 'register an OIDC app (authorization code + PKCE)',
  usage:
    'signet app create --name NAME --redirect-uri URL [--redirect-uri URL] [--public] [--post-logout-redirect-uri URL] [--tenant T]',
  options: {
    name: { type: 'string', required: true, description: 'app display name' },
    'redirect-uri': {
      type: 'string',
      multiple: true,
      required: true,
      description: 'exact callback URL; repeat for more',
    },
    'post-logout-redirect-uri': { type: 'string', multiple: true, description: 'where to return after sign-out' },
    public: { type: 'boolean', description: 'a public client (no secret; PKCE)' },
    tenant: { type: 'string', description: 'tenant id or slug (default: the only tenant)' },
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const { app, clientSecret } = await createApp(rt.ctx, tenant, {
      name: String(v.name ?? ''),
      redirectUris: (v['redirect-uri'] as string[] | undefined) ?? [],
      postLogoutRedirectUris: (v['post-logout-redirect-uri'] as string[] | undefined) ?? [],
      publicClient: v.public === true,
    });
    const issuer = issuerOf(rt.ctx, tenant);
    if (!rt.json) {
      rt.print(`Registered app ${app.displayName}`);
      rt.print(`client_id:     ${app.id}`);
      if (clientSecret) rt.print(`client_secret: ${clientSecret}   (shown only now)`);
      rt.print(`issuer:        ${issuer}`);
    }
    return {
      clientId: app.id,
      clientSecret: clientSecret ?? null,
      issuer,
      redirectUris: app.redirectUris,
      publicClient: app.publicClient,
    };
  },
};
