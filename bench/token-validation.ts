// The cost of validating a Graph access token per request (SPEC §7, issue 7), in µs, beside the machine's raw
// signature verification rate for the tenant key that signed it (node:crypto, one core, measured in this run):
//  - in process, the plugin's steps as src/http/graph/plugin.ts runs them (the tid read, the cached tenant, the
//    cached key set from src/flows/signing-keys.ts, jose's jwtVerify with the same issuer/audience/typ/algorithm
//    options, the tid check, the principal lookup: the app for an app token, the user for a delegated one), each
//    step timed alone and all together;
//  - in process, the real server (buildServer) answering GET /graph/v1.0/organization through Fastify's inject,
//    beside GET /healthz of the same server, so the difference is what the Graph preamble adds to a request;
//  - over HTTP, GET /graph/v1.0/organization (the cheapest Graph route) against a server in its own process at
//    concurrency 1 and 16: requests/s, p50/p99, and the server's CPU per request.
//   node bench/token-validation.ts [--iterations 20000] [--seconds 5] [--engine sqlite|postgres|both]
import { createPublicKey, type KeyObject, verify as nodeVerify } from 'node:crypto';
import { parseArgs } from 'node:util';
import { decodeJwt, decodeProtectedHeader, type JWK, jwtVerify } from 'jose';
import { graphResource } from '../src/core/graph-scopes.ts';
import type { Ctx } from '../src/flows/context.ts';
import { loadPublicJwks, verificationKeySet } from '../src/flows/signing-keys.ts';
import { buildServer } from '../src/http/server.ts';
import { TenantResolver } from '../src/http/tenants.ts';
import { findApp } from '../src/store/apps.ts';
import type { Engine } from '../src/store/db.ts';
import { findUserById } from '../src/store/users.ts';
import {
  appToken,
  cpuSecondsOf,
  enginesOf,
  type Latency,
  latency,
  machine,
  ms,
  rssOf,
  startBenchServer,
  withBenchTenant,
} from './graph-bench.ts';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '5' },
    engine: { type: 'string', default: 'both' },
  },
});
const ITERATIONS = Number(values.iterations);
const SECONDS = Number(values.seconds);

const ROUNDS = 5;
/**
 * µs per call of each item, one call at a time: the items take turns over ROUNDS rounds of n / ROUNDS calls each
 * (after a warm-up), and each item's figure is the median of its rounds, so a burst of load from the machine's
 * other users lands in one round of one item rather than in one item's whole figure.
 */
async function perCall(n: number, items: { name: string; fn: () => unknown }[]): Promise<Map<string, number>> {
  for (const it of items) for (let i = 0; i < Math.ceil(n / 10); i++) await it.fn();
  const rounds = new Map<string, number[]>(items.map((it) => [it.name, []]));
  for (let r = 0; r < ROUNDS; r++)
    for (const it of items) {
      const start = performance.now();
      for (let i = 0; i < n / ROUNDS; i++) await it.fn();
      rounds.get(it.name)!.push(((performance.now() - start) * 1000) / (n / ROUNDS));
    }
  return new Map([...rounds].map(([name, us]) => [name, us.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!]));
}

/** The machine's raw limit for this token: synchronous verifications per second of its signature on one core. */
function rawVerifyPerSecond(token: string, key: KeyObject, alg: string): number {
  const [h, p, s] = token.split('.');
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s!, 'base64url');
  // JWS ES256 signatures are r‖s (IEEE P1363), not DER.
  const options = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  if (!nodeVerify('sha256', data, options, sig)) throw new Error('the raw verify does not accept the token');
  // The median of ROUNDS rounds of 400 ms, as the steps below are taken.
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < 400) {
      for (let i = 0; i < 100; i++) nodeVerify('sha256', data, options, sig);
      n += 100;
    }
    rates.push(n / ((performance.now() - start) / 1000));
  }
  return rates.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

