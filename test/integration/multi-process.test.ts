// Many processes (issue 7): two Signet servers, each with its own Ctx, store pool and in-memory caches, on one
// PostgreSQL database. A change made through A is in force on B within a second (what B keeps in memory carries
// versions it reads at most once a second), or at once for what B does not keep (apps, users).
import { decodeProtectedHeader, importJWK, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION_CHECK_INTERVAL_MS } from '../../src/core/cache-staleness.ts';
import { SignetError } from '../../src/core/errors.ts';
import { KEY_RETIREMENT_DELAY_MS } from '../../src/core/signing-key-schedule.ts';
import { changeAppPermissions, createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { purgeExpired } from '../../src/flows/maintenance.ts';
import { beginPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { loadPrivateJwks, rotateSigningKeys, verificationKeySet } from '../../src/flows/signing-keys.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { bumpCacheVersion } from '../../src/store/cache-versions.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { setUserEnabled } from '../../src/store/users.ts';
import { CookieClient } from '../support/browserless.ts';
import { databaseUrl, engines } from '../support/engines.ts';
import { clientCredentials } from '../support/graph.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { within } from '../support/within.ts';

/** Slack on top of the check interval for a loaded machine (two cores shared). */
const DEADLINE_MS = VERSION_CHECK_INTERVAL_MS + 1000;

const pkce = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };

describe.skipIf(!engines.includes('postgres'))('two Signet processes on one PostgreSQL database', () => {
  let a: TestServer;
  let b: TestServer;
  let tenant: Tenant;

  beforeAll(async () => {
    const url = await databaseUrl('postgres');
    a = await startTestServer('postgres', {}, undefined, {}, { databaseUrl: url });
    // One instance: one database and one instance secret (the signing keys are sealed with it).
    b = await startTestServer('postgres', { secret: a.ctx.config.secret }, undefined, {}, { databaseUrl: url });
    tenant = await createTenant(a.ctx, { slug: 'fabrikam' });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const authorize = (server: TestServer, clientId: string, redirectUri: string) =>
    fetch(
      `${server.url}/${tenant.id}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: redirectUri, ...pkce })}`,
      { redirect: 'manual' },
    );
  const jwksKids = async (server: TestServer) => {
    const res = await fetch(`${server.url}/${tenant.id}/discovery/v2.0/keys`);
    return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
  };

  it("honours an app's new redirect URI and refuses the old one on B", async () => {
    const { app } = await createApp(a.ctx, tenant, {
      name: 'Web',
      redirectUris: ['https://web.example/old'],
      publicClient: true,
    });
    // B has built its provider and seen the app (oidc-provider keeps the Client instance).
    expect((await authorize(b, app.id, 'https://web.example/old')).status).toBe(303);
    expect((await authorize(b, app.id, 'https://web.example/new')).status).toBe(400);
    // What an `app update` writes, through A's database connection.
    await a.ctx.db
      .updateTable('apps')
      .set({ redirect_uris: JSON.stringify(['https://web.example/new']) })
      .where('tenant_id', '=', tenant.id)
      .where('id', '=', app.id)
      .execute();
    // Apps are not kept in memory: in force on B at once.
    expect((await authorize(b, app.id, 'https://web.example/new')).status).toBe(303);
    expect((await authorize(b, app.id, 'https://web.example/old')).status).toBe(400);
  });

  it("gives B's tokens the permissions granted through A at once", async () => {
    const c = await createApp(a.ctx, tenant, {
      name: 'Daemon',
      redirectUris: [],
      publicClient: false,
      permissions: ['User.Read.All'],
    });
    const daemon = { id: c.app.id, secret: c.clientSecret! };
    expect((await clientCredentials(b, tenant, daemon, 'AuditLog.Read.All')).status).toBe(400);
    await changeAppPermissions(a.ctx, tenant, { appId: daemon.id, grant: ['AuditLog.Read.All'] });
    const r = await clientCredentials(b, tenant, daemon, 'AuditLog.Read.All');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  });

  it('refuses a user disabled through A at once on B: their session and their sign-in', async () => {
    const user = await createUser(a.ctx, tenant, { userPrincipalName: 'ada@fabrikam.example' });
    const { token } = await startSession(b.ctx, b.ctx.db, { tenantId: tenant.id, userId: user.id, method: 'passkey' });
    const { pass } = await issueTap(a.ctx, tenant, user, { actor: { type: 'system', id: null } });
    const passkeys = () =>
      fetch(`${b.url}/${tenant.slug}/account/passkeys`, { headers: { cookie: `signet-sid-${tenant.id}=${token}` } });
    expect((await passkeys()).status).toBe(200);
    await setUserEnabled(a.ctx.db, tenant.id, user.id, false);
    expect((await passkeys()).status).toBe(401);
    const signin = await new CookieClient(b.url).fetch(`/${tenant.slug}/signin/tap`, {
      method: 'POST',
      json: { username: user.userPrincipalName, pass },
    });
    expect(signin.status).toBeGreaterThanOrEqual(400);
  });

  it('signs with and publishes the keys rotated through A within a second on B; the old keys still verify', async () => {
    const c = await createApp(a.ctx, tenant, {
      name: 'Rotating daemon',
      redirectUris: [],
      publicClient: false,
      permissions: ['User.Read.All'],
    });
    const daemon = { id: c.app.id, secret: c.clientSecret! };
    const kidOf = async (server: TestServer) => {
      const r = await clientCredentials(server, tenant, daemon, 'User.Read.All');
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return { token: String(r.body.access_token), kid: decodeProtectedHeader(String(r.body.access_token)).kid! };
    };
    const before = await kidOf(b);
    await jwtVerify(before.token, await verificationKeySet(b.ctx, tenant.id));
    const oldKids = await jwksKids(b);
    expect(oldKids).toContain(before.kid);

    const { kids } = await rotateSigningKeys(a.ctx, tenant, { immediately: true });
    expect(kids).toHaveLength(2);
    const took = await within('new signing key on B', async () => kids.includes((await kidOf(b)).kid));
    const published = await jwksKids(b);
    for (const kid of [...kids, ...oldKids]) expect(published).toContain(kid);
    // B verifies a token signed with the new key (the Graph bearer check's key set) and one signed before.
    const after = await kidOf(b);
    await within('new key in B’s verification key set', async () => {
      try {
        await jwtVerify(after.token, await verificationKeySet(b.ctx, tenant.id));
        return true;
      } catch {
        return false;
      }
    });
    await jwtVerify(before.token, await verificationKeySet(b.ctx, tenant.id));
    expect(took).toBeLessThan(DEADLINE_MS);
    // B's Graph API takes B's token signed with the key rotated in through A, and the one signed before.
    // (Each test server has its own public URL, so a token of A's issuer is not B's to take.)
    expect(kids).toContain(after.kid);
    for (const token of [after.token, before.token]) {
      const res = await fetch(`${b.url}/graph/v1.0/users/${encodeURIComponent('nobody@example.com')}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status, await res.text()).toBe(404);
    }
  });

  it('retires keys through A once their tokens have expired: B verifies nothing more with them and stops publishing them', async () => {
    const old = await loadPrivateJwks(a.ctx, tenant.id);
    const oldRs = old.find((k) => k.alg === 'RS256')!;
    const { kids } = await rotateSigningKeys(a.ctx, tenant, { immediately: true });
    await within('new keys on B', async () => {
      const published = await jwksKids(b);
      return kids.every((k) => published.includes(k));
    });
    const signedByOld = async (server: TestServer) => {
      const nowS = Math.floor(server.ctx.now() / 1000);
      return new SignJWT({ sub: 'x', tid: tenant.id, iat: nowS, exp: nowS + 600 })
        .setProtectedHeader({ alg: 'RS256', kid: oldRs.kid! })
        .sign(await importJWK(oldRs, 'RS256'));
    };
    const verifiesOnB = async (t: string) =>
      jwtVerify(t, await verificationKeySet(b.ctx, tenant.id), { currentDate: new Date(b.ctx.now()) }).then(
        () => true,
        () => false,
      );
    expect(await verifiesOnB(await signedByOld(b))).toBe(true);
    try {
      a.clock.offsetMs = KEY_RETIREMENT_DELAY_MS + 1000;
      b.clock.offsetMs = KEY_RETIREMENT_DELAY_MS + 1000;
      // B's key set lapses on its own clock, before anything is written.
      expect(await verifiesOnB(await signedByOld(b))).toBe(false);
      expect((await purgeExpired(a.ctx)).signingKeys).toBeGreaterThanOrEqual(old.length);
      const took = await within('old keys gone from the JWKS of B', async () => {
        const published = await jwksKids(b);
        return old.every((k) => !published.includes(k.kid!));
      });
      expect(took).toBeLessThan(DEADLINE_MS);
      expect((await jwksKids(b)).sort()).toEqual([...kids].sort());
      expect(await verifiesOnB(await signedByOld(b))).toBe(false);
    } finally {
      a.clock.offsetMs = 0;
      b.clock.offsetMs = 0;
    }
  });

  it('refuses on B, within a second, a registration the passkey policy PATCHed through A forbids', async () => {
    const c = await createApp(a.ctx, tenant, {
      name: 'Policy script',
      redirectUris: [],
      publicClient: false,
      permissions: ['Policy.ReadWrite.AuthenticationMethod'],
    });
    const t = await clientCredentials(a, tenant, { id: c.app.id, secret: c.clientSecret! }, '.default');
    const patch = (isSelfServiceRegistrationAllowed: boolean) =>
      fetch(`${a.url}/graph/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/fido2`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${String(t.body.access_token)}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          '@odata.type': '#microsoft.graph.fido2AuthenticationMethodConfiguration',
          isSelfServiceRegistrationAllowed,
        }),
      });
    const user = await createUser(a.ctx, tenant, { userPrincipalName: 'reg@fabrikam.example' });
    const { session } = await startSession(b.ctx, b.ctx.db, {
      tenantId: tenant.id,
      userId: user.id,
      method: 'temporaryAccessPass',
    });
    const refusalOnB = () =>
      beginPasskeyRegistration(b.ctx, tenant, session).then(
        () => undefined,
        (e: unknown) => (e instanceof SignetError ? e.code : e),
      );
    // B holds the policy in memory (it answered from it once).
    expect(await refusalOnB()).toBeUndefined();
    expect((await patch(false)).status).toBe(204);
    const took = await within(
      'self-service registration off on B',
      async () => (await refusalOnB()) === 'PASSKEY_SELF_SERVICE_DISABLED',
    );
    expect(took).toBeLessThan(DEADLINE_MS);
    expect((await patch(true)).status).toBe(204);
    await within('self-service registration on again on B', async () => (await refusalOnB()) === undefined);
  });

  it('stops serving a tenant under its old slug within a second of a rename through A', async () => {
    const t = await createTenant(a.ctx, { slug: 'northwind' });
    const discovery = (slug: string) => fetch(`${b.url}/${slug}/v2.0/.well-known/openid-configuration`);
    expect((await discovery('northwind')).status).toBe(200);
    // What a tenant rename writes (no flow yet): the row and the tenant's version, in one transaction.
    await a.ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('tenants').set({ slug: 'southwind' }).where('id', '=', t.id).execute();
      await bumpCacheVersion(trx, t.id, 'tenant');
    });
    await within('old slug refused on B', async () => (await discovery('northwind')).status === 404);
    expect((await discovery('southwind')).status).toBe(200);
  });
});
