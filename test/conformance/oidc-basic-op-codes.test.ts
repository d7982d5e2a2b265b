// The Basic OP modules about codes (security-tests.md §4.1 and §4.2, top test 15): a code is used once and its
// replay revokes what it gave, lives 60 s, needs its PKCE verifier; and apps authenticate by secret, not by a
// client assertion. openid-client is the relying party; the rest of the plan is in oidc-basic-op.test.ts.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initInstance } from '../../src/flows/bootstrap.ts';
import { createApp } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { CookieClient } from '../support/browserless.ts';
import { engines } from '../support/engines.ts';
import { codeRequest, oidc, postForm, rpConfig, userinfo, type Who, walk } from '../support/oidc-rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(engines)('OIDC Basic OP, codes, on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let who: Who;
  let web: { id: string; secret: string };
  let basic: oidc.Configuration;
  const redirect = () => `${server.url}/cb`;

  beforeAll(async () => {
    server = await startTestServer(engine);
    const init = await initInstance(server.ctx);
    tenant = init.tenant;
    const tap = await issueTap(server.ctx, tenant, init.admin, { oneTime: false, actor: { type: 'system', id: null } });
    who = { upn: init.admin.userPrincipalName, pass: tap.pass };
    const c = await createApp(server.ctx, tenant, { name: 'RP', redirectUris: [redirect()], publicClient: false });
    web = { id: c.app.id, secret: c.clientSecret! };
    basic = await rpConfig(server, tenant, web.id, oidc.ClientSecretBasic(web.secret));
  });
  afterAll(() => server.close());

  /** The request's walk to the app's callback (signing in if asked), as openid-client built it. */
  const callbackOf = async (url: URL, browser = new CookieClient(server.url)) => {
    const end = await walk(server, tenant, browser, redirect(), url, who);
    if (end.at !== 'app') throw new Error(`stopped: ${JSON.stringify(end).slice(0, 300)}`);
    return end.callback;
  };

  it('oidcc-codereuse / oidcc-codereuse-30seconds / FAPI-06: a code used again (here 1 s later) is invalid_grant and its tokens are revoked', async () => {
    const req = await codeRequest(basic, redirect());
    const cb = await callbackOf(req.url);
    const tokens = await oidc.authorizationCodeGrant(basic, cb, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
    });
    expect((await userinfo(server, tenant, tokens.access_token)).status).toBe(200);
    // Nothing in the code's handling depends on the time between the uses within its 60 s life, so the
    // module's 30 s wait is shortened to 1 s.
    await sleep(1100);
    const again = await postForm(
      server,
      tenant,
      'token',
      {
        grant_type: 'authorization_code',
        code: cb.searchParams.get('code')!,
        redirect_uri: redirect(),
        code_verifier: req.verifier,
      },
      web,
    );
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    expect((await userinfo(server, tenant, tokens.access_token)).status).toBe(401);
  });

  it('takes no client assertion (client_secret_jwt, private_key_jwt): apps authenticate by secret, so no assertion clock skew applies', async () => {
    const req = await codeRequest(basic, redirect());
    const cb = await callbackOf(req.url);
    const assertion = await new SignJWT({ jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(web.id)
      .setSubject(web.id)
      .setAudience(String(basic.serverMetadata().token_endpoint))
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(web.secret));
    const form = {
      grant_type: 'authorization_code',
      code: cb.searchParams.get('code')!,
      redirect_uri: redirect(),
      code_verifier: req.verifier,
      client_id: web.id,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    };
    const refused = await postForm(server, tenant, 'token', form);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');
  });

  it('OIDC-X1: a code is good for 60 s only: at 59 s it is redeemed, at 61 s it is invalid_grant', async () => {
    const form = async () => {
      const req = await codeRequest(basic, redirect());
      const cb = await callbackOf(req.url);
      return {
        grant_type: 'authorization_code',
        code: cb.searchParams.get('code')!,
        redirect_uri: redirect(),
        code_verifier: req.verifier,
      };
    };
    const [early, late] = [await form(), await form()];
    try {
      server.clock.offsetMs += 59_000;
      expect((await postForm(server, tenant, 'token', early, web)).status).toBe(200);
      server.clock.offsetMs += 2_000;
      const refused = await postForm(server, tenant, 'token', late, web);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe('invalid_grant');
    } finally {
      server.clock.offsetMs = 0;
    }
  });

  it('FAPI-03: a token request without code_verifier is invalid_grant, and does not spend the code', async () => {
    const req = await codeRequest(basic, redirect());
    const cb = await callbackOf(req.url);
    const form = { grant_type: 'authorization_code', code: cb.searchParams.get('code')!, redirect_uri: redirect() };
    const missing = await postForm(server, tenant, 'token', form, web);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_grant');
    const ok = await postForm(server, tenant, 'token', { ...form, code_verifier: req.verifier }, web);
    expect(ok.status).toBe(200);
  });
});
