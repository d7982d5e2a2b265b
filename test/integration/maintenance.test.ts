import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/flows/directory.ts';
import { purgeExpired } from '../../src/flows/maintenance.ts';
import { beginPasskeySignIn } from '../../src/flows/sign-in-passkey.ts';
import { FAMILIAR_FOR_MS } from '../../src/flows/smart-lockout.ts';
import { signInWithTap } from '../../src/flows/temporary-access-pass.ts';
import { findChallenge } from '../../src/store/challenges.ts';
import { isFamiliarSource, markFamiliarSource } from '../../src/store/lockouts.ts';
import { listSignIns } from '../../src/store/logs.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness } from '../support/harness.ts';

describe.each(engines)('maintenance on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(engine);
  });
  afterAll(() => h.close());

  it('purges challenges an hour past their expiry and keeps live ones', async () => {
    const old = await beginPasskeySignIn(h.ctx, h.tenant, {});
    h.clock.now += 2 * 60 * 60 * 1000;
    const live = await beginPasskeySignIn(h.ctx, h.tenant, {});
    const purged = await purgeExpired(h.ctx);
    expect(purged.challenges).toBeGreaterThanOrEqual(1);
    expect(await findChallenge(h.ctx.db, h.tenant.id, 'authentication', old.challenge)).toBeUndefined();
    expect(await findChallenge(h.ctx.db, h.tenant.id, 'authentication', live.challenge)).toBeDefined();
  });

  it('forgets an address the user has not signed in from for 90 days, so it counts as unfamiliar again', async () => {
    const user = await h.user();
    await markFamiliarSource(h.ctx.db, h.tenant.id, user.id, '203.0.113.7', h.clock.now);
    await markFamiliarSource(h.ctx.db, h.tenant.id, user.id, '203.0.113.8', h.clock.now + 2 * 86_400_000);
    h.clock.now += FAMILIAR_FOR_MS + 86_400_000;
    expect((await purgeExpired(h.ctx)).familiarSources).toBe(1);
    const since = h.clock.now - FAMILIAR_FOR_MS;
    expect(await isFamiliarSource(h.ctx.db, h.tenant.id, user.id, '203.0.113.7', since)).toBe(false);
    expect(await isFamiliarSource(h.ctx.db, h.tenant.id, user.id, '203.0.113.8', since)).toBe(true);
  });
});

describe.each(engines)('sign-in log retention on %s', (engine) => {
  it('keeps 30 days of sign-in log rows', async () => {
    const h = await harness(engine);
    try {
      await signInWithTap(h.ctx, h.tenant, { username: 'nobody@example.com', pass: 'x' }).catch(() => undefined);
      h.clock.now += 29 * 24 * 60 * 60 * 1000;
      expect((await purgeExpired(h.ctx)).signIns).toBe(0);
      h.clock.now += 2 * 24 * 60 * 60 * 1000;
      expect((await purgeExpired(h.ctx)).signIns).toBe(1);
      expect(await listSignIns(h.ctx.db, h.tenant.id)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe.each(engines)('tenant slugs on %s', (engine) => {
  it('refuses a slug shaped like a tenant id, which could shadow another tenant in URLs', async () => {
    const h = await harness(engine);
    try {
      await expect(createTenant(h.ctx, { slug: h.tenant.id })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
      await expect(createTenant(h.ctx, { slug: h.tenant.slug })).rejects.toMatchObject({ code: 'TENANT_SLUG_TAKEN' });
    } finally {
      await h.close();
    }
  });
});
