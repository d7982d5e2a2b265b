// The authentication strengths table and the sign-in path's view of it (flows/strengths.ts strengthsOf), on each
// engine: every query kept to its tenant, the per-process copy read again after a write through this process at
// once and through another process within the version check's second (and not without a version bump), a damaged
// row left out and logged, two racing creates of one name, and the per-tenant limit.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignetError } from '../../src/core/errors.ts';
import { MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID } from '../../src/core/strengths.ts';
import type { Ctx } from '../../src/flows/context.ts';
import { createTenant } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { createStrength, deleteCustomStrength, MAX_CUSTOM_STRENGTHS, strengthsOf } from '../../src/flows/strengths.ts';
import { migrate, openStore, type Store } from '../../src/store/db.ts';
import { findCustomStrength, listCustomStrengths, strengthReferences } from '../../src/store/strengths.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { databaseUrl, engines } from '../support/engines.ts';
import { testConfig } from '../support/harness.ts';
import { insertCaPolicyRequiring } from '../support/strength-fixtures.ts';

describe.each(engines)('the authentication strengths table on %s', (engine) => {
  let one: Store;
  let two: Store;
  let ctx: Ctx;
  let other: Ctx;
  const errors: Record<string, unknown>[] = [];
  let a: Tenant;
  let b: Tenant;

  const ctxOf = (store: Store): Ctx => ({
    db: store.db,
    config: testConfig(),
    metadata: new MetadataRegistry(),
    log: {
      error: (obj: Record<string, unknown>) => errors.push(obj),
      warn: () => {},
      info: () => {},
      debug: () => {},
      trace: () => {},
      fatal: () => {},
      child() {
        return this;
      },
    } as unknown as Ctx['log'],
    now: () => Date.now(),
    randomBytes: (n) => randomBytes(n),
    newId: () => randomUUID(),
  });
  const name = () => `Strength ${randomUUID().slice(0, 8)}`;
  const create = (t: Tenant, c = ctx, displayName = name()) =>
    createStrength(c, t, localOperator(t.id), { displayName, allowedCombinations: ['fido2'] });

  beforeAll(async () => {
    const url = await databaseUrl(engine);
    one = openStore(url);
    await migrate(one.db);
    two = openStore(url); // a second process on the same database
    ctx = ctxOf(one);
    other = ctxOf(two);
    a = await createTenant(ctx, { slug: 'contoso' });
    b = await createTenant(ctx, { slug: 'fabrikam' });
  });
  afterAll(async () => {
    await two?.close();
    await one?.close();
  });

  it('keeps every query to its tenant', async () => {
    const s = await create(a);
    const policy = await insertCaPolicyRequiring(ctx.db, a.id, s.id);
    expect((await listCustomStrengths(ctx.db, b.id)).map((x) => x.id)).not.toContain(s.id);
    expect(await findCustomStrength(ctx.db, b.id, s.id)).toBeUndefined();
    expect(await strengthReferences(ctx.db, b.id, s.id)).toEqual([]);
    expect((await strengthReferences(ctx.db, a.id, s.id)).map((r) => r.id)).toEqual([policy]);
    await expect(deleteCustomStrength(ctx, b, localOperator(b.id), s.id)).rejects.toMatchObject({
      code: 'GRAPH_RESOURCE_NOT_FOUND',
    });
    expect(await findCustomStrength(ctx.db, a.id, s.id.toUpperCase())).toMatchObject({ id: s.id });
  });

  it('gives the sign-in path every strength by id, built-ins included, and a write through this process at once', async () => {
    const before = await strengthsOf(ctx, a.id);
    expect(before.get(MFA_STRENGTH_ID)?.displayName).toBe('Multifactor authentication');
    expect(before.get(PHISHING_RESISTANT_STRENGTH_ID)?.allowedCombinations).toEqual(['fido2']);
    expect(await strengthsOf(ctx, a.id)).toBe(before); // kept, not read again
    const s = await create(a);
    expect((await strengthsOf(ctx, a.id)).get(s.id)).toMatchObject({
      displayName: s.displayName,
      policyType: 'custom',
    });
    expect((await strengthsOf(ctx, b.id)).has(s.id)).toBe(false);
  });

  it('sees a write through another process within the version check’s second, and only through a version bump', async () => {
    // A copy built within a second of this process's last write carries the versions read before it: let it settle.
    await new Promise((r) => setTimeout(r, 1100));
    await strengthsOf(ctx, a.id);
    const seen = await strengthsOf(ctx, a.id);
    // A row written without the version bump is not seen: the copy is kept on the version, not re-read.
    const sneaked = randomUUID();
    await ctx.db
      .insertInto('authentication_strengths')
      .values({
        tenant_id: a.id,
        id: sneaked,
        display_name: name(),
        document: JSON.stringify({ description: '', allowedCombinations: ['fido2'], combinationConfigurations: [] }),
        created_at: Date.now(),
        modified_at: Date.now(),
      })
      .execute();
    await new Promise((r) => setTimeout(r, 1100));
    expect((await strengthsOf(ctx, a.id)).has(sneaked)).toBe(false);
    expect(await strengthsOf(ctx, a.id)).toBe(seen);

    const s = await create(a, other);
    const deadline = Date.now() + 3000;
    let got = await strengthsOf(ctx, a.id);
    while (!got.has(s.id) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      got = await strengthsOf(ctx, a.id);
    }
    expect(got.has(s.id)).toBe(true);
    expect(got.has(sneaked)).toBe(true); // read again in full
  });

  it('leaves a damaged row out, logged with its tenant and id, and serves the rest', async () => {
    const damaged = randomUUID();
    await ctx.db
      .insertInto('authentication_strengths')
      .values({
        tenant_id: b.id,
        id: damaged,
        display_name: 'Damaged',
        document: '{"allowedCombinations": "fido2"',
        created_at: Date.now(),
        modified_at: Date.now(),
      })
      .execute();
    const good = await create(b); // bumps the version, so the copy is read again
    const all = await strengthsOf(ctx, b.id);
    expect(all.has(damaged)).toBe(false);
    expect(all.has(good.id)).toBe(true);
    expect(errors).toContainEqual(expect.objectContaining({ tenant: b.id, strength: damaged }));
  });

  it('lets one of two racing creates of one name win, and refuses the other with STRENGTH_NAME_TAKEN', async () => {
    const t = await createTenant(ctx, { slug: `race-${randomBytes(3).toString('hex')}` });
    const displayName = name();
    // Two connections of one SQLite database in one process block each other (the driver is synchronous), so on SQLite
    // the race is between two requests of one process; on PostgreSQL between two processes.
    const second = engine === 'sqlite' ? ctx : other;
    const results = await Promise.allSettled([
      create(t, ctx, displayName),
      create(t, second, displayName.toLowerCase()),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(SignetError);
    expect((lost.reason as SignetError).code).toBe('STRENGTH_NAME_TAKEN');
    expect(await listCustomStrengths(ctx.db, t.id)).toHaveLength(1);
  });

  it(`stops a tenant at ${MAX_CUSTOM_STRENGTHS} custom strengths, and not another tenant`, async () => {
    const t = await createTenant(ctx, { slug: `full-${randomBytes(3).toString('hex')}` });
    for (let i = 0; i < MAX_CUSTOM_STRENGTHS; i++) await create(t);
    await expect(create(t)).rejects.toMatchObject({ code: 'STRENGTH_LIMIT_REACHED', detail: { limit: '15' } });
    expect(await listCustomStrengths(ctx.db, t.id)).toHaveLength(MAX_CUSTOM_STRENGTHS);
    const u = await createTenant(ctx, { slug: `free-${randomBytes(3).toString('hex')}` });
    expect((await create(u)).policyType).toBe('custom');
  });
});
