// Password sign-in over HTTP (issue 8, SPEC §2.4), on both engines: POST /{tenant}/signin/password as the page's
// script (JSON) and its form (no script) send it. The Password method configuration decides who may; an unknown
// name, an account without a password and a wrong password get one answer; a disabled account or one the method
// does not cover is told only after the right password; a password session is one factor (amr pwd, no strong
// authentication); older hashes are replaced by argon2id at a successful sign-in; every attempt is in the sign-in log.
import { createHash, randomBytes, scryptSync } from 'node:crypto';
import { hash as argon2Hash } from '@node-rs/argon2';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignetError } from '../../src/core/errors.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { addMember, createGroup } from '../../src/flows/groups.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updateMethodConfiguration } from '../../src/flows/method-policy.ts';
import { beginPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { sessionFromToken } from '../../src/flows/sessions.ts';
import { listSignIns } from '../../src/store/logs.ts';
import {
  decoyPasswordHash,
  findPasswordCredential,
  hashPassword,
  needsRehash,
  savePasswordCredential,
  verifyPassword,
} from '../../src/store/password-credentials.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { setUserEnabled, type User } from '../../src/store/users.ts';
import { CookieClient, isAt } from '../support/browserless.ts';
import { engines } from '../support/engines.ts';
import { clientCredentials } from '../support/graph.ts';
import { errorCode, graphClient } from '../support/graph-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;
const PASSWORD_TYPE = '#microsoft.graph.passwordAuthenticationMethodConfiguration';

describe.each(engines)('password sign-in on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `pw-${randomBytes(4).toString('hex')}` });
  });
  afterAll(() => server?.close());

  const newUser = (t: Tenant = tenant) =>
    createUser(server.ctx, t, { userPrincipalName: `user${++n}-${randomBytes(3).toString('hex')}@contoso.com` });
  const strong = () => `Kx7-${randomBytes(6).toString('base64url')}`;
  async function withPassword(user: User, password: string, hash?: string, t: Tenant = tenant): Promise<void> {
    await savePasswordCredential(server.ctx.db, {
      tenantId: t.id,
      userId: user.id,
      hash: hash ?? (await hashPassword(password, randomBytes(16))),
      forceChangeNextSignIn: false,
      forceChangeWithMfa: false,
      createdAt: server.ctx.now(),
    });
  }
  const post = (username: string, password: string, t: Tenant = tenant, browser = new CookieClient(server.url)) =>
    browser.fetch(`/${t.slug}/signin/password`, {
      method: 'POST',
      json: { username, password },
      headers: { origin: server.url },
    });
  async function answer(res: Response) {
    return { status: res.status, body: (await res.json()) as Json };
  }
  const codeOf = (a: { body: Json }) => (a.body.error as { code?: string } | undefined)?.code;
  const setPasswordMethod = (t: Tenant, config: Json) =>
    updateMethodConfiguration(server.ctx, t, localOperator(t.id), 'Password', {
      '@odata.type': PASSWORD_TYPE,
      ...config,
    });
  async function logOf(t: Tenant, upn: string) {
    return (await listSignIns(server.ctx.db, t.id, 1000)).filter(
      (r) => r.userPrincipalName?.toLowerCase() === upn.toLowerCase() && r.method === 'password',
    );
  }
  const sessionCookie = (browser: CookieClient, t: Tenant) => browser.jar.get(`signet-sid-${t.id}`);

  it('signs in with the right password: a one-factor session (amr pwd) that does not open passkey registration', async () => {
    const user = await newUser();
    const password = strong();
    await withPassword(user, password);
    const browser = new CookieClient(server.url);
    const r = await answer(await post(user.userPrincipalName, password, tenant, browser));
    expect(r).toEqual({ status: 200, body: { redirect: `/${tenant.slug}/account` } });
    const session = await sessionFromToken(server.ctx, tenant.id, sessionCookie(browser, tenant));
    expect(session).toMatchObject({ userId: user.id, amr: ['pwd'], strongAuthAt: null });
    // One factor: registering a passkey asks for a strong sign-in first (SPEC §2.2 step 3).
    const gate = await beginPasskeyRegistration(server.ctx, tenant, session!).catch((e: unknown) => e);
    expect(gate).toBeInstanceOf(SignetError);
    expect((gate as SignetError).code).toBe('PASSKEY_STRONG_AUTH_REQUIRED');
    expect((await browser.fetch(`/${tenant.slug}/account`)).status).toBe(200);
    const log = await logOf(tenant, user.userPrincipalName);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ result: 'success', userId: user.id, errorCode: null, ip: '127.0.0.1' });
  });

  it('signs in from the form without script: a 303 to where the person was going, never the password in the address', async () => {
    const user = await newUser();
    const password = strong();
    await withPassword(user, password);
    const browser = new CookieClient(server.url);
    const res = await browser.fetch(`/${tenant.slug}/signin/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, accept: 'text/html' },
      body: new URLSearchParams({ username: user.userPrincipalName, password, return: `/${tenant.slug}/account` }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/${tenant.slug}/account`);
    expect(sessionCookie(browser, tenant)).toBeDefined();
    // A form sent as a GET (the password in the address) is answered with the page at a clean address.
    const get = await fetch(`${server.url}/${tenant.slug}/signin?password=${encodeURIComponent(password)}&username=x`, {
      redirect: 'manual',
    });
    expect(get.status).toBe(303);
    expect(get.headers.get('location')).toBe(`/${tenant.slug}/signin`);
  });

  it('answers a wrong password, an unknown name and an account without a password alike, after similar work', async () => {
    const user = await newUser();
    const password = strong();
    await withPassword(user, password);
    const bare = await newUser();
    const ghost = `ghost-${randomBytes(4).toString('hex')}@contoso.com`;
    const cases = {
      wrong: () => post(user.userPrincipalName, `${password}x`),
      unknown: () => post(ghost, password),
      noPassword: () => post(bare.userPrincipalName, password),
    };
    const seen: Record<string, { status: number; code?: string; message?: unknown }> = {};
    for (const [name, send] of Object.entries(cases)) {
      const r = await answer(await send());
      seen[name] = { status: r.status, code: codeOf(r), message: (r.body.error as Json).message };
    }
    for (const s of Object.values(seen))
      expect({ status: s.status, code: s.code, message: s.message }).toEqual({
        status: 401,
        code: 'SIGNIN_PASSWORD_INVALID',
        message: 'The username or password is not right.',
      });
    // Each verifies an argon2id hash, a decoy where there is none: the decoy has today's parameters, so it costs what a
    // real verification costs (speed is measured in benchmarks, never timed in a test).
    const decoy = await decoyPasswordHash();
    expect(decoy).toMatch(/^\$argon2id\$/);
    expect(needsRehash(decoy)).toBe(false);
    // The log tells the help desk what the person was not told.
    const reasons = [
      ...(await logOf(tenant, user.userPrincipalName)),
      ...(await logOf(tenant, ghost)),
      ...(await logOf(tenant, bare.userPrincipalName)),
    ].map((r) => [r.errorCode, r.detail.reason]);
    expect(new Set(reasons.map((r) => r[0]))).toEqual(new Set(['SIGNIN_PASSWORD_INVALID']));
    expect(new Set(reasons.map((r) => r[1]))).toEqual(
      new Set(['wrong password', 'no such account', 'the account has no password']),
    );
  });

  it('refuses a disabled account with its code only after the right password', async () => {
    const user = await newUser();
    const password = strong();
    await withPassword(user, password);
    await setUserEnabled(server.ctx.db, tenant.id, user.id, false);
    expect(codeOf(await answer(await post(user.userPrincipalName, `${password}!`)))).toBe('SIGNIN_PASSWORD_INVALID');
    const r = await answer(await post(user.userPrincipalName, password));
    expect([r.status, codeOf(r)]).toEqual([403, 'SIGNIN_USER_DISABLED']);
    const log = await logOf(tenant, user.userPrincipalName);
    expect(log.map((x) => x.errorCode)).toEqual(
      expect.arrayContaining(['SIGNIN_USER_DISABLED', 'SIGNIN_PASSWORD_INVALID']),
    );
    expect(await server.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).toEqual(
      [],
    );
  });

  it('follows the Password method configuration: off for the tenant, and a user it does not cover', async () => {
    const t = await createTenant(server.ctx, { slug: `pwm-${randomBytes(4).toString('hex')}` });
    const inside = await newUser(t);
    const outside = await newUser(t);
    const password = strong();
    await withPassword(inside, password, undefined, t);
    await withPassword(outside, password, undefined, t);
    const page = async () => (await fetch(`${server.url}/${t.slug}/signin`)).text();
    expect(await page()).toContain('id="password-form"');

    await setPasswordMethod(t, { state: 'disabled' });
    expect(await page()).not.toContain('id="password-form"');
    const off = await answer(await post(inside.userPrincipalName, password, t));
    expect([off.status, codeOf(off)]).toEqual([403, 'PASSWORD_SIGNIN_DISABLED']);
    // Said the same for a name without an account: it is the tenant's setting, not the account's.
    expect(codeOf(await answer(await post('nobody@contoso.com', password, t)))).toBe('PASSWORD_SIGNIN_DISABLED');

    const group = await createGroup(server.ctx, t, localOperator(t.id), {
      displayName: 'Password users',
      mailNickname: 'pw',
      mailEnabled: false,
      securityEnabled: true,
    });
    await addMember(server.ctx, t, localOperator(t.id), group.id, inside.id);
    await setPasswordMethod(t, {
      state: 'enabled',
      includeTargets: [{ id: group.id, targetType: 'group', isRegistrationRequired: false }],
      excludeTargets: [],
    });
    expect(await page()).toContain('id="password-form"');
    expect((await answer(await post(inside.userPrincipalName, password, t))).status).toBe(200);
    // Not covered: told so only with the right password; a wrong one is just wrong.
    expect(codeOf(await answer(await post(outside.userPrincipalName, `${password}?`, t)))).toBe(
      'SIGNIN_PASSWORD_INVALID',
    );
    const notTargeted = await answer(await post(outside.userPrincipalName, password, t));
    expect([notTargeted.status, codeOf(notTargeted)]).toEqual([403, 'PASSWORD_METHOD_NOT_TARGETED']);
    // Exclusion wins over inclusion.
    await setPasswordMethod(t, {
      state: 'enabled',
      includeTargets: [{ id: 'all_users', targetType: 'group', isRegistrationRequired: false }],
      excludeTargets: [{ id: group.id, targetType: 'group' }],
    });
    expect(codeOf(await answer(await post(inside.userPrincipalName, password, t)))).toBe(
      'PASSWORD_METHOD_NOT_TARGETED',
    );
    expect((await answer(await post(outside.userPrincipalName, password, t))).status).toBe(200);
    const log = await logOf(t, outside.userPrincipalName);
    expect(log.map((x) => x.errorCode)).toContain('PASSWORD_METHOD_NOT_TARGETED');
  });

  it('replaces a scrypt hash, and an argon2id hash of older parameters, with one of today’s at sign-in', async () => {
    const user = await newUser();
    const password = strong();
    // A hash as the store wrote it before argon2id: salted scrypt in PHC form.
    const salt = randomBytes(16);
    const key = scryptSync(password, salt, 32, { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const legacy = `$scrypt$ln=14,r=8,p=1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    await withPassword(user, password, legacy);
    expect((await answer(await post(user.userPrincipalName, password))).status).toBe(200);
    const rehashed = (await findPasswordCredential(server.ctx.db, tenant.id, user.id))!.hash;
    expect(rehashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(password, rehashed)).toBe(true);
    // And it still signs in, now against the new hash (which is left as it is).
    expect((await answer(await post(user.userPrincipalName, password))).status).toBe(200);
    expect((await findPasswordCredential(server.ctx.db, tenant.id, user.id))!.hash).toBe(rehashed);

    const other = await newUser();
    const weak = await argon2Hash(password, { memoryCost: 4096, timeCost: 3, parallelism: 1, algorithm: 2 as never });
    await withPassword(other, password, weak);
    expect((await answer(await post(other.userPrincipalName, password))).status).toBe(200);
    expect((await findPasswordCredential(server.ctx.db, tenant.id, other.id))!.hash).toMatch(/m=19456,t=2,p=1/);
    // A wrong password replaces nothing.
    const third = await newUser();
    await withPassword(third, password, legacy);
    await post(third.userPrincipalName, `${password}0`);
    expect((await findPasswordCredential(server.ctx.db, tenant.id, third.id))!.hash).toBe(legacy);
  });

  it('shows a refusal to the form without script on the sign-in page again, with the username and not the password', async () => {
    const user = await newUser();
    const password = strong();
    await withPassword(user, password);
    const wrong = `${password}-wrong`;
    const res = await fetch(`${server.url}/${tenant.slug}/signin/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, accept: 'text/html' },
      body: new URLSearchParams({ username: user.userPrincipalName, password: wrong }),
    });
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('The username or password is not right.');
    expect(html).toContain('SIGNIN_PASSWORD_INVALID');
    expect(html).toContain(`value="${user.userPrincipalName}"`);
    expect(html).not.toContain(wrong);
  });

  it('signs in to an app with a password: the ID token says amr pwd, one factor', async () => {
    const user = await newUser();
    const password = strong();
    await withPassword(user, password);
    const redirectUri = `${server.url}/cb`;
    const app = await createApp(server.ctx, tenant, { name: 'spa', redirectUris: [redirectUri], publicClient: true });
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({
      client_id: app.app.id,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirectUri,
      state: 'st',
      nonce: 'n1',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const browser = new CookieClient(server.url);
    const start = (await browser.fetch(`/${tenant.id}/oauth2/v2.0/authorize?${q}`)).headers.get('location') ?? '';
    const uid = new URL(start, server.url).searchParams.get('uid');
    expect(uid).toBeTruthy();
    const signedIn = await browser.fetch(`/${tenant.slug}/signin/password`, {
      method: 'POST',
      json: { username: user.userPrincipalName, password, uid },
      headers: { origin: server.url },
    });
    expect(signedIn.status).toBe(200);
    let location = ((await signedIn.json()) as { redirect: string }).redirect;
    for (let i = 0; i < 8 && !isAt(location, redirectUri, server.url); i++)
      location = (await browser.fetch(location)).headers.get('location') ?? '';
    const code = new URL(location, server.url).searchParams.get('code');
    expect(code, location).toBeTruthy();
    const res = await fetch(`${server.url}/${tenant.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: app.app.id,
        code: code!,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
    });
    expect(res.status).toBe(200);
    const claims = decodeJwt(((await res.json()) as { id_token: string }).id_token);
    expect(claims).toMatchObject({ sub: user.id, nonce: 'n1', amr: ['pwd'] });
  });

  it('refuses one of the most common passwords at Graph user creation, in any letter case, and stores nothing', async () => {
    const admin = await createApp(server.ctx, tenant, {
      name: 'provisioning',
      redirectUris: [],
      publicClient: false,
      permissions: ['User.ReadWrite.All'],
    });
    const t = await clientCredentials(server, tenant, { id: admin.app.id, secret: admin.clientSecret! }, '.default');
    const graph = graphClient<Json>(() => server, { token: () => String(t.body.access_token), empty: {} });
    const upn = `common-${randomBytes(3).toString('hex')}@contoso.com`;
    const create = (password: string) =>
      graph('POST', '/users', {
        body: {
          accountEnabled: true,
          displayName: 'Common Password',
          mailNickname: 'common',
          userPrincipalName: upn,
          passwordProfile: { password, forceChangePasswordNextSignIn: false },
        },
      });
    for (const common of ['Password1', 'PassWord123', 'Qwerty123', 'pa55W0rd']) {
      const r = await create(common);
      expect([r.status, errorCode(r)], common).toEqual([400, 'PASSWORD_TOO_COMMON']);
      expect(r.text).not.toContain(common);
    }
    const users = await server.ctx.db.selectFrom('users').select('id').where('user_principal_name', '=', upn).execute();
    expect(users).toEqual([]);
    const ok = await create(strong());
    expect(ok.status, ok.text).toBe(201);
  });
});
