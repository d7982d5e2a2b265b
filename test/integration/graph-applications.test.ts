// The Graph applications resource as a script sees it: create, get, list with $select/$top and paging, update
// (redirect URIs validated as the CLI does), delete; addPassword gives a secret that gets a client-credentials
// token, removePassword stops it at once; no read ever carries a secret's text; the audit rows; tenant isolation.
import { randomBytes, randomUUID } from 'node:crypto';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SECRET_LIMIT } from '../../src/core/app-secret.ts';
import { secretKeyId } from '../../src/core/graph-application.ts';
import { type Ctx, hashSecret, silentLogger } from '../../src/flows/context.ts';
import { changeAppPermissions, createApp, createTenant } from '../../src/flows/directory.ts';
import { openStore } from '../../src/store/db.ts';
import { listAudits, listSignIns } from '../../src/store/logs.ts';
import * as m0001 from '../../src/store/migrations/0001-foundation.ts';
import * as m0002 from '../../src/store/migrations/0002-revocation-and-clones.ts';
import * as m0003 from '../../src/store/migrations/0003-oidc-secrets-hashed.ts';
import * as m0004 from '../../src/store/migrations/0004-secret-probe.ts';
import * as m0005 from '../../src/store/migrations/0005-app-permissions.ts';
import * as m0006 from '../../src/store/migrations/0006-user-query-indexes.ts';
import * as m0007 from '../../src/store/migrations/0007-cache-versions.ts';
import * as m0008 from '../../src/store/migrations/0008-log-indexes.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { databaseUrl, engines } from '../support/engines.ts';
import { clientCredentials } from '../support/graph.ts';
import { errorOf, appToken as graphAppToken, graphClient } from '../support/graph-client.ts';
import { testConfig } from '../support/harness.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;
type Page = { value: Json[]; '@odata.nextLink'?: string; '@odata.context': string };

