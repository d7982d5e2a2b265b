// Passkey registration benchmark (SPEC §7: at least 500 per second): options → a packed attestation whose x5c
// chains to a root from the metadata → verify (attestation, chain to the root the MDS BLOB gives for the AAGUID,
// the profile that enforces attestation, store, audit) over HTTP against SQLite, through the real server in its
// own process. Prints registrations per second, latency percentiles and the server's resident memory beside the
// machine's raw ECDSA P-256 verifications per second on one core, measured in this run.
//   npm run bench:registration -- [--users 2000] [--seconds 10] [--concurrency 16] [--attestation packed|none]
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../src/config.ts';
import { silentLogger, systemCtx } from '../src/flows/context.ts';
import { createTenant, createUser } from '../src/flows/directory.ts';
import { loadMdsBlob } from '../src/flows/metadata-service.ts';
import { startSession } from '../src/flows/sessions.ts';
import { migrate, openStore } from '../src/store/db.ts';
import { loadPasskeyMethodConfig, savePasskeyMethodConfig } from '../src/store/policies.ts';
import { MetadataRegistry } from '../src/webauthn/metadata.ts';
import { makeMdsChain, makeMdsRoot, mdsPayload, signMdsBlob } from '../test/support/mds-fixtures.ts';
import { getAttestationRoot, SoftAuthenticator } from '../test/support/soft-authenticator.ts';
import { cpuSecondsOf, percentile, rawP256VerifyPerSecond, rssOf } from './measure.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '16' },
    // `none`: the same ceremony without attestation (and a profile that does not enforce it), for comparison.
    attestation: { type: 'string', default: 'packed' },
  },
});
const PACKED = values.attestation !== 'none';
const USERS = Number(values.users);
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const PORT = 3900 + Math.floor(Math.random() * 90);
const ORIGIN = `http://localhost:${PORT}`;
const SECRET = randomBytes(32);
const AAGUID = 'be9c4000-0000-4e70-9a55-7357a0c0ffee';

interface BenchUser {
  cookie: string;
}

/** A tenant whose profile enforces attestation, a verified BLOB that gives the model's root, users with sessions. */
async function seed(dbUrl: string, dataDir: string): Promise<{ slug: string; users: BenchUser[] }> {
  const store = openStore(dbUrl);
  await migrate(store.db);
  const root = await makeMdsRoot();
  const mdsRootFile = join(dataDir, 'mds-root.pem');
  writeFileSync(mdsRootFile, root.pem);
  const config = {
    secret: SECRET,
    publicUrl: new URL(ORIGIN),
    origin: ORIGIN,
    rpId: 'localhost',
    dataDir,
    mdsRootFile,
  } as Config;
  const ctx = systemCtx({ db: store.db, config, metadata: new MetadataRegistry(), log: silentLogger });
  const blob = await signMdsBlob(
    await makeMdsChain({ root }),
    mdsPayload(1, [{ aaguid: AAGUID, description: 'Signet Bench Key', roots: [await getAttestationRoot()] }]),
  );
  await loadMdsBlob(ctx, blob, 'bench');
  const tenant = await createTenant(ctx, { slug: 'bench' });
  const c = await loadPasskeyMethodConfig(store.db, tenant.id);
  c.passkeyProfiles[0] = {
    ...c.passkeyProfiles[0]!,
    name: 'Attested keys',
    passkeyTypes: 'deviceBound',
    attestationEnforcement: PACKED ? 'registrationOnly' : 'disabled',
  };
  await savePasskeyMethodConfig(store.db, tenant.id, c, Date.now());
  const users: BenchUser[] = [];
  for (let i = 0; i < USERS; i++) {
    const user = await createUser(ctx, tenant, { userPrincipalName: `user${i}@bench.example` });
    // A Temporary Access Pass session: strong enough to register for the next 5 minutes.
    const { token } = await startSession(ctx, store.db, {
      tenantId: tenant.id,
      userId: user.id,
      method: 'temporaryAccessPass',
    });
    users.push({ cookie: `signet-sid-${tenant.id}=${token}` });
  }
  await store.close();
  return { slug: tenant.slug, users };
}

async function post(path: string, cookie: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${ORIGIN}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, origin: ORIGIN },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Registrations from `concurrency` loops for `seconds`, the users taken in turn (each well under its limit). */
async function load(slug: string, users: BenchUser[], seconds: number, concurrency: number, from: { next: number }) {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let errors = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const u = users[from.next++ % users.length]!;
        const t0 = performance.now();
        try {
          const options = (await post(`/${slug}/account/passkeys/options`, u.cookie, {})) as Parameters<
            SoftAuthenticator['register']
          >[0];
          const credential = await new SoftAuthenticator({ aaguid: AAGUID, transports: ['usb'] }).register(options, {
            origin: ORIGIN,
            attestation: PACKED ? 'packed-x5c' : 'none',
          });
          await post(`/${slug}/account/passkeys/verify`, u.cookie, { credential });
          latencies.push(performance.now() - t0);
        } catch (err) {
          if (errors++ === 0) console.error(String(err));
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    errors,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'signet-bench-registration-'));
const dbUrl = `sqlite:${join(dir, 'signet.db')}`;
console.log(`seeding ${USERS} users with a fresh strong sign-in, a metadata BLOB and a profile enforcing attestation…`);
const { slug, users } = await seed(dbUrl, dir);
const raw = rawP256VerifyPerSecond();
const server = fork(new URL('./bench-server.ts', import.meta.url).pathname, [], {
  execArgv: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
  env: {
    ...process.env,
    SIGNET_DATABASE_URL: dbUrl,
    SIGNET_PUBLIC_URL: ORIGIN,
    PORT: String(PORT),
    SIGNET_DATA_DIR: dir,
    SIGNET_SECRET: SECRET.toString('base64url'),
  },
});
await new Promise<void>((resolve, reject) => {
  server.once('message', () => resolve());
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const turn = { next: 0 };
await load(slug, users, 1, CONCURRENCY, turn); // warm-up
const cpu0 = cpuSecondsOf(server.pid!);
const client0 = process.cpuUsage();
const full = await load(slug, users, SECONDS, CONCURRENCY, turn);
const serverCores = (cpuSecondsOf(server.pid!) - cpu0) / SECONDS;
const clientUsage = process.cpuUsage(client0);
const clientCores = (clientUsage.user + clientUsage.system) / 1e6 / SECONDS;
const rss = rssOf(server.pid!);
server.send({ stop: true });

console.log(`
passkey registration over HTTP (options + ${PACKED ? 'packed attestation chained to a metadata root' : 'no attestation'} + verify + store + audit),
SQLite, profile ${PACKED ? 'enforcing' : 'not enforcing'} attestation, ${USERS} users, ${CONCURRENCY} in flight, server on one process
  raw ECDSA P-256 verify, one core (node:crypto):  ${raw.toFixed(0)} /s
  registrations at full load:                      ${full.perSecond.toFixed(0)} /s   (${full.errors} errors; budget ≥ 500/s)
  server CPU used / load generator CPU used:       ${serverCores.toFixed(2)} / ${clientCores.toFixed(2)} cores
  registrations per server core:                   ${(full.perSecond / serverCores).toFixed(0)} (÷ raw verify: ${(full.perSecond / serverCores / raw).toFixed(3)})
  latency at full load:                            p50 ${full.p50.toFixed(1)} ms, p99 ${full.p99.toFixed(1)} ms
  server resident memory:                          ${rss.toFixed(0)} MiB
`);
