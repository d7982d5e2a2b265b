import { SignetError } from '../core/errors.ts';
import { purgeExpired } from '../flows/maintenance.ts';
import { buildServer } from '../http/server.ts';
import { runInit } from './init.ts';
import type { Command } from './runtime.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the Signet server (runs migrations, and on an empty database creates the first tenant)',
  usage: 'signet serve  (PORT, SIGNET_PUBLIC_URL, SIGNET_DATABASE_URL, SIGNET_SECRET from the environment)',
  options: {},
  run: async (rt) => {
    const init = await runInit({ ...rt, json: false });
    const app = await buildServer(rt.ctx, { logger: true });
    try {
      await app.listen({ port: rt.config.port, host: rt.config.host });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
      // Someone else holds the port: say which and what to do, not a stack trace.
      throw new SignetError('CONFIG_INVALID', {
        variable: 'PORT',
        reason: `PORT ${rt.config.port} on ${rt.config.host} is ${code === 'EADDRINUSE' ? 'already in use' : 'not allowed'}: set PORT to a free port`,
      });
    }
    rt.print(`Signet is listening on ${rt.config.host}:${rt.config.port}; open ${init.url}`);
    const purge = setInterval(() => {
      purgeExpired(rt.ctx).catch((err) => rt.ctx.log.error({ err: String(err) }, 'purge failed'));
    }, 10 * 60_000);
    purge.unref();
    const stop = async () => {
      clearInterval(purge);
      await app.close();
      await rt.store.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return rt.json ? init : undefined;
  },
};