describe.each(engines)('Graph applications on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let appA: string;
  let tokenA: string;
  let tokenB: string;
  const secretsSeen: string[] = [];

  async function appToken(t: Tenant, permission: string) {
    const c = await graphAppToken(server, t, permission, { name: `apps-${permission}`, scope: permission });
    secretsSeen.push(c.secret);
    return c;
  }

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    const ta = await appToken(a, 'Application.ReadWrite.All');
    appA = ta.appId;
    tokenA = ta.token;
    tokenB = (await appToken(b, 'Application.ReadWrite.All')).token;
  });
  afterAll(() => server?.close());

  const graph = graphClient<Json & Page>(() => server, {
    token: () => tokenA,
    seen: (text, method) => {
      for (const s of secretsSeen) if (method === 'GET') expect(text).not.toContain(s);
    },
  });
  /** The newest client-secret refusal the sign-in log holds for the app. */
  const lastSecretRefusal = async (appId: string) =>
    (await listSignIns(server.ctx.db, a.id, 1000)).find((r) => r.method === 'clientSecret' && r.appId === appId);
  const create = async (displayName: string, extra: Json = { web: { redirectUris: ['https://app.example/cb'] } }) => {
    const r = await graph('POST', '/applications', { body: { displayName, ...extra } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as unknown as Json & { id: string; appId: string };
  };

  it('creates an app (201, Graph shape), reads it back, updates it (204) and deletes it (204)', async () => {
    const app = await create('Payroll');
    expect(app).toMatchObject({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#applications/$entity`,
      displayName: 'Payroll',
      web: { redirectUris: ['https://app.example/cb'] },
      spa: { redirectUris: [] },
      passwordCredentials: [],
    });
    expect(app.appId).toBe(app.id);
    expect(app.createdDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const got = await graph('GET', `/applications/${app.id}?$select=displayName,appId`);
    expect(got.body).toEqual({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#applications(displayName,appId)/$entity`,
      displayName: 'Payroll',
      appId: app.id,
    });
    const patch = await graph('PATCH', `/applications/${app.id}`, {
      body: {
        displayName: 'Payroll 2',
        web: { redirectUris: ['https://app.example/cb2', 'http://localhost:3000/cb'] },
      },
    });
    expect(patch.status, JSON.stringify(patch.body)).toBe(204);
    expect((await graph('GET', `/applications/${app.id}`)).body).toMatchObject({
      displayName: 'Payroll 2',
      web: { redirectUris: ['https://app.example/cb2', 'http://localhost:3000/cb'] },
    });
    expect((await graph('DELETE', `/applications/${app.id}`)).status).toBe(204);
    const gone = await graph('GET', `/applications/${app.id}`);
    expect(gone.status).toBe(404);
    expect(errorOf(gone).code).toBe('GRAPH_RESOURCE_NOT_FOUND');
    const audits = (await listAudits(server.ctx.db, a.id)).filter((r) => r.targetId === app.id);
    expect(audits.map((r) => r.activity).sort()).toEqual([
      'Add application',
      'Delete application',
      'Update application',
    ]);
    expect(audits.every((r) => r.actorType === 'app' && r.actorId === appA)).toBe(true);
    expect(audits.find((r) => r.activity === 'Update application')?.detail).toMatchObject({
      'displayName.oldValue': 'Payroll',
      'displayName.newValue': 'Payroll 2',
    });
  });

  it('creates a spa (public) app with its redirect URIs under spa', async () => {
    const app = await create('Front', { spa: { redirectUris: ['https://spa.example/'] } });
    expect(app).toMatchObject({ spa: { redirectUris: ['https://spa.example/'] }, web: { redirectUris: [] } });
    const add = await graph('POST', `/applications/${app.id}/addPassword`, { body: {} });
    expect(add.status).toBe(400);
  });

  it('lists with $select and $top, paging with @odata.nextLink to the end', async () => {
    for (const n of ['L1', 'L2', 'L3']) await create(n);
    const seen: string[] = [];
    let page = await graph('GET', '/applications?$top=2&$select=id,displayName');
    expect(page.body['@odata.context']).toBe(`${server.url}/graph/v1.0/$metadata#applications(id,displayName)`);
    for (;;) {
      expect(page.status).toBe(200);
      expect(page.body.value.length).toBeLessThanOrEqual(2);
      for (const v of page.body.value) {
        expect(Object.keys(v).sort()).toEqual(['displayName', 'id']);
        seen.push(String(v.id));
      }
      const next = page.body['@odata.nextLink'];
      if (!next) break;
      page = await graph('GET', next);
    }
    const all = await server.ctx.db.selectFrom('apps').select('id').where('tenant_id', '=', a.id).execute();
    expect(seen.sort()).toEqual(all.map((r) => r.id).sort());
    expect(new Set(seen).size).toBe(seen.length);
    const bad = await graph('GET', '/applications?$select=secretText');
    expect(bad.status).toBe(400);
  });

  it('addPassword: the secret (shown once) gets a client-credentials token; removePassword stops it at once', async () => {
    const app = await create('Daemon');
    await changeAppPermissions(server.ctx, a, { appId: app.id, grant: ['User.Read.All'] });
    const add = await graph('POST', `/applications/${app.id}/addPassword`, {
      body: { passwordCredential: { displayName: 'ci secret' } },
    });
    expect(add.status, JSON.stringify(add.body)).toBe(200);
    const cred = add.body as unknown as { keyId: string; secretText: string; hint: string; displayName: string };
    expect(cred).toMatchObject({ displayName: 'ci secret', hint: cred.secretText.slice(0, 3) });
    expect(cred.keyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    secretsSeen.push(cred.secretText);
    const ok = await clientCredentials(server, a, { id: app.id, secret: cred.secretText }, 'User.Read.All');
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    // Reads carry the metadata, never the text (graph() checks every GET body for every secret seen).
    const got = await graph('GET', `/applications/${app.id}`);
    expect(got.body.passwordCredentials).toEqual([expect.objectContaining({ keyId: cred.keyId })]);
    expect(JSON.stringify(got.body)).not.toContain('secretText');
    const list = await graph('GET', '/applications');
    expect(JSON.stringify(list.body)).not.toContain('secretText');
    const audit = await server.ctx.db
      .selectFrom('audit_logs')
      .select('detail')
      .where('target_id', '=', app.id)
      .execute();
    expect(JSON.stringify(audit)).not.toContain(cred.secretText);

    const wrong = await graph('POST', `/applications/${app.id}/removePassword`, {
      body: { keyId: crypto.randomUUID() },
    });
    expect(wrong.status).toBe(404);
    const rm = await graph('POST', `/applications/${app.id}/removePassword`, { body: { keyId: cred.keyId } });
    expect(rm.status, JSON.stringify(rm.body)).toBe(204);
    const refused = await clientCredentials(server, a, { id: app.id, secret: cred.secretText }, 'User.Read.All');
    expect(refused.status, JSON.stringify(refused.body)).toBe(401);
    expect(refused.body).toMatchObject({ error: 'invalid_client' });
    expect(refused.body.access_token).toBeUndefined();
    expect(await lastSecretRefusal(app.id)).toMatchObject({
      errorCode: 'APP_SECRET_REMOVED',
      detail: { keyId: cred.keyId },
    });
    expect((await graph('GET', `/applications/${app.id}`)).body.passwordCredentials).toEqual([]);
    const again = await graph('POST', `/applications/${app.id}/removePassword`, { body: { keyId: cred.keyId } });
    expect(again.status).toBe(404);
    const audits = (await listAudits(server.ctx.db, a.id)).filter((r) => r.targetId === app.id);
    expect(audits.map((r) => r.detail)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ addedKeyId: cred.keyId, hint: cred.hint, displayName: 'ci secret' }),
        { removedKeyId: cred.keyId, hint: cred.hint },
      ]),
    );
  });

  it('holds several secrets at once: each gets a token, removing one leaves the others working', async () => {
    const app = await create('Rotating');
    await changeAppPermissions(server.ctx, a, { appId: app.id, grant: ['User.Read.All'] });
    const add = async () =>
      (await graph('POST', `/applications/${app.id}/addPassword`, { body: {} })).body as unknown as {
        keyId: string;
        secretText: string;
      };
    const first = await add();
    const second = await add();
    secretsSeen.push(first.secretText, second.secretText);
    expect(first.keyId).not.toBe(second.keyId);
    const token = (secret: string) => clientCredentials(server, a, { id: app.id, secret }, 'User.Read.All');
    expect((await token(first.secretText)).status).toBe(200);
    expect((await token(second.secretText)).status).toBe(200);
    const got = await graph('GET', `/applications/${app.id}`);
    expect((got.body.passwordCredentials as Json[]).map((c) => c.keyId)).toEqual([first.keyId, second.keyId]);
    await graph('POST', `/applications/${app.id}/removePassword`, { body: { keyId: first.keyId } });
    expect((await token(first.secretText)).status).toBe(401);
    expect((await token(second.secretText)).status).toBe(200);
    const bad = await token('not-a-secret-of-this-app');
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('invalid_client');
    expect(await lastSecretRefusal(app.id)).toMatchObject({ errorCode: 'APP_SECRET_INVALID', detail: {} });
  });

  it('a secret works from its startDateTime until its endDateTime, then is refused as expired', async () => {
    const app = await create('Dated');
    await changeAppPermissions(server.ctx, a, { appId: app.id, grant: ['User.Read.All'] });
    const now = server.ctx.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const add = await graph('POST', `/applications/${app.id}/addPassword`, {
      body: { passwordCredential: { displayName: 'short', endDateTime: iso(now + 2 * 3600_000) } },
    });
    expect(add.status, JSON.stringify(add.body)).toBe(200);
    const later = await graph('POST', `/applications/${app.id}/addPassword`, {
      body: { passwordCredential: { startDateTime: iso(now + 3600_000) } },
    });
    const short = add.body as unknown as { keyId: string; secretText: string; endDateTime: string };
    const future = later.body as unknown as { keyId: string; secretText: string; endDateTime: string };
    secretsSeen.push(short.secretText, future.secretText);
    expect(short.endDateTime).toBe(iso(now + 2 * 3600_000).replace(/\.\d{3}Z$/, 'Z'));
    // Graph's default: two years after the start.
    expect(Date.parse(future.endDateTime) - (now + 3600_000)).toBeGreaterThan(729 * 24 * 3600_000);
    const token = (secret: string) => clientCredentials(server, a, { id: app.id, secret }, 'User.Read.All');
    expect((await token(short.secretText)).status).toBe(200);
    expect((await token(future.secretText)).status).toBe(401);
    expect(await lastSecretRefusal(app.id)).toMatchObject({
      errorCode: 'APP_SECRET_NOT_YET_VALID',
      detail: { keyId: future.keyId },
    });
    try {
      server.clock.offsetMs = 2 * 3600_000 + 1000;
      const expired = await token(short.secretText);
      expect(expired.status).toBe(401);
      expect(expired.body.error).toBe('invalid_client');
      expect(await lastSecretRefusal(app.id)).toMatchObject({
        errorCode: 'APP_SECRET_EXPIRED',
        detail: { keyId: short.keyId },
      });
      expect((await token(future.secretText)).status).toBe(200);
    } finally {
      server.clock.offsetMs = 0;
    }
    const backwards = await graph('POST', `/applications/${app.id}/addPassword`, {
      body: { passwordCredential: { startDateTime: iso(now + 7200_000), endDateTime: iso(now + 3600_000) } },
    });
    expect(backwards.status).toBe(400);
    expect(errorOf(backwards).code).toBe('REQUEST_INVALID');
    const notADate = await graph('POST', `/applications/${app.id}/addPassword`, {
      body: { passwordCredential: { endDateTime: 'tomorrow' } },
    });
    expect(notADate.status).toBe(400);
    expect(errorOf(notADate).code).toBe('REQUEST_INVALID');
  });

  it(`refuses a secret beyond ${APP_SECRET_LIMIT} live ones (APP_SECRET_LIMIT_REACHED); removing one makes room`, async () => {
    const app = await create('Many');
    const keyIds: string[] = [];
    for (let i = 0; i < APP_SECRET_LIMIT; i++) {
      const r = await graph('POST', `/applications/${app.id}/addPassword`, { body: {} });
      expect(r.status).toBe(200);
      secretsSeen.push(String(r.body.secretText));
      keyIds.push(String(r.body.keyId));
    }
    const over = await graph('POST', `/applications/${app.id}/addPassword`, { body: {} });
    expect(over.status).toBe(400);
    expect(errorOf(over).code).toBe('APP_SECRET_LIMIT_REACHED');
    expect((await graph('GET', `/applications/${app.id}`)).body.passwordCredentials).toHaveLength(APP_SECRET_LIMIT);
    await graph('POST', `/applications/${app.id}/removePassword`, { body: { keyId: keyIds[0] } });
    const room = await graph('POST', `/applications/${app.id}/addPassword`, { body: {} });
    expect(room.status).toBe(200);
    secretsSeen.push(String(room.body.secretText));
  });

  it('the secret `signet app create` prints is one of the passwordCredentials, and removable', async () => {
    const c = await createApp(server.ctx, a, {
      name: 'cli app',
      redirectUris: [],
      publicClient: false,
      permissions: ['User.Read.All'],
    });
    secretsSeen.push(c.clientSecret!);
    const got = await graph('GET', `/applications/${c.app.id}`);
    const creds = got.body.passwordCredentials as Json[];
    expect(creds).toEqual([expect.objectContaining({ keyId: secretKeyId(c.app.secretHash!), endDateTime: null })]);
    const ok = await clientCredentials(server, a, { id: c.app.id, secret: c.clientSecret! }, 'User.Read.All');
    expect(ok.status).toBe(200);
    const rm = await graph('POST', `/applications/${c.app.id}/removePassword`, { body: { keyId: creds[0]!.keyId } });
    expect(rm.status).toBe(204);
    const no = await clientCredentials(server, a, { id: c.app.id, secret: c.clientSecret! }, 'User.Read.All');
    expect(no.status).toBe(401);
  });

  it('refuses a bad redirect URI (APP_REDIRECT_URI_INVALID) and an unknown property, on create and update', async () => {
    for (const uri of ['http://app.example/cb', 'https://app.example/cb#x', 'not a url']) {
      const r = await graph('POST', '/applications', { body: { displayName: 'Bad', web: { redirectUris: [uri] } } });
      expect(r.status).toBe(400);
      expect(errorOf(r).code).toBe('APP_REDIRECT_URI_INVALID');
    }
    const app = await create('Good');
    const r = await graph('PATCH', `/applications/${app.id}`, { body: { web: { redirectUris: ['ftp://x/'] } } });
    expect(errorOf(r).code).toBe('APP_REDIRECT_URI_INVALID');
    const u = await graph('PATCH', `/applications/${app.id}`, { body: { signInAudience: 'AzureADMyOrg' } });
    expect(u.status).toBe(400);
    expect(errorOf(u).code).toBe('REQUEST_INVALID');
    const noName = await graph('POST', '/applications', { body: {} });
    expect(errorOf(noName).code).toBe('REQUEST_INVALID');
  });

  it("ends an app's tokens when the app is deleted, and a revoked permission at once", async () => {
    const reader = await appToken(a, 'Application.ReadWrite.All');
    await changeAppPermissions(server.ctx, a, { appId: reader.appId, grant: ['User.Read.All'] });
    const both = await clientCredentials(
      server,
      a,
      { id: reader.appId, secret: secretsSeen.at(-1)! },
      'https://graph.microsoft.com/.default',
    );
    const token = String(both.body.access_token);
    expect((await graph('GET', `/applications/${appA}`, { token })).status).toBe(200);
    await changeAppPermissions(server.ctx, a, { appId: reader.appId, revoke: ['Application.ReadWrite.All'] });
    const revoked = await graph('GET', `/applications/${appA}`, { token });
    expect(revoked.status).toBe(403);
    expect(errorOf(revoked).code).toBe('GRAPH_PERMISSION_DENIED');
    expect((await graph('DELETE', `/applications/${reader.appId}`)).status).toBe(204);
    const gone = await fetch(`${server.url}/graph/v1.0/organization`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(gone.status).toBe(401);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('GRAPH_TOKEN_INVALID');
  });

  it('shows another tenant nothing: not in its list, 404 for get, update, delete and the password actions', async () => {
    const app = await create('Private');
    const list = await graph('GET', '/applications', { token: tokenB });
    expect(list.body.value.map((v) => v.id)).not.toContain(app.id);
    for (const [method, path, body] of [
      ['GET', `/applications/${app.id}`, undefined],
      ['PATCH', `/applications/${app.id}`, { displayName: 'Mine' }],
      ['PATCH', `/applications/${app.id}`, { bogus: 1 }],
      ['DELETE', `/applications/${app.id}`, undefined],
      ['POST', `/applications/${app.id}/addPassword`, {}],
      ['POST', `/applications/${app.id}/removePassword`, { keyId: 'x' }],
    ] as const) {
      const r = await graph(method, path, { token: tokenB, body });
      expect(r.status, `${method} ${path}`).toBe(404);
    }
    expect((await graph('GET', `/applications/${app.id}`)).body.displayName).toBe('Private');
  });
});

