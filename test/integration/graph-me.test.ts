// The signed-in user's own account and passkeys through Graph's /me, as an app's page uses them with the user's
// token and our low-privilege UserAuthenticationMethod.ReadWrite: read, list, rename, delete (which signs the
// user's other sessions and apps out), and register under the full registration gate of SPEC §2.2 — the strong
// sign-in being that of the Signet session the token was issued from, carried as `signet_sid`. CORS lets the
// app's page call from its own origin, never with credentials.
import { randomBytes } from 'node:crypto';
import { decodeJwt, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPasskeyMethodConfig, type PasskeyMethodConfig } from '../../src/core/passkey-method.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { loadPrivateJwks } from '../../src/flows/signing-keys.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { listAudits } from '../../src/store/logs.ts';
import { listPasskeys } from '../../src/store/passkeys.ts';
import { savePasskeyMethodConfig } from '../../src/store/policies.ts';
import { findLiveSession, revokeSession } from '../../src/store/sessions.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { assignRole, type User } from '../../src/store/users.ts';
import { addPasskey } from '../support/auth-method-fixtures.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens } from '../support/graph.ts';
import { errorCode as codeOf, appToken as graphAppToken, graphClient } from '../support/graph-client.ts';
import { fido2MethodBody } from '../support/provisioning-fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

type Json = Record<string, unknown>;
const MINUTE = 60_000;
const APP_ORIGIN = 'http://localhost:5931';
const SCOPE = 'openid profile offline_access User.Read UserAuthenticationMethod.ReadWrite';

