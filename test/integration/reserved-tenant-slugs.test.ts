// A tenant's pages live at /{slug}/…: a slug equal to one of the server's own top-level paths would be shadowed
// by that route (a tenant `static` whose /static/signin is a static file). The server's routes are walked, so a
// new top-level route fails here until its first segment is reserved (src/core/tenant-slug.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reservedTenantSlugs } from '../../src/core/tenant-slug.ts';
import type { Ctx } from '../../src/flows/context.ts';
import { silentLogger } from '../../src/flows/context.ts';
import { createTenant } from '../../src/flows/directory.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { buildManagementServer, buildServer } from '../../src/http/server.ts';
import type { Store } from '../../src/store/db.ts';
import { findTenant } from '../../src/store/tenants.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { engines, openTestStore } from '../support/engines.ts';
import { testConfig } from '../support/harness.ts';

/**
 * Every route path in Fastify's `printRoutes()` tree: each line is a node whose label continues its parent's
 * path (`└── :tenant` then `└── /` then `├── sign` then `├── in (GET, HEAD)` is /:tenant/signin).
 */
function routePaths(tree: string): string[] {
  const stack: string[] = [];
  const paths: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    if (m[3]) paths.push(stack.join(''));
  }
  return paths;
}

/** The first segment of a path when it is a fixed word: `/static/*` → static; `/:tenant/signin`, `/` → none. */
function fixedFirstSegment(path: string): string | undefined {
  const first = path.replace(/^\/+/, '').split('/')[0]!;
  return first === '' || first.startsWith(':') || first.startsWith('*') ? undefined : first;
}

function ctxOf(store: Store): Ctx {
  return {
    db: store.db,
    config: testConfig(),
    metadata: new MetadataRegistry(),
    log: silentLogger,
    now: () => Date.now(),
    randomBytes: (n) => randomBytes(n),
    newId: () => randomUUID(),
  };
}

describe('reserved tenant slugs cover every top-level route of the server', () => {
  let store: Store;
  let servers: FastifyInstance[];
  beforeAll(async () => {
    store = await openTestStore('sqlite');
    const ctx = ctxOf(store);
    servers = [
      await buildServer(ctx),
      await buildManagementServer(ctx, { metrics: createMetrics(), engine: 'sqlite' }),
    ];
    for (const s of servers) await s.ready();
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await store.close();
  });

  it('reads the route tree (the walk is not blind)', () => {
    const paths = servers.flatMap((s) => routePaths(s.printRoutes()));
    for (const known of ['/healthz', '/static/*', '/:tenant/signin', '/:tenant/account/passkeys/:id', '/metrics'])
      expect(paths).toContain(known);
    expect(fixedFirstSegment('/static/*')).toBe('static');
    expect(fixedFirstSegment('/:tenant/signin')).toBeUndefined();
    expect(fixedFirstSegment('/')).toBeUndefined();
  });

  it('reserves the first segment of each route that does not start with the tenant', () => {
    const segments = new Set(
      servers.flatMap((s) => routePaths(s.printRoutes()).flatMap((p) => fixedFirstSegment(p) ?? [])),
    );
    expect(segments.size).toBeGreaterThanOrEqual(5);
    for (const segment of segments) expect(reservedTenantSlugs, `/${segment}`).toContain(segment);
  });
});

describe.each(engines)('createTenant refuses reserved slugs (%s)', (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(engine);
  });
  afterAll(async () => {
    await store.close();
  });

  it.each(['static', 'healthz', 'graph', 'common'])(
    'refuses %s with TENANT_SLUG_RESERVED and creates nothing',
    async (slug) => {
      await expect(createTenant(ctxOf(store), { slug })).rejects.toMatchObject({
        code: 'TENANT_SLUG_RESERVED',
        detail: { slug },
      });
      expect(await findTenant(store.db, slug)).toBeUndefined();
    },
  );
});
