import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import type { LogLevel } from '../config.ts';
import type { Ctx } from '../flows/context.ts';
import type { Engine } from '../store/db.ts';
import { resolveClientAddress } from './client-address.ts';
import { graphApi } from './graph/plugin.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { OidcMount } from './oidc-mount.ts';
import { errorHandling, refuseNulCharacters, sendError } from './plugins/errors.ts';
import { rateLimit } from './plugins/rate-limit.ts';
import { securityHeaders } from './plugins/security-headers.ts';
import { accountRoutes } from './routes/account.ts';
import { accountMethodRoutes } from './routes/account-methods.ts';
import { campaignRoutes } from './routes/campaign.ts';
import { devOutboxRoutes } from './routes/dev-outbox.ts';
import { fido2Routes } from './routes/fido2.ts';
import { managementRoutes, opsRoutes } from './routes/ops.ts';
import { secondFactorRoutes } from './routes/second-factor.ts';
import { signInRoutes } from './routes/signin.ts';
import { staticRoutes } from './routes/static.ts';
import { TenantResolver } from './tenants.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by sendError: the catalogue code of the refusal (and the error of a 500) for the request's log line. */
    refusal: { code: string; err?: unknown } | null;
  }
}

export interface ServerOptions {
  logger?: boolean;
  /** Default: the configuration's SIGNET_LOG_LEVEL, else info. */
  logLevel?: LogLevel;
  /** Where JSON log lines go (default stdout). */
  logStream?: { write(line: string): void };
  metrics?: Metrics;
}

/** Logs carry the path only: query strings may hold codes, hints or tokens (never logged). */
const pathOf = (url: string) => {
  const q = url.indexOf('?');
  return (q === -1 ? url : url.slice(0, q)).slice(0, 512);
};
const serializers = {
  req: (req: { method: string; url: string; id: string }) => ({
    id: req.id,
    method: req.method,
    path: pathOf(req.url),
  }),
};

function loggerOptions(ctx: Ctx, opts: ServerOptions) {
  if (!opts.logger) return false;
  const level = opts.logLevel ?? ctx.config.logLevel ?? 'info';
  return { level, serializers, ...(opts.logStream ? { stream: opts.logStream } : {}) };
}

/**
 * Behind trusted proxies, `req.ip` is the client the proxies name (src/core/client-address.ts); otherwise the
 * TCP peer. Nothing else reads proxy headers: the origin, RP ID, cookies and redirects come from the config.
 */
function resolveClients(app: FastifyInstance, ctx: Ctx): void {
  const trusted = ctx.config.trustedProxies;
  if (!trusted || trusted.entries.length === 0) return;
  app.addHook('onRequest', (req, _reply, done) => {
    Object.defineProperty(req, 'ip', {
      value: resolveClientAddress(req.socket.remoteAddress, req.headers, trusted),
      configurable: true,
    });
    done();
  });
}

/** One line per request: method, path (never the query), status, time, client and, for a refusal, the code. */
function requestLine(req: FastifyRequest, status: number, ms: number) {
  const line: Record<string, unknown> = {
    method: req.method,
    path: pathOf(req.url),
    status,
    ms: Math.round(ms * 10) / 10,
    client: req.ip,
  };
  if (req.refusal) line.code = req.refusal.code;
  return line;
}

export async function buildServer(ctx: Ctx, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(ctx, opts),
    // Fastify's own two lines per request are replaced by one (see the onResponse hook).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // A request id a help desk can look up across processes and restarts (Fastify's counts from 1 per process);
    // never taken from the client.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    trustProxy: false,
    routerOptions: { maxParamLength: 200 },
    // Requests the router cannot even read (a bad percent-encoding, an overlong segment) still get our shape.
    frameworkErrors: (err, req, reply) => sendError(req, reply, err),
  });
  const metrics = opts.metrics ?? createMetrics();
  const tenants = new TenantResolver(ctx);
  const oidc = new OidcMount(ctx);

  app.decorateRequest('refusal', null);
  resolveClients(app, ctx);
  // After the client address is resolved; before bodies are read (src/http/plugins/rate-limit.ts).
  rateLimit(app, { limits: ctx.config.rateLimits, now: () => ctx.now() });
  await app.register(cookie);
  await app.register(formbody);
  errorHandling(app);
  refuseNulCharacters(app);
  securityHeaders(app, { https: ctx.config.secureCookies });
  const logging = Boolean(opts.logger);
  app.addHook('onResponse', async (req, reply) => {
    const ms = reply.elapsedTime;
    metrics.httpSeconds.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      ms / 1000,
    );
    if (!logging) return;
    const err = req.refusal?.err;
    if (err !== undefined) req.log.error({ ...requestLine(req, reply.statusCode, ms), err }, 'request failed');
    else req.log.info(requestLine(req, reply.statusCode, ms), 'request');
  });

  opsRoutes(app, ctx);
  staticRoutes(app);
  signInRoutes(app, { ctx, metrics, tenants, oidc });
  accountRoutes(app, { ctx, metrics, tenants });
  accountMethodRoutes(app, { ctx, tenants });
  secondFactorRoutes(app, { ctx, tenants, oidc });
  campaignRoutes(app, { ctx, tenants, oidc });
  fido2Routes(app, { ctx, metrics, tenants });
  oidc.routes(app, tenants);
  graphApi(app, { ctx, tenants });
  return app;
}

/**
 * The operations listener (SIGNET_MANAGEMENT_PORT, on SIGNET_MANAGEMENT_HOST): /metrics and the detail of
 * /readyz, apart from the public one so that neither is reachable from the internet by default.
 */
export async function buildManagementServer(
  ctx: Ctx,
  opts: { metrics: Metrics; engine: Engine },
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 1024 });
  app.decorateRequest('refusal', null);
  errorHandling(app);
  managementRoutes(app, ctx, opts);
  devOutboxRoutes(app, ctx);
  return app;
}
