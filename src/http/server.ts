import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Ctx } from '../flows/context.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { OidcMount } from './oidc-mount.ts';
import { errorHandling, refuseNulCharacters, sendError } from './plugins/errors.ts';
import { securityHeaders } from './plugins/security-headers.ts';
import { accountRoutes } from './routes/account.ts';
import { fido2Routes } from './routes/fido2.ts';
import { opsRoutes } from './routes/ops.ts';
import { signInRoutes } from './routes/signin.ts';
import { staticRoutes } from './routes/static.ts';
import { TenantResolver } from './tenants.ts';

export interface ServerOptions {
  logger?: boolean;
  metrics?: Metrics;
}

/** Logs carry the path only: query strings may hold codes, hints or tokens (never logged). */
const serializers = {
  req: (req: { method: string; url: string; id: string }) => ({
    id: req.id,
    method: req.method,
    path: req.url.split('?')[0],
  }),
};

export async function buildServer(ctx: Ctx, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ? { level: 'info', serializers } : false,
    bodyLimit: 64 * 1024,
    trustProxy: false,
    routerOptions: { maxParamLength: 200 },
    // Requests the router cannot even read (a bad percent-encoding, an overlong segment) still get our shape.
    frameworkErrors: (err, req, reply) => sendError(req, reply, err),
  });
  const metrics = opts.metrics ?? createMetrics();
  const tenants = new TenantResolver(ctx);
  const oidc = new OidcMount(ctx);

  await app.register(cookie);
  await app.register(formbody);
  errorHandling(app);
  refuseNulCharacters(app);
  securityHeaders(app, { https: ctx.config.secureCookies });
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpSeconds.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  opsRoutes(app, ctx, metrics);
  staticRoutes(app);
  signInRoutes(app, { ctx, metrics, tenants, oidc });
  accountRoutes(app, { ctx, metrics, tenants });
  fido2Routes(app, { ctx, tenants });
  oidc.routes(app, tenants);
  return app;
}
