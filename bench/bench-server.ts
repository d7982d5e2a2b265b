// The server side of the sign-in benchmark: a real Signet server over the benchmark's SQLite file, in its own
// process so the load generator does not share its core.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { silentLogger, systemCtx } from '../src/flows/context.ts';
import { buildServer } from '../src/http/server.ts';
import { openStore } from '../src/store/db.ts';
import { MetadataRegistry } from '../src/webauthn/metadata.ts';

const config = loadConfig();
const store = openStore(config.databaseUrl, { checkpointInWorker: process.env.BENCH_INLINE_CHECKPOINTS !== '1' });
const ctx = systemCtx({ db: store.db, config, metadata: new MetadataRegistry(), log: silentLogger });
const app = await buildServer(ctx);
// How long the event loop was blocked at a time: the tail latency a single process can explain.
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
await app.listen({ port: config.port, host: '127.0.0.1' });
process.send?.({ ready: true });
process.on('message', async (m: { stop?: boolean }) => {
  if ((m as { loopStats?: boolean }).loopStats) {
    process.send?.({ loop: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 } });
    loop.reset();
    return;
  }
  if (m.stop) {
    await app.close();
    await store.close();
    process.exit(0);
  }
});
