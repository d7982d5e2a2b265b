// The OpenID Connect provider seen from a relying party: code + PKCE, single-use codes, exact redirect URIs,
// client binding, refresh tokens, logout. Sign-in is by Temporary Access Pass (the browser story covers passkeys).
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initInstance } from '../../src/flows/bootstrap.ts';
import { createApp, createUser } from '../../src/flows/directory.ts';
import { deleteOwnPasskey } from '../../src/flows/manage-passkeys.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { setUserEnabled, type User } from '../../src/store/users.ts';
import { findInColumns } from '../support/at-rest.ts';
import { CookieClient, isAt } from '../support/browserless.ts';
import { engines } from '../support/engines.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

describe.each(engines)('OIDC provider on %s', (engine) => {
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
      await createApp(server.ctx, tenant, { name: 'Public', redirectUris: [`${server.url}/cb`], publicClient: true })
    ).app;
    const c = await createApp(server.ctx, tenant, {
      name: 'Confidential',
      redirectUris: [`${server.url}/cb`],
      publicClient: false,
    });
    secretApp = { id: c.app.id, secret: c.clientSecret! };
  });
  afterAll(() => server.close());

  const pkce = () => {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  };

  function authorizeUrl(clientId: string, extra: Record<string, string> = {}) {
    const p = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope: 'openid profile offline_access',
      redirect_uri: redirect(),
      state: 's1',
      nonce: 'n1',
      ...extra,
    });
    return `/${tenant.id}/oauth2/v2.0/authorize?${p}`;
  }

  /** Walks authorize → sign-in (pass) → continue → resume → callback, and returns the code. */
  async function codeFor(
    clientId: string,
    challenge: string,
    client = new CookieClient(server.url),
    who: { user: User; pass: string } = { user: admin, pass },
  ): Promise<string> {
    let res = await client.fetch(authorizeUrl(clientId, { code_challenge: challenge, code_challenge_method: 'S256' }));
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
    for (let i = 0; i < 5 && !isAt(location, redirect()); i++) {
      res = await client.fetch(location);
      location = res.headers.get('location')!;
    }
    const cb = new URL(location);
    expect(cb.searchParams.get('state')).toBe('s1');
    return cb.searchParams.get('code')!;
  }

  /** The public app's code exchange with its PKCE verifier. */
  const exchange = (code: string, verifier: string) =>
    token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirect(),
      client_id: publicApp.id,
      code_verifier: verifier,
    });

  async function token(body: Record<string, string>, auth?: { id: string; secret: string }) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.id}:${auth.secret}`).toString('base64')}`;
    return fetch(`${server.url}/${tenant.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers,
      body: new URLSearchParams(body),
    });
  }

  it('serves discovery with the tenant issuer and a JWKS without private parts', async () => {
    const d = (await (
      await fetch(`${server.url}/${tenant.id}/v2.0/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(d.issuer).toBe(`${server.url}/${tenant.id}/v2.0`);
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
    const jwks = (await (await fetch(d.jwks_uri as string)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const k of jwks.keys)
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(k[secret]).toBeUndefined();
  });

  it('issues an ID token that says who signed in and how, for a public client with PKCE', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor(publicApp.id, challenge);
    const res = await exchange(code, verifier);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id_token: string; refresh_token?: string };
    const claims = decodeJwt(body.id_token);
    expect(claims).toMatchObject({
      sub: admin.id,
      oid: admin.id,
      tid: tenant.id,
      preferred_username: admin.userPrincipalName,
      aud: publicApp.id,
      nonce: 'n1',
      amr: ['otp', 'mfa'],
    });
    expect(typeof claims.auth_time).toBe('number');
    expect(body.refresh_token).toBeTruthy();
  });

  it('serves the provider pages with the same security headers as Signet pages', async () => {
    const res = await fetch(`${server.url}${authorizeUrl(publicApp.id, { redirect_uri: 'https://evil.example/cb' })}`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
  });

  it('accepts a code once: a replay fails and revokes what the first exchange issued', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor(publicApp.id, challenge);
    const form = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirect(),
      client_id: publicApp.id,
      code_verifier: verifier,
    };
    const first = (await (await token(form)).json()) as { refresh_token: string };
    const replay = await token(form);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');
    const refresh = await token({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: publicApp.id,
    });
    expect(refresh.status).toBe(400);
  });

  it('lets exactly one of 20 parallel redemptions of a code succeed', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor(publicApp.id, challenge);
    const form = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirect(),
      client_id: publicApp.id,
      code_verifier: verifier,
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => token(form)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.every((r) => r.status === 200 || r.status === 400)).toBe(true);
  });

  it('requires PKCE with S256 and the right verifier', async () => {
    const client = new CookieClient(server.url);
    for (const extra of [{}, { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }] as Record<
      string,
      string
    >[]) {
      const res = await client.fetch(authorizeUrl(publicApp.id, extra));
      const location = new URL(res.headers.get('location')!, server.url);
      expect(location.origin + location.pathname).toBe(redirect());
      expect(location.searchParams.get('error')).toBe('invalid_request');
    }
    const { challenge } = pkce();
    const code = await codeFor(publicApp.id, challenge);
    const res = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirect(),
      client_id: publicApp.id,
      code_verifier: pkce().verifier,
    });
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('matches redirect URIs exactly and never redirects to an unregistered one', async () => {
    const base = redirect();
    const u = new URL(base);
    const corpus = [
      `${base}/`,
      `${base}x`,
      `${base}?x=1`,
      `${base}#frag`,
      `${base.toUpperCase()}`,
      `http://evil.example@${u.host}/cb`,
      `http://${u.host}@evil.example/cb`,
      `http://${u.hostname}.evil.example:${u.port}/cb`,
      `http://${u.hostname}:${Number(u.port) + 1}/cb`,
      `http://${u.host}/cb/..;/evil`,
      `http://${u.host}/%2e%2e/cb`,
      `https://${u.host}/cb`,
    ];
    const client = new CookieClient(server.url);
    for (const uri of corpus) {
      const res = await client.fetch(
        authorizeUrl(publicApp.id, {
          redirect_uri: uri,
          code_challenge: pkce().challenge,
          code_challenge_method: 'S256',
        }),
      );
      expect(res.status, uri).toBe(400);
      expect(res.headers.get('location'), uri).toBeNull();
    }
  });

  it('binds a code to its client and authenticates confidential clients by their (hashed) secret', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor(publicApp.id, challenge);
    const stolen = await token(
      { grant_type: 'authorization_code', code, redirect_uri: redirect(), code_verifier: verifier },
      secretApp,
    );
    expect(stolen.status).toBe(400);
    expect(((await stolen.json()) as { error: string }).error).toBe('invalid_grant');

    const second = pkce();
    const own = await codeFor(secretApp.id, second.challenge);
    const wrongSecret = await token(
      { grant_type: 'authorization_code', code: own, redirect_uri: redirect(), code_verifier: second.verifier },
      { id: secretApp.id, secret: 'guess' },
    );
    expect(wrongSecret.status).toBe(401);
    expect(((await wrongSecret.json()) as { error: string }).error).toBe('invalid_client');
    const third = pkce();
    const good = await token(
      {
        grant_type: 'authorization_code',
        code: await codeFor(secretApp.id, third.challenge),
        redirect_uri: redirect(),
        code_verifier: third.verifier,
      },
      secretApp,
    );
    expect(good.status).toBe(200);
  });

  it('refuses refresh tokens of a user who has since been disabled', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor(publicApp.id, challenge);
    const first = (await (await exchange(code, verifier)).json()) as { refresh_token: string };
    const ok = await token({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: publicApp.id,
    });
    expect(ok.status).toBe(200);
    const rotated = (await ok.json()) as { refresh_token: string };
    expect(rotated.refresh_token).not.toBe(first.refresh_token);
    await setUserEnabled(server.ctx.db, tenant.id, admin.id, false);
    try {
      const refused = await token({
        grant_type: 'refresh_token',
        refresh_token: rotated.refresh_token,
        client_id: publicApp.id,
      });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');
    } finally {
      await setUserEnabled(server.ctx.db, tenant.id, admin.id, true);
    }
  });

  it('asks for sign-in again after the user signs out of Signet (the provider session does not outlive it)', async () => {
    const client = new CookieClient(server.url);
    await codeFor(publicApp.id, pkce().challenge, client);
    const signout = await client.fetch(`/${tenant.slug}/signout`, { method: 'POST' });
    expect(signout.status).toBe(303);
    const again = await client.fetch(
      authorizeUrl(publicApp.id, { code_challenge: pkce().challenge, code_challenge_method: 'S256' }),
    );
    expect(new URL(again.headers.get('location')!, server.url).pathname).toBe(`/${tenant.slug}/signin`);
    const silent = await client.fetch(
      authorizeUrl(publicApp.id, { code_challenge: pkce().challenge, code_challenge_method: 'S256', prompt: 'none' }),
    );
    expect(new URL(silent.headers.get('location')!).searchParams.get('error')).toBe('login_required');
  });

  it('says a sign-in request is gone (finished, or begun in another browser) instead of asking to sign in again', async () => {
    const client = new CookieClient(server.url);
    const res = await client.fetch(
      authorizeUrl(publicApp.id, { code_challenge: pkce().challenge, code_challenge_method: 'S256' }),
    );
    const uid = new URL(res.headers.get('location')!, server.url).searchParams.get('uid')!;
    const signin = await client.fetch(`/${tenant.slug}/signin/tap`, {
      method: 'POST',
      json: { username: admin.userPrincipalName, pass, uid },
    });
    expect(signin.status).toBe(200);
    // Another browser holding a Signet session but not this request's interaction cookie.
    const other = new CookieClient(server.url);
    await other.fetch(`/${tenant.slug}/signin/tap`, {
      method: 'POST',
      json: { username: admin.userPrincipalName, pass },
    });
    for (const path of [`/${tenant.slug}/signin/continue?uid=${uid}`, `/${tenant.slug}/signin?uid=${uid}`]) {
      const r = await other.fetch(path, { headers: { accept: 'application/json' } });
      expect(r.status, path).toBe(400);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('OIDC_INTERACTION_NOT_FOUND');
    }
    // The browser that began it finishes it once; afterwards its uid is gone there too.
    const resumed = await client.fetch(`/${tenant.slug}/signin/continue?uid=${uid}`);
    expect(resumed.status).toBe(303);
    expect(new URL(resumed.headers.get('location')!, server.url).pathname).toContain('/oauth2/v2.0/authorize');
    await client.fetch(resumed.headers.get('location')!);
    const again = await client.fetch(`/${tenant.slug}/signin/continue?uid=${uid}`, {
      headers: { accept: 'application/json' },
    });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('OIDC_INTERACTION_NOT_FOUND');
  });

  it('carries a newer Signet sign-in into the next tokens (auth_time and amr are never stale)', async () => {
    const client = new CookieClient(server.url);
    const first = pkce();
    const code1 = await codeFor(publicApp.id, first.challenge, client);
    const t1 = decodeJwt(((await (await exchange(code1, first.verifier)).json()) as { id_token: string }).id_token);
    server.clock.offsetMs += 3000;
    const again = await client.fetch(`/${tenant.slug}/signin/tap`, {
      method: 'POST',
      json: { username: admin.userPrincipalName, pass },
    });
    expect(again.status).toBe(200);
    const second = pkce();
    const code2 = await codeFor(publicApp.id, second.challenge, client);
    const t2 = decodeJwt(((await (await exchange(code2, second.verifier)).json()) as { id_token: string }).id_token);
    expect(t2.auth_time).toBeGreaterThan(t1.auth_time as number);
  });

  it('never finishes an interaction for another account than the id_token_hint names', async () => {
    const bob = await createUser(server.ctx, tenant, { userPrincipalName: `bob-${engine}@example.com` });
    const bobPass = (await issueTap(server.ctx, tenant, bob, { oneTime: false, actor: { type: 'system', id: null } }))
      .pass;
    const { verifier, challenge } = pkce();
    const code = await codeFor(publicApp.id, challenge, new CookieClient(server.url), { user: bob, pass: bobPass });
    const bobToken = ((await (await exchange(code, verifier)).json()) as { id_token: string }).id_token;

    const adminClient = new CookieClient(server.url);
    await codeFor(publicApp.id, pkce().challenge, adminClient);
    const hinted = await adminClient.fetch(
      authorizeUrl(publicApp.id, {
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
        id_token_hint: bobToken,
      }),
    );
    const next = new URL(hinted.headers.get('location')!, server.url);
    expect(next.pathname).toBe(`/${tenant.slug}/signin`);
    const page = await adminClient.fetch(`${next.pathname}${next.search}`);
    expect(page.status).toBe(200);
  });

  it('stores only hashes of codes and tokens, and revokes a user’s app tokens when they delete a passkey', async () => {
    const { verifier, challenge } = pkce();
    const code = await codeFor(publicApp.id, challenge);
    const issued = (await (await exchange(code, verifier)).json()) as { access_token: string; refresh_token: string };
    // Every column of every table: the row ids are hashes and the payloads hold no value to replay.
    expect(await findInColumns(server.ctx.db, engine, [code, issued.access_token, issued.refresh_token])).toEqual([]);
    const ids = (await server.ctx.db.selectFrom('oidc_payloads').select('id').execute()).map((r) => r.id);
    expect(ids).toContain(createHash('sha256').update(issued.refresh_token).digest('base64url'));
    // The admin registers a passkey (from a fresh pass session) and deletes it.
    const session = (
      await startSession(server.ctx, server.ctx.db, {
        tenantId: tenant.id,
        userId: admin.id,
        method: 'temporaryAccessPass',
      })
    ).session;
    const credential = await new SoftAuthenticator().register(
      await beginPasskeyRegistration(server.ctx, tenant, session),
      { origin: server.url },
    );
    const passkey = await finishPasskeyRegistration(server.ctx, tenant, session, { credential });
    await deleteOwnPasskey(server.ctx, tenant, session, passkey.id);
    const refresh = await token({
      grant_type: 'refresh_token',
      refresh_token: issued.refresh_token,
      client_id: publicApp.id,
    });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('stops honouring the sessions of a user who is disabled: the account page asks for sign-in', async () => {
    const carol = await createUser(server.ctx, tenant, { userPrincipalName: `carol-${engine}@example.com` });
    const carolPass = (await issueTap(server.ctx, tenant, carol, { actor: { type: 'system', id: null } })).pass;
    const client = new CookieClient(server.url);
    const signin = await client.fetch(`/${tenant.slug}/signin/tap`, {
      method: 'POST',
      json: { username: carol.userPrincipalName, pass: carolPass },
    });
    expect(signin.status).toBe(200);
    expect((await client.fetch(`/${tenant.slug}/account`)).status).toBe(200);
    await setUserEnabled(server.ctx.db, tenant.id, carol.id, false);
    const after = await client.fetch(`/${tenant.slug}/account`);
    expect(after.status).toBe(303);
    expect((await client.fetch(`/${tenant.slug}/account/passkeys`)).status).toBe(401);
  });

  it('ends the Signet session too on RP-initiated logout', async () => {
    const client = new CookieClient(server.url);
    await codeFor(publicApp.id, pkce().challenge, client);
    expect((await client.fetch(`/${tenant.slug}/account`)).status).toBe(200);
    const confirm = await client.fetch(`/${tenant.id}/oauth2/v2.0/logout?client_id=${publicApp.id}`);
    const html = await confirm.text();
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    expect(xsrf).toBeTruthy();
    const done = await client.fetch(`/${tenant.id}/oauth2/v2.0/logout/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf: xsrf!, logout: 'yes' }),
    });
    expect(done.status).toBeLessThan(400);
    const after = await client.fetch(`/${tenant.slug}/account`);
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toContain('/signin');
  });
});
