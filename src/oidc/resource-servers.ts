// The resource servers access tokens are issued for: Signet's Graph and apps' own APIs (audience, scopes, format).
import { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import { apiResourceOf, apiScopesOf } from '../core/api-scopes.ts';
import {
  graphResource,
  isGraphResource,
  requestsGraph,
  resolveApplicationScopes,
  resolveDelegatedScopes,
} from '../core/graph-scopes.ts';
import { SIGNED_TOKEN_TTL_S } from '../core/signing-key-schedule.ts';
import type { Ctx } from '../flows/context.ts';
import { findApp } from '../store/apps.ts';
import type { Tenant } from '../store/tenants.ts';

/**
 * An app's own API as a resource server (core/api-scopes.ts): delegated tokens only, for an app of this tenant, a
 * JWT with the API as its audience and the `api://…` scopes of the request, code or refresh token.
 */
async function apiResourceServer(
  ctx: Ctx,
  tenant: Tenant,
  k: KoaContextWithOIDC,
  target: { resource: string; appId: string },
  params: Record<string, unknown>,
) {
  if (params.grant_type === 'client_credentials')
    throw new errors.InvalidTarget('an API of an app takes tokens for a signed-in user only');
  if (!(await findApp(ctx.db, tenant.id, target.appId))) throw new errors.InvalidTarget();
  const entities = k.oidc.entities as { AuthorizationCode?: { scope?: string }; RefreshToken?: { scope?: string } };
  const source = params.scope ?? entities.AuthorizationCode?.scope ?? entities.RefreshToken?.scope ?? '';
  const api = apiScopesOf(String(source).split(' ').filter(Boolean));
  if (api.kind === 'invalid') throw new errors.InvalidScope(`${api.reason}: ${api.scope}`, api.scope);
  return {
    scope: api.kind === 'api' && api.resource === target.resource ? api.raw.join(' ') : '',
    audience: target.resource,
    accessTokenFormat: 'jwt' as const,
    accessTokenTTL: SIGNED_TOKEN_TTL_S,
    jwt: { sign: { alg: 'RS256' as const } },
  };
}

type ResourceIndicators = NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>;

/** A tenant's `features.resourceIndicators`, with the Graph resource's name and the roles token-claims.ts reads. */
export function resourceServersOf(ctx: Ctx, tenant: Tenant) {
  // The application permissions a client-credentials request resolved to, for the token's `roles` claim.
  const appRoles = new WeakMap<object, string[]>();
  const graph = graphResource(ctx.config.origin);
  return {
    graph,
    appRoles,
    // One resource server: Signet's Graph (`{public URL}/graph`, or Microsoft Graph's name for it), for the
    // client credentials grant and for a signed-in user's code flow that asks for Graph scopes; JWT access
    // tokens (RFC 9068) signed with the tenant's keys. An ID-token-only request names no resource: its access
    // token stays the opaque one for userinfo.
    resourceIndicators: {
      enabled: true,
      defaultResource: (k, _client, oneOf) => {
        if (oneOf) return oneOf;
        const requested = String(k.oidc.params?.scope ?? '').split(' ');
        const api = apiScopesOf(requested);
        if (api.kind === 'invalid') throw new errors.InvalidScope(`${api.reason}: ${api.scope}`, api.scope);
        if (k.oidc.params?.grant_type === 'client_credentials') {
          if (api.kind === 'api')
            throw new errors.InvalidTarget('an API of an app takes tokens for a signed-in user only');
          return graph;
        }
        if (api.kind === 'api') {
          if (requestsGraph(requested, ctx.config.origin))
            throw new errors.InvalidScope('one resource per request: Graph or an API', api.raw[0]!);
          return api.resource;
        }
        return requestsGraph(requested, ctx.config.origin) ? graph : (undefined as unknown as string);
      },
      // The code and refresh token keep the resource their authorization named (Graph, or an app's API).
      useGrantedResource: () => true,
      getResourceServerInfo: async (k, resource, client) => {
        const params = k.oidc.params ?? {};
        const target = apiResourceOf(resource);
        if (target) return apiResourceServer(ctx, tenant, k, target, params);
        if (!isGraphResource(resource, ctx.config.origin)) throw new errors.InvalidTarget();
        if (params.grant_type !== 'client_credentials') {
          // Delegated: the scopes of the authorization request, or of the code or refresh token being used.
          const entities = k.oidc.entities as {
            AuthorizationCode?: { scope?: string };
            RefreshToken?: { scope?: string };
          };
          const source = params.scope ?? entities.AuthorizationCode?.scope ?? entities.RefreshToken?.scope ?? '';
          const requested = String(source).split(' ').filter(Boolean);
          // Only which raw scopes are Graph's and known matters here; `.default` is resolved when the token is made.
          const resolved = resolveDelegatedScopes(requested, [], ctx.config.origin);
          if (!resolved.ok) throw new errors.InvalidScope(`${resolved.reason}: ${resolved.scope}`, resolved.scope);
          return {
            scope: resolved.graphScopes.join(' '),
            audience: graph,
            accessTokenFormat: 'jwt',
            accessTokenTTL: SIGNED_TOKEN_TTL_S,
            jwt: { sign: { alg: 'RS256' } },
          };
        }
        const app = await findApp(ctx.db, tenant.id, client.clientId);
        const requested = String(params.scope ?? '')
          .split(' ')
          .filter(Boolean);
        const resolved = resolveApplicationScopes(requested, app?.permissions ?? [], ctx.config.origin);
        if (!resolved.ok) throw new errors.InvalidScope(`${resolved.reason}: ${resolved.scope}`, resolved.scope);
        appRoles.set(k, resolved.roles);
        return {
          scope: resolved.graphScopes.join(' '),
          audience: graph,
          accessTokenFormat: 'jwt',
          accessTokenTTL: SIGNED_TOKEN_TTL_S,
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    } satisfies ResourceIndicators,
  };
}
