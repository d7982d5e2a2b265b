// A password sign-in to an app when the user has a second factor (SPEC §2.4), on both engines: the password alone
// never answers the app — not from the password post, not by going to /signin/continue or back to the sign-in page
// with the half-done session — until the authenticator app's code is proven; the tokens then say pwd, otp and mfa.
// A user without a second factor signs in with the password alone (amr pwd), for Conditional Access to judge.
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../src/core/totp.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updateMethodConfiguration } from '../../src/flows/method-policy.ts';
import { hashPassword, savePasswordCredential } from '../../src/store/password-credentials.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { CookieClient, isAt } from '../support/browserless.ts';
import { engines } from '../support/engines.ts';
import { addTotp, enableCodeMethods } from '../support/otp-fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;

describe.each(engines)('password and second factor to an app on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let clientId: string;
  const redirectUri = () => `${server.url}/cb`;

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `pw2-${randomBytes(4).toString('hex')}` });
    await updateMethodConfiguration(server.ctx, tenant, localOperator(tenant.id), 'Password', {
      '@odata.type': '#microsoft.graph.passwordAuthenticationMethodConfiguration',
      state: 'enabled',
    });
    await enableCodeMethods(server.ctx, tenant);
    clientId = (await createApp(server.ctx, tenant, { name: 'App', redirectUris: [redirectUri()], publicClient: true }))
      .app.id;
  });
  afterAll(() => server?.close());

  async function userWithPassword(): Promise<{ user: User; password: string }> {
    const user = await createUser(server.ctx, tenant, {
      userPrincipalName: `u-${randomBytes(4).toString('hex')}@contoso.com`,
    });
    const password = `Kx7-${randomBytes(6).toString('base64url')}`;
    await savePasswordCredential(server.ctx.db, {
      tenantId: tenant.id,
      userId: user.id,
      hash: await hashPassword(password, randomBytes(16)),
      forceChangeNextSignIn: false,
      forceChangeWithMfa: false,
      createdAt: server.ctx.now(),
    });
    return { user, password };
  }

  /** The app's authorization request in a fresh browser: the browser and the interaction's uid. */
  async function authorize() {
    const browser = new CookieClient(server.url);
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirectUri(),
      state: 'st',
      nonce: 'nn',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const start = await browser.fetch(`/${tenant.id}/oauth2/v2.0/authorize?${q}`);
    const uid = new URL(start.headers.get('location') ?? '', server.url).searchParams.get('uid');
    expect(uid).toBeTruthy();
    return { browser, uid: uid as string, verifier };
  }

  const passwordPost = (browser: CookieClient, body: Json) =>
    browser.fetch(`/${tenant.slug}/signin/password`, { method: 'POST', json: body, headers: { origin: server.url } });

  /** Follows redirects to the app's callback; the code, or undefined with where the walk ended. */
  async function follow(browser: CookieClient, location: string) {
    for (let i = 0; i < 8 && !isAt(location, redirectUri(), server.url); i++) {
      const res = await browser.fetch(location);
      if (res.status < 300 || res.status >= 400) return { at: location, status: res.status };
      location = res.headers.get('location') ?? '';
    }
    return { at: location, code: new URL(location, server.url).searchParams.get('code') ?? undefined };
  }

  async function tokens(code: string, verifier: string) {
    const res = await fetch(`${server.url}/${tenant.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri(),
        code_verifier: verifier,
        client_id: clientId,
      }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { id_token: string };
  }

  it('asks for the authenticator app after the password, and the app gets an answer only after its code', async () => {
    const { user, password } = await userWithPassword();
    const { secret } = await addTotp(server.ctx, tenant, user.id);
    const { browser, uid } = await authorize();
    const signed = await passwordPost(browser, { username: user.userPrincipalName, password, uid });
    expect(signed.status).toBe(200);
    const step = `/${tenant.slug}/signin/second-factor?uid=${encodeURIComponent(uid)}`;
    expect(((await signed.json()) as { redirect: string }).redirect).toBe(step);

    // The half-done session cannot finish the request another way.
    const continued = await browser.fetch(`/${tenant.slug}/signin/continue?uid=${encodeURIComponent(uid)}`);
    expect([continued.status, continued.headers.get('location')]).toEqual([303, step]);
    const page = await browser.fetch(`/${tenant.slug}/signin?uid=${encodeURIComponent(uid)}`);
    expect([page.status, page.headers.get('location')]).toEqual([303, step]);

    const verified = await browser.fetch(`/${tenant.slug}/signin/second-factor`, {
      method: 'POST',
      json: { uid, method: 'totp', code: totpCodeAt(secret, server.ctx.now()) },
      headers: { origin: server.url },
    });
    expect(verified.status).toBe(200);
    const onward = ((await verified.json()) as { redirect: string }).redirect;
    const walked = await follow(browser, onward);
    expect(walked.code, JSON.stringify(walked)).toBeTruthy();
  });

  it('refuses to send an email code to a user who has none set up, and the app still gets no answer', async () => {
    const { user, password } = await userWithPassword();
    await addTotp(server.ctx, tenant, user.id);
    const { browser, uid } = await authorize();
    await passwordPost(browser, { username: user.userPrincipalName, password, uid });
    const sent = await browser.fetch(`/${tenant.slug}/signin/second-factor/email`, {
      method: 'POST',
      json: { uid },
      headers: { origin: server.url },
    });
    expect(sent.status).toBe(404);
    expect(((await sent.json()) as { error: { code: string } }).error.code).toBe('OTP_EMAIL_NOT_REGISTERED');
    const continued = await browser.fetch(`/${tenant.slug}/signin/continue?uid=${encodeURIComponent(uid)}`);
    expect(continued.headers.get('location')).toBe(
      `/${tenant.slug}/signin/second-factor?uid=${encodeURIComponent(uid)}`,
    );
  });

  it('says in the tokens that the password and the code were both used', async () => {
    const { user, password } = await userWithPassword();
    const { secret } = await addTotp(server.ctx, tenant, user.id);
    const { browser, uid, verifier } = await authorize();
    await passwordPost(browser, { username: user.userPrincipalName, password, uid });
    const verified = await browser.fetch(`/${tenant.slug}/signin/second-factor`, {
      method: 'POST',
      json: { uid, method: 'totp', code: totpCodeAt(secret, server.ctx.now()) },
      headers: { origin: server.url },
    });
    const walked = await follow(browser, ((await verified.json()) as { redirect: string }).redirect);
    const claims = decodeJwt((await tokens(walked.code as string, verifier)).id_token);
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
  });

  it('signs a user without a second factor in with the password alone (amr pwd)', async () => {
    const { user, password } = await userWithPassword();
    const { browser, uid, verifier } = await authorize();
    const signed = await passwordPost(browser, { username: user.userPrincipalName, password, uid });
    const redirect = ((await signed.json()) as { redirect: string }).redirect;
    expect(redirect).toBe(`/${tenant.slug}/signin/continue?uid=${encodeURIComponent(uid)}`);
    const walked = await follow(browser, redirect);
    const claims = decodeJwt((await tokens(walked.code as string, verifier)).id_token);
    expect(claims.amr).toEqual(['pwd']);
  });

  it('sends a form post without script to the second-factor page, keeping a local return page', async () => {
    const { user, password } = await userWithPassword();
    await addTotp(server.ctx, tenant, user.id);
    const browser = new CookieClient(server.url);
    const res = await browser.fetch(`/${tenant.slug}/signin/password`, {
      method: 'POST',
      headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: user.userPrincipalName, password, return: `/${tenant.slug}/account` }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(
      `/${tenant.slug}/signin/second-factor?return=${encodeURIComponent(`/${tenant.slug}/account`)}`,
    );
  });
});
