// GET /graph/v1.0/users paging benchmark (SPEC §7, issue 7): a tenant of 100,000 users seeded in bulk through the
// store, a real Signet server in its own process, and every @odata.nextLink walked to the end for $top=100,
// $top=999, a startswith(userPrincipalName) filter and $orderby=displayName. Prints p50/p99 per page, pages/s and
// the server's resident memory beside the raw limit measured in the same run: the same page SELECTs (the SQL
// src/store/user-query.ts builds) run directly on the engine's driver against the same database, walking the same
// keyset, so the cost of HTTP, the token check and Graph's shaping shows as the difference.
//   node bench/graph-users.ts [--users 100000] [--engine sqlite|postgres|both]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { userQuerySpec } from '../src/core/graph-user.ts';
import { type CollectionQuery, parseCollectionQuery } from '../src/core/odata.ts';
import type { Engine } from '../src/store/db.ts';
import { userPageQuery } from '../src/store/user-query.ts';
import {
  appToken,
  enginesOf,
  explain,
  graphGet,
  insertBulk,
  type Latency,
  latency,
  machine,
  ms,
  type RawEngine,
  rawEngine,
  rssOf,
  startBenchServer,
  withBenchTenant,
} from './graph-bench.ts';

const { values } = parseArgs({
  options: { users: { type: 'string', default: '100000' }, engine: { type: 'string', default: 'both' } },
});
const USERS = Number(values.users);

const FIRST = ['Ada', 'Alan', 'Barbara', 'Claude', 'Edsger', 'Frances', 'Grace', 'Hedy', 'Ivan', 'John'];
const FIRST2 = ['Ken', 'Leslie', 'Margaret', 'Niklaus', 'Radia', 'Shafi', 'Tim', 'Whitfield', 'Yukihiro', 'Zhores'];
const LAST = ['Allen', 'Backus', 'Cerf', 'Dijkstra', 'Engelbart', 'Floyd', 'Goldwasser', 'Hopper', 'Iverson', 'Knuth'];
const LAST2 = ['Lamport', 'Liskov', 'McCarthy', 'Naur', 'Perlman', 'Ritchie', 'Sutherland', 'Thompson', 'Wirth', 'Yao'];
const firstNames = [...FIRST, ...FIRST2];
const lastNames = [...LAST, ...LAST2];

interface Case {
  name: string;
  params: Record<string, string>;
  expected: number;
  /** Walks to time (and rows expected in all), for a query of one page. */
  repeat?: number;
}

const upn = (i: number) => `user${i}@bench.example`;
const PREFIX = 'user1';
const cases: Case[] = [
  { name: '$top=100', params: { $top: '100' }, expected: USERS },
  { name: '$top=999', params: { $top: '999' }, expected: USERS },
  {
    name: `$filter=startswith(userPrincipalName,'${PREFIX}'), $top=100`,
    params: { $filter: `startswith(userPrincipalName,'${PREFIX}')`, $top: '100' },
    expected: Array.from({ length: USERS }, (_, i) => upn(i)).filter((u) => u.startsWith(PREFIX)).length,
  },
  { name: '$orderby=displayName, $top=100', params: { $orderby: 'displayName', $top: '100' }, expected: USERS },
  // A prefix only one user has: the page is read in id order, so the filter is tried on the whole tenant.
  {
    name: `$filter=startswith(userPrincipalName,'${upn(USERS - 1).split('@')[0]}@')`,
    params: { $filter: `startswith(userPrincipalName,'${upn(USERS - 1).split('@')[0]}@')`, $top: '100' },
    expected: 50,
    repeat: 50,
  },
];

interface Walk {
  pages: number;
  rows: number;
  seconds: number;
  perPage: Latency;
  /** Median of the first and of the last tenth of the pages: keyset paging should cost the same at any depth. */
  early: number;
  late: number;
  /** A later page's SELECT and parameters, for the plan. */
  sample?: { sql: string; params: unknown[] };
}

function walkOf(times: number[], rows: number, start: number): Walk {
  const tenth = Math.max(1, Math.floor(times.length / 10));
  return {
    pages: times.length,
    rows,
    seconds: (performance.now() - start) / 1000,
    perPage: latency(times),
    early: latency(times.slice(0, tenth)).p50,
    late: latency(times.slice(-tenth)).p50,
  };
}

/** Follows every @odata.nextLink from the first page to the last, timing each page. */
async function walkHttp(origin: string, token: string, c: Case, maxPages = Infinity): Promise<Walk> {
  const times: number[] = [];
  let rows = 0;
  const start = performance.now();
  for (let walk = 0; walk < (c.repeat ?? 1); walk++) {
    let url: string | undefined = `${origin}/graph/v1.0/users?${new URLSearchParams(c.params)}`;
    while (url && times.length < maxPages) {
      const t0 = performance.now();
      const body = (await graphGet(url, token, { consistencylevel: 'eventual' })) as {
        value: unknown[];
        '@odata.nextLink'?: string;
      };
      times.push(performance.now() - t0);
      rows += body.value.length;
      url = body['@odata.nextLink'];
    }
  }
  return walkOf(times, rows, start);
}

