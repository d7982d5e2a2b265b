// Top test 16 (VULN-20, oidcc-ensure-registered-redirect-uri, FAPI-10): redirect URIs are matched exactly, and an
// error about one never redirects — for a signed-in browser too, for post-logout redirect URIs, and for an unknown
// client. Beyond the corpus in test/integration/oidc.security.test.ts: the host spellings, encodings and parser
// confusions of the Keycloak bypass reports (loopback aliases, trailing dot, backslash, scheme-relative,
// encoded slashes, path parameters, control characters).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initInstance } from '../../src/flows/bootstrap.ts';
import { createApp } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { CookieClient } from '../support/browserless.ts';
import { engines } from '../support/engines.ts';
import { codeRequest, oidc, rpConfig, signInThroughApp, type Who } from '../support/oidc-rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe.each(engines)('redirect URIs on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let who: Who;
  let rp: oidc.Configuration;
  const redirect = () => `${server.url}/cb`;

  beforeAll(async () => {
    server = await startTestServer(engine);
    const init = await initInstance(server.ctx);
    tenant = init.tenant;
    const tap = await issueTap(server.ctx, tenant, init.admin, { oneTime: false, actor: { type: 'system', id: null } });
    who = { upn: init.admin.userPrincipalName, pass: tap.pass };
    const app = await createApp(server.ctx, tenant, {
      name: 'RP',
      redirectUris: [redirect()],
      postLogoutRedirectUris: [`${server.url}/bye`],
      publicClient: true,
    });
    rp = await rpConfig(server, tenant, app.app.id);
  });
  afterAll(() => server.close());

  const corpus = () => {
    const u = new URL(redirect());
    const port = u.port;
    return [
      `http://127.0.0.1:${port}/cb`,
      `http://[::1]:${port}/cb`,
      `http://localhost.:${port}/cb`,
      `http://LOCALHOST:${port}/cb`,
      `http://localhost:${port}/CB`,
      `http://localhost:${port}/cb;jsessionid=x`,
      `http://localhost:${port}/cb%2F..%2Fevil`,
      `http://localhost:${port}/cb/../cb`,
      `http://localhost:${port}/./cb`,
      `http://localhost:${port}\\@evil.example/cb`,
      `http://localhost:${port}%40evil.example/cb`,
      `http://localhost:${port}/cb?`,
      `http://localhost:${port}/cb%00`,
      `http://localhost:${port}/cb%20`,
      ` http://localhost:${port}/cb`,
      `http://localhost:0${port}/cb`,
      `//evil.example/cb`,
      '/cb',
      `javascript://localhost:${port}/cb%0aalert(1)`,
      `data:text/html,<script>location='http://localhost:${port}/cb'</script>`,
    ];
  };

  it('never redirects to a URI that is not exactly the registered one, signed in or not', async () => {
    const signedIn = (await signInThroughApp(server, tenant, rp, redirect(), who)).browser;
    for (const browser of [new CookieClient(server.url), signedIn])
      for (const uri of corpus()) {
        const req = await codeRequest(rp, uri);
        const res = await browser.fetch(req.url.href);
        expect(res.status, uri).toBe(400);
        expect(res.headers.get('location'), uri).toBeNull();
        expect(await res.text(), uri).not.toContain('evil.example');
      }
  });

  it('never redirects for an unknown client, whatever redirect URI it names', async () => {
    const url = new URL(`${server.url}/${tenant.id}/oauth2/v2.0/authorize`);
    url.search = new URLSearchParams({
      client_id: 'not-an-app',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirect(),
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('sends a signed-out user only to a registered post-logout redirect URI, exactly', async () => {
    const { tokens, browser } = await signInThroughApp(server, tenant, rp, redirect(), who);
    for (const uri of [`${server.url}/bye/`, `${server.url}/byeX`, 'https://evil.example/bye', redirect()]) {
      const res = await browser.fetch(
        oidc.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: uri }).href,
      );
      expect(res.status, uri).toBe(400);
      expect(res.headers.get('location'), uri).toBeNull();
    }
    // The registered one is accepted: the confirmation page, then back to it.
    const ok = await browser.fetch(
      oidc.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${server.url}/bye` })
        .href,
    );
    expect(ok.status).toBe(200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(await ok.text())?.[1];
    const done = await browser.fetch(`/${tenant.id}/oauth2/v2.0/logout/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf: xsrf!, logout: 'yes' }),
    });
    expect(done.status).toBe(303);
    expect(new URL(done.headers.get('location')!).href).toBe(`${server.url}/bye`);
  });
});
