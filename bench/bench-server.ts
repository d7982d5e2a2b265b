// The server side of the sign-in benchmark: a real Signet server over the benchmark's SQLite file, in its own
// process so the load generator does not share its core.
import { loadConfig } from '../src/config.ts';
import { silentLogger, systemCtx } from '../src/flows/context.ts';
import { buildServer } from '../src/http/server.ts';
import { openStore } from '../src/store/db.ts';
import { MetadataRegistry } from '../src/webauthn/metadata.ts';

const config = loadConfig();
const store = openStore(config.databaseUrl);
const ctx = systemCtx({ db: store.db, config, metadata: new MetadataRegistry(), log: silentLogger });
const app = await buildServer(ctx);
await app.listen({ port: config.port, host: '127.0.0.1' });
process.send?.({ ready: true });
process.on('message', async (m: { stop?: boolean }) => {
  if (m.stop) {
    await app.close();
    await store.close();
    process.exit(0);
  }
});