interface InProcess {
  alg: string;
  rawPerSecond: number;
  steps: { name: string; us: number }[];
  pluginPathUs: number;
  injectOrganizationUs: number;
  injectHealthzUs: number;
}

async function inProcess(ctx: Ctx, token: string, userId: string): Promise<InProcess> {
  const header = decodeProtectedHeader(token);
  const alg = String(header.alg);
  const jwk = (await loadPublicJwks(ctx, String(decodeJwt(token).tid))).find((k) => k.kid === header.kid);
  if (!jwk) throw new Error('the token was signed by a key the tenant does not publish');
  const rawPerSecond = rawVerifyPerSecond(
    token,
    createPublicKey({ key: jwk as JWK & { kty: string }, format: 'jwk' }),
    alg,
  );

  const tenants = new TenantResolver(ctx);
  const audience = graphResource(ctx.config.origin);
  const tid = String(decodeJwt(token).tid);
  const appId = String(decodeJwt(token).sub);
  const tenant = await tenants.resolve(tid);
  const keys = await verificationKeySet(ctx, tenant.id);
  // The options src/http/graph/plugin.ts passes to jwtVerify.
  const options = {
    issuer: `${ctx.config.origin}/${tenant.id}/v2.0`,
    audience,
    typ: 'at+jwt',
    algorithms: ['RS256', 'ES256'],
    clockTolerance: 30,
    requiredClaims: ['exp', 'iat', 'jti', 'sub'],
  };
  const steps = [
    { name: 'read tid (decodeJwt)', fn: () => decodeJwt(token) },
    { name: 'tenant (cached resolver)', fn: () => tenants.resolve(tid) },
    { name: 'key set (cached, version-checked)', fn: () => verificationKeySet(ctx, tenant.id) },
    {
      name: `jose jwtVerify (${alg}, claims)`,
      fn: () => jwtVerify(token, keys, { ...options, currentDate: new Date(ctx.now()) }),
    },
    { name: 'app lookup (app token)', fn: () => findApp(ctx.db, tenant.id, appId) },
    { name: 'user lookup (delegated token)', fn: () => findUserById(ctx.db, tenant.id, userId) },
  ];
  // All of it in the plugin's order, as one request runs it (an app token: the app lookup).
  const pluginPath = async () => {
    const t = decodeJwt(token).tid as string;
    const resolved = await tenants.resolve(t);
    const { payload } = await jwtVerify(token, await verificationKeySet(ctx, resolved.id), {
      ...options,
      currentDate: new Date(ctx.now()),
    });
    if (payload.tid !== resolved.id) throw new Error('tid');
    const app = await findApp(ctx.db, resolved.id, String(payload.sub));
    if (!app) throw new Error('app');
  };
  const us = await perCall(ITERATIONS, [...steps, { name: 'path', fn: pluginPath }]);
  const measured = steps.map((st) => ({ name: st.name, us: us.get(st.name)! }));
  const pluginPathUs = us.get('path')!;

  const app = await buildServer(ctx);
  await app.ready();
  const inject = async (url: string, headers: Record<string, string>) => {
    const res = await app.inject({ method: 'GET', url, headers });
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  };
  const injected = await perCall(ITERATIONS / 4, [
    { name: 'organization', fn: () => inject('/graph/v1.0/organization', { authorization: `Bearer ${token}` }) },
    { name: 'healthz', fn: () => inject('/healthz', {}) },
  ]);
  const injectOrganizationUs = injected.get('organization')!;
  const injectHealthzUs = injected.get('healthz')!;
  await app.close();
  return { alg, rawPerSecond, steps: measured, pluginPathUs, injectOrganizationUs, injectHealthzUs };
}

interface Load {
  concurrency: number;
  perSecond: number;
  latency: Latency;
  serverCpuUsPerRequest: number;
  errors: number;
}

