// Pushed authorization requests (RFC 9126), which Signet's provider serves at /oauth2/v2.0/par: FAPI-07
// (par-attempt-reuse-request_uri, par-attempt-to-use-expired-request_uri, par-attempt-to-use-request_uri-for-
// different-client) and the request_uri of top test 1 (one use under parallel redemptions). openid-client pushes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initInstance } from '../../src/flows/bootstrap.ts';
import { createApp } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { CookieClient } from '../support/browserless.ts';
import { engines } from '../support/engines.ts';
import { oidc, rpConfig, type Who, walk } from '../support/oidc-rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe.each(engines)('pushed authorization requests on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let who: Who;
  let userId: string;
  let rp: oidc.Configuration;
  let otherApp: string;
  const redirect = () => `${server.url}/cb`;

  beforeAll(async () => {
    server = await startTestServer(engine);
    const init = await initInstance(server.ctx);
    tenant = init.tenant;
    userId = init.admin.id;
    const tap = await issueTap(server.ctx, tenant, init.admin, { oneTime: false, actor: { type: 'system', id: null } });
    who = { upn: init.admin.userPrincipalName, pass: tap.pass };
    const c = await createApp(server.ctx, tenant, { name: 'RP', redirectUris: [redirect()], publicClient: false });
    rp = await rpConfig(server, tenant, c.app.id, oidc.ClientSecretBasic(c.clientSecret!));
    otherApp = (await createApp(server.ctx, tenant, { name: 'Other', redirectUris: [redirect()], publicClient: true }))
      .app.id;
  });
  afterAll(() => server.close());

  /** A pushed request: the short authorization URL (client_id + request_uri) and what redeeming needs. */
  const pushed = async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = await oidc.buildAuthorizationUrlWithPAR(rp, {
      redirect_uri: redirect(),
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    return { url, verifier, state };
  };

  const errorOf = async (url: URL) => {
    const end = await walk(server, tenant, new CookieClient(server.url), redirect(), url);
    if (end.at === 'app') return end.callback.searchParams.get('error');
    if (end.at === 'other')
      return /invalid_request_uri|invalid_request|invalid_client/.exec(end.body)?.[0] ?? end.status;
    return 'reached sign-in';
  };

  it('serves a pushed request once: the code flow completes, and the same request_uri again is refused', async () => {
    expect(rp.serverMetadata().pushed_authorization_request_endpoint).toBe(
      `${server.url}/${tenant.id}/oauth2/v2.0/par`,
    );
    const req = await pushed();
    expect(req.url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const end = await walk(server, tenant, new CookieClient(server.url), redirect(), req.url, who);
    expect(end.at).toBe('app');
    const tokens = await oidc.authorizationCodeGrant(rp, (end as { callback: URL }).callback, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
    });
    expect(tokens.claims()?.sub).toBe(userId);
    expect(await errorOf(req.url)).toBe('invalid_request_uri');
  });

  it('gives exactly one code for a request_uri that 10 browsers use at once (RFC 9126 §7.3: reloads may start a sign-in, one use answers)', async () => {
    const req = await pushed();
    const ends = await Promise.all(
      Array.from({ length: 10 }, () => walk(server, tenant, new CookieClient(server.url), redirect(), req.url, who)),
    );
    const callbacks = ends.map((e) => (e.at === 'app' ? e.callback : undefined));
    const codes = callbacks.filter((cb) => cb?.searchParams.get('code'));
    expect(codes).toHaveLength(1);
    const refused = callbacks.filter((cb) => cb?.searchParams.get('error') === 'invalid_request_uri');
    expect(refused).toHaveLength(9);
    const tokens = await oidc.authorizationCodeGrant(rp, codes[0]!, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
    });
    expect(tokens.claims()?.sub).toBe(userId);
  });

  it('refuses a request_uri past its 60 s lifetime', async () => {
    const req = await pushed();
    server.clock.offsetMs += 61_000;
    try {
      expect(await errorOf(req.url)).toBe('invalid_request_uri');
    } finally {
      server.clock.offsetMs -= 61_000;
    }
  });

  it("refuses another client's use of a request_uri, and the rightful client's use afterwards still works", async () => {
    const req = await pushed();
    const stolen = new URL(req.url);
    stolen.searchParams.set('client_id', otherApp);
    expect(await errorOf(stolen)).toBe('invalid_request_object');
    const end = await walk(server, tenant, new CookieClient(server.url), redirect(), req.url, who);
    expect(end.at).toBe('app');
  });
});
