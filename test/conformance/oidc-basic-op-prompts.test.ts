// The Basic OP modules about an existing sign-in (security-tests.md §4.1): prompt=none and prompt=login,
// max_age, id_token_hint — and the hint's verification (top test 17, OIDC-X5): algorithms pinned, no key from
// the token's header, its audience and issuer checked, and a clock skew of at most oidc-provider's
// clockTolerance (15 s, set in src/oidc/provider.ts). openid-client is the relying party.
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initInstance } from '../../src/flows/bootstrap.ts';
import { createApp, createTenant } from '../../src/flows/directory.ts';
import { loadPrivateJwks } from '../../src/flows/signing-keys.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { CookieClient } from '../support/browserless.ts';
import { engines } from '../support/engines.ts';
import { codeRequest, oidc, rpConfig, signInThroughApp, type Who, walk } from '../support/oidc-rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => Math.floor(Date.now() / 1000);

describe.each(engines)('OIDC Basic OP, prompts and hints, on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let who: Who;
  let userId: string;
  let web: { id: string; secret: string };
  let otherApp: string;
  let rp: oidc.Configuration;
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
    otherApp = (await createApp(server.ctx, tenant, { name: 'Other', redirectUris: [redirect()], publicClient: true }))
      .app.id;
    rp = await rpConfig(server, tenant, web.id, oidc.ClientSecretBasic(web.secret));
    issuer = `${server.url}/${tenant.id}/v2.0`;
  });
  afterAll(() => server.close());

  /** A browser signed in through the app, with the ID token it got. */
  const signedIn = async () => {
    const { tokens, browser } = await signInThroughApp(server, tenant, rp, redirect(), who);
    return { browser, idToken: tokens.id_token!, claims: tokens.claims()! };
  };

  /** The request's walk without signing in: where it stops. */
  const silently = async (browser: CookieClient, extra: Record<string, string>) => {
    const req = await codeRequest(rp, redirect(), extra);
    return { req, end: await walk(server, tenant, browser, redirect(), req.url) };
  };

  const redeem = async (req: Awaited<ReturnType<typeof codeRequest>>, callback: URL) =>
    (
      await oidc.authorizationCodeGrant(rp, callback, {
        pkceCodeVerifier: req.verifier,
        expectedState: req.state,
        expectedNonce: req.nonce,
      })
    ).claims()!;

  /** An ID token hint signed with the tenant's own RS256 key (as if Signet had issued it), with these claims. */
  const tenantSigned = async (claims: Record<string, unknown>) => {
    const jwk = (await loadPrivateJwks(server.ctx, tenant.id)).find((k) => k.alg === 'RS256')!;
    return new SignJWT({ iss: issuer, aud: web.id, sub: userId, iat: now(), exp: now() + 3600, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid! })
      .sign(await importJWK(jwk, 'RS256'));
  };

  it('oidcc-prompt-none-not-logged-in: login_required back at the app, with state and iss, and no code', async () => {
    const { req, end } = await silently(new CookieClient(server.url), { prompt: 'none' });
    expect(end.at).toBe('app');
    const cb = (end as { callback: URL }).callback;
    expect(cb.searchParams.get('error')).toBe('login_required');
    expect(cb.searchParams.get('state')).toBe(req.state);
    expect(cb.searchParams.get('iss')).toBe(issuer);
    expect(cb.searchParams.get('code')).toBeNull();
  });

  it('oidcc-prompt-none-logged-in: a signed-in browser gets a code silently, for the same sub and auth_time', async () => {
    const first = await signedIn();
    const { req, end } = await silently(first.browser, { prompt: 'none' });
    expect(end.at).toBe('app');
    const claims = await redeem(req, (end as { callback: URL }).callback);
    expect(claims.sub).toBe(first.claims.sub);
    expect(claims.auth_time).toBe(first.claims.auth_time);
  });

  it('oidcc-prompt-login: a signed-in browser is asked to sign in again, and the new ID token has a newer auth_time', async () => {
    const first = await signedIn();
    await sleep(1100);
    const { req, end } = await silently(first.browser, { prompt: 'login' });
    expect(end.at).toBe('signin');
    const again = await walk(server, tenant, first.browser, redirect(), req.url, who);
    expect(again.at).toBe('app');
    const claims = await redeem(req, (again as { callback: URL }).callback);
    expect(claims.sub).toBe(userId);
    expect(claims.auth_time).toBeGreaterThan(first.claims.auth_time as number);
  });

  it('oidcc-max-age-1: a sign-in older than max_age asks for sign-in again; auth_time is returned and newer', async () => {
    const first = await signedIn();
    await sleep(2100);
    const { req, end } = await silently(first.browser, { max_age: '1' });
    expect(end.at).toBe('signin');
    const again = await walk(server, tenant, first.browser, redirect(), req.url, who);
    const claims = await redeem(req, (again as { callback: URL }).callback);
    expect(claims.auth_time).toBeGreaterThan(first.claims.auth_time as number);
    expect(claims.auth_time).toBeGreaterThanOrEqual(now() - 2);
  });

  it('oidcc-max-age-10000: a recent sign-in is enough; the same sub and auth_time come back', async () => {
    const first = await signedIn();
    const { req, end } = await silently(first.browser, { max_age: '10000' });
    expect(end.at).toBe('app');
    const claims = await redeem(req, (end as { callback: URL }).callback);
    expect(claims).toMatchObject({ sub: first.claims.sub, auth_time: first.claims.auth_time });
  });

  it('oidcc-id-token-hint: prompt=none with the ID token as a hint succeeds silently for the same sub', async () => {
    const first = await signedIn();
    const { req, end } = await silently(first.browser, { prompt: 'none', id_token_hint: first.idToken });
    expect(end.at).toBe('app');
    expect((await redeem(req, (end as { callback: URL }).callback)).sub).toBe(userId);
  });

  it('accepts a hint whose nbf is up to the 15 s clock tolerance ahead, and refuses one further ahead', async () => {
    const first = await signedIn();
    const near = await silently(first.browser, {
      prompt: 'none',
      id_token_hint: await tenantSigned({ nbf: now() + 10 }),
    });
    expect(near.end.at).toBe('app');
    expect((near.end as { callback: URL }).callback.searchParams.get('code')).toBeTruthy();
    const far = await silently(first.browser, {
      prompt: 'none',
      id_token_hint: await tenantSigned({ nbf: now() + 60 }),
    });
    const cb = (far.end as { callback: URL }).callback;
    expect(cb.searchParams.get('error')).toBe('invalid_request');
    expect(cb.searchParams.get('code')).toBeNull();
  });

  it('refuses forged hints (VULN-19): alg none, HS256 keyed with the public key, a key in the header, another audience or issuer', async () => {
    const first = await signedIn();
    const payload = { iss: issuer, aud: web.id, sub: userId, iat: now(), exp: now() + 3600 };
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const rsa = (await loadPrivateJwks(server.ctx, tenant.id)).find((k) => k.alg === 'RS256')!;
    const publicPart = { kty: rsa.kty, n: rsa.n, e: rsa.e };
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const attackerJwk = await exportJWK(attacker.publicKey);
    const elsewhere = await createTenant(server.ctx, { slug: `else-${engine}` });
    const foreignJwk = (await loadPrivateJwks(server.ctx, elsewhere.id)).find((k) => k.alg === 'RS256')!;
    const forged: Record<string, string> = {
      none: `${b64({ alg: 'none' })}.${b64(payload)}.`,
      hsConfusion: await new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', kid: rsa.kid! })
        .sign(new TextEncoder().encode(JSON.stringify(publicPart))),
      headerKey: await new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', jwk: attackerJwk })
        .sign(attacker.privateKey),
      otherAudience: await tenantSigned({ aud: otherApp }),
      otherIssuer: await new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: foreignJwk.kid! })
        .sign(await importJWK(foreignJwk, 'RS256')),
    };
    for (const [name, hint] of Object.entries(forged)) {
      const { end } = await silently(first.browser, { prompt: 'none', id_token_hint: hint });
      expect(end.at, name).toBe('app');
      const cb = (end as { callback: URL }).callback;
      expect(cb.searchParams.get('error'), name).toBe('invalid_request');
      expect(cb.searchParams.get('code'), name).toBeNull();
    }
  });

  it('OIDC-X5: RP-initiated logout with a forged hint is an error page, ends nothing, and redirects nowhere', async () => {
    const first = await signedIn();
    const forged = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ iss: issuer, aud: web.id, sub: userId }),
    ).toString('base64url')}.`;
    const res = await first.browser.fetch(
      `/${tenant.id}/oauth2/v2.0/logout?${new URLSearchParams({ id_token_hint: forged, post_logout_redirect_uri: redirect() })}`,
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    // Still signed in: the next silent request gets a code.
    expect((await silently(first.browser, { prompt: 'none' })).end.at).toBe('app');
    expect((await first.browser.fetch(`/${tenant.slug}/account`)).status).toBe(200);
  });
});