async function load(url: string, token: string, concurrency: number, pid: number): Promise<Load> {
  const run = async (seconds: number) => {
    const times: number[] = [];
    let errors = 0;
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
          await res.arrayBuffer();
          if (res.status === 200) times.push(performance.now() - t0);
          else errors++;
        }
      }),
    );
    return { times, errors };
  };
  await run(1); // warm-up
  const cpu0 = cpuSecondsOf(pid);
  const { times, errors } = await run(SECONDS);
  const cpu = cpuSecondsOf(pid) - cpu0;
  return {
    concurrency,
    perSecond: times.length / SECONDS,
    latency: latency(times),
    serverCpuUsPerRequest: (cpu * 1e6) / Math.max(1, times.length),
    errors,
  };
}

interface EngineResult {
  engine: Engine;
  inProcess: InProcess;
  http: Load[];
  rss: number;
}

async function runEngine(engine: Engine): Promise<EngineResult> {
  return withBenchTenant(engine, ['Organization.Read.All'], async ({ db, secret, port, origin, seeded }) => {
    const userId = seeded.ctx.newId();
    await seeded.store.db
      .insertInto('users')
      .values({
        id: userId,
        tenant_id: seeded.tenant.id,
        user_principal_name: 'ada@bench.example',
        upn_lower: 'ada@bench.example',
        display_name: 'Ada',
        enabled: 1,
        user_handle: seeded.ctx.newId(),
        created_at: seeded.ctx.now(),
      })
      .execute();
    const server = await startBenchServer(db, port, secret);
    try {
      const token = await appToken(origin, seeded.tenant, seeded.app);
      const url = `${origin}/graph/v1.0/organization`;
      const http = [await load(url, token, 1, server.pid), await load(url, token, 16, server.pid)];
      const rss = rssOf(server.pid);
      console.log(
        `${engine}: HTTP ${http.map((h) => `c=${h.concurrency} ${h.perSecond.toFixed(0)}/s p50 ${ms(h.latency.p50)} p99 ${ms(h.latency.p99)} ms`).join('; ')}`,
      );
      const ip = await inProcess(seeded.ctx, token, userId);
      return { engine, inProcess: ip, http, rss };
    } finally {
      await server.stop();
      await seeded.store.close();
    }
  });
}

const out: EngineResult[] = [];
for (const engine of enginesOf(values.engine)) out.push(await runEngine(engine));

const us = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
console.log(
  `\nGraph access token validation, ${ITERATIONS} calls per step in ${ROUNDS} interleaved rounds (median round); ${machine()}`,
);
for (const r of out) {
  const ip = r.inProcess;
  console.log(`\n${r.engine}:`);
  console.log(
    `  raw ${ip.alg} verify, one core (node:crypto, same key and token):  ${ip.rawPerSecond.toFixed(0)} /s = ${us(1e6 / ip.rawPerSecond)} µs`,
  );
  for (const s of ip.steps) console.log(`  ${s.name.padEnd(58)} ${us(s.us).padStart(7)} µs`);
  console.log(
    `  the plugin's path, all steps in order (app token)            ${us(ip.pluginPathUs).padStart(7)} µs  (${(ip.pluginPathUs / (1e6 / ip.rawPerSecond)).toFixed(1)}× the raw verify)`,
  );
  console.log(
    `  in-process inject: GET /graph/v1.0/organization ${us(ip.injectOrganizationUs)} µs, GET /healthz ${us(ip.injectHealthzUs)} µs, difference ${us(ip.injectOrganizationUs - ip.injectHealthzUs)} µs`,
  );
  for (const h of r.http)
    console.log(
      `  HTTP GET /graph/v1.0/organization, ${String(h.concurrency).padStart(2)} in flight: ${h.perSecond.toFixed(0)} /s, p50 ${ms(h.latency.p50)} ms, p99 ${ms(h.latency.p99)} ms, server CPU ${us(h.serverCpuUsPerRequest)} µs per request (${h.errors} errors)`,
    );
  console.log(`  server resident memory: ${r.rss.toFixed(0)} MiB`);
}