describe.each(engines)('migration 0010 on %s', (engine) => {
  it("moves an app's one secret to a table of its own, where it keeps working under the same keyId", async () => {
    const url = await databaseUrl(engine);
    const instanceSecret = randomBytes(32);
    const secret = randomBytes(32).toString('base64url');
    const before = openStore(url);
    let tenant: Tenant;
    const appId = randomUUID();
    const ctxBefore = {
      db: before.db,
      config: testConfig({ secret: instanceSecret }),
      metadata: new MetadataRegistry(),
      log: silentLogger,
      now: () => Date.now(),
      randomBytes: (n: number) => randomBytes(n),
      newId: () => randomUUID(),
    } as Ctx;
    const hash = hashSecret(ctxBefore, 'client-secret', secret);
    try {
      // The store as the release before 0010 left it, with an app whose one secret sits in its apps row.
      const previous = new Migrator({
        db: before.db,
        provider: {
          getMigrations: async () => ({
            '0001-foundation': m0001,
            '0002-revocation-and-clones': m0002,
            '0003-oidc-secrets-hashed': m0003,
            '0004-secret-probe': m0004,
            '0005-app-permissions': m0005,
            '0006-user-query-indexes': m0006,
            '0007-cache-versions': m0007,
            '0008-log-indexes': m0008,
          }),
        },
      });
      expect((await previous.migrateToLatest()).error).toBeUndefined();
      tenant = await createTenant(ctxBefore, { slug: 'legacy' });
      // biome-ignore lint/suspicious/noExplicitAny: the apps row as 0008 had it is not today's type.
      await (before.db as any)
        .insertInto('apps')
        .values({
          id: appId,
          tenant_id: tenant.id,
          display_name: 'Legacy daemon',
          redirect_uris: '[]',
          post_logout_redirect_uris: '[]',
          public_client: 0,
          secret_hash: hash,
          created_at: Date.now() - 86_400_000,
          permissions: '["User.Read.All"]',
        })
        .execute();
    } finally {
      await before.close();
    }
    // The server migrates the database on start, as `signet serve` does.
    const server = await startTestServer(engine, { secret: instanceSecret }, undefined, {}, { databaseUrl: url });
    try {
      const apps = (await server.ctx.db.introspection.getTables()).find((t) => t.name === 'apps')!;
      expect(apps.columns.map((c) => c.name)).not.toContain('secret_hash');
      const rows = await server.ctx.db.selectFrom('app_secrets').selectAll().execute();
      expect(rows).toEqual([
        expect.objectContaining({ app_id: appId, key_id: secretKeyId(hash), secret_hash: hash, end_at: null }),
      ]);
      // Still an HMAC, never the text.
      expect(JSON.stringify(rows)).not.toContain(secret);
      const ok = await clientCredentials(server, tenant, { id: appId, secret }, 'User.Read.All');
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      const wrong = await clientCredentials(server, tenant, { id: appId, secret: `${secret}x` }, 'User.Read.All');
      expect(wrong.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});
