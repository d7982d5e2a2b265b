// `signet app list | show | delete`: the store query and flow of Graph's /applications routes, as the local
// operator. A client secret is shown only by `app create`: nothing here prints one, or its hash.

import { SignetError } from '../core/errors.ts';
import { deleteDirectoryApp } from '../flows/apps.ts';
import { localOperator } from '../flows/local-operator.ts';
import { type App, findApp, queryApps } from '../store/apps.ts';
import type { Tenant } from '../store/tenants.ts';
import { collect, orNotFound, pageKey, pagingOptions, rowLimit } from './listing.ts';
import type { PositionalCommand } from './positionals.ts';
import { type Runtime, tenantOption } from './runtime.ts';
import { fields, table } from './table.ts';
import { iso } from './user-admin.ts';

const tenantOpt = { type: 'string', description: 'tenant id or slug (default: the only tenant)' } as const;
const appOpt = { type: 'string', required: true, description: 'the client id of the app' } as const;

const appJson = (a: App) => ({
  clientId: a.id,
  displayName: a.displayName,
  publicClient: a.publicClient,
  redirectUris: a.redirectUris,
  postLogoutRedirectUris: a.postLogoutRedirectUris,
  permissions: a.permissions,
  createdDateTime: iso(a.createdAt),
});

async function appOption(rt: Runtime, tenant: Tenant, key: unknown): Promise<App> {
  const app = await findApp(rt.ctx.db, tenant.id, String(key ?? ''));
  if (!app) throw appNotFound(String(key ?? ''));
  return app;
}

const appNotFound = (id: string) =>
  new SignetError('APP_NOT_FOUND', {
    appId: id,
    remediation: 'Check the client id; `npx signet app list` lists the apps of the tenant.',
  });

export const appListCommand: PositionalCommand = {
  name: 'app list',
  summary: 'list the apps of a tenant (never their secrets)',
  usage: 'signet app list [--top N | --all] [--tenant T] [--json]',
  positionals: [],
  options: { ...pagingOptions, tenant: tenantOpt },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const { items, more } = await collect(rowLimit(v), (top, skiptoken) =>
      queryApps(rt.ctx.db, tenant.id, { top, count: false, skiptoken, requiresEventualConsistency: false }, pageKey),
    );
    if (!rt.json) {
      rt.print(
        table(
          ['CLIENT ID', 'DISPLAY NAME', 'TYPE', 'PERMISSIONS'],
          items.map((a) => [a.id, a.displayName, a.publicClient ? 'public' : 'confidential', a.permissions.join(' ')]),
          'No apps yet: npx signet app create registers one.',
        ),
      );
      if (more) rt.print('(more apps follow: --top N for more, --all for every one)');
    }
    return { apps: items.map(appJson), more };
  },
};

export const appShowCommand: PositionalCommand = {
  name: 'app show',
  summary: 'show one app (its secret is shown only when created)',
  usage: 'signet app show CLIENT_ID [--tenant T] [--json]',
  positionals: ['app'],
  options: { app: appOpt, tenant: tenantOpt },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const app = await appOption(rt, tenant, v.app);
    if (!rt.json)
      rt.print(
        fields([
          ['clientId', app.id],
          ['displayName', app.displayName],
          ['type', app.publicClient ? 'public (PKCE, no secret)' : 'confidential'],
          ['redirectUris', app.redirectUris.join(' ')],
          ['postLogoutRedirectUris', app.postLogoutRedirectUris.join(' ')],
          ['permissions', app.permissions.join(' ')],
          ['createdDateTime', iso(app.createdAt)],
        ]),
      );
    return appJson(app);
  },
};

export const appDeleteCommand: PositionalCommand = {
  name: 'app delete',
  summary: 'delete an app: its tokens, grants and refresh tokens stop at once',
  usage: 'signet app delete CLIENT_ID [--tenant T] [--json]',
  positionals: ['app'],
  options: { app: appOpt, tenant: tenantOpt },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const app = await appOption(rt, tenant, v.app);
    await orNotFound(
      deleteDirectoryApp(rt.ctx, tenant, localOperator(tenant.id), app.id),
      'APP_NOT_FOUND',
      appNotFound(app.id).detail,
    );
    if (!rt.json) rt.print(`Deleted app ${app.displayName} (${app.id})`);
    return { deleted: true, clientId: app.id, displayName: app.displayName };
  },
};
