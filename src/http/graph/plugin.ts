// The Graph-compatible admin API under /graph/v1.0 (and /graph/beta): its own preamble (a bearer access token
// for the Graph resource, validated with jose against the tenant's keys; the tenant comes from the token),
// the authorization decision from each route's declaration, and Graph's error envelope and headers. The
// session cookie is never read here.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose';
import { authorize, declarationProblem, type Principal, roleTemplateIdsOf } from '../../core/authorization.ts';
import { SignetError } from '../../core/errors.ts';
import { graphResource } from '../../core/graph-scopes.ts';
import type { Ctx } from '../../flows/context.ts';
import { verificationKeySet } from '../../flows/signing-keys.ts';
import { findApp } from '../../store/apps.ts';
import { roleNamesOf } from '../../store/role-assignments.ts';
import type { Tenant } from '../../store/tenants.ts';
import { findUserById } from '../../store/users.ts';
import { errorBody, toSignetError } from '../plugins/errors.ts';
import type { TenantResolver } from '../tenants.ts';
import { bearerChallenge } from './bearer-challenge.ts';
import { graphCors } from './cors.ts';
import { EACH_INNER_REQUEST, type GraphRoute } from './route.ts';
import { graphRoutes } from './table.ts';

const ALGORITHMS = ['RS256', 'ES256'];
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Refuses (at start-up) a table with a route that allows nobody or is declared twice. */
export function assertDeclared(routes: readonly GraphRoute[]): void {
  const seen = new Set<string>();
  for (const r of routes) {
    // Only $batch may leave authorization to each request it carries (src/http/graph/batch.ts).
    const problem =
      r.permission === EACH_INNER_REQUEST
        ? r.path === '/$batch'
          ? undefined
          : 'only $batch may authorize each inner request on its own'
        : declarationProblem(r.permission);
    if (problem) throw new Error(`Graph route ${r.method} ${r.path}: ${problem}`);
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) throw new Error(`Graph route ${key} is declared twice`);
    seen.add(key);
  }
}

function principalOf(claims: JWTPayload, tenantId: string): Principal {
  // A token says what it allows one way: a user's delegated scopes (with their roles) or an app's permissions.
  if (claims.scp !== undefined && claims.roles !== undefined)
    throw new SignetError('GRAPH_TOKEN_INVALID', { reason: 'both scp and roles' });
  if (typeof claims.scp === 'string') {
    if (typeof claims.oid !== 'string' || claims.oid !== claims.sub)
      throw new SignetError('GRAPH_TOKEN_INVALID', { reason: 'oid' });
    if (claims.wids !== undefined && !Array.isArray(claims.wids))
      throw new SignetError('GRAPH_TOKEN_INVALID', { reason: 'wids' });
    return {
      kind: 'delegated',
      tenantId,
      userId: claims.oid,
      scopes: claims.scp.split(' ').filter(Boolean),
      roleTemplateIds: Array.isArray(claims.wids) ? claims.wids.map(String) : [],
      ...(typeof claims.azp === 'string' ? { clientId: claims.azp } : {}),
      ...(typeof claims.signet_sid === 'string' ? { sessionId: claims.signet_sid } : {}),
    };
  }
  if (Array.isArray(claims.roles) && typeof claims.sub === 'string')
    return { kind: 'application', tenantId, appId: claims.sub, roles: claims.roles.map(String) };
  throw new SignetError('GRAPH_TOKEN_INVALID', { reason: 'neither scp nor roles' });
}

