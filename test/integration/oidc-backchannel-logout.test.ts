// OIDC Back-Channel Logout 1.0: an app registered with a back-channel logout URI (`signet app create
// --backchannel-logout-uri`) receives a logout token at a real HTTP listener when the user's session with it ends
// — by RP-initiated logout, or by Signet's own sign-out button — and the token verifies with the tenant's JWKS:
// iss, aud, iat, jti, the back-channel event, sid and sub, typ logout+jwt, and never a nonce.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignetError } from '../../src/core/errors.ts';
import { initInstance } from '../../src/flows/bootstrap.ts';
import { createApp } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { CookieClient } from '../support/browserless.ts';
import { signet } from '../support/cli.ts';
import { engines } from '../support/engines.ts';
import { oidc, rpConfig, signInThroughApp, type Who } from '../support/oidc-rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** An app's back end: records each logout token posted to it, answering with `status`. */
async function listener(status = 200): Promise<{ uri: string; tokens: string[]; close(): Promise<void> }> {
  const tokens: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (req.method === 'POST' && req.headers['content-type']?.startsWith('application/x-www-form-urlencoded'))
        tokens.push(new URLSearchParams(body).get('logout_token') ?? '');
      res.writeHead(status, { 'cache-control': 'no-store' });
      res.end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    uri: `http://127.0.0.1:${port}/backchannel-logout`,
    tokens,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

describe.each(engines)('back-channel logout on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let who: Who;
  let userId: string;
  let issuer: string;
  let a: Awaited<ReturnType<typeof listener>>;
  let b: Awaited<ReturnType<typeof listener>>;
  let broken: Awaited<ReturnType<typeof listener>>;
  let appA: oidc.Configuration;
  let appB: oidc.Configuration;
  let plain: oidc.Configuration;
  let failing: oidc.Configuration;
  const warnings: Record<string, unknown>[] = [];
  const redirect = () => `${server.url}/cb`;

  beforeAll(async () => {
    server = await startTestServer(engine);
    server.ctx.log = { ...server.ctx.log, warn: (obj) => warnings.push(obj) };
    const init = await initInstance(server.ctx);
    tenant = init.tenant;
    userId = init.admin.id;
    issuer = `${server.url}/${tenant.id}/v2.0`;
    const tap = await issueTap(server.ctx, tenant, init.admin, { oneTime: false, actor: { type: 'system', id: null } });
    who = { upn: init.admin.userPrincipalName, pass: tap.pass };
    [a, b, broken] = await Promise.all([listener(), listener(204), listener(500)]);
    const app = async (name: string, backchannelLogoutUri?: string) => {
      const { app } = await createApp(server.ctx, tenant, {
        name,
        redirectUris: [redirect()],
        postLogoutRedirectUris: [redirect()],
        publicClient: true,
        ...(backchannelLogoutUri ? { backchannelLogoutUri } : {}),
      });
      return rpConfig(server, tenant, app.id);
    };
    appA = await app('A', a.uri);
    appB = await app('B', b.uri);
    plain = await app('No back channel');
    failing = await app('Broken back end', broken.uri);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), broken.close()]);
    await server.close();
  });
  beforeEach(() => {
    a.tokens.length = 0;
    b.tokens.length = 0;
    broken.tokens.length = 0;
    warnings.length = 0;
  });

  /** The logout token verified as an RP must (Back-Channel Logout §2.6), for the app with this client id. */
  const verified = async (token: string, clientId: string) => {
    const jwks = createRemoteJWKSet(new URL(`${server.url}/${tenant.id}/discovery/v2.0/keys`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer,
      audience: clientId,
      typ: 'logout+jwt',
      algorithms: ['RS256'],
      maxTokenAge: '2 minutes',
    });
    expect(payload.events).toEqual({ [EVENT]: {} });
    expect(payload.nonce).toBeUndefined();
    expect(typeof payload.jti).toBe('string');
    expect(protectedHeader.kid).toBeTruthy();
    return payload;
  };

  it('says in discovery that back-channel logout with sessions is supported', () => {
    const m = appA.serverMetadata();
    expect(m.backchannel_logout_supported).toBe(true);
    expect(m.backchannel_logout_session_supported).toBe(true);
  });

  it('tells every app of the browser session at RP-initiated logout, with the sid its ID token carried', async () => {
    const first = await signInThroughApp(server, tenant, appA, redirect(), who);
    const second = await signInThroughApp(server, tenant, appB, redirect(), who, first.browser);
    const third = await signInThroughApp(server, tenant, plain, redirect(), who, first.browser);
    const sidA = first.tokens.claims()?.sid;
    const sidB = second.tokens.claims()?.sid;
    expect(typeof sidA).toBe('string');
    expect(third.tokens.claims()?.sid).toBeUndefined();
    const browser = first.browser;
    const confirm = await browser.fetch(
      oidc.buildEndSessionUrl(appA, { id_token_hint: first.tokens.id_token!, post_logout_redirect_uri: redirect() })
        .href,
    );
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(await confirm.text())?.[1];
    expect(xsrf).toBeTruthy();
    // Nothing is sent before the user confirms.
    expect(a.tokens).toEqual([]);
    const done = await browser.fetch(`/${tenant.id}/oauth2/v2.0/logout/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf: xsrf!, logout: 'yes' }),
    });
    expect(done.status).toBe(303);
    expect(a.tokens).toHaveLength(1);
    expect(b.tokens).toHaveLength(1);
    expect(await verified(a.tokens[0]!, appA.clientMetadata().client_id)).toMatchObject({ sub: userId, sid: sidA });
    expect(await verified(b.tokens[0]!, appB.clientMetadata().client_id)).toMatchObject({ sub: userId, sid: sidB });
    // A token for one app is refused by another: its audience is the app it was sent to.
    await expect(verified(a.tokens[0]!, appB.clientMetadata().client_id)).rejects.toThrow();
    expect((await browser.fetch(`/${tenant.slug}/account`)).status).toBe(303);
  });

  it("tells the apps when the user presses Signet's Sign out, and ends the apps' sessions", async () => {
    const first = await signInThroughApp(server, tenant, appA, redirect(), who);
    const sid = first.tokens.claims()?.sid;
    const signout = await first.browser.fetch(`/${tenant.slug}/signout`, { method: 'POST' });
    expect(signout.status).toBe(303);
    expect(a.tokens).toHaveLength(1);
    expect(b.tokens).toEqual([]);
    const claims = await verified(a.tokens[0]!, appA.clientMetadata().client_id);
    expect(claims).toMatchObject({ sub: userId, sid });
    // The app's next silent request finds no session.
    const silent = await first.browser.fetch(
      oidc.buildAuthorizationUrl(appA, {
        redirect_uri: redirect(),
        scope: 'openid',
        prompt: 'none',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      }).href,
    );
    expect(new URL(silent.headers.get('location')!).searchParams.get('error')).toBe('login_required');
  });

  it("leaves another browser's app sessions alone when one browser signs out", async () => {
    const mine = await signInThroughApp(server, tenant, appA, redirect(), who);
    const theirs = await signInThroughApp(server, tenant, appA, redirect(), who, new CookieClient(server.url));
    await mine.browser.fetch(`/${tenant.slug}/signout`, { method: 'POST' });
    expect(a.tokens.map((t) => decodeJwt(t).sid)).toEqual([mine.tokens.claims()?.sid]);
    expect(theirs.tokens.claims()?.sid).not.toBe(mine.tokens.claims()?.sid);
    expect((await theirs.browser.fetch(`/${tenant.slug}/account`)).status).toBe(200);
  });

  it('signs the user out even when an app cannot take the logout token, and logs the failure', async () => {
    const first = await signInThroughApp(server, tenant, failing, redirect(), who);
    await signInThroughApp(server, tenant, appA, redirect(), who, first.browser);
    const signout = await first.browser.fetch(`/${tenant.slug}/signout`, { method: 'POST' });
    expect(signout.status).toBe(303);
    expect(broken.tokens).toHaveLength(1);
    expect(a.tokens).toHaveLength(1);
    expect(warnings).toContainEqual(expect.objectContaining({ clientId: failing.clientMetadata().client_id }));
    expect((await first.browser.fetch(`/${tenant.slug}/account`)).status).toBe(303);
  });

  it('takes only an https URI (http on localhost), without fragment or user name, for an app that signs users in', async () => {
    for (const uri of [
      'http://app.example.com/bcl',
      'https://app.example.com/bcl#x',
      'https://u:p@app.example.com/',
      'nope',
    ])
      await expect(
        createApp(server.ctx, tenant, {
          name: 'Bad',
          redirectUris: [redirect()],
          publicClient: true,
          backchannelLogoutUri: uri,
        }),
        uri,
      ).rejects.toMatchObject({ code: 'REQUEST_INVALID', detail: { field: 'backchannelLogoutUri' } });
    await expect(
      createApp(server.ctx, tenant, {
        name: 'Automation',
        redirectUris: [],
        publicClient: false,
        permissions: ['User.Read.All'],
        backchannelLogoutUri: 'https://app.example.com/bcl',
      }),
    ).rejects.toBeInstanceOf(SignetError);
  });
});

describe('signet app create --backchannel-logout-uri', () => {
  it('registers the URI, says it back, and refuses a bad one with REQUEST_INVALID', async () => {
    const env = {
      SIGNET_DATA_DIR: mkdtempSync(join(tmpdir(), 'signet-bcl-')),
      SIGNET_PUBLIC_URL: 'http://localhost:4125',
    };
    expect((await signet(['init', '--json'], env)).code).toBe(0);
    const ok = await signet(
      [
        'app',
        'create',
        '--name',
        'Back end',
        '--redirect-uri',
        'https://app.example.com/cb',
        '--backchannel-logout-uri',
        'https://app.example.com/backchannel-logout',
        '--json',
      ],
      env,
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ backchannelLogoutUri: 'https://app.example.com/backchannel-logout' });
    const bad = await signet(
      [
        'app',
        'create',
        '--name',
        'B',
        '--redirect-uri',
        'https://app.example.com/cb',
        '--backchannel-logout-uri',
        'http://app.example.com/x',
        '--json',
      ],
      env,
    );
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: 'REQUEST_INVALID' } });
  });
});
