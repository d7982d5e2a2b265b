// Publishing new signing keys before they sign (SPEC §5): `signet keys rotate` publishes the new keys at once and
// signs with them only an hour later, so an app that cached the tenant's key set right after the rotation verifies
// the first token the new key signs; `--now` signs at once. Time moves by the server's clock (ctx.now).
import { createLocalJWKSet, decodeProtectedHeader, type JWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION_CHECK_INTERVAL_MS } from '../../src/core/cache-staleness.ts';
import { KEY_PUBLICATION_LEAD_MS, KEY_RETIREMENT_DELAY_MS } from '../../src/core/signing-key-schedule.ts';
import { createApp, createTenant } from '../../src/flows/directory.ts';
import { rotateSigningKeys } from '../../src/flows/signing-keys.ts';
import { listSigningKeys, retireSigningKey } from '../../src/store/signing-keys.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { engines } from '../support/engines.ts';
import { clientCredentials } from '../support/graph.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { within } from '../support/within.ts';

describe.each(engines)('publishing signing keys before they sign on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let daemon: { id: string; secret: string };

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: 'fabrikam' });
    const c = await createApp(server.ctx, tenant, {
      name: 'daemon',
      redirectUris: [],
      publicClient: false,
      permissions: ['User.Read.All'],
    });
    daemon = { id: c.app.id, secret: c.clientSecret! };
  });
  afterAll(() => server?.close());

  const token = async () => {
    const r = await clientCredentials(server, tenant, daemon, 'User.Read.All');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return String(r.body.access_token);
  };
  const kidOf = (t: string) => decodeProtectedHeader(t).kid!;
  const jwks = async () => {
    const res = await fetch(`${server.url}/${tenant.id}/discovery/v2.0/keys`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { keys: JWK[] }).keys;
  };
  const graphStatus = async (t: string) =>
    (await fetch(`${server.url}/graph/v1.0/users?$top=1`, { headers: { authorization: `Bearer ${t}` } })).status;

  it('publishes the new keys at once, signs with the old ones for the lead, then with the new ones', async () => {
    try {
      const before = await token();
      const oldKid = kidOf(before);
      const at = server.ctx.now();
      const rotated = await rotateSigningKeys(server.ctx, tenant);
      expect(rotated.signsFrom - at).toBeGreaterThanOrEqual(KEY_PUBLICATION_LEAD_MS);
      expect(rotated.signsFrom - at).toBeLessThan(KEY_PUBLICATION_LEAD_MS + 5000);
      expect(rotated.oldKeysUntil).toBe(rotated.signsFrom + KEY_RETIREMENT_DELAY_MS);

      // Every process publishes them within a second; an app caches the key set now.
      await within('the new keys are published', async () => {
        const published = (await jwks()).map((k) => k.kid);
        return rotated.kids.every((kid) => published.includes(kid));
      });
      await new Promise((r) => setTimeout(r, VERSION_CHECK_INTERVAL_MS + 100));
      const cached = await jwks();
      expect(cached.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, ...rotated.kids]));
      // ...while tokens are still signed with the old key.
      expect(kidOf(await token())).toBe(oldKid);

      // Just before the lead ends: still the old key. Then the new one, and the app's cached set verifies it.
      server.clock.offsetMs = KEY_PUBLICATION_LEAD_MS - 60_000;
      expect(kidOf(await token())).toBe(oldKid);
      server.clock.offsetMs = KEY_PUBLICATION_LEAD_MS + 1000;
      let first = '';
      await within('the new key signs', async () => {
        first = await token();
        return rotated.kids.includes(kidOf(first));
      });
      // (The provider stamps tokens by the real clock, so the app checks them by it too.)
      const verified = await jwtVerify(first, createLocalJWKSet({ keys: cached }));
      expect(verified.protectedHeader.kid).toBe(kidOf(first));
      expect(await graphStatus(first)).toBe(200);
      // The token the old key signed before still works: the old key verifies until its tokens have expired.
      server.clock.offsetMs = 0;
      expect(await graphStatus(before)).toBe(200);

      // Counted from when the new key started signing, not from the rotation.
      server.clock.offsetMs = KEY_RETIREMENT_DELAY_MS + 1000;
      expect((await jwks()).map((k) => k.kid)).toContain(oldKid);
      server.clock.offsetMs = KEY_PUBLICATION_LEAD_MS + KEY_RETIREMENT_DELAY_MS + 1000;
      await within('the old key leaves the JWKS', async () => !(await jwks()).some((k) => k.kid === oldKid));
    } finally {
      server.clock.offsetMs = 0;
    }
  });

  it('withdraws the old keys at once when told to (a key believed compromised), and only together with --now', async () => {
    const before = await token();
    const keys = await listSigningKeys(server.ctx.db, tenant.id);
    const oldKids = keys.filter((k) => k.retiredAt === null).map((k) => k.kid);
    const keysBefore = keys.length;
    await expect(rotateSigningKeys(server.ctx, tenant, { retireOld: true })).rejects.toMatchObject({
      code: 'REQUEST_INVALID',
    });
    expect(await listSigningKeys(server.ctx.db, tenant.id)).toHaveLength(keysBefore);

    const rotated = await rotateSigningKeys(server.ctx, tenant, { immediately: true, retireOld: true });
    expect(rotated.retired.sort()).toEqual([...oldKids].sort());
    // Every process drops them within a second: the token the old key signed verifies nowhere any longer.
    await within('the old keys are withdrawn', async () => (await graphStatus(before)) === 401);
    await within('the JWKS lists only the new keys', async () =>
      (await jwks()).every((k) => rotated.kids.includes(k.kid!)),
    );
    expect(rotated.kids).toContain(kidOf(await token()));
    expect(await graphStatus(await token())).toBe(200);
  });

  it('ends the wait of keys published earlier when a rotation signs at once: they never take over', async () => {
    try {
      const pending = await rotateSigningKeys(server.ctx, tenant);
      const now = await rotateSigningKeys(server.ctx, tenant, { immediately: true });
      expect(now.retired).toEqual(expect.arrayContaining(pending.kids));
      await within('the immediate keys sign', async () => now.kids.includes(kidOf(await token())));
      // When the earlier rotation's keys would have started signing, the immediate ones still do.
      server.clock.offsetMs = KEY_PUBLICATION_LEAD_MS + 1000;
      await new Promise((r) => setTimeout(r, VERSION_CHECK_INTERVAL_MS + 100));
      expect(now.kids).toContain(kidOf(await token()));
      expect((await jwks()).map((k) => k.kid)).not.toEqual(expect.arrayContaining(pending.kids));
    } finally {
      server.clock.offsetMs = 0;
    }
  });

  it('signs at once when no key of an algorithm signs now: there is nothing to wait for', async () => {
    const other = await createTenant(server.ctx, { slug: 'northwind' });
    for (const k of await listSigningKeys(server.ctx.db, other.id))
      await retireSigningKey(server.ctx.db, other.id, k.kid, server.ctx.now());
    const at = server.ctx.now();
    const rotated = await rotateSigningKeys(server.ctx, other);
    expect(rotated.signsFrom - at).toBeLessThan(5000);
  });

  it('signs with the new keys at once when told to (a key that must stop signing now)', async () => {
    const before = kidOf(await token());
    const at = server.ctx.now();
    const rotated = await rotateSigningKeys(server.ctx, tenant, { immediately: true });
    expect(rotated.signsFrom - at).toBeLessThan(5000);
    await within('the new key signs', async () => rotated.kids.includes(kidOf(await token())));
    expect(rotated.kids).not.toContain(before);
  });
});
