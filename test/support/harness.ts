// A real database (per engine), a context with a controllable clock, and the usual fixtures.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../../src/config.ts';
import { type Ctx, silentLogger } from '../../src/flows/context.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { startSession } from '../../src/flows/sessions.ts';
import type { Engine, Store } from '../../src/store/db.ts';
import type { Session } from '../../src/store/sessions.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { openTestStore } from './engines.ts';

export const ORIGIN = 'http://localhost:3000';

export function testConfig(overrides: Partial<Config> = {}): Config {
  const publicUrl = new URL(ORIGIN);
  return {
    publicUrl,
    origin: publicUrl.origin,
    rpId: publicUrl.hostname,
    databaseUrl: 'sqlite::memory:',
    secret: randomBytes(32),
    port: 3000,
    host: '127.0.0.1',
    dataDir: '/tmp',
    secureCookies: false,
    ...overrides,
  };
}

export interface Harness {
  store: Store;
  ctx: Ctx;
  clock: { now: number };
  tenant: Tenant;
  close(): Promise<void>;
  user(upn?: string): Promise<User>;
  /** A session that proved a strong factor just now (as after a TAP or passkey sign-in). */
  strongSession(user: User): Promise<Session>;
}

export async function harness(engine: Engine, opts: { metadata?: MetadataRegistry } = {}): Promise<Harness> {
  const store = await openTestStore(engine);
  const clock = { now: Date.parse('2026-11-23T12:00:00Z') };
  const ctx: Ctx = {
    db: store.db,
    config: testConfig(),
    metadata: opts.metadata ?? new MetadataRegistry(),
    log: silentLogger,
    now: () => clock.now,
    randomBytes: (n) => randomBytes(n),
    newId: () => randomUUID(),
  };
  const tenant = await createTenant(ctx, { slug: `t-${randomBytes(4).toString('hex')}` });
  let n = 0;
  return {
    store,
    ctx,
    clock,
    tenant,
    close: () => store.close(),
    user: (upn) =>
      createUser(ctx, tenant, { userPrincipalName: upn ?? `user${++n}-${randomBytes(3).toString('hex')}@example.com` }),
    strongSession: async (user) =>
      (await startSession(ctx, ctx.db, { tenantId: tenant.id, userId: user.id, method: 'temporaryAccessPass' }))
        .session,
  };
}
