// What a copy of the database (or a backup) would hand an attacker: no code, token, session cookie,
// interaction id, pass or client secret Signet would accept. Also what ends an app's session-bound tokens,
// and one browser switching between two users through an app.
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { Migrator } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initInstance } from '../../src/flows/bootstrap.ts';
import { type Ctx, hashSecret, tokenId } from '../../src/flows/context.ts';
import { createApp, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { adapterFactory } from '../../src/oidc/adapter.ts';
import { migrate, openStore } from '../../src/store/db.ts';
import * as m0001 from '../../src/store/migrations/0001-foundation.ts';
import * as m0002 from '../../src/store/migrations/0002-revocation-and-clones.ts';
import { revokeSession } from '../../src/store/sessions.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { findInColumns, findInSqliteFiles } from '../support/at-rest.ts';
import { CookieClient, isAt } from '../support/browserless.ts';
import { databaseUrl, engines } from '../support/engines.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const sha256 = (v: string) => createHash('sha256').update(v).digest('base64url');

/** A cookie client that remembers every cookie value it was ever given (cleared ones included). */
class RecordingClient extends CookieClient {
  readonly seen = new Set<string>();
  override async fetch(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const res = await super.fetch(path, init);
    for (const [name, value] of this.jar) if (!name.endsWith('.sig')) this.seen.add(decodeURIComponent(value));
    return res;
  }
}

describe.each(engines)('OIDC secrets at rest on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let admin: User;
  let pass: string;
  let publicApp: { id: string };
  let secretApp: { id: string; secret: string };
  const redirect = () => `${server.url}/cb`;

  beforeAll(async () => {
    server = await startTestServer(engine);
    const init = await initInstance(server.ctx);
    tenant = init.tenant;
    admin = init.admin;
    pass = (await issueTap(server.ctx, tenant, admin, { oneTime: false, actor: { type: 'system', id: null } })).pass;
    publicApp = (
      await createApp(server.ctx, tenant, { name: 'Public', redirectUris: [redirect()], publicClient: true })
    ).app;
    const c = await createApp(server.ctx, tenant, {
      name: 'Confidential',
      redirectUris: [redirect()],
      publicClient: false,
    });
    secretApp = { id: c.app.id, secret: c.clientSecret! };
  });
  afterAll(() => server.close());

  const pkce = () => {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  };

  const authorizeUrl = (
    clientId: string,
    challenge: string,
    scope = 'openid profile offline_access',
    extra: Record<string, string> = {},
  ) =>
    `/${tenant.id}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope,
      redirect_uri: redirect(),
      state: 's1',
      nonce: 'n1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    })}`;

  /**
   * Follows the browser's way from `location` to the app's callback: redirects, and the pages oidc-provider
   * submits by themselves (its form posts). Returns the callback URL, or where it stopped and what it showed.
   */
  async function follow(client: CookieClient, location: string): Promise<URL> {
    for (let i = 0; i < 12; i++) {
      if (isAt(location, redirect())) return new URL(location);
      const res = await client.fetch(location);
      if (res.status >= 300 && res.status < 400) {
        location = res.headers.get('location')!;
        continue;
      }
      const html = await res.text();
      const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(html);
      if (res.status !== 200 || !form) throw new Error(`stopped at ${location}: ${res.status} ${html.slice(0, 400)}`);
      const inputs = new URLSearchParams();
      for (const m of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g))
        inputs.set(m[1]!, m[2]!);
      const posted = await client.fetch(form[1]!.replaceAll('&amp;', '&'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: inputs,
      });
      if (posted.status < 300 || posted.status >= 400) throw new Error(`form post to ${form[1]}: ${posted.status}`);
      location = posted.headers.get('location')!;
    }
    throw new Error(`no callback after ${location}`);
  }

  /** authorize → (sign-in page with the pass, when asked) → continue → resume → callback: the code and the uid. */
  async function codeFor(
    client: CookieClient,
    clientId: string,
    challenge: string,
    who: { user: User; pass: string } = { user: admin, pass },
    scope?: string,
    extra?: Record<string, string>,
  ): Promise<{ code: string; uid: string | null }> {
    const res = await client.fetch(authorizeUrl(clientId, challenge, scope, extra));
    let location = res.headers.get('location')!;
    const uid = new URL(location, server.url).searchParams.get('uid');
    if (uid) {
      const signin = await client.fetch(`/${tenant.slug}/signin/tap`, {
        method: 'POST',
        json: { username: who.user.userPrincipalName, pass: who.pass, uid },
      });
      expect(signin.status).toBe(200);
      location = ((await signin.json()) as { redirect: string }).redirect;
    }
    const cb = await follow(client, location);
    expect(cb.searchParams.get('error'), cb.search).toBeNull();
    return { code: cb.searchParams.get('code')!, uid };
  }

  async function token(body: Record<string, string>, auth?: { id: string; secret: string }) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.id}:${auth.secret}`).toString('base64')}`;
    return fetch(`${server.url}/${tenant.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers,
      body: new URLSearchParams(body),
    });
  }

  const refresh = (refreshToken: string, clientId = publicApp.id) =>
    token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });

  it('keeps no code, token, session cookie, interaction id, pass or client secret in any column or SQLite file', async () => {
    const client = new RecordingClient(server.url);
    const secrets = new Set<string>([pass, secretApp.secret]);

    const p1 = pkce();
    const first = await codeFor(client, publicApp.id, p1.challenge);
    const issued = (await (
      await token({
        grant_type: 'authorization_code',
        code: first.code,
        redirect_uri: redirect(),
        client_id: publicApp.id,
        code_verifier: p1.verifier,
      })
    ).json()) as { access_token: string; refresh_token: string; id_token: string };
    const rotated = (await (await refresh(issued.refresh_token)).json()) as {
      access_token: string;
      refresh_token: string;
    };
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(issued.refresh_token);
    const again = (await (await refresh(rotated.refresh_token)).json()) as {
      access_token: string;
      refresh_token: string;
    };
    expect(again.refresh_token).toBeTruthy();

    // A second app in the same browser (single sign-on, no interaction), a confidential one.
    const p2 = pkce();
    const second = await codeFor(client, secretApp.id, p2.challenge);
    const confidential = (await (
      await token(
        { grant_type: 'authorization_code', code: second.code, redirect_uri: redirect(), code_verifier: p2.verifier },
        secretApp,
      )
    ).json()) as { access_token: string; refresh_token: string };
    expect(confidential.access_token).toBeTruthy();
    // A third sign-in that stops at the sign-in page: its interaction stays live in the store.
    const pending = await client.fetch(authorizeUrl(publicApp.id, pkce().challenge).concat('&prompt=login'));
    const pendingUid = new URL(pending.headers.get('location')!, server.url).searchParams.get('uid');
    expect(pendingUid).toBeTruthy();

    for (const s of [
      first.code,
      first.uid!,
      pendingUid!,
      second.code,
      issued.access_token,
      issued.refresh_token,
      rotated.access_token,
      rotated.refresh_token,
      again.access_token,
      again.refresh_token,
      confidential.access_token,
      confidential.refresh_token,
      ...client.seen,
    ])
      secrets.add(s);
    // Every cookie: Signet's session, the provider's session, its interaction and resume cookies.
    expect(client.seen.size).toBeGreaterThanOrEqual(4);
    // The store is in use: the live rows are there, keyed by hashes of what was presented.
    const rows = await server.ctx.db.selectFrom('oidc_payloads').select(['id', 'model']).execute();
    expect(rows.map((r) => r.id)).toContain(sha256(again.refresh_token));
    expect(rows.map((r) => r.id)).toContain(sha256(pendingUid!));

    expect(await findInColumns(server.ctx.db, engine, [...secrets])).toEqual([]);
    if (engine === 'sqlite') expect(await findInSqliteFiles(server.ctx.db, [...secrets])).toEqual([]);

    // And what is stored still works: the latest refresh token, the access token at userinfo.
    expect((await refresh(again.refresh_token)).status).toBe(200);
  });

  it('stores client secrets as HMACs under the instance secret, never in clear or as a plain hash', async () => {
    const created = await createApp(server.ctx, tenant, {
      name: 'Backend',
      redirectUris: [redirect()],
      publicClient: false,
    });
    const secret = created.clientSecret!;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const row = await server.ctx.db
      .selectFrom('app_secrets')
      .select('secret_hash')
      .where('app_id', '=', created.app.id)
      .executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(hashSecret(server.ctx, 'client-secret', secret));
    expect(row.secret_hash).not.toBe(sha256(secret));
    expect(row.secret_hash).not.toBe(createHash('sha256').update(secret).digest('hex'));
    const otherKey: Pick<Ctx, 'config'> = { config: { ...server.ctx.config, secret: randomBytes(32) } };
    expect(row.secret_hash).not.toBe(hashSecret(otherKey, 'client-secret', secret));
    expect(await findInColumns(server.ctx.db, engine, [secret])).toEqual([]);
    if (engine === 'sqlite') expect(await findInSqliteFiles(server.ctx.db, [secret])).toEqual([]);
  });

  it('ends refresh tokens issued without offline_access when the user signs out of Signet', async () => {
    const client = new CookieClient(server.url);
    const p = pkce();
    const { code } = await codeFor(client, publicApp.id, p.challenge, undefined, 'openid profile');
    const issued = (await (
      await token({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirect(),
        client_id: publicApp.id,
        code_verifier: p.verifier,
      })
    ).json()) as { refresh_token: string };
    const ok = await refresh(issued.refresh_token);
    expect(ok.status).toBe(200);
    const rotated = (await ok.json()) as { refresh_token: string };

    // An offline_access token from this same browser (OIDC Core: granted with prompt=consent), then sign-out.
    const q = pkce();
    const offline = (await (
      await token({
        grant_type: 'authorization_code',
        code: (
          await codeFor(client, publicApp.id, q.challenge, undefined, 'openid profile offline_access', {
            prompt: 'consent',
          })
        ).code,
        redirect_uri: redirect(),
        client_id: publicApp.id,
        code_verifier: q.verifier,
      })
    ).json()) as { refresh_token: string; scope: string };
    expect(offline.scope.split(' ')).toContain('offline_access');
    const signout = await client.fetch(`/${tenant.slug}/signout`, {
      method: 'POST',
      headers: { origin: server.url },
    });
    expect(signout.status).toBe(303);

    const refused = await refresh(rotated.refresh_token);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');
    // offline_access is what an app asks for to outlive the sign-in.
    expect((await refresh(offline.refresh_token)).status).toBe(200);
  });

  it('keeps a session-bound refresh token of a browser that is still signed in when another browser signs out', async () => {
    const stays = new CookieClient(server.url);
    const p = pkce();
    const { code } = await codeFor(stays, publicApp.id, p.challenge, undefined, 'openid profile');
    const issued = (await (
      await token({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirect(),
        client_id: publicApp.id,
        code_verifier: p.verifier,
      })
    ).json()) as { refresh_token: string };
    server.clock.offsetMs += 2000;
    const leaves = new CookieClient(server.url);
    await codeFor(leaves, publicApp.id, pkce().challenge, undefined, 'openid profile');
    expect(
      (await leaves.fetch(`/${tenant.slug}/signout`, { method: 'POST', headers: { origin: server.url } })).status,
    ).toBe(303);
    expect((await refresh(issued.refresh_token)).status).toBe(200);
  });

  describe('one browser, two users', () => {
    async function twoUsers() {
      const n = randomBytes(3).toString('hex');
      const a = await createUser(server.ctx, tenant, { userPrincipalName: `a-${n}@example.com` });
      const b = await createUser(server.ctx, tenant, { userPrincipalName: `b-${n}@example.com` });
      const actor = { type: 'system', id: null } as const;
      const aPass = (await issueTap(server.ctx, tenant, a, { oneTime: true, actor })).pass;
      const bPass = (await issueTap(server.ctx, tenant, b, { oneTime: true, actor })).pass;
      return { a: { user: a, pass: aPass }, b: { user: b, pass: bPass } };
    }

    async function signsInAs(client: CookieClient, who: { user: User; pass: string }) {
      const p = pkce();
      const { code } = await codeFor(client, publicApp.id, p.challenge, who);
      const res = await token({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirect(),
        client_id: publicApp.id,
        code_verifier: p.verifier,
      });
      expect(res.status).toBe(200);
      return decodeJwt(((await res.json()) as { id_token: string }).id_token);
    }

    it('lets B sign in through the app after A signs out, with B’s one-time pass, and keeps B signed in', async () => {
      const { a, b } = await twoUsers();
      const client = new CookieClient(server.url);
      expect((await signsInAs(client, a)).sub).toBe(a.user.id);
      expect(
        (await client.fetch(`/${tenant.slug}/signout`, { method: 'POST', headers: { origin: server.url } })).status,
      ).toBe(303);
      expect((await signsInAs(client, b)).sub).toBe(b.user.id);
      expect((await client.fetch(`/${tenant.slug}/account`)).status).toBe(200);
      // Signed in already: the app's next request needs no pass (B's was one-time and is spent).
      expect((await signsInAs(client, b)).sub).toBe(b.user.id);
    });

    it('lets B sign in while the provider still holds A’s session: its own logout of A spares B', async () => {
      const { a, b } = await twoUsers();
      const client = new CookieClient(server.url);
      expect((await signsInAs(client, a)).sub).toBe(a.user.id);
      // A's Signet session ends without a sign-out in this browser (expired, or revoked elsewhere): the
      // provider's session for A is still there when B signs in, so oidc-provider logs A out on its own.
      const cookie = [...client.jar].find(([name]) => name.startsWith('signet-sid-'))!;
      await revokeSession(server.ctx.db, tenant.id, tokenId(cookie[1]), server.ctx.now());
      expect((await signsInAs(client, b)).sub).toBe(b.user.id);
      expect((await client.fetch(`/${tenant.slug}/account`)).status).toBe(200);
      expect((await signsInAs(client, b)).sub).toBe(b.user.id);
    });
  });
});

describe.each(engines)('migration 0003 on %s', (engine) => {
  it('seals OIDC rows written in clear before it, so live ones still work, and drops rows it cannot seal', async () => {
    const url = await databaseUrl(engine);
    const store = openStore(url);
    try {
      // The store as the previous release left it.
      const previous = new Migrator({
        db: store.db,
        provider: { getMigrations: async () => ({ '0001-foundation': m0001, '0002-revocation-and-clones': m0002 }) },
      });
      const before = await previous.migrateToLatest();
      expect(before.error).toBeUndefined();

      const v = () => randomBytes(24).toString('base64url');
      const code = v();
      const sessionCookie = v();
      const sessionUid = v();
      const interactionUid = v();
      const refreshToken = v();
      const grantId = v();
      const forged = v();
      const now = Math.floor(Date.now() / 1000);
      const old = [
        {
          model: 'AuthorizationCode',
          value: code,
          payload: {
            jti: code,
            kind: 'AuthorizationCode',
            grantId,
            accountId: 'u1',
            sessionUid,
            iat: now,
            exp: now + 60,
          },
        },
        {
          model: 'RefreshToken',
          value: refreshToken,
          payload: { jti: refreshToken, kind: 'RefreshToken', grantId, accountId: 'u1', iat: now, exp: now + 3600 },
        },
        {
          model: 'Session',
          value: sessionCookie,
          payload: {
            jti: sessionCookie,
            kind: 'Session',
            uid: sessionUid,
            accountId: 'u1',
            loginTs: now,
            exp: now + 3600,
          },
        },
        {
          model: 'Interaction',
          value: interactionUid,
          payload: {
            jti: interactionUid,
            kind: 'Interaction',
            returnTo: `http://localhost/t/oauth2/v2.0/authorize/${interactionUid}`,
            session: { accountId: 'u1', uid: sessionUid, cookie: sessionCookie },
            iat: now,
            exp: now + 600,
          },
        },
      ];
      const rows = old.map((o) => ({
        tenant_id: 'tenant-1',
        model: o.model,
        id: sha256(o.value),
        payload: JSON.stringify(o.payload),
        grant_id: (o.payload as { grantId?: string }).grantId ?? null,
        user_code: null,
        uid: (o.payload as { uid?: string }).uid ?? null,
        expires_at: Date.now() + 600_000,
        consumed_at: null,
        account_id: 'u1',
      }));
      // A row whose id is not the hash of its value (or has none): nothing to restore it from.
      rows.push({ ...rows[1]!, id: sha256(v()), payload: JSON.stringify({ jti: forged, kind: 'RefreshToken' }) });
      await store.db.insertInto('oidc_payloads').values(rows).execute();
      const clear = [code, sessionCookie, interactionUid, refreshToken, forged];
      expect((await findInColumns(store.db, engine, clear)).length).toBeGreaterThan(0);

      expect(await migrate(store.db)).toContain('0003-oidc-secrets-hashed');

      expect(await findInColumns(store.db, engine, clear)).toEqual([]);
      if (engine === 'sqlite') expect(await findInSqliteFiles(store.db, clear)).toEqual([]);
      expect(await store.db.selectFrom('oidc_payloads').select('id').execute()).toHaveLength(4);
      // The adapter reads the sealed rows back with the value the caller presents.
      const ctx = { db: store.db, now: () => Date.now() } as unknown as Ctx;
      const Adapter = adapterFactory(ctx, 'tenant-1');
      expect(await new Adapter('AuthorizationCode').find(code)).toMatchObject({ jti: code, grantId, sessionUid });
      expect(await new Adapter('RefreshToken').find(refreshToken)).toMatchObject({ jti: refreshToken });
      expect(await new Adapter('Session').find(sessionCookie)).toMatchObject({ jti: sessionCookie, uid: sessionUid });
      expect(await new Adapter('Session').findByUid(sessionUid)).toMatchObject({ accountId: 'u1', loginTs: now });
      const interaction = await new Adapter('Interaction').find(interactionUid);
      expect(interaction).toMatchObject({
        jti: interactionUid,
        returnTo: `http://localhost/t/oauth2/v2.0/authorize/${interactionUid}`,
        session: { accountId: 'u1', uid: sessionUid },
      });
      expect((interaction as { session: Record<string, unknown> }).session.cookie).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