describe.each(engines)('Graph /me on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  /** The app whose page (APP_ORIGIN) manages the user's passkeys. */
  let spa: string;
  let spaB: string;
  let appToken: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    const redirectUris = [`${server.url}/cb`, `${APP_ORIGIN}/callback`];
    spa = (await createApp(server.ctx, a, { name: 'Passkeys page', redirectUris, publicClient: true })).app.id;
    spaB = (await createApp(server.ctx, b, { name: 'B page', redirectUris, publicClient: true })).app.id;
    const permissions = [
      'UserAuthenticationMethod.ReadWrite.All',
      'UserAuthMethod-Passkey.ReadWrite.All',
      'User.Read.All',
    ];
    appToken = (await graphAppToken(server, a, permissions, { name: 'Script' })).token;
  });
  afterAll(() => server?.close());

  let n = 0;
  const newUser = (t: Tenant = a) =>
    createUser(server.ctx, t, { userPrincipalName: `me${++n}-${randomBytes(3).toString('hex')}@${t.slug}.com` });
  /** The user signs in to the app with a Temporary Access Pass (a strong sign-in): the token response. */
  async function signIn(user: User, scope = SCOPE, t: Tenant = a) {
    const { pass } = await issueTap(server.ctx, t, user, { oneTime: false, actor: { type: 'system', id: null } });
    const r = await authorizationCodeTokens(
      server,
      t,
      { id: t === a ? spa : spaB },
      { upn: user.userPrincipalName, pass },
      scope,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return { token: String(r.body.access_token), refreshToken: String(r.body.refresh_token) };
  }
  const client = graphClient<Json>(() => server);
  const graph = (method: string, path: string, token: string, body?: unknown) => client(method, path, { token, body });
  const setPolicy = (change: Partial<PasskeyMethodConfig>) =>
    savePasskeyMethodConfig(server.ctx.db, a.id, { ...defaultPasskeyMethodConfig(), ...change }, Date.now());
  const optionsWith = async (token: string) => {
    const r = await graph('GET', '/me/authentication/fido2Methods/creationOptions', token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as { challengeTimeoutDateTime: string; publicKey: Json & { challenge: string } };
  };
  /** Registers a passkey through /me, the ceremony run on the app's own page. */
  const register = async (token: string, opts: { origin?: string; displayName?: string } = {}) => {
    const body = await fido2MethodBody((await optionsWith(token)).publicKey, opts.origin ?? APP_ORIGIN, {
      displayName: opts.displayName ?? 'Phone',
    });
    return graph('POST', '/me/authentication/fido2Methods', token, body);
  };

  describe('tokens', () => {
    it('carry the Signet session they were issued from (signet_sid), and refreshed ones do not', async () => {
      const user = await newUser();
      const { token, refreshToken } = await signIn(user);
      const claims = decodeJwt(token);
      expect(claims).toMatchObject({ oid: user.id, scp: 'User.Read UserAuthenticationMethod.ReadWrite' });
      const session = await findLiveSession(server.ctx.db, a.id, String(claims.signet_sid), Date.now());
      expect(session).toMatchObject({ userId: user.id, strongAuthAt: expect.any(Number) });
      const res = await fetch(`${server.url}/${a.id}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: spa }),
      });
      expect(res.status).toBe(200);
      const refreshed = String(((await res.json()) as { access_token: string }).access_token);
      expect(decodeJwt(refreshed).signet_sid).toBeUndefined();
      // The refreshed token still reads, but cannot register: the recency of its sign-in is unknown.
      expect((await graph('GET', '/me/authentication/fido2Methods', refreshed)).status).toBe(200);
      const refused = await graph('GET', '/me/authentication/fido2Methods/creationOptions', refreshed);
      expect([refused.status, codeOf(refused)]).toEqual([401, 'PASSKEY_STRONG_AUTH_REQUIRED']);
    });
  });

  describe('GET /me', () => {
    it('is the user of the token, in the Graph user shape, with User.Read alone; $select as on /users/{id}', async () => {
      const user = await newUser();
      const { token } = await signIn(user, 'openid User.Read');
      const r = await graph('GET', '/me', token);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        '@odata.context': `${server.url}/graph/v1.0/$metadata#users/$entity`,
        id: user.id,
        displayName: user.displayName,
        userPrincipalName: user.userPrincipalName,
      });
      // Exactly what GET /users/{id} answers for that user.
      expect(r.body).toEqual((await graph('GET', `/users/${user.id}`, appToken)).body);
      const selected = await graph('GET', '/me?$select=id,accountEnabled', token);
      expect(selected.body).toEqual({
        '@odata.context': `${server.url}/graph/v1.0/$metadata#users(id,accountEnabled)/$entity`,
        id: user.id,
        accountEnabled: true,
      });
      const bad = await graph('GET', '/me?$select=password', token);
      expect([bad.status, codeOf(bad)]).toEqual([400, 'GRAPH_QUERY_INVALID']);
    });

    it('refuses an app-only token on every /me route: there is no signed-in user', async () => {
      for (const [method, path] of [
        ['GET', '/me'],
        ['GET', '/me/authentication/methods'],
        ['GET', '/me/authentication/fido2Methods'],
        ['GET', '/me/authentication/fido2Methods/creationOptions'],
        ['POST', '/me/authentication/fido2Methods'],
        ['PATCH', `/me/authentication/fido2Methods/${crypto.randomUUID()}`],
        ['DELETE', `/me/authentication/fido2Methods/${crypto.randomUUID()}`],
      ] as const) {
        const r = await graph(method, path, appToken, method === 'PATCH' || method === 'POST' ? {} : undefined);
        expect([r.status, codeOf(r)], `${method} ${path}`).toEqual([403, 'GRAPH_PERMISSION_DENIED']);
      }
    });

    it('refuses a passkey route to a token without the passkey scope, and .default does not carry it', async () => {
      const user = await newUser();
      const { token } = await signIn(user, 'openid https://graph.microsoft.com/.default');
      expect(decodeJwt(token).scp).toBe('User.Read');
      expect((await graph('GET', '/me', token)).status).toBe(200);
      const r = await graph('GET', '/me/authentication/fido2Methods', token);
      expect([r.status, codeOf(r)]).toEqual([403, 'GRAPH_PERMISSION_DENIED']);
    });
  });

  describe('registering', () => {
    it("registers from the app's own page: 201 with the fido2AuthenticationMethod, listed, audited as the user's", async () => {
      const user = await newUser();
      const { token } = await signIn(user);
      const o = await optionsWith(token);
      expect(o).toMatchObject({
        '@odata.context': `${server.url}/graph/v1.0/$metadata#microsoft.graph.webauthnCredentialCreationOptions`,
        publicKey: {
          rp: { id: 'localhost', name: 'contoso' },
          user: { id: user.userHandle, name: user.userPrincipalName },
          authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        },
      });
      const body = await fido2MethodBody(o.publicKey, APP_ORIGIN, { displayName: 'Phone' });
      const r = await graph('POST', '/me/authentication/fido2Methods', token, body);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body).toMatchObject({
        '@odata.context': `${server.url}/graph/v1.0/$metadata#users('${user.id}')/authentication/fido2Methods/$entity`,
        '@odata.type': '#microsoft.graph.fido2AuthenticationMethod',
        displayName: 'Phone',
        passkeyType: 'deviceBound',
      });
      const list = await graph('GET', '/me/authentication/fido2Methods', token);
      expect((list.body.value as Json[]).map((m) => m.id)).toEqual([r.body.id]);
      const methods = await graph('GET', '/me/authentication/methods', token);
      expect((methods.body.value as Json[]).map((m) => m['@odata.type'])).toEqual([
        '#microsoft.graph.fido2AuthenticationMethod',
        '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
      ]);
      // The same list an administrator reads at /users/{id}/authentication/methods.
      expect(methods.body).toEqual((await graph('GET', `/users/${user.id}/authentication/methods`, appToken)).body);
      expect((await listAudits(server.ctx.db, a.id)).find((x) => x.targetId === r.body.id)).toMatchObject({
        actorType: 'user',
        actorId: user.id,
        activity: 'Register passkey',
        detail: expect.objectContaining({ via: 'graph-me', userId: user.id }),
      });
    });

    it("refuses a page on any other origin: not the app's, nor another app's", async () => {
      const user = await newUser();
      const { token } = await signIn(user);
      for (const origin of ['https://evil.example', 'http://localhost:5932', `${APP_ORIGIN}.evil.example`]) {
        const r = await register(token, { origin });
        expect([r.status, codeOf(r)], origin).toEqual([400, 'GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED']);
      }
      expect((await register(token, { origin: server.url })).status).toBe(201);
    });

    it('needs a strong sign-in within 5 minutes: a stale one is refused with the gate code, never registered', async () => {
      const user = await newUser();
      const { token } = await signIn(user);
      const body = await fido2MethodBody((await optionsWith(token)).publicKey, APP_ORIGIN);
      server.clock.offsetMs = 5 * MINUTE + 10_000;
      try {
        const stale = await graph('GET', '/me/authentication/fido2Methods/creationOptions', token);
        expect([stale.status, codeOf(stale)]).toEqual([401, 'PASSKEY_STRONG_AUTH_REQUIRED']);
        // RFC 9470: the token is good, the sign-in behind it too old; the app is told to sign the user in again.
        expect(stale.headers.get('www-authenticate')).toMatch(/error="insufficient_user_authentication".*max_age=300/);
        // Options issued while the sign-in was fresh are judged as of then, but expire like any challenge.
        const late = await graph('POST', '/me/authentication/fido2Methods', token, body);
        expect(codeOf(late)).toBe('WEBAUTHN_CHALLENGE_EXPIRED');
      } finally {
        server.clock.offsetMs = 0;
      }
      expect(await listPasskeys(server.ctx.db, a.id, user.id)).toHaveLength(0);
      // A fresh sign-in (what the app sends the user through) registers.
      expect((await register((await signIn(user)).token)).status).toBe(201);
    });

    it('refuses when the session behind the token has ended, or the token names none or another user’s', async () => {
      const user = await newUser();
      const { token } = await signIn(user);
      const sid = String(decodeJwt(token).signet_sid);
      const body = await fido2MethodBody((await optionsWith(token)).publicKey, APP_ORIGIN);
      await revokeSession(server.ctx.db, a.id, sid, Date.now());
      const ended = await graph('POST', '/me/authentication/fido2Methods', token, body);
      expect([ended.status, codeOf(ended)]).toEqual([401, 'PASSKEY_STRONG_AUTH_REQUIRED']);
      expect(codeOf(await graph('GET', '/me/authentication/fido2Methods/creationOptions', token))).toBe(
        'PASSKEY_STRONG_AUTH_REQUIRED',
      );
      // The tenant's own key, every claim as issued but the session: none, or another user's fresh one.
      const jwk = (await loadPrivateJwks(server.ctx, a.id)).find((k) => k.alg === 'RS256')!;
      const forge = async (claims: Json) =>
        new SignJWT({ ...decodeJwt((await signIn(user)).token), ...claims })
          .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid! })
          .sign(await importJWK(jwk, 'RS256'));
      const other = await newUser();
      const otherSid = String(decodeJwt((await signIn(other)).token).signet_sid);
      for (const claims of [{ signet_sid: undefined }, { signet_sid: otherSid }, { signet_sid: 'x'.repeat(43) }]) {
        const r = await graph('GET', '/me/authentication/fido2Methods/creationOptions', await forge(claims));
        expect([r.status, codeOf(r)], JSON.stringify(claims)).toEqual([401, 'PASSKEY_STRONG_AUTH_REQUIRED']);
      }
      expect(await listPasskeys(server.ctx.db, a.id, user.id)).toHaveLength(0);
    });

    it('applies the rest of the gate: self-service off, method off, not targeted, the limit', async () => {
      const user = await newUser();
      const { token } = await signIn(user);
      const opts = () => graph('GET', '/me/authentication/fido2Methods/creationOptions', token);
      try {
        await setPolicy({ isSelfServiceRegistrationAllowed: false });
        expect([(await opts()).status, codeOf(await opts())]).toEqual([403, 'PASSKEY_SELF_SERVICE_DISABLED']);
        await setPolicy({ state: 'disabled' });
        expect(codeOf(await opts())).toBe('PASSKEY_METHOD_DISABLED');
        await setPolicy({ excludeTargets: [{ id: user.id, targetType: 'user' }] });
        expect(codeOf(await opts())).toBe('PASSKEY_METHOD_NOT_TARGETED');
        await setPolicy({ passkeysPerUserLimit: 1 });
        await addPasskey(server.ctx, a, user.id);
        expect(codeOf(await opts())).toBe('PASSKEY_LIMIT_REACHED');
        // Self-service turned off between options and answer: refused at the answer too.
        await setPolicy({});
        const body = await fido2MethodBody((await optionsWith(token)).publicKey, APP_ORIGIN);
        await setPolicy({ isSelfServiceRegistrationAllowed: false });
        expect(codeOf(await graph('POST', '/me/authentication/fido2Methods', token, body))).toBe(
          'PASSKEY_SELF_SERVICE_DISABLED',
        );
      } finally {
        await setPolicy({});
      }
      expect(await listPasskeys(server.ctx.db, a.id, user.id)).toHaveLength(1);
    });

    it('binds the challenge to the user, the session and this path: no other one takes it', async () => {
      const user = await newUser();
      const first = await signIn(user);
      const second = await signIn(user);
      const mine = await fido2MethodBody((await optionsWith(first.token)).publicKey, APP_ORIGIN);
      // Another session of the same user.
      expect(codeOf(await graph('POST', '/me/authentication/fido2Methods', second.token, mine))).toBe(
        'WEBAUTHN_CHALLENGE_UNKNOWN',
      );
      // Admin provisioning for that user.
      const res = await fetch(`${server.url}/graph/v1.0/users/${user.id}/authentication/fido2Methods`, {
        method: 'POST',
        headers: { authorization: `Bearer ${appToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(await fido2MethodBody((await optionsWith(first.token)).publicKey, server.url)),
      });
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('WEBAUTHN_CHALLENGE_UNKNOWN');
      // An admin's provisioning challenge, and the account page's, answered to /me.
      const adminOptions = (await (
        await fetch(`${server.url}/graph/v1.0/users/${user.id}/authentication/fido2Methods/creationOptions`, {
          headers: { authorization: `Bearer ${appToken}` },
        })
      ).json()) as { publicKey: Json };
      const fromAdmin = await fido2MethodBody(adminOptions.publicKey, APP_ORIGIN);
      expect(codeOf(await graph('POST', '/me/authentication/fido2Methods', first.token, fromAdmin))).toBe(
        'WEBAUTHN_CHALLENGE_UNKNOWN',
      );
      const sid = String(decodeJwt(first.token).signet_sid);
      const session = (await findLiveSession(server.ctx.db, a.id, sid, Date.now()))!;
      const fromPage = await fido2MethodBody(await beginPasskeyRegistration(server.ctx, a, session), server.url);
      expect(codeOf(await graph('POST', '/me/authentication/fido2Methods', first.token, fromPage))).toBe(
        'WEBAUTHN_CHALLENGE_UNKNOWN',
      );
      // And the page's ceremony does not take a /me challenge.
      const meOptions = await optionsWith(first.token);
      const credential = await new SoftAuthenticator().register(meOptions.publicKey as never, { origin: server.url });
      await expect(finishPasskeyRegistration(server.ctx, a, session, { credential })).rejects.toMatchObject({
        code: 'WEBAUTHN_CHALLENGE_UNKNOWN',
      });
      expect(await listPasskeys(server.ctx.db, a.id, user.id)).toHaveLength(0);
      // The first challenge is still the right session's to answer.
      expect((await graph('POST', '/me/authentication/fido2Methods', first.token, mine)).status).toBe(201);
    });

    it('names the malformed field of a body, never a 500', async () => {
      const user = await newUser();
      const { token } = await signIn(user);
      for (const [body, field] of [
        [{}, 'publicKeyCredential'],
        [
          { publicKeyCredential: { id: 'x', response: { clientDataJSON: 'x' } } },
          'publicKeyCredential.response.attestationObject',
        ],
      ] as const) {
        const r = await graph('POST', '/me/authentication/fido2Methods', token, body);
        expect([r.status, codeOf(r)]).toEqual([400, 'REQUEST_INVALID']);
        expect((r.body.error as { innerError: Json }).innerError.field).toBe(field);
      }
    });
  });

  describe('managing', () => {
    it("gets and renames (204) the user's own passkey, refusing what else a body carries by name", async () => {
      const user = await newUser();
      const { token } = await signIn(user);
      const id = String((await register(token)).body.id);
      const path = `/me/authentication/fido2Methods/${id}`;
      const got = await graph('GET', path, token);
      expect(got.body).toMatchObject({
        '@odata.context': `${server.url}/graph/v1.0/$metadata#users('${user.id}')/authentication/fido2Methods/$entity`,
        id,
        displayName: 'Phone',
      });
      const renamed = await graph('PATCH', path, token, { displayName: 'Work phone' });
      expect([renamed.status, renamed.body]).toEqual([204, undefined]);
      expect((await graph('GET', path, token)).body.displayName).toBe('Work phone');
      const cases: [Json, string, string][] = [
        [{ displayName: 'x', colour: 'red' }, 'GRAPH_PROPERTY_UNKNOWN', 'colour'],
        [
          { displayName: 'x', aaGuid: 'y', createdDateTime: 'z' },
          'GRAPH_PROPERTY_READ_ONLY',
          'aaGuid, createdDateTime',
        ],
        [{ publicKeyCredential: {} }, 'GRAPH_PROPERTY_READ_ONLY', 'publicKeyCredential'],
      ];
      for (const [body, code, properties] of cases) {
        const r = await graph('PATCH', path, token, body);
        expect([r.status, codeOf(r)]).toEqual([400, code]);
        expect((r.body.error as { innerError: Json }).innerError.properties).toBe(properties);
      }
      expect(codeOf(await graph('PATCH', path, token, {}))).toBe('REQUEST_INVALID');
      expect(codeOf(await graph('PATCH', path, token, { displayName: '  ' }))).toBe('PASSKEY_NAME_INVALID');
      expect((await graph('GET', path, token)).body.displayName).toBe('Work phone');
    });

    it("never reaches another user's passkey, nor another tenant's: each answers as a missing one", async () => {
      const owner = await newUser();
      const theirs = await addPasskey(server.ctx, a, owner.id);
      const user = await newUser();
      const { token } = await signIn(user);
      const userB = await newUser(b);
      const { token: tokenB } = await signIn(userB, SCOPE, b);
      for (const t of [token, tokenB]) {
        for (const [method, body] of [
          ['GET', undefined],
          ['PATCH', { displayName: 'Mine now' }],
          ['DELETE', undefined],
        ] as const) {
          const real = await graph(method, `/me/authentication/fido2Methods/${theirs}`, t, body);
          const absent = await graph(method, `/me/authentication/fido2Methods/${crypto.randomUUID()}`, t, body);
          expect(real.status, method).toBe(404);
          expect([absent.status, codeOf(absent)]).toEqual([real.status, codeOf(real)]);
        }
      }
      expect((await listPasskeys(server.ctx.db, a.id, owner.id)).map((p) => [p.id, p.displayName])).toEqual([
        [theirs, 'Walk key'],
      ]);
    });

    it("deletes (204) the user's passkey, signing out their other sessions and the apps' refresh tokens", async () => {
      const user = await newUser();
      const { token } = await signIn(user);
      const id = String((await register(token)).body.id);
      const elsewhere = await startSession(server.ctx, server.ctx.db, {
        tenantId: a.id,
        userId: user.id,
        method: 'passkey',
      });
      const { refreshToken } = await signIn(user);
      const r = await graph('DELETE', `/me/authentication/fido2Methods/${id}`, token);
      expect([r.status, r.body]).toEqual([204, undefined]);
      expect(await listPasskeys(server.ctx.db, a.id, user.id)).toHaveLength(0);
      expect(await findLiveSession(server.ctx.db, a.id, elsewhere.session.id, Date.now())).toBeUndefined();
      // The session the token came from stays.
      expect(await findLiveSession(server.ctx.db, a.id, String(decodeJwt(token).signet_sid), Date.now())).toBeDefined();
      const refreshed = await fetch(`${server.url}/${a.id}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: spa }),
      });
      expect(refreshed.status).toBe(400);
      expect(
        (await listAudits(server.ctx.db, a.id)).find((x) => x.targetId === id && x.activity === 'Delete passkey'),
      ).toMatchObject({ actorType: 'user', actorId: user.id });
    });

    it('deletes only after a strong sign-in within 5 minutes, as the account page does', async () => {
      const user = await newUser();
      const { token } = await signIn(user);
      const id = String((await register(token)).body.id);
      server.clock.offsetMs = 6 * MINUTE;
      try {
        const r = await graph('DELETE', `/me/authentication/fido2Methods/${id}`, token);
        expect([r.status, codeOf(r)]).toEqual([401, 'PASSKEY_STRONG_AUTH_REQUIRED']);
      } finally {
        server.clock.offsetMs = 0;
      }
      expect(await listPasskeys(server.ctx.db, a.id, user.id)).toHaveLength(1);
    });

    it('lets a user with no role manage their own passkeys with an .All scope too', async () => {
      const user = await newUser();
      await assignRole(server.ctx.db, a.id, user.id, 'Reports Reader');
      const { token } = await signIn(user, 'openid UserAuthMethod-Passkey.ReadWrite.All');
      expect((await register(token)).status).toBe(201);
      // …but not another user's through /users/{id}: that route needs an authentication administrator.
      const other = await newUser();
      const r = await graph('GET', `/users/${other.id}/authentication/fido2Methods`, token);
      expect([r.status, codeOf(r)]).toEqual([403, 'GRAPH_PERMISSION_DENIED']);
    });
  });

  describe('CORS', () => {
    it('answers a preflight from any origin: the methods and headers a page sends, no credentials', async () => {
      const res = await fetch(`${server.url}/graph/v1.0/me/authentication/fido2Methods`, {
        method: 'OPTIONS',
        headers: {
          origin: APP_ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, consistencylevel, client-request-id',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toMatch(/\bPOST\b.*\bPATCH\b.*\bDELETE\b/);
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
      expect(allowed).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'consistencylevel', 'client-request-id']),
      );
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    });

    it('lets the page read answers and their request ids, refusals included; nothing without an Origin', async () => {
      const user = await newUser();
      const { token } = await signIn(user);
      const ok = await fetch(`${server.url}/graph/v1.0/me`, {
        headers: { origin: APP_ORIGIN, authorization: `Bearer ${token}`, 'client-request-id': 'page-1' },
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe('*');
      expect(ok.headers.get('access-control-expose-headers')).toBe('request-id, client-request-id');
      expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
      expect(ok.headers.get('client-request-id')).toBe('page-1');
      const refused = await fetch(`${server.url}/graph/v1.0/me`, { headers: { origin: APP_ORIGIN } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('access-control-allow-origin')).toBe('*');
      const sameSite = await fetch(`${server.url}/graph/v1.0/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(sameSite.headers.get('access-control-allow-origin')).toBeNull();
      // A cookie is never what authorizes a Graph call, CORS or not.
      const cookie = await fetch(`${server.url}/graph/v1.0/me`, { headers: { origin: APP_ORIGIN, cookie: 'x=y' } });
      expect(cookie.status).toBe(401);
    });
  });
});