async function walkRaw(
  raw: RawEngine,
  kdb: import('../src/store/db.ts').Db,
  tenantId: string,
  c: Case,
  maxPages = Infinity,
): Promise<Walk> {
  const parsed = parseCollectionQuery(c.params, userQuerySpec);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.detail));
  const query: CollectionQuery = parsed.query;
  // The SQL of a first page and of a later one; the cursor's two values are found by sentinel and replaced.
  const first = userPageQuery(kdb, tenantId, query).compile();
  const later = userPageQuery(kdb, tenantId, query, { key: '\u0000key', id: '\u0000id' }).compile();
  // Every place the cursor's values stand (the sort key may be bound more than once).
  const placesOf = (sentinel: string) => later.parameters.flatMap((p, i) => (p === sentinel ? [i] : []));
  const keyAt = placesOf('\u0000key');
  const idAt = placesOf('\u0000id');
  const times: number[] = [];
  let rows = 0;
  let sample: Walk['sample'];
  const start = performance.now();
  for (let walk = 0; walk < (c.repeat ?? 1); walk++) {
    let cursor: { key: unknown; id: unknown } | undefined;
    while (times.length < maxPages) {
      const t0 = performance.now();
      let params: unknown[];
      if (cursor) {
        params = [...later.parameters];
        for (const i of keyAt) params[i] = cursor.key;
        for (const i of idAt) params[i] = cursor.id;
      } else params = [...first.parameters];
      const page = await raw.run(cursor ? later.sql : first.sql, params);
      if (cursor && !sample) sample = { sql: later.sql, params };
      times.push(performance.now() - t0);
      const n = Math.min(page.length, query.top);
      rows += n;
      if (page.length <= query.top) break;
      const last = page[n - 1]!;
      cursor = { key: last.sort_key, id: last.id };
    }
  }
  return { ...walkOf(times, rows, start), sample };
}

interface EngineResult {
  engine: Engine;
  seedSeconds: number;
  results: { c: Case; http: Walk; raw: Walk }[];
  rssAfter: number;
  rssIdle: number;
}

async function runEngine(engine: Engine): Promise<EngineResult> {
  return withBenchTenant(engine, ['User.Read.All'], async ({ db, secret, port, origin, seeded }) => {
    const t0 = performance.now();
    const now = Date.now();
    const rows = Array.from({ length: USERS }, (_, i) => ({
      id: randomUUID(),
      tenant_id: seeded.tenant.id,
      user_principal_name: upn(i),
      upn_lower: upn(i),
      display_name: `${firstNames[i % 20]} ${lastNames[Math.floor(i / 20) % 20]}`,
      enabled: 1,
      user_handle: randomUUID(),
      created_at: now,
    }));
    await insertBulk(seeded.store, 'users', rows);
    if (engine === 'postgres') await seeded.store.db.executeQuery({ sql: 'ANALYZE users', parameters: [] } as never);
    const seedSeconds = (performance.now() - t0) / 1000;
    console.log(`${engine}: seeded ${USERS} users in ${seedSeconds.toFixed(1)} s`);

    const server = await startBenchServer(db, port, secret);
    const raw = await rawEngine(db);
    try {
      const token = await appToken(origin, seeded.tenant, seeded.app);
      const rssIdle = rssOf(server.pid);
      const results: EngineResult['results'] = [];
      for (const c of cases) {
        await walkHttp(origin, token, c, 30); // warm-up: JIT, statement caches, pages in the OS cache
        await walkRaw(raw, seeded.store.db, seeded.tenant.id, c, 30);
        const http = await walkHttp(origin, token, c);
        const rawWalk = await walkRaw(raw, seeded.store.db, seeded.tenant.id, c);
        if (http.rows !== c.expected || rawWalk.rows !== c.expected)
          throw new Error(`${c.name}: walked ${http.rows} (HTTP) and ${rawWalk.rows} (raw) rows, not ${c.expected}`);
        results.push({ c, http, raw: rawWalk });
        if (rawWalk.sample)
          console.log(`    plan: ${await explain(db, raw, rawWalk.sample.sql, rawWalk.sample.params)}`);
        console.log(
          `  ${c.name}: ${http.pages} pages, HTTP p50 ${ms(http.perPage.p50)} ms p99 ${ms(http.perPage.p99)} ms; raw p50 ${ms(rawWalk.perPage.p50)} ms`,
        );
      }
      return { engine, seedSeconds, results, rssAfter: rssOf(server.pid), rssIdle };
    } finally {
      await raw.close();
      await server.stop();
      await seeded.store.close();
    }
  });
}

const out: EngineResult[] = [];
for (const engine of enginesOf(values.engine)) out.push(await runEngine(engine));

console.log(`\nGET /graph/v1.0/users, ${USERS} users, one client walking every @odata.nextLink; ${machine()}`);
for (const r of out) {
  console.log(`\n${r.engine}: seed ${r.seedSeconds.toFixed(1)} s (bulk transaction through the store)`);
  console.log(
    '  query                                                   pages  HTTP p50 / p99 ms   HTTP pages/s  raw p50 / p99 ms   raw pages/s  raw ÷ HTTP  raw first / last tenth ms',
  );
  for (const { c, http, raw } of r.results)
    console.log(
      `  ${c.name.padEnd(55)} ${String(http.pages).padStart(5)}  ${`${ms(http.perPage.p50)} / ${ms(http.perPage.p99)}`.padEnd(18)} ${(http.pages / http.seconds).toFixed(0).padStart(12)}  ${`${ms(raw.perPage.p50)} / ${ms(raw.perPage.p99)}`.padEnd(17)} ${(raw.pages / raw.seconds).toFixed(0).padStart(11)}  ${(raw.pages / raw.seconds / (http.pages / http.seconds)).toFixed(1).padStart(9)}×  ${ms(raw.early)} / ${ms(raw.late)}`,
    );
  console.log(
    `  server resident memory: ${r.rssIdle.toFixed(0)} MiB after start, ${r.rssAfter.toFixed(0)} MiB after the walks`,
  );
}