export function graphApi(
  app: FastifyInstance,
  deps: { ctx: Ctx; tenants: TenantResolver; routes?: readonly GraphRoute[] },
): void {
  const { ctx, tenants } = deps;
  const routes = deps.routes ?? graphRoutes;
  assertDeclared(routes);
  const audience = graphResource(ctx.config.origin);

  async function authenticate(req: FastifyRequest): Promise<{ tenant: Tenant; principal: Principal }> {
    const header = req.headers.authorization;
    if (typeof header !== 'string' || header.trim() === '') throw new SignetError('GRAPH_TOKEN_MISSING');
    const m = /^Bearer +([A-Za-z0-9_.~+/=-]+)$/i.exec(header.trim());
    if (!m) throw new SignetError('GRAPH_TOKEN_INVALID', { reason: 'not a Bearer token' });
    const token = m[1]!;
    let tid: unknown;
    try {
      tid = decodeJwt(token).tid;
    } catch {
      throw new SignetError('GRAPH_TOKEN_INVALID', { reason: 'not a JWT' });
    }
    if (typeof tid !== 'string' || tid === '' || tid.length > 64)
      throw new SignetError('GRAPH_TOKEN_INVALID', { reason: 'no tid' });
    let tenant: Tenant;
    try {
      tenant = await tenants.resolve(tid);
    } catch (err) {
      throw new SignetError('GRAPH_TOKEN_INVALID', { reason: 'unknown tenant' }, { cause: err });
    }
    if (tenant.id !== tid) throw new SignetError('GRAPH_TOKEN_INVALID', { reason: 'unknown tenant' });
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, await verificationKeySet(ctx, tenant.id), {
        issuer: `${ctx.config.origin}/${tenant.id}/v2.0`,
        audience,
        typ: 'at+jwt',
        algorithms: ALGORITHMS,
        clockTolerance: 30,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        currentDate: new Date(ctx.now()),
      }));
    } catch (err) {
      if (err instanceof joseErrors.JOSEError)
        throw new SignetError('GRAPH_TOKEN_INVALID', { reason: err.code }, { cause: err });
      throw err;
    }
    if (claims.tid !== tenant.id) throw new SignetError('GRAPH_TOKEN_INVALID', { reason: 'tid' });
    const principal = principalOf(claims, tenant.id);
    if (principal.kind === 'delegated') {
      // A disabled user's token stops working at once, a deleted app's users' tokens too (as its app-only ones),
      // and a removed role with them: the roles in force are those the token carries (wids) and the user still
      // holds (primary-key reads per call, nothing cached).
      const [user, roleNames, app] = await Promise.all([
        findUserById(ctx.db, tenant.id, principal.userId),
        roleNamesOf(ctx.db, tenant.id, principal.userId),
        principal.clientId === undefined ? undefined : findApp(ctx.db, tenant.id, principal.clientId),
      ]);
      if (!user?.enabled) throw new SignetError('GRAPH_USER_DISABLED');
      if (principal.clientId !== undefined && !app)
        throw new SignetError('GRAPH_TOKEN_INVALID', { reason: 'the app no longer exists' });
      const held = new Set(roleTemplateIdsOf(roleNames).map((w) => w.toLowerCase()));
      const roleTemplateIds = principal.roleTemplateIds.filter((w) => held.has(w.toLowerCase()));
      return { tenant, principal: { ...principal, roleTemplateIds } };
    }
    if (principal.kind === 'application') {
      // A deleted app's tokens stop at once, and a revoked permission with them: the roles in force are those the
      // token carries and the app still holds (one primary-key read per call, nothing cached).
      const app = await findApp(ctx.db, tenant.id, principal.appId);
      if (!app) throw new SignetError('GRAPH_TOKEN_INVALID', { reason: 'the app no longer exists' });
      const held = new Set(app.permissions.map((p) => p.toLowerCase()));
      return { tenant, principal: { ...principal, roles: principal.roles.filter((r) => held.has(r.toLowerCase())) } };
    }
    return { tenant, principal };
  }

  const send = (req: FastifyRequest, reply: FastifyReply, err: unknown) => {
    const e = toSignetError(err);
    req.refusal = e.code === 'INTERNAL_ERROR' ? { code: e.code, err } : { code: e.code };
    if (e.status === 401) reply.header('www-authenticate', bearerChallenge(e.code, audience));
    return reply.status(e.status).type('application/json; charset=utf-8').send(errorBody(e, req.id));
  };

  app.register(
    async (scope) => {
      graphCors(scope);
      scope.addHook('onRequest', async (req, reply) => {
        const sent = req.headers['client-request-id'];
        reply.header('request-id', req.id);
        reply.header('client-request-id', typeof sent === 'string' && CLIENT_REQUEST_ID.test(sent) ? sent : req.id);
        reply.header('cache-control', 'no-store');
      });
      scope.setErrorHandler((err, req, reply) => send(req, reply, err));
      scope.setNotFoundHandler((req, reply) => send(req, reply, new SignetError('ROUTE_NOT_FOUND')));
      for (const route of routes)
        for (const version of route.versions ?? ['v1.0']) {
          scope.route({
            method: route.method,
            url: `/${version}${route.path}`,
            handler: async (req, reply) => {
              const { tenant, principal } = await authenticate(req);
              if (route.permission !== EACH_INNER_REQUEST) {
                const decision = authorize(principal, tenant.id, route.permission);
                if (!decision.ok) throw new SignetError(decision.code, decision.detail);
              }
              let body: unknown;
              if (route.body) {
                const parsed = route.body.safeParse(req.body);
                if (!parsed.success)
                  throw new SignetError('REQUEST_INVALID', {
                    field: parsed.error.issues[0]?.path.join('.') ?? '',
                    reason: parsed.error.issues[0]?.message ?? 'invalid',
                  });
                body = parsed.data;
              }
              const out = await route.handler({
                ctx,
                tenant,
                principal,
                params: req.params as Record<string, string>,
                body,
                base: `${audience}/${version}`,
                req,
              });
              reply.status(out.status ?? 200);
              if (out.body === undefined) return reply.send();
              // `/$count` answers the bare number as text, as Graph does (its SDKs read it so).
              if (typeof out.body === 'number') return reply.type('text/plain; charset=utf-8').send(String(out.body));
              return reply.type('application/json; odata.metadata=minimal; charset=utf-8').send(out.body);
            },
          });
        }
    },
    { prefix: '/graph' },
  );
}
