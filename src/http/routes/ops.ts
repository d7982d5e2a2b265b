import type { FastifyInstance } from 'fastify';
import type { Ctx } from '../../flows/context.ts';
import { mdsStatus } from '../../flows/metadata-service.ts';
import { type Engine, isReachable } from '../../store/db.ts';
import type { Metrics } from '../metrics.ts';

/** The public operations routes: liveness, readiness (ready or not, no detail) and WebAuthn related origins. */
export function opsRoutes(app: FastifyInstance, ctx: Ctx): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ok = await isReachable(ctx.db);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready' });
  });
  // WebAuthn related origins (§5.11): the origins allowed to use this RP ID. Only the configured origin;
  // an operator who serves sign-in from more origins lists them here in a later release.
  app.get('/.well-known/webauthn', async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=3600').send({ origins: [ctx.config.origin] }),
  );
}

/** The MDS BLOB in force and, when the newest attempt failed or it is past nextUpdate, why it is not current. */
async function metadataCheck(ctx: Ctx): Promise<Record<string, unknown>> {
  const s = await mdsStatus(ctx);
  return {
    status: s.state,
    ...(s.blob
      ? { no: s.blob.no, nextUpdate: s.blob.nextUpdate, source: s.blob.source, loadedAt: s.blob.loadedAt }
      : {}),
    ...(s.url ? { url: s.url } : {}),
    ...(s.lastError ? { code: s.lastError.code, reason: s.lastError.reason, refusedAt: s.lastError.at } : {}),
  };
}

/** The management listener's routes: Prometheus metrics and readiness with its detail. */
export function managementRoutes(app: FastifyInstance, ctx: Ctx, opts: { metrics: Metrics; engine: Engine }): void {
  const started = Date.now();
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const t0 = performance.now();
    const ok = await isReachable(ctx.db);
    const latencyMs = Math.round((performance.now() - t0) * 100) / 100;
    // Stale or refused metadata is said here (never a 503: the last good copy serves on).
    const metadata = ok ? await metadataCheck(ctx) : undefined;
    return reply.status(ok ? 200 : 503).send({
      status: ok ? 'ready' : 'not ready',
      checks: {
        database: ok
          ? { status: 'up', engine: opts.engine, latencyMs }
          : { status: 'down', engine: opts.engine, code: 'DATABASE_UNREACHABLE' },
        ...(metadata ? { metadata } : {}),
      },
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      trustedProxies: ctx.config.trustedProxies?.entries ?? [],
    });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.type(opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
}
