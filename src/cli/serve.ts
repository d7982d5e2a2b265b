import type { FastifyInstance } from 'fastify';
import { SignetError } from '../core/errors.ts';
import { purgeExpired } from '../flows/maintenance.ts';
import { startMetadataRefresh } from '../flows/metadata-refresh.ts';
import { createMetrics } from '../http/metrics.ts';
import { buildManagementServer, buildServer } from '../http/server.ts';
import { runInit } from './init.ts';
import type { Command } from './runtime.ts';

/** Listens, turning a taken or impossible address into CONFIG_INVALID naming the variables (not a stack trace). */
async function listen(app: FastifyInstance, port: number, host: string, vars: [string, string]): Promise<void> {
  try {
    await app.listen({ port, host });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why: Record<string, string> = {
      EADDRINUSE: 'already in use',
      EACCES: 'not allowed',
      EADDRNOTAVAIL: 'not an address of this machine',
      ENOTFOUND: 'not a known host name',
      EAI_AGAIN: 'not a known host name',
    };
    if (!code || !why[code]) throw err;
    const [portVar, hostVar] = vars;
    const variable = code === 'EADDRINUSE' || code === 'EACCES' ? portVar : hostVar;
    throw new SignetError('CONFIG_INVALID', {
      variable,
      reason: `${portVar} ${port} on ${hostVar} ${host} is ${why[code]}: set ${variable} to ${variable === portVar ? 'a free port' : 'an address of this machine'}`,
    });
  }
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the Signet server (runs migrations, and on an empty database creates the first tenant)',
  usage:
    'signet serve [--port PORT] [--host HOST]  (SIGNET_PUBLIC_URL, SIGNET_DATABASE_URL, SIGNET_SECRET, ... from the environment)',
  options: {
    port: { type: 'string', description: 'listen on this port (as PORT does)' },
    host: { type: 'string', description: 'listen on this address (as HOST does)' },
  },
  environment: (v) => ({
    ...(typeof v.port === 'string' ? { PORT: v.port } : {}),
    ...(typeof v.host === 'string' ? { HOST: v.host } : {}),
  }),
  run: async (rt) => {
    // The banner is for a person: plain text on stderr, printed whole once listening; stdout carries JSON logs only.
    const banner: string[] = [];
    const init = await runInit({ ...rt, json: false, print: (t) => banner.push(t) });
    const metrics = createMetrics();
    const { config } = rt;
    const app = await buildServer(rt.ctx, { logger: true, metrics });
    const management =
      config.managementPort === undefined
        ? undefined
        : await buildManagementServer(rt.ctx, { metrics, engine: rt.store.engine });
    // Fastify announces each address it listens on as a log line; the banner says it once, for a person.
    const level = app.log.level;
    app.log.level = 'warn';
    try {
      await listen(app, config.port, config.host, ['PORT', 'HOST']);
      if (management && config.managementPort !== undefined)
        await listen(management, config.managementPort, config.managementHost ?? '127.0.0.1', [
          'SIGNET_MANAGEMENT_PORT',
          'SIGNET_MANAGEMENT_HOST',
        ]);
    } catch (err) {
      await app.close();
      // The first pass of a new database is shown only once: not lost when the port is taken.
      if (init.temporaryAccessPass) process.stderr.write(`${banner.join('\n')}\n`);
      throw err;
    } finally {
      app.log.level = level;
    }
    banner.push(`Signet is listening on ${config.host}:${config.port}; open ${init.url}`);
    banner.push(
      management
        ? `Operations: http://${config.managementHost}:${config.managementPort}/metrics and /readyz (detail)`
        : 'Operations: no /metrics endpoint (set SIGNET_MANAGEMENT_PORT to serve /metrics and /readyz detail on 127.0.0.1)',
    );
    if (config.trustedProxies?.entries.length)
      banner.push(
        `Client addresses from ${config.trustedProxies.header === 'forwarded' ? 'Forwarded' : 'X-Forwarded-For'} via ${config.trustedProxies.entries.join(', ')}`,
      );
    if (config.mdsUrl)
      banner.push(
        `Authenticator metadata: fetched from SIGNET_MDS_URL now and at each BLOB's nextUpdate; until then the last good copy in the database is in force`,
      );
    process.stderr.write(`${banner.join('\n')}\n`);
    // After listening: a metadata service that is down or slow never keeps the server from starting.
    const metadata = config.mdsUrl ? startMetadataRefresh(rt.ctx) : undefined;
    const purge = setInterval(() => {
      purgeExpired(rt.ctx).catch((err) => rt.ctx.log.error({ err: String(err) }, 'purge failed'));
    }, 10 * 60_000);
    purge.unref();
    const stop = async () => {
      clearInterval(purge);
      metadata?.stop();
      await management?.close();
      await app.close();
      await rt.store.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return rt.json ? init : undefined;
  },
};
