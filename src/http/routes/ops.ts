import type { FastifyInstance } from 'fastify';
import type { Ctx } from '../../flows/context.ts';
import { isReachable } from '../../store/db.ts';
import type { Metrics } from '../metrics.ts';

export function opsRoutes(app: FastifyInstance, ctx: Ctx, metrics: Metrics): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ok = await isReachable(ctx.db);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'database unreachable' });
  });
  // WebAuthn related origins (§5.11): the origins allowed to use this RP ID. Only the configured origin;
  // an operator who serves sign-in from more origins lists them here in a later release.
  app.get('/.well-known/webauthn', async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=3600').send({ origins: [ctx.config.origin] }),
  );
  app.get('/metrics', async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
