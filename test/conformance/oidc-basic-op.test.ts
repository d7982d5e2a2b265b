// The OpenID Foundation's Basic OP and Config certification plans (oidcc-basic-certification-test-plan,
// oidcc-config-certification-test-plan; security-tests.md §4.1) as offline tests: openid-client 6 is the relying
// party, Signet a real server, the browser's part walked without a browser. Each title names its module. The
// prompt, max_age, id_token_hint and clock-skew modules are in oidc-basic-op-prompts.test.ts, the code ones in
// oidc-basic-op-codes.test.ts.
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initInstance } from '../../src/flows/bootstrap.ts';
import { createApp } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { CookieClient } from '../support/browserless.ts';
import { engines } from '../support/engines.ts';
import { codeRequest, oidc, rpConfig, signInThroughApp, userinfo, type Who, walk } from '../support/oidc-rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe.each(engines)('OIDC Basic OP on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let who: Who;
  let userId: string;
  let web: { id: string; secret: string };
  let basic: oidc.Configuration;
  let post: oidc.Configuration;
  let issuer: string;
  const redirect = () => `${server.url}/cb`;

  beforeAll(async () => {
    server = await startTestServer(engine);
    const init = await initInstance(server.ctx);
    tenant = init.tenant;
    userId = init.admin.id;
    const tap = await issueTap(server.ctx, tenant, init.admin, { oneTime: false, actor: { type: 'system', id: null } });
    who = { upn: init.admin.userPrincipalName, pass: tap.pass };
    const c = await createApp(server.ctx, tenant, { name: 'RP', redirectUris: [redirect()], publicClient: false });
    web = { id: c.app.id, secret: c.clientSecret! };
    basic = await rpConfig(server, tenant, web.id, oidc.ClientSecretBasic(web.secret));
    post = await rpConfig(server, tenant, web.id, oidc.ClientSecretPost(web.secret));
    issuer = `${server.url}/${tenant.id}/v2.0`;
  });
  afterAll(() => server.close());

  /** The request's walk to the app's callback (signing in if asked), as openid-client built it. */
  const callbackOf = async (url: URL, browser = new CookieClient(server.url)) => {
    const end = await walk(server, tenant, browser, redirect(), url, who);
    if (end.at !== 'app') throw new Error(`stopped: ${JSON.stringify(end).slice(0, 300)}`);
    return end.callback;
  };

  it('oidcc-config: discovery at the issuer, endpoints under it, code flow only, PKCE S256, no alg none', async () => {
    const m = basic.serverMetadata();
    // openid-client itself refuses a document whose issuer is not the URL it was fetched from.
    expect(m.issuer).toBe(issuer);
    // Every endpoint is built from SIGNET_PUBLIC_URL (https in production; the test server listens on http).
    const endpoints = [
      'authorization_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
      'jwks_uri',
      'end_session_endpoint',
      'revocation_endpoint',
      'introspection_endpoint',
    ] as const;
    for (const e of endpoints) expect(String(m[e]), e).toMatch(new RegExp(`^${server.url}/${tenant.id}/`));
    expect(m.response_types_supported).toEqual(['code']);
    expect(m.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    expect(m.grant_types_supported).not.toContain('implicit');
    expect(m.scopes_supported).toEqual(expect.arrayContaining(['openid', 'offline_access']));
    expect(m.subject_types_supported).toContain('public');
    expect(m.id_token_signing_alg_values_supported).toContain('RS256');
    expect(m.id_token_signing_alg_values_supported).not.toContain('none');
    expect(m.code_challenge_methods_supported).toEqual(['S256']);
    expect(m.authorization_response_iss_parameter_supported).toBe(true);
    expect([...(m.token_endpoint_auth_methods_supported ?? [])].sort()).toEqual([
      'client_secret_basic',
      'client_secret_post',
      'none',
    ]);
    const jwks = (await (await fetch(String(m.jwks_uri))).json()) as { keys: { kid: string; use?: string }[] };
    const kids = jwks.keys.map((k) => k.kid);
    expect(kids.length).toBeGreaterThan(0);
    expect(new Set(kids).size).toBe(kids.length);
  });

  it('oidcc-server / oidcc-idtoken-signature: state and iss come back, the ID token is RS256 with a published kid and valid claims', async () => {
    const req = await codeRequest(basic, redirect());
    const cb = await callbackOf(req.url);
    expect(cb.searchParams.get('state')).toBe(req.state);
    expect(cb.searchParams.get('iss')).toBe(issuer);
    const tokens = await oidc.authorizationCodeGrant(basic, cb, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      idTokenExpected: true,
    });
    const header = decodeProtectedHeader(tokens.id_token!);
    expect(header.alg).toBe('RS256');
    const { payload } = await jwtVerify(
      tokens.id_token!,
      createRemoteJWKSet(new URL(String(basic.serverMetadata().jwks_uri))),
      {
        issuer,
        audience: web.id,
        algorithms: ['RS256'],
      },
    );
    expect(payload).toMatchObject({ sub: userId, nonce: req.nonce });
    expect(payload.iat).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(payload.exp).toBeGreaterThan(Date.now() / 1000);
    // at_hash is optional in an ID token from the token endpoint (OIDC Core §3.1.3.6): oidc-provider puts it
    // only in one from the authorization endpoint, which Signet never issues. Were it sent, it would be this.
    const atHash = createHash('sha256').update(tokens.access_token).digest().subarray(0, 16).toString('base64url');
    expect(payload.at_hash === undefined || payload.at_hash === atHash).toBe(true);
    expect(payload.at_hash).toBeUndefined();
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    const info = await oidc.fetchUserInfo(basic, tokens.access_token, userId);
    expect(info.sub).toBe(payload.sub);
  });

  it('oidcc-userinfo-get / -post-header / -post-body: userinfo by GET and POST with a Bearer header, and by POST with a form body', async () => {
    const { tokens } = await signInThroughApp(server, tenant, basic, redirect(), who);
    const url = `${server.url}/${tenant.id}/oidc/userinfo`;
    const bearer = { authorization: `Bearer ${tokens.access_token}` };
    const get = await fetch(url, { headers: bearer });
    const postHeader = await fetch(url, { method: 'POST', headers: bearer });
    const postBody = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: tokens.access_token }),
    });
    for (const res of [get, postHeader, postBody]) {
      expect(res.status).toBe(200);
      expect(((await res.json()) as { sub: string }).sub).toBe(userId);
    }
    expect((await userinfo(server, tenant, 'not-a-token')).status).toBe(401);
  });

  it('oidcc-scope-profile / -email / -all: email for the email scope, name and username with openid; where Signet differs, address and phone are not offered and asking for them is invalid_scope (the module skips scopes not in scopes_supported)', async () => {
    const supported = basic.serverMetadata().scopes_supported;
    expect(supported).not.toContain('address');
    expect(supported).not.toContain('phone');
    const { tokens } = await signInThroughApp(server, tenant, basic, redirect(), who, undefined, {
      scope: 'openid profile email',
    });
    const info = await oidc.fetchUserInfo(basic, tokens.access_token, userId);
    expect(info).toMatchObject({ sub: userId, email: who.upn, preferred_username: who.upn });
    expect(typeof info.name).toBe('string');
    const narrow = await signInThroughApp(server, tenant, basic, redirect(), who, undefined, { scope: 'openid' });
    expect((await oidc.fetchUserInfo(basic, narrow.tokens.access_token, userId)).email).toBeUndefined();
    for (const scope of ['address', 'phone']) {
      const req = await codeRequest(basic, redirect(), { scope: `openid profile email ${scope}` });
      const cb = await callbackOf(req.url);
      expect(cb.searchParams.get('error'), scope).toBe('invalid_scope');
      expect(cb.searchParams.get('scope'), scope).toBe(scope);
      expect(cb.searchParams.get('state'), scope).toBe(req.state);
      expect(cb.searchParams.get('code'), scope).toBeNull();
    }
  });

  it('oidcc-server-client-secret-post: the same app authenticates with its secret in the form body', async () => {
    const { tokens } = await signInThroughApp(server, tenant, post, redirect(), who);
    expect(tokens.claims()?.sub).toBe(userId);
  });

  it('oidcc-ensure-request-without-nonce-succeeds-for-code-flow: no nonce, an ID token without one', async () => {
    const req = await codeRequest(basic, redirect(), {});
    const params = new URLSearchParams(req.url.search);
    params.delete('nonce');
    const cb = await callbackOf(new URL(`${req.url.origin}${req.url.pathname}?${params}`));
    const tokens = await oidc.authorizationCodeGrant(basic, cb, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      idTokenExpected: true,
    });
    expect(tokens.claims()?.nonce).toBeUndefined();
  });

  it('oidcc-ensure-request-with-unknown-parameter-succeeds / oidcc-alternate-happy-flow / display, login_hint, ui_locales, claims_locales: accepted, order of scopes and parameters irrelevant', async () => {
    for (const extra of [
      { scope: 'profile openid', unknown_param: 'x', foo: 'bar' },
      { display: 'page', login_hint: who.upn, ui_locales: 'fr-CA en', claims_locales: 'de' },
      { display: 'popup' },
    ] as Record<string, string>[]) {
      const req = await codeRequest(basic, redirect(), extra);
      const reversed = [...new URLSearchParams(req.url.search)].reverse();
      const cb = await callbackOf(new URL(`${req.url.origin}${req.url.pathname}?${new URLSearchParams(reversed)}`));
      const tokens = await oidc.authorizationCodeGrant(basic, cb, {
        pkceCodeVerifier: req.verifier,
        expectedState: req.state,
        expectedNonce: req.nonce,
      });
      expect(tokens.claims()?.sub, JSON.stringify(extra)).toBe(userId);
    }
  });

  it('oidcc-claims-essential / oidcc-ensure-request-with-acr-values-succeeds: the claims parameter and acr_values do not make the request fail', async () => {
    const claims = JSON.stringify({
      userinfo: { name: { essential: true } },
      id_token: { auth_time: { essential: true } },
    });
    for (const extra of [{ claims }, { acr_values: '1 2' }] as Record<string, string>[]) {
      const { tokens } = await signInThroughApp(server, tenant, basic, redirect(), who, undefined, extra);
      expect(tokens.claims()?.sub, JSON.stringify(extra)).toBe(userId);
      expect(typeof tokens.claims()?.auth_time).toBe('number');
    }
  });

  it('oidcc-ensure-post-request-succeeds, where Signet differs: a form POST to the authorization endpoint is not served (oidc-provider serves it only with SameSite=None cookies; Signet keeps Lax), and issues nothing', async () => {
    const req = await codeRequest(basic, redirect());
    const end = await walk(
      server,
      tenant,
      new CookieClient(server.url),
      redirect(),
      { post: new URLSearchParams(req.url.search) },
      who,
    );
    expect(end).toMatchObject({ at: 'other', status: 404, location: null });
    // The same request by GET is served.
    expect((await walk(server, tenant, new CookieClient(server.url), redirect(), req.url, who)).at).toBe('app');
  });

  it('oidcc-response-type-missing: no response_type is an error back at the registered redirect URI, with no code', async () => {
    const req = await codeRequest(basic, redirect());
    const params = new URLSearchParams(req.url.search);
    params.delete('response_type');
    const end = await walk(
      server,
      tenant,
      new CookieClient(server.url),
      redirect(),
      new URL(`${req.url.origin}${req.url.pathname}?${params}`),
    );
    expect(end.at).toBe('app');
    const cb = (end as { callback: URL }).callback;
    expect(cb.searchParams.get('error')).toBe('invalid_request');
    expect(cb.searchParams.get('code')).toBeNull();
    expect(cb.searchParams.get('state')).toBe(req.state);
  });

  it('FAPI-08: response_type token and id_token token (implicit) are refused with unsupported_response_type, no token issued', async () => {
    for (const responseType of ['token', 'id_token token', 'id_token', 'code id_token']) {
      const req = await codeRequest(basic, redirect(), { response_type: responseType });
      const end = await walk(server, tenant, new CookieClient(server.url), redirect(), req.url);
      expect(end.at, responseType).toBe('app');
      const cb = (end as { callback: URL }).callback;
      const all = `${cb.search}${cb.hash}`;
      expect(all, responseType).toContain('error=unsupported_response_type');
      expect(all, responseType).not.toMatch(/access_token=|id_token=|code=/);
    }
  });

  it('oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported / oidcc-request-uri-unsigned-…: rejected as unsupported (Signet takes no request objects)', async () => {
    const m = basic.serverMetadata();
    expect(m.request_parameter_supported ?? false).toBe(false);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({
        iss: web.id,
        aud: issuer,
        response_type: 'code',
        client_id: web.id,
        redirect_uri: redirect(),
        scope: 'openid',
      }),
    ).toString('base64url')}.`;
    for (const [extra, error] of [
      [{ request: unsigned }, 'request_not_supported'],
      [{ request_uri: 'https://rp.example/request.jwt' }, 'request_uri_not_supported'],
    ] as const) {
      const req = await codeRequest(basic, redirect(), extra);
      const end = await walk(server, tenant, new CookieClient(server.url), redirect(), req.url);
      expect(end.at, JSON.stringify(extra)).toBe('app');
      const cb = (end as { callback: URL }).callback;
      expect(cb.searchParams.get('error'), JSON.stringify(extra)).toBe(error);
      expect(cb.searchParams.get('code')).toBeNull();
    }
  });

  it('oidcc-ensure-registered-redirect-uri / FAPI-10: an unregistered or missing redirect_uri is an error page, never a redirect', async () => {
    for (const redirectUri of ['https://evil.example/cb', `${redirect()}/x`]) {
      const req = await codeRequest(basic, redirectUri);
      const res = await fetch(req.url, { redirect: 'manual' });
      expect(res.status, redirectUri).toBe(400);
      expect(res.headers.get('location'), redirectUri).toBeNull();
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).not.toContain('evil.example');
    }
  });
});
