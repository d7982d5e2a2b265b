// The tenant's apps in Graph's application shape (src/core/graph-application.ts): list, get, create, update,
// delete, addPassword and removePassword (several secrets per app). Lookups are in the token's tenant only: another tenant's app is as
// absent as one that never was. No read answers a secret's text; addPassword's answer is its only appearance.
import type { RoutePermission } from '../../core/authorization.ts';
import { type ErrorCode, SignetError } from '../../core/errors.ts';
import {
  applicationQuerySpec,
  parseAddPassword,
  parseApplicationCreate,
  parseApplicationUpdate,
  parseRemovePassword,
  toGraphApplication,
} from '../../core/graph-application.ts';
import { nextLink, parseCollectionQuery } from '../../core/odata.ts';
import {
  addAppPassword,
  createDirectoryApp,
  deleteDirectoryApp,
  removeAppPassword,
  updateDirectoryApp,
} from '../../flows/apps.ts';
import { findApp, listAppSecrets, listSecretsOfApps, queryApps } from '../../store/apps.ts';
import type { GraphCall, GraphRoute } from './route.ts';
import { skiptokenKey } from './skiptoken-key.ts';

// Graph allows application reads with Application.Read.All too, which Signet does not grant; reads take a
// Global Reader, writes a Global Administrator (Signet has no Application Administrator role).
const READ: RoutePermission = {
  application: ['Application.ReadWrite.All'],
  delegated: { scopes: ['Application.ReadWrite.All'], roles: ['Global Reader'] },
};
const WRITE: RoutePermission = {
  application: ['Application.ReadWrite.All'],
  delegated: { scopes: ['Application.ReadWrite.All'], roles: ['Global Administrator'] },
};

const refuse = (r: { code: ErrorCode; detail: Record<string, string> }): never => {
  throw new SignetError(r.code, r.detail);
};
const appNotFound = () => new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'application' });
const queryOf = (call: GraphCall) => (call.req.query ?? {}) as Record<string, unknown>;
const selfUrl = (call: GraphCall) => `${call.base}${call.req.url.replace(/^\/graph\/[^/?]+/, '')}`;
const selection = (select: readonly string[] | undefined) => (select ? `(${select.join(',')})` : '');

/** The app must exist in the tenant before a body is judged, so a refusal never tells another tenant anything. */
async function mustExist(call: GraphCall): Promise<void> {
  if (!(await findApp(call.ctx.db, call.tenant.id, call.params.id ?? ''))) throw appNotFound();
}

export const applicationRoutes: GraphRoute[] = [
  {
    method: 'GET',
    path: '/applications',
    permission: READ,
    handler: async (call) => {
      const parsed = parseCollectionQuery(queryOf(call), applicationQuerySpec);
      if (!parsed.ok) return refuse(parsed);
      const query = parsed.query;
      if (query.count || query.search || query.filter || query.orderBy)
        return refuse({
          code: 'GRAPH_QUERY_INVALID',
          detail: {
            parameter: query.count ? '$count' : query.search ? '$search' : query.filter ? '$filter' : '$orderby',
            reason: 'not supported on this collection',
          },
        });
      const page = await queryApps(call.ctx.db, call.tenant.id, query, skiptokenKey(call.ctx, 'applications'));
      if (!page.ok) return refuse(page);
      const secrets = await listSecretsOfApps(
        call.ctx.db,
        call.tenant.id,
        page.items.map((a) => a.id),
      );
      return {
        body: {
          '@odata.context': `${call.base}/$metadata#applications${selection(query.select)}`,
          value: page.items.map((a) => toGraphApplication({ ...a, secrets: secrets.get(a.id) ?? [] }, query.select)),
          ...(page.skiptoken === undefined ? {} : { '@odata.nextLink': nextLink(selfUrl(call), page.skiptoken) }),
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/applications/:id',
    permission: READ,
    handler: async (call) => {
      const select = queryOf(call).$select;
      let selected: string[] | undefined;
      if (select !== undefined) {
        const parsed = parseCollectionQuery({ $select: select }, applicationQuerySpec);
        if (!parsed.ok) return refuse(parsed);
        selected = parsed.query.select;
      }
      const app = await findApp(call.ctx.db, call.tenant.id, call.params.id ?? '');
      if (!app) throw appNotFound();
      const secrets = await listAppSecrets(call.ctx.db, call.tenant.id, app.id);
      return {
        body: {
          '@odata.context': `${call.base}/$metadata#applications${selection(selected)}/$entity`,
          ...toGraphApplication({ ...app, secrets }, selected),
        },
      };
    },
  },
  {
    method: 'POST',
    path: '/applications',
    permission: WRITE,
    handler: async ({ ctx, tenant, principal, base, req }) => {
      const parsed = parseApplicationCreate(req.body);
      if (!parsed.ok) return refuse(parsed);
      const app = await createDirectoryApp(ctx, tenant, principal, parsed.value);
      return {
        status: 201,
        body: {
          '@odata.context': `${base}/$metadata#applications/$entity`,
          ...toGraphApplication({ ...app, secrets: [] }),
        },
      };
    },
  },
  {
    method: 'PATCH',
    path: '/applications/:id',
    permission: WRITE,
    handler: async (call) => {
      const parsed = parseApplicationUpdate(call.req.body);
      if (!parsed.ok) {
        await mustExist(call);
        return refuse(parsed);
      }
      await updateDirectoryApp(call.ctx, call.tenant, call.principal, call.params.id ?? '', parsed.value);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    path: '/applications/:id',
    permission: WRITE,
    handler: async ({ ctx, tenant, principal, params }) => {
      await deleteDirectoryApp(ctx, tenant, principal, params.id ?? '');
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/applications/:id/addPassword',
    permission: WRITE,
    handler: async (call) => {
      const parsed = parseAddPassword(call.req.body);
      if (!parsed.ok) {
        await mustExist(call);
        return refuse(parsed);
      }
      const credential = await addAppPassword(
        call.ctx,
        call.tenant,
        call.principal,
        call.params.id ?? '',
        parsed.value,
      );
      return {
        status: 200,
        body: { '@odata.context': `${call.base}/$metadata#microsoft.graph.passwordCredential`, ...credential },
      };
    },
  },
  {
    method: 'POST',
    path: '/applications/:id/removePassword',
    permission: WRITE,
    handler: async (call) => {
      const parsed = parseRemovePassword(call.req.body);
      if (!parsed.ok) {
        await mustExist(call);
        return refuse(parsed);
      }
      await removeAppPassword(call.ctx, call.tenant, call.principal, call.params.id ?? '', parsed.value.keyId);
      return { status: 204 };
    },
  },
];
