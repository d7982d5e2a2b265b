// Passkey sign-in benchmark (SPEC §7): options → assertion → verify (session + log) over HTTP against SQLite,
// many users and credentials. Prints sign-ins per second, latency percentiles and the server's resident
// memory beside the machine's raw ECDSA P-256 verifications per second on one core, measured in this run.
//   npm run bench -- [--users 2000] [--seconds 10] [--concurrency 16]
import { fork } from 'node:child_process';
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import type { Config } from '../src/config.ts';
import { silentLogger, systemCtx } from '../src/flows/context.ts';
import { createTenant } from '../src/flows/directory.ts';
import { migrate, openStore } from '../src/store/db.ts';
import { MetadataRegistry } from '../src/webauthn/metadata.ts';
import { cpuSecondsOf, percentile, rawP256VerifyPerSecond, rssOf } from './measure.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '16' },
  },
});
const USERS = Number(values.users);
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const PORT = 3900 + Math.floor(Math.random() * 90);
const ORIGIN = `http://localhost:${PORT}`;
// One secret for the seed and the server: the server reads it from SIGNET_SECRET, as an operator's would be.
const SECRET = randomBytes(32);

interface BenchUser {
  upn: string;
  handle: string;
  credentialId: string;
  key: KeyObject;
  counter: number;
}

async function seed(dbUrl: string, dataDir: string): Promise<{ slug: string; users: BenchUser[] }> {
  const store = openStore(dbUrl);
  await migrate(store.db);
  const config = {
    secret: SECRET,
    publicUrl: new URL(ORIGIN),
    origin: ORIGIN,
    rpId: 'localhost',
    dataDir,
  } as Config;
  const ctx = systemCtx({ db: store.db, config, metadata: new MetadataRegistry(), log: silentLogger });
  const tenant = await createTenant(ctx, { slug: 'bench' });
  const users: BenchUser[] = [];
  const now = Date.now();
  const rows = { users: [] as object[], passkeys: [] as object[] };
  for (let i = 0; i < USERS; i++) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const u: BenchUser = {
      upn: `user${i}@bench.example`,
      handle: randomBytes(32).toString('base64url'),
      credentialId: randomBytes(32).toString('base64url'),
      key: privateKey,
      counter: 0,
    };
    const id = randomUUID();
    rows.users.push({
      id,
      tenant_id: tenant.id,
      user_principal_name: u.upn,
      upn_lower: u.upn,
      display_name: `User ${i}`,
      enabled: 1,
      user_handle: u.handle,
      created_at: now,
    });
    rows.passkeys.push({
      id: randomUUID(),
      tenant_id: tenant.id,
      user_id: id,
      credential_id: u.credentialId,
      public_key: Buffer.from(cose).toString('base64url'),
      alg: -7,
      counter: 0,
      aaguid: '00000000-0000-0000-0000-000000000000',
      transports: '["internal"]',
      backup_eligible: 0,
      backup_state: 0,
      attestation_format: 'none',
      attestation_trust: 'none',
      display_name: 'Bench passkey',
      created_at: now,
      last_used_at: null,
    });
    users.push(u);
  }
  await store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.users.length; i += 500) {
      await trx
        .insertInto('users')
        .values(rows.users.slice(i, i + 500) as never)
        .execute();
      await trx
        .insertInto('passkeys')
        .values(rows.passkeys.slice(i, i + 500) as never)
        .execute();
    }
  });
  await store.close();
  return { slug: tenant.slug, users };
}

const rpIdHash = createHash('sha256').update('localhost').digest();

function assertion(u: BenchUser, challenge: string) {
  u.counter += 1;
  const authData = Buffer.alloc(37);
  rpIdHash.copy(authData, 0);
  authData[32] = 0x05; // UP | UV
  authData.writeUInt32BE(u.counter, 33);
  const clientDataJSON = Buffer.from(
    JSON.stringify({ type: 'webauthn.get', challenge, origin: ORIGIN, crossOrigin: false }),
  );
  const signature = sign(
    'sha256',
    Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]),
    u.key,
  );
  return {
    id: u.credentialId,
    rawId: u.credentialId,
    type: 'public-key',
    response: {
      clientDataJSON: clientDataJSON.toString('base64url'),
      authenticatorData: authData.toString('base64url'),
      signature: signature.toString('base64url'),
      userHandle: u.handle,
    },
    clientExtensionResults: {},
  };
}

async function post(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${ORIGIN}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Runs sign-ins from `concurrency` loops for `seconds`; with `ratePerSecond`, paces them to that rate. */
async function load(slug: string, users: BenchUser[], seconds: number, concurrency: number, ratePerSecond?: number) {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  let errors = 0;
  const interval = ratePerSecond ? (1000 * concurrency) / ratePerSecond : 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let due = performance.now() + (interval * w) / concurrency;
      while (performance.now() < deadline) {
        if (interval) {
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          due += interval;
        }
        const u = users[next++ % users.length]!;
        const t0 = performance.now();
        try {
          const options = (await post(`/${slug}/signin/passkey/options`, {})) as { challenge: string };
          await post(`/${slug}/signin/passkey/verify`, { credential: assertion(u, options.challenge) });
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

const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'signet-bench-'));
const dbUrl = `sqlite:${join(dir, 'signet.db')}`;
console.log(`seeding ${USERS} users with one ES256 passkey each…`);
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
await load(slug, users, 2, CONCURRENCY); // warm-up
const cpu0 = cpuSecondsOf(server.pid!);
const client0 = process.cpuUsage();
const full = await load(slug, users, SECONDS, CONCURRENCY);
const serverCores = (cpuSecondsOf(server.pid!) - cpu0) / SECONDS;
const clientUsage = process.cpuUsage(client0);
const clientCores = (clientUsage.user + clientUsage.system) / 1e6 / SECONDS;
const rss = rssOf(server.pid!);
const loopStats = (): Promise<{ p50: number; p99: number; max: number }> =>
  new Promise((resolve) => {
    server.once('message', (m: { loop: { p50: number; p99: number; max: number } }) => resolve(m.loop));
    server.send({ loopStats: true });
  });
await loopStats(); // reset after the full-load phase
const half = await load(slug, users, SECONDS, CONCURRENCY, full.perSecond / 2);
const halfLoop = await loopStats();
server.send({ stop: true });

const ratio = full.perSecond / serverCores / raw;
console.log(`
passkey sign-in over HTTP (options + verify + session + log), SQLite, ${USERS} users, ${CONCURRENCY} in flight, server on one process
  raw ECDSA P-256 verify, one core (node:crypto):  ${raw.toFixed(0)} /s
  sign-ins at full load:                           ${full.perSecond.toFixed(0)} /s   (${full.errors} errors)
  server CPU used / load generator CPU used:       ${serverCores.toFixed(2)} / ${clientCores.toFixed(2)} cores
  sign-ins per server core ÷ raw verify (≥ 0.35):  ${ratio.toFixed(3)}   (${(full.perSecond / serverCores).toFixed(0)} per core)
  latency at full load:                            p50 ${full.p50.toFixed(1)} ms, p99 ${full.p99.toFixed(1)} ms
  latency at half load (${(full.perSecond / 2).toFixed(0)}/s):                 p50 ${half.p50.toFixed(1)} ms, p99 ${half.p99.toFixed(1)} ms (budget p99 < 25 ms)
  server event-loop delay at half load:            p50 ${halfLoop.p50.toFixed(1)} ms, p99 ${halfLoop.p99.toFixed(1)} ms, max ${halfLoop.max.toFixed(1)} ms
  server resident memory:                          ${rss.toFixed(0)} MiB
`);
