// A real Signet server on a free loopback port, over a real database of the given engine.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../src/config.ts';
import { type Ctx, silentLogger } from '../../src/flows/context.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { buildManagementServer, buildServer, type ServerOptions } from '../../src/http/server.ts';
import { type Engine, migrate, openStore, type Store } from '../../src/store/db.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { openTestStore } from './engines.ts';
import { testConfig } from './harness.ts';

export interface TestServer {
  url: string;
  /** The management listener (/metrics, detailed /readyz), as SIGNET_MANAGEMENT_PORT serves it. */
  managementUrl: string;
  ctx: Ctx;
  store: Store;
  app: FastifyInstance;
  clock: { offsetMs: number };
  close(): Promise<void>;
}

/** Listens first on port 0, so SIGNET_PUBLIC_URL (and with it the origin and RP ID) carries the real port. */
export async function startTestServer(
  engine: Engine,
  overrides: Partial<Config> = {},
  metadata = new MetadataRegistry(),
  /** Server options, e.g. `{ logger: true, logStream }` to read the log lines. */
  options: Omit<ServerOptions, 'metrics'> = {},
  /** `databaseUrl`: this database (migrated) instead of a new one, e.g. two servers as two processes on one. */
  database: { databaseUrl?: string } = {},
): Promise<TestServer> {
  const store = database.databaseUrl ? openStore(database.databaseUrl) : await openTestStore(engine);
  if (database.databaseUrl) await migrate(store.db);
  const clock = { offsetMs: 0 };
  const ctx: Ctx = {
    db: store.db,
    config: testConfig(overrides),
    metadata,
    log: silentLogger,
    now: () => Date.now() + clock.offsetMs,
    randomBytes: (n) => randomBytes(n),
    newId: () => randomUUID(),
  };
  // The port is known only after listening; the config is completed before the first request arrives.
  const net = await import('node:net');
  const port: number = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const publicUrl = new URL(`http://localhost:${port}`);
  ctx.config = { ...ctx.config, publicUrl, origin: publicUrl.origin, rpId: 'localhost', port };
  const metrics = createMetrics();
  const app = await buildServer(ctx, { ...options, metrics });
  await app.listen({ port, host: '127.0.0.1' });
  const management = await buildManagementServer(ctx, { metrics, engine: store.engine });
  const managementUrl = await management.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: publicUrl.origin,
    managementUrl,
    ctx,
    store,
    app,
    clock,
    close: async () => {
      await management.close();
      await app.close();
      await store.close();
    },
  };
}
