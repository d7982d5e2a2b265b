// Retiring rotated-out signing keys (SPEC §5): after `signet keys rotate` the old keys still verify the tokens
// they signed; once every such token has expired (the longest signed token lifetime plus clock skew, counted
// from the rotation) they leave the validation key set at once, and the JWKS when they are marked retired, by
// the next rotation or the maintenance pass. Time moves by the server's clock (ctx.now).
import { decodeJwt, decodeProtectedHeader, importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_RETIREMENT_DELAY_MS } from '../../src/core/signing-key-schedule.ts';
import { createApp, createTenant } from '../../src/flows/directory.ts';
import { purgeExpired } from '../../src/flows/maintenance.ts';
import { loadPrivateJwks, rotateSigningKeys } from '../../src/flows/signing-keys.ts';
import { listSigningKeys } from '../../src/store/signing-keys.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { engines } from '../support/engines.ts';
import { clientCredentials } from '../support/graph.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { within } from '../support/within.ts';

describe.each(engines)('signing key retirement on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let daemon: { id: string; secret: string };

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
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
  const jwksKids = async () => {
    const res = await fetch(`${server.url}/${tenant.id}/discovery/v2.0/keys`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
  };
  const graphStatus = async (t: string) => {
    const res = await fetch(`${server.url}/graph/v1.0/users?$top=1`, { headers: { authorization: `Bearer ${t}` } });
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code };
  };
  /** The claims of a real token, fresh for the server's clock now, signed with the given key. */
  const resign = async (real: string, jwk: JWK) => {
    const nowS = Math.floor(server.ctx.now() / 1000);
    return new SignJWT({ ...decodeJwt(real), iat: nowS, nbf: nowS, exp: nowS + 600 })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid! })
      .sign(await importJWK(jwk, 'RS256'));
  };
  const rs256 = async () => (await loadPrivateJwks(server.ctx, tenant.id)).find((k) => k.alg === 'RS256')!;

  it('keeps an old key verifying its live tokens until they expire, then it leaves the key set and the JWKS', async () => {
    try {
      const before = await token();
      const oldKey = await rs256();
      expect(kidOf(before)).toBe(oldKey.kid);
      const oldKids = await jwksKids();
      expect(oldKids).toHaveLength(2);

      const rotated = await rotateSigningKeys(server.ctx, tenant, { immediately: true });
      expect(rotated.kids).toHaveLength(2);
      expect(rotated.retired).toEqual([]);
      expect(rotated.oldKeysUntil).toBeGreaterThanOrEqual(server.ctx.now() + KEY_RETIREMENT_DELAY_MS - 1000);
      await within('the new key signs', async () => rotated.kids.includes(kidOf(await token())));
      const newKey = await rs256();
      expect(rotated.kids).toContain(newKey.kid);
      // Right after the rotation: the token signed before still works, and both generations are published.
      expect(await graphStatus(before)).toMatchObject({ status: 200 });
      expect((await jwksKids()).sort()).toEqual([...oldKids, ...rotated.kids].sort());

      // Just before the last token of the old key expires: it still verifies; the maintenance pass keeps it.
      server.clock.offsetMs = KEY_RETIREMENT_DELAY_MS - 60_000;
      expect(await graphStatus(await resign(before, oldKey))).toMatchObject({ status: 200 });
      expect((await purgeExpired(server.ctx)).signingKeys).toBe(0);
      expect(await jwksKids()).toEqual(expect.arrayContaining(oldKids));

      // Once it has: the old key verifies nothing more, at once, even before it is marked retired.
      server.clock.offsetMs = KEY_RETIREMENT_DELAY_MS + 1000;
      expect(await graphStatus(await resign(before, oldKey))).toEqual({ status: 401, code: 'GRAPH_TOKEN_INVALID' });
      expect(await graphStatus(await resign(before, newKey))).toMatchObject({ status: 200 });
      expect(await graphStatus(before)).toEqual({ status: 401, code: 'GRAPH_TOKEN_INVALID' });
      // The provider is rebuilt as the key falls due: it neither publishes it nor takes it (an id_token_hint at
      // logout) in the minutes before the maintenance pass marks it.
      expect((await jwksKids()).sort()).toEqual([...rotated.kids].sort());

      // The maintenance pass marks it retired, and the JWKS drops it (the provider is rebuilt on the version).
      expect((await purgeExpired(server.ctx)).signingKeys).toBe(2);
      const rows = await listSigningKeys(server.ctx.db, tenant.id);
      expect(
        rows
          .filter((k) => k.retiredAt !== null)
          .map((k) => k.kid)
          .sort(),
      ).toEqual([...oldKids].sort());
      await within('the old keys leave the JWKS', async () => (await jwksKids()).every((k) => !oldKids.includes(k)));
      expect((await jwksKids()).sort()).toEqual([...rotated.kids].sort());
      expect(rotated.kids).toContain(kidOf(await token()));
      expect(await graphStatus(await resign(before, oldKey))).toEqual({ status: 401, code: 'GRAPH_TOKEN_INVALID' });
      expect((await purgeExpired(server.ctx)).signingKeys).toBe(0);
    } finally {
      server.clock.offsetMs = 0;
    }
  });

  it('retires the keys of an earlier rotation at the next rotation, once their tokens have expired', async () => {
    try {
      const first = await rotateSigningKeys(server.ctx, tenant, { immediately: true });
      // A rotation soon after another retires nothing: the previous keys' tokens may still be live.
      const second = await rotateSigningKeys(server.ctx, tenant, { immediately: true });
      expect(second.retired).toEqual([]);
      await within('the newest key signs', async () => second.kids.includes(kidOf(await token())));
      expect(await jwksKids()).toEqual(expect.arrayContaining([...first.kids, ...second.kids]));
      server.clock.offsetMs = KEY_RETIREMENT_DELAY_MS + 1000;
      const third = await rotateSigningKeys(server.ctx, tenant, { immediately: true });
      // The keys the first rotation made stopped signing at the second; what was live before them went too.
      expect(third.retired).toEqual(expect.arrayContaining(first.kids));
      for (const kid of second.kids) expect(third.retired).not.toContain(kid);
      await within('the keys of the first rotation leave the JWKS', async () =>
        (await jwksKids()).every((k) => !first.kids.includes(k)),
      );
      expect(await jwksKids()).toEqual(expect.arrayContaining([...second.kids, ...third.kids]));
    } finally {
      server.clock.offsetMs = 0;
    }
  });
});
