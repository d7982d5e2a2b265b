// Red team of the admin API surfaces: each test is an attack an outsider or a low-privilege insider would try
// against $batch, /me, passkey provisioning, CORS on /graph and the token endpoint, several client secrets per
// app, signing-key retirement and stored passwords — and shows, with a real server, real tokens and both
// engines, what the attacker gets: a refusal with its code, and nothing of what they were after.
import { randomBytes } from 'node:crypto';
import { decodeJwt, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/authorization.ts';
import { KEY_RETIREMENT_DELAY_MS } from '../../src/core/signing-key-schedule.ts';
import { addAppPassword, CLIENT_SECRET_IN_STORE, deleteDirectoryApp, removeAppPassword } from '../../src/flows/apps.ts';
import { hashSecret } from '../../src/flows/context.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { purgeExpired } from '../../src/flows/maintenance.ts';
import { beginGraphRegistration } from '../../src/flows/provision-passkey.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { loadPrivateJwks, rotateSigningKeys } from '../../src/flows/signing-keys.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { sessionCookieName } from '../../src/http/session-cookie.ts';
import { insertAppSecret, listAppSecrets } from '../../src/store/apps.ts';
import { listAudits } from '../../src/store/logs.ts';
import { listPasskeys } from '../../src/store/passkeys.ts';
import { findPasswordCredential } from '../../src/store/password-credentials.ts';
import { deleteRoleAssignment } from '../../src/store/role-assignments.ts';
import { findLiveSession } from '../../src/store/sessions.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { assignRole, type User } from '../../src/store/users.ts';
import { CookieClient } from '../support/browserless.ts';
import { authorizationCode } from '../support/code-flow.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens } from '../support/graph.ts';
import { errorCode as codeOf, appToken as graphAppToken, graphClient } from '../support/graph-client.ts';
import { fido2MethodBody } from '../support/provisioning-fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

type Json = Record<string, unknown>;
type Answer = { id: string; status: number; headers: Record<string, string>; body?: Json };
const APP_ORIGIN = 'http://localhost:5931';
const OTHER_APP_ORIGIN = 'http://localhost:5932';
const SELF_SCOPE = 'openid profile offline_access User.Read UserAuthenticationMethod.ReadWrite';
const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';

describe.each(engines)('admin API attacks on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  /** Public client whose page (APP_ORIGIN) runs passkey ceremonies; another one on OTHER_APP_ORIGIN. */
  let spa: string;
  let otherSpa: string;
  let spaB: string;
  /** App tokens of tenant A: users read only; passkey provisioning; users write; audit read. */
  let reader: string;
  let provisioner: string;
  let writer: string;
  let auditReader: string;
  let provisionerB: string;
  /** The tenant's application the low-privilege tokens try to reach. */
  let secretApp: string;
  const logLines: string[] = [];

  const appToken = async (t: Tenant, permissions: string[]) =>
    (await graphAppToken(server, t, permissions, { name: `attack-${permissions.join('-')}`, scope: GRAPH_DEFAULT }))
      .token;

  beforeAll(async () => {
    server = await startTestServer(engine, {}, undefined, {
      logger: true,
      logStream: { write: (l: string) => logLines.push(l) },
    });
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    const redirectUris = [`${server.url}/cb`, `${APP_ORIGIN}/callback`];
    spa = (await createApp(server.ctx, a, { name: 'Passkeys page', redirectUris, publicClient: true })).app.id;
    otherSpa = (
      await createApp(server.ctx, a, {
        name: 'Other page',
        redirectUris: [`${server.url}/cb`, `${OTHER_APP_ORIGIN}/callback`],
        publicClient: true,
      })
    ).app.id;
    spaB = (await createApp(server.ctx, b, { name: 'B page', redirectUris, publicClient: true })).app.id;
    reader = await appToken(a, ['User.Read.All']);
    provisioner = await appToken(a, ['UserAuthMethod-Passkey.ReadWrite.All']);
    writer = await appToken(a, ['User.ReadWrite.All']);
    auditReader = await appToken(a, ['AuditLog.Read.All']);
    provisionerB = await appToken(b, ['UserAuthMethod-Passkey.ReadWrite.All']);
    secretApp = (
      await createApp(server.ctx, a, {
        name: 'Crown jewels',
        redirectUris: [],
        publicClient: false,
        permissions: ['User.ReadWrite.All'],
      })
    ).app.id;
  });
  afterAll(() => server?.close());

  let n = 0;
  const newUser = (t: Tenant = a) =>
    createUser(server.ctx, t, { userPrincipalName: `x${++n}-${randomBytes(3).toString('hex')}@${t.slug}.com` });
  /** The user signs in to `client` with a Temporary Access Pass: the token response. */
  async function signIn(user: User, scope = SELF_SCOPE, t: Tenant = a, client = t === a ? spa : spaB) {
    const { pass } = await issueTap(server.ctx, t, user, { oneTime: false, actor: { type: 'system', id: null } });
    const r = await authorizationCodeTokens(server, t, { id: client }, { upn: user.userPrincipalName, pass }, scope);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return { token: String(r.body.access_token), idToken: String(r.body.id_token) };
  }
  const client = graphClient<Json>(() => server);
  const graph = (
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => client(method, path, { token, body, headers });
  const batch = async (token: string, requests: unknown[], version = 'v1.0') => {
    const res = await fetch(`${server.url}/graph/${version}/$batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requests }),
    });
    const text = await res.text();
    const body = JSON.parse(text) as Json & { responses?: Answer[] };
    return { status: res.status, text, body, answers: body.responses ?? [] };
  };
  const passkeysOf = async (t: Tenant, user: User) => (await listPasskeys(server.ctx.db, t.id, user.id)).length;
  /** Registers a passkey through /me from `origin`'s page (options, the ceremony, the POST): the POST's answer. */
  const registerAtMe = async (token: string, origin = APP_ORIGIN) => {
    const options = await graph('GET', '/me/authentication/fido2Methods/creationOptions', token);
    const body = await fido2MethodBody((options.body as { publicKey: Json }).publicKey, origin);
    return graph('POST', '/me/authentication/fido2Methods', token, body);
  };

  describe('$batch', () => {
    it('reaches no route its token cannot through path tricks: encodings, //, dot segments, case, versions, hosts', async () => {
      // The control: the reader's token reads users, in a batch as alone, and is refused the applications.
      const control = await batch(reader, [
        { id: 'u', method: 'GET', url: '/users' },
        { id: 'apps', method: 'GET', url: '/applications' },
      ]);
      expect(control.answers.map((r) => r.status)).toEqual([200, 403]);
      const urls = [
        '/applications/',
        '/Applications',
        '/APPLICATIONS',
        'applications?',
        '//applications',
        '///applications',
        '/users/../applications',
        '/users/%2e%2e/applications',
        '/users/.%2E/applications',
        '/users%2f..%2fapplications',
        '/users%2F%2E%2E%2Fapplications',
        '/users/..%5capplications',
        '/users/%252e%252e/applications',
        '/v1.0/../beta/applications',
        '/v1.0/%2e%2e/beta/applications',
        '/beta/applications',
        '/graph/beta/applications',
        '/graph/v1.0/../v1.0/applications',
        '/graph/applications',
        `/applications/${secretApp}`,
        `/applications(appId='${secretApp}')`,
        `/%61pplications/${secretApp}`,
        `/applications%2F${secretApp}`,
        `/applications;/${secretApp}`,
        `/applications/${secretApp}?$select=displayName`,
        `/users#/../applications/${secretApp}`,
        `/users\\..\\applications/${secretApp}`,
        `/users\t/../applications`,
        `/users%00/../applications`,
        `${server.url}/graph/v1.0/applications/${secretApp}`,
        `${server.url}/graph/v1.0/../beta/applications`,
        `${server.url.replace('http:', 'HTTP:')}/graph/v1.0/applications`,
        `${server.url.replace('//', '//evil@')}/graph/v1.0/applications`,
        `http://evil.example/graph/v1.0/applications/${secretApp}`,
        `http://localhost.evil.example:${new URL(server.url).port}/graph/v1.0/applications`,
        `//evil.example/graph/v1.0/applications`,
        `/$batch`,
        `/%24batch`,
        `/%24BATCH`,
        `/../$batch`,
        `/users/../../${a.id}/oauth2/v2.0/token`,
        `/users/%2e%2e/%2e%2e/${a.id}/oauth2/v2.0/token`,
        '/../metrics',
      ];
      for (const url of urls) {
        const r = await batch(reader, [{ id: '1', method: 'GET', url }]);
        // Refused whole (400 with a batch code) or inner refused: never the applications, never a 2xx or a 500.
        const statuses = r.status === 200 ? r.answers.map((x) => x.status) : [r.status];
        expect(
          statuses.every((s) => s >= 400 && s < 500),
          `${url}: ${r.text}`,
        ).toBe(true);
        expect(r.text, url).not.toContain('Crown jewels');
        expect(r.text, url).not.toContain('"appId"');
        if (r.status !== 200) expect(codeOf(r), url).toMatch(/^GRAPH_BATCH_/);
      }
      // A path smuggled in the query stays query: the request is the users list the reader may read.
      for (const url of [
        `/users?$filter=x&u=/../../applications/${secretApp}`,
        `/users?/../applications/${secretApp}`,
      ]) {
        const r = await batch(reader, [{ id: '1', method: 'GET', url }]);
        expect(r.text, url).not.toContain('Crown jewels');
        const answer = r.answers[0];
        if (answer?.status === 200) expect(answer.body?.['@odata.context'], url).toMatch(/#users$/);
        else expect(r.status === 400 || (answer?.status ?? 0) >= 400, url).toBe(true);
      }
    });

    it('lets no inner request change who it is: Authorization, Cookie, Host, forwarding headers, the inner marker', async () => {
      const user = await newUser();
      const { token: userToken } = await signIn(user);
      const session = await startSession(server.ctx, server.ctx.db, {
        tenantId: a.id,
        userId: user.id,
        method: 'temporaryAccessPass',
      });
      const stolen: Record<string, string> = {
        Authorization: `Bearer ${writer}`,
        authorization: `Bearer ${writer}`,
        AUTHORIZATION: `Bearer ${userToken}`,
        Cookie: `${sessionCookieName(server.ctx.config, a)}=${session.token}`,
        Host: 'evil.example',
        'X-Forwarded-For': '10.0.0.1',
        'X-Forwarded-Host': 'evil.example',
        'X-Forwarded-Proto': 'https',
        'X-Real-IP': '10.0.0.1',
        Forwarded: 'for=10.0.0.1;host=evil.example',
        'signet-batch-inner': '1',
        'Transfer-Encoding': 'chunked',
        'Content-Length': '0',
      };
      for (const [name, value] of Object.entries(stolen)) {
        const r = await batch(reader, [
          {
            id: '1',
            method: 'POST',
            url: '/users',
            headers: { [name]: value, 'Content-Type': 'application/json' },
            body: {},
          },
        ]);
        expect([r.status, codeOf(r)], `${name}: ${r.text}`).toEqual([400, 'GRAPH_BATCH_MALFORMED']);
      }
      // Header values cannot smuggle a second header (CR/LF), and a name cannot carry a colon or space.
      for (const headers of [
        { ConsistencyLevel: 'eventual\r\nAuthorization: Bearer x' },
        { 'Authorization:': 'x' },
        { 'X Y': 'z' },
      ]) {
        const r = await batch(reader, [{ id: '1', method: 'GET', url: '/users', headers }]);
        expect([r.status, codeOf(r)], JSON.stringify(headers)).toEqual([400, 'GRAPH_BATCH_MALFORMED']);
      }
      // Headers an inner request may set change nothing of who it is: the reader still cannot write or reach /me,
      // and a method override is not honoured.
      const r = await batch(reader, [
        {
          id: 'me',
          method: 'GET',
          url: '/me',
          headers: { ConsistencyLevel: 'eventual', 'X-MS-Client-Principal': user.id },
        },
        {
          id: 'override',
          method: 'GET',
          url: `/users/${user.id}`,
          headers: { 'X-HTTP-Method-Override': 'DELETE', 'X-HTTP-Method': 'DELETE' },
        },
        {
          id: 'write',
          method: 'PATCH',
          url: `/users/${user.id}`,
          headers: { 'Content-Type': 'application/json', Origin: server.url, 'X-Original-URL': '/me' },
          body: { displayName: 'Owned' },
        },
      ]);
      expect(r.answers.map((x) => [x.id, x.status])).toEqual([
        ['me', 403],
        ['override', 200],
        ['write', 403],
      ]);
      const still = await graph('GET', `/users/${user.id}`, reader);
      expect([still.status, still.body.displayName]).toEqual([200, user.displayName]);
    });

    it('refuses a body over the limit and 21 requests with a code, and dependsOn does not run a request twice', async () => {
      const huge = 'x'.repeat(2 * 1024 * 1024);
      const big = await fetch(`${server.url}/graph/v1.0/$batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          requests: [
            {
              id: '1',
              method: 'POST',
              url: '/users',
              headers: { 'content-type': 'application/json' },
              body: { displayName: huge },
            },
          ],
        }),
      });
      const bigText = await big.text();
      expect(big.status, bigText).toBe(413);
      expect(JSON.parse(bigText).error.code).toMatch(/^[A-Z_]+$/);
      const many = await batch(
        reader,
        Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users' })),
      );
      expect([many.status, codeOf(many)]).toEqual([400, 'GRAPH_BATCH_LIMIT_EXCEEDED']);
      // A chain whose first request fails: one request ran, the 19 others answer 424 without running.
      const before = (await listAudits(server.ctx.db, a.id)).length;
      const upn = `chain-${randomBytes(3).toString('hex')}@contoso.com`;
      const chain = await batch(writer, [
        { id: '0', method: 'GET', url: '/applications' },
        ...Array.from({ length: 19 }, (_, i) => ({
          id: String(i + 1),
          method: 'POST',
          url: '/users',
          dependsOn: Array.from({ length: i + 1 }, (_, j) => String(j)),
          headers: { 'content-type': 'application/json' },
          body: { userPrincipalName: `${i}${upn}`, displayName: 'Chain', accountEnabled: true, mailNickname: 'c' },
        })),
      ]);
      expect(chain.answers.map((x) => x.status)).toEqual([403, ...Array(19).fill(424)]);
      expect((await listAudits(server.ctx.db, a.id)).length).toBe(before);
    });

    it('answers odd inner requests with a client error, never a 500', async () => {
      const user = await newUser();
      const odd: { method: string; url: string; headers?: Record<string, string>; body?: unknown }[] = [
        { method: 'GET', url: '/users?$filter=%' },
        { method: 'GET', url: '/users?$filter=%zz&$top=-1' },
        { method: 'GET', url: '/users?$top=99999999999999999999999' },
        { method: 'GET', url: `/users?$filter=${'startswith(displayName,%27a%27)%20or%20'.repeat(200)}true` },
        { method: 'GET', url: `/users/${'%41'.repeat(1000)}` },
        { method: 'GET', url: '/users/%ff' },
        { method: 'GET', url: '/users/%c0%ae%c0%ae/x' },
        {
          method: 'POST',
          url: '/users',
          headers: { 'content-type': 'text/plain' },
          body: Buffer.from('{}').toString('base64'),
        },
        {
          method: 'POST',
          url: '/users',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: Buffer.from('a=b').toString('base64'),
        },
        { method: 'POST', url: '/users', headers: { 'content-type': 'application/json; charset=utf-16' }, body: {} },
        { method: 'POST', url: '/users', headers: { 'content-type': 'application/json' }, body: 'a string' },
        { method: 'POST', url: '/users', headers: { 'content-type': 'application/json' }, body: [1, 2] },
        { method: 'POST', url: '/users', headers: { 'content-type': 'application/json' }, body: null },
        {
          method: 'PATCH',
          url: `/users/${user.id}`,
          headers: { 'content-type': 'application/json' },
          body: { ['__proto__']: { accountEnabled: false } },
        },
        {
          method: 'PATCH',
          url: `/users/${user.id}`,
          headers: { 'content-type': 'application/json' },
          body: { constructor: { prototype: { x: 1 } } },
        },
        {
          method: 'GET',
          url: '/users',
          headers: { 'accept-encoding': 'gzip', accept: 'text/html', 'content-type': 'application/json' },
        },
        { method: 'PUT', url: `/users/${user.id}`, headers: { 'content-type': 'application/json' }, body: {} },
        { method: 'DELETE', url: '/users', headers: { 'if-match': '*' } },
      ];
      for (const [i, req] of odd.entries()) {
        const r = await batch(writer, [{ id: String(i), ...req }]);
        const statuses = r.status === 200 ? r.answers.map((x) => x.status) : [r.status];
        expect(
          statuses.every((s) => s < 500),
          `${JSON.stringify(req).slice(0, 200)}: ${r.text.slice(0, 400)}`,
        ).toBe(true);
        if (req.method !== 'GET')
          expect(
            statuses.every((s) => s >= 400),
            `${req.method} ${req.url}: ${r.text.slice(0, 300)}`,
          ).toBe(true);
      }
      const still = await graph('GET', `/users/${user.id}?$select=accountEnabled`, reader);
      expect([still.status, still.body.accountEnabled]).toEqual([200, true]);
    });

    it('refuses deeply nested bodies, in a batch or alone, as a client error before anything runs', async () => {
      const before = (await listAudits(server.ctx.db, a.id)).length;
      for (const depth of [1000, 10_000, 100_000]) {
        const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
        const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
        const bodies = [
          [
            '/$batch',
            `{"requests":[{"id":"1","method":"POST","url":"/users","headers":{"content-type":"application/json"},"body":${deep}}]}`,
          ],
          ['/users', `{"displayName":${deep}}`],
          ['/users', `{"passwordProfile":${nested}}`],
        ];
        for (const [path, body] of bodies) {
          const res = await fetch(`${server.url}/graph/v1.0${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
            body,
          });
          const text = await res.text();
          expect([400, 413], `${path} ${depth}: ${text.slice(0, 200)}`).toContain(res.status);
          expect(JSON.parse(text).error.code).toMatch(/^(REQUEST_INVALID|REQUEST_TOO_LARGE)$/);
        }
      }
      expect((await listAudits(server.ctx.db, a.id)).length).toBe(before);
    });

    it('runs an expensive request at most 20 times per batch and answers each', async () => {
      const r = await batch(
        reader,
        Array.from({ length: 20 }, (_, i) => ({
          id: String(i),
          method: 'GET',
          url: '/users?$filter=startswith(displayName,%27zz%27)&$count=true',
          headers: { ConsistencyLevel: 'eventual' },
        })),
      );
      expect(r.status).toBe(200);
      expect(r.answers).toHaveLength(20);
      expect(r.answers.every((x) => x.status === 200)).toBe(true);
    });
  });

  describe('/me', () => {
    it('has nothing for an app token, and a forged tid or oid does not move a token to another tenant or user', async () => {
      for (const path of ['/me', '/me/authentication/methods', '/me/authentication/fido2Methods/creationOptions']) {
        const r = await graph('GET', path, provisioner);
        expect([r.status, codeOf(r)], path).toEqual([403, 'GRAPH_PERMISSION_DENIED']);
      }
      const alice = await newUser();
      const bob = await newUser(b);
      const { token } = await signIn(alice);
      const claims = decodeJwt(token);
      const sign = async (payload: Json, t: Tenant) => {
        const jwk = (await loadPrivateJwks(server.ctx, t.id)).find((k) => k.alg === 'RS256')!;
        return new SignJWT(payload)
          .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid! })
          .sign(await importJWK(jwk, 'RS256'));
      };
      // Tenant B in the claims, signed with tenant A's key (what an attacker holding an A token cannot even do).
      const forged = [
        await sign({ ...claims, tid: b.id }, a),
        await sign({ ...claims, tid: b.id, iss: `${server.url}/${b.id}/v2.0` }, a),
        // B's key, A's user: the tenant is B's and A's user is not in it.
        await sign({ ...claims, tid: b.id, iss: `${server.url}/${b.id}/v2.0` }, b),
        // A's issuer with a B user's oid but not sub, and an unsigned token.
        await sign({ ...claims, oid: bob.id }, a),
        `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, oid: bob.id, sub: bob.id })).toString('base64url')}.`,
      ];
      for (const f of forged) {
        const r = await graph('GET', '/me', f);
        expect(r.status, r.text).toBe(401);
        expect(r.text).not.toContain(bob.userPrincipalName);
        expect(r.text).not.toContain(alice.userPrincipalName);
      }
    });

    it("stops a deleted app's users' tokens at once, as its own app-only tokens", async () => {
      const user = await newUser();
      const doomed = await createApp(server.ctx, a, {
        name: 'Doomed page',
        redirectUris: [`${server.url}/cb`],
        publicClient: true,
      });
      const { token } = await signIn(user, SELF_SCOPE, a, doomed.app.id);
      expect((await graph('GET', '/me', token)).status).toBe(200);
      await deleteDirectoryApp(
        server.ctx,
        a,
        { kind: 'application', tenantId: a.id, appId: 'x', roles: [] },
        doomed.app.id,
      );
      for (const path of [
        '/me',
        '/me/authentication/fido2Methods',
        '/me/authentication/fido2Methods/creationOptions',
      ]) {
        const r = await graph('GET', path, token);
        expect([r.status, codeOf(r)], path).toEqual([401, 'GRAPH_TOKEN_INVALID']);
      }
    });

    it("does not let a token's signet_sid name another user's session", async () => {
      const alice = await newUser();
      const mallory = await newUser();
      const { token: aliceToken } = await signIn(alice);
      const { token } = await signIn(mallory);
      const claims = decodeJwt(token);
      // Even a token signed with the tenant's key (a server bug, not an attacker) carrying Alice's session gives
      // Mallory no strong sign-in: the session must be the token user's own.
      const jwk = (await loadPrivateJwks(server.ctx, a.id)).find((k) => k.alg === 'RS256')!;
      const forged = await new SignJWT({ ...claims, signet_sid: decodeJwt(aliceToken).signet_sid })
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid! })
        .sign(await importJWK(jwk, 'RS256'));
      const r = await graph('GET', '/me/authentication/fido2Methods/creationOptions', forged);
      expect([r.status, codeOf(r)]).toEqual([401, 'PASSKEY_STRONG_AUTH_REQUIRED']);
    });

    it("registers nothing from another user's, another path's, another tenant's or the account page's challenge", async () => {
      const alice = await newUser();
      const mallory = await newUser();
      const { token: aliceToken } = await signIn(alice);
      const { token: malloryToken } = await signIn(mallory);
      const aliceSession = (await findLiveSession(
        server.ctx.db,
        a.id,
        String(decodeJwt(aliceToken).signet_sid),
        Date.now(),
      ))!;
      const meOptions = async (token: string) => {
        const r = await graph('GET', '/me/authentication/fido2Methods/creationOptions', token);
        expect(r.status, r.text).toBe(200);
        return (r.body as { publicKey: Json }).publicKey;
      };
      const post = async (path: string, token: string, publicKey: unknown, origin = APP_ORIGIN) =>
        graph('POST', path, token, await fido2MethodBody(publicKey, origin, { displayName: 'Mine now' }));
      const refused = (r: { status: number; body?: Json; text: string }, what: string) =>
        expect([r.status, codeOf(r)], `${what}: ${r.text}`).toEqual([400, 'WEBAUTHN_CHALLENGE_UNKNOWN']);

      // Alice's /me challenge answered by Mallory at /me.
      refused(await post('/me/authentication/fido2Methods', malloryToken, await meOptions(aliceToken)), 'other user');
      // An admin's provisioning challenge for Mallory, answered by Mallory at /me (skipping the registration gate).
      const app: Principal = { kind: 'application', tenantId: a.id, appId: 'x', roles: [] };
      const provisioning = await beginGraphRegistration(
        server.ctx,
        a,
        { kind: 'admin', by: app, userKey: mallory.id },
        5,
      );
      refused(await post('/me/authentication/fido2Methods', malloryToken, provisioning.options), 'provisioning → /me');
      // Mallory's /me challenge answered at the provisioning route by an app.
      refused(
        await post(
          `/users/${mallory.id}/authentication/fido2Methods`,
          provisioner,
          await meOptions(malloryToken),
          server.url,
        ),
        '/me → provisioning',
      );
      // Alice's account-page challenge answered at /me, and her /me challenge at the account page.
      const page = await beginPasskeyRegistration(server.ctx, a, aliceSession);
      refused(await post('/me/authentication/fido2Methods', aliceToken, page), 'account page → /me');
      const answer = await new SoftAuthenticator().register((await meOptions(aliceToken)) as never, {
        origin: server.url,
      });
      await expect(
        finishPasskeyRegistration(server.ctx, a, aliceSession, { credential: answer }),
      ).rejects.toMatchObject({
        code: 'WEBAUTHN_CHALLENGE_UNKNOWN',
      });
      // Tenant B's user's /me challenge answered in tenant A by Mallory, and by B's user at A's provisioning route.
      const bob = await newUser(b);
      const { token: bobToken } = await signIn(bob, SELF_SCOPE, b);
      const bobOptions = await meOptions(bobToken);
      refused(await post('/me/authentication/fido2Methods', malloryToken, bobOptions), 'tenant B → tenant A');
      const bProvisioning = await beginGraphRegistration(server.ctx, b, { kind: 'admin', by: app, userKey: bob.id }, 5);
      const crossTenant = await post(
        `/users/${bob.id}/authentication/fido2Methods`,
        provisioner,
        bProvisioning.options,
        server.url,
      );
      expect([crossTenant.status, codeOf(crossTenant)]).toEqual([404, 'GRAPH_RESOURCE_NOT_FOUND']);
      expect([await passkeysOf(a, alice), await passkeysOf(a, mallory), await passkeysOf(b, bob)]).toEqual([0, 0, 0]);
      // The control: Alice's own challenge at /me from the app's page registers.
      const ok = await post('/me/authentication/fido2Methods', aliceToken, await meOptions(aliceToken));
      expect(ok.status, ok.text).toBe(201);
    });

    it('refuses origins that only look like the app’s, and the origin of an app the token was not issued to', async () => {
      const user = await newUser();
      const { token } = await signIn(user);
      const port = new URL(APP_ORIGIN).port;
      const lookalikes = [
        `http://localhost:${port}.evil.com`,
        `http://localhost.evil.com:${port}`,
        `http://evil.com#localhost:${port}`,
        `http://LOCALHOST:${port}`,
        `HTTP://localhost:${port}`,
        `http://localhost:${port}/`,
        `http://localhost:0${port}`,
        `http://localhost:${Number(port) + 1}`,
        `https://localhost:${port}`,
        `http://user@localhost:${port}`,
        `http://localhost:${port}@evil.com`,
        `http://xn--localhost-.com:${port}`,
        `http://lоcalhost:${port}`,
        `http://127.0.0.1:${port}`,
        'null',
        '',
        OTHER_APP_ORIGIN,
      ];
      for (const origin of lookalikes) {
        const r = await registerAtMe(token, origin);
        expect(r.status, `${origin}: ${r.text}`).toBe(400);
        expect(codeOf(r), origin).toMatch(
          origin === ''
            ? /^WEBAUTHN_RESPONSE_MALFORMED$/
            : /^(GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED|WEBAUTHN_ORIGIN_MISMATCH)$/,
        );
      }
      // A token the other page got: its origin registers, the first page's does not.
      const { token: other } = await signIn(user, SELF_SCOPE, a, otherSpa);
      const fromFirst = await registerAtMe(other, APP_ORIGIN);
      expect([fromFirst.status, codeOf(fromFirst)]).toEqual([400, 'GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED']);
      expect(await passkeysOf(a, user)).toBe(0);
      const fromOwn = await registerAtMe(other, OTHER_APP_ORIGIN);
      expect(fromOwn.status, fromOwn.text).toBe(201);
    });

    it("cannot read, rename or delete another user's passkey, in its tenant or another", async () => {
      const alice = await newUser();
      const mallory = await newUser();
      const bob = await newUser(b);
      const { token: aliceToken } = await signIn(alice);
      const ok = await registerAtMe(aliceToken);
      expect(ok.status, ok.text).toBe(201);
      const { token: bobToken } = await signIn(bob, SELF_SCOPE, b);
      const bobKey = await registerAtMe(bobToken);
      expect(bobKey.status, bobKey.text).toBe(201);
      const { token } = await signIn(mallory);
      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { displayName: 'Owned' }],
        ['DELETE', undefined],
      ] as const) {
        // Another user's passkey, here or in another tenant, answers exactly as one that does not exist.
        const missing = await graph(method, `/me/authentication/fido2Methods/${server.ctx.newId()}`, token, body);
        expect(missing.status, method).toBe(404);
        for (const id of [String(ok.body.id), String(bobKey.body.id)]) {
          const r = await graph(method, `/me/authentication/fido2Methods/${id}`, token, body);
          expect([r.status, codeOf(r)], `${method} ${id}`).toEqual([404, codeOf(missing)]);
        }
      }
      expect(await passkeysOf(a, alice)).toBe(1);
      expect((await listPasskeys(server.ctx.db, a.id, alice.id))[0]!.displayName).toBe('Passkey');
    });

    it("gives an app signed in silently (SSO) no passkey registration on the strength of another app's sign-in", async () => {
      const user = await newUser();
      const { pass } = await issueTap(server.ctx, a, user, { oneTime: false, actor: { type: 'system', id: null } });
      const browser = new CookieClient(server.url);
      const redirectUri = `${server.url}/cb`;
      const tokenOf = async (clientId: string, prompt?: string) => {
        const c = await authorizationCode(
          server,
          a,
          {
            clientId,
            redirectUri,
            scope: SELF_SCOPE,
            upn: user.userPrincipalName,
            pass,
            ...(prompt ? { prompt } : {}),
          },
          browser,
        );
        const res = await fetch(`${server.url}/${a.id}/oauth2/v2.0/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code: c.code,
            code_verifier: c.verifier,
            redirect_uri: redirectUri,
            client_id: clientId,
          }),
        });
        expect(res.status).toBe(200);
        return String(((await res.json()) as Json).access_token);
      };
      const register = async (token: string, origin: string) => {
        const options = await graph('GET', '/me/authentication/fido2Methods/creationOptions', token);
        if (options.status !== 200) return options;
        const body = await fido2MethodBody((options.body as { publicKey: Json }).publicKey, origin);
        return graph('POST', '/me/authentication/fido2Methods', token, body);
      };
      // The user signs in (strongly, just now) to the first app; the second app's page, opened in the same
      // browser, gets a token without the user doing anything (prompt=none, or plain SSO).
      const first = await tokenOf(spa);
      expect(decodeJwt(first).signet_sid).toEqual(expect.any(String));
      // The first app itself, signed in again silently, still has the sign-in the user made for it.
      expect(decodeJwt(await tokenOf(spa, 'none')).signet_sid).toBe(decodeJwt(first).signet_sid);
      for (const prompt of ['none', undefined]) {
        const silent = await tokenOf(otherSpa, prompt);
        expect(decodeJwt(silent).signet_sid, String(prompt)).toBeUndefined();
        const r = await register(silent, OTHER_APP_ORIGIN);
        expect([r.status, codeOf(r)], String(prompt)).toEqual([401, 'PASSKEY_STRONG_AUTH_REQUIRED']);
      }
      expect(await passkeysOf(a, user)).toBe(0);
      // Nor delete one: the passkey the first app registered stays.
      const own = await register(first, APP_ORIGIN);
      expect(own.status, own.text).toBe(201);
      const silent = await tokenOf(otherSpa, 'none');
      const del = await graph('DELETE', `/me/authentication/fido2Methods/${String(own.body.id)}`, silent);
      expect([del.status, codeOf(del)]).toEqual([401, 'PASSKEY_STRONG_AUTH_REQUIRED']);
      expect(await passkeysOf(a, user)).toBe(1);
      // A sign-in the user makes for the second app (prompt=login) lets it register; that new sign-in was not
      // made for the first app, which signed in silently after it has none.
      const fresh = await tokenOf(otherSpa, 'login');
      expect((await register(fresh, OTHER_APP_ORIGIN)).status).toBe(201);
      expect(decodeJwt(await tokenOf(spa, 'none')).signet_sid).toBeUndefined();
    });

    it('gives a user without a role no way around the registration gate through the provisioning routes', async () => {
      const user = await newUser();
      const { token } = await signIn(
        user,
        'openid UserAuthenticationMethod.ReadWrite.All UserAuthMethod-Passkey.ReadWrite.All',
      );
      for (const path of [
        `/users/${user.id}/authentication/fido2Methods/creationOptions`,
        `/users/${user.id}/authentication/fido2Methods/creationOptions(challengeTimeoutInMinutes=43200)`,
      ]) {
        const r = await graph('GET', path, token);
        expect([r.status, codeOf(r)], path).toEqual([403, 'GRAPH_PERMISSION_DENIED']);
      }
      const viaBatch = await batch(token, [
        { id: '1', method: 'GET', url: `/users/${user.id}/authentication/fido2Methods/creationOptions` },
      ]);
      expect(viaBatch.answers.map((x) => x.status)).toEqual([403]);
    });
  });

  describe('provisioning', () => {
    it('keeps privileged users out of reach of an Authentication Administrator and of apps, alone or batched', async () => {
      const admin = await newUser();
      await assignRole(server.ctx.db, a.id, admin.id, 'Authentication Administrator');
      const globalAdmin = await newUser();
      await assignRole(server.ctx.db, a.id, globalAdmin.id, 'Global Administrator');
      const ordinary = await newUser();
      const { token } = await signIn(admin, 'openid UserAuthenticationMethod.ReadWrite.All');
      const path = (u: User) => `/users/${u.id}/authentication/fido2Methods/creationOptions`;
      expect((await graph('GET', path(ordinary), token)).status).toBe(200);
      for (const t of [token, provisioner]) {
        const alone = await graph('GET', path(globalAdmin), t);
        expect([alone.status, codeOf(alone)]).toEqual([403, 'GRAPH_PERMISSION_DENIED']);
        const byUpn = await graph(
          'GET',
          `/users/${encodeURIComponent(globalAdmin.userPrincipalName.toUpperCase())}/authentication/fido2Methods/creationOptions`,
          t,
        );
        expect(byUpn.status).toBe(403);
        const batched = await batch(t, [{ id: '1', method: 'GET', url: path(globalAdmin) }]);
        expect(batched.answers.map((x) => x.status)).toEqual([403]);
      }
      // A challenge issued while the target was ordinary does not finish once they hold a role.
      const later = await newUser();
      const options = (await graph('GET', path(later), provisioner)).body as { publicKey: Json };
      await assignRole(server.ctx.db, a.id, later.id, 'Reports Reader');
      const r = await graph(
        'POST',
        `/users/${later.id}/authentication/fido2Methods`,
        provisioner,
        await fido2MethodBody(options.publicKey, server.url),
      );
      expect([r.status, codeOf(r)]).toEqual([403, 'GRAPH_PERMISSION_DENIED']);
      expect([await passkeysOf(a, globalAdmin), await passkeysOf(a, later)]).toEqual([0, 0]);
    });

    it('stops honouring a role at once when it is removed, though the token still carries it in wids', async () => {
      const admin = await newUser();
      await assignRole(server.ctx.db, a.id, admin.id, 'Privileged Authentication Administrator');
      const globalAdmin = await newUser();
      await assignRole(server.ctx.db, a.id, globalAdmin.id, 'Global Administrator');
      const { token } = await signIn(admin, 'openid UserAuthenticationMethod.ReadWrite.All User.Read.All');
      const path = `/users/${globalAdmin.id}/authentication/fido2Methods/creationOptions`;
      expect((await graph('GET', path, token)).status).toBe(200);
      expect((await graph('GET', '/users', token)).status).toBe(200);
      expect(await deleteRoleAssignment(server.ctx.db, a.id, admin.id, 'Privileged Authentication Administrator')).toBe(
        true,
      );
      expect(decodeJwt(token).wids).toHaveLength(1);
      for (const p of [path, '/users', `/users/${globalAdmin.id}/authentication/methods`]) {
        const r = await graph('GET', p, token);
        expect([r.status, codeOf(r)], p).toEqual([403, 'GRAPH_PERMISSION_DENIED']);
      }
      const batched = await batch(token, [{ id: '1', method: 'GET', url: path }]);
      expect(batched.answers.map((x) => x.status)).toEqual([403]);
      // What the user does hold still counts: a role given back works with the same token.
      await assignRole(server.ctx.db, a.id, admin.id, 'Privileged Authentication Administrator');
      expect((await graph('GET', path, token)).status).toBe(200);
    });

    it("registers nothing from an account page's challenge at the provisioning route, nor the reverse, nor a look-alike origin", async () => {
      const user = await newUser();
      const { session } = await startSession(server.ctx, server.ctx.db, {
        tenantId: a.id,
        userId: user.id,
        method: 'temporaryAccessPass',
      });
      const page = await beginPasskeyRegistration(server.ctx, a, session);
      const r = await graph(
        'POST',
        `/users/${user.id}/authentication/fido2Methods`,
        provisioner,
        await fido2MethodBody(page, server.url),
      );
      expect([r.status, codeOf(r)]).toEqual([400, 'WEBAUTHN_CHALLENGE_UNKNOWN']);
      const options = (await graph('GET', `/users/${user.id}/authentication/fido2Methods/creationOptions`, provisioner))
        .body as { publicKey: Json };
      const answer = await new SoftAuthenticator().register(options.publicKey as never, { origin: server.url });
      await expect(finishPasskeyRegistration(server.ctx, a, session, { credential: answer })).rejects.toMatchObject({
        code: 'WEBAUTHN_CHALLENGE_UNKNOWN',
      });
      // An app without a page of its own answers from Signet's origin only, exactly.
      const port = new URL(server.url).port;
      for (const origin of [
        `http://localhost:${port}.evil.com`,
        `http://LOCALHOST:${port}`,
        `http://localhost:${port}/`,
        `http://127.0.0.1:${port}`,
        `https://localhost:${port}`,
        APP_ORIGIN,
        'null',
      ]) {
        const o = (await graph('GET', `/users/${user.id}/authentication/fido2Methods/creationOptions`, provisioner))
          .body as { publicKey: Json };
        const refused = await graph(
          'POST',
          `/users/${user.id}/authentication/fido2Methods`,
          provisioner,
          await fido2MethodBody(o.publicKey, origin),
        );
        expect([refused.status, codeOf(refused)], origin).toEqual([400, 'GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED']);
      }
      expect(await passkeysOf(a, user)).toBe(0);
      const o = (await graph('GET', `/users/${user.id}/authentication/fido2Methods/creationOptions`, provisioner))
        .body as { publicKey: Json };
      const ok = await graph(
        'POST',
        `/users/${user.id}/authentication/fido2Methods`,
        provisioner,
        await fido2MethodBody(o.publicKey, server.url),
      );
      expect(ok.status, ok.text).toBe(201);
    });

    it('never takes over a credential id another user holds, here or in another tenant, and judges odd timeouts', async () => {
      const bob = await newUser(b);
      const carol = await newUser();
      const mallory = await newUser();
      const credentialId = randomBytes(32);
      const { token: bobToken } = await signIn(bob, SELF_SCOPE, b);
      const bobOptions = (await graph('GET', '/me/authentication/fido2Methods/creationOptions', bobToken)).body as {
        publicKey: Json;
      };
      const bobs = await graph(
        'POST',
        '/me/authentication/fido2Methods',
        bobToken,
        await fido2MethodBody(bobOptions.publicKey, APP_ORIGIN, { mutate: { credentialId } }),
      );
      expect(bobs.status, bobs.text).toBe(201);
      const carolOptions = (
        await graph('GET', `/users/${carol.id}/authentication/fido2Methods/creationOptions`, provisioner)
      ).body as { publicKey: Json };
      const carols = await graph(
        'POST',
        `/users/${carol.id}/authentication/fido2Methods`,
        provisioner,
        await fido2MethodBody(carolOptions.publicKey, server.url, { mutate: { credentialId: randomBytes(32) } }),
      );
      expect(carols.status, carols.text).toBe(201);
      const carolCredential = (await listPasskeys(server.ctx.db, a.id, carol.id))[0]!.credentialId;
      const { token } = await signIn(mallory);
      for (const id of [credentialId, Buffer.from(carolCredential, 'base64url')]) {
        const o = (await graph('GET', '/me/authentication/fido2Methods/creationOptions', token)).body as {
          publicKey: Json;
        };
        const r = await graph(
          'POST',
          '/me/authentication/fido2Methods',
          token,
          await fido2MethodBody(o.publicKey, APP_ORIGIN, { mutate: { credentialId: id } }),
        );
        expect([r.status, codeOf(r)], r.text).toEqual([409, 'PASSKEY_ALREADY_REGISTERED']);
        const p = (await graph('GET', `/users/${mallory.id}/authentication/fido2Methods/creationOptions`, provisioner))
          .body as { publicKey: Json };
        const byApp = await graph(
          'POST',
          `/users/${mallory.id}/authentication/fido2Methods`,
          provisioner,
          await fido2MethodBody(p.publicKey, server.url, { mutate: { credentialId: id } }),
        );
        expect([byApp.status, codeOf(byApp)], byApp.text).toEqual([409, 'PASSKEY_ALREADY_REGISTERED']);
      }
      expect([await passkeysOf(b, bob), await passkeysOf(a, carol), await passkeysOf(a, mallory)]).toEqual([1, 1, 0]);
      for (const minutes of ['0', '4', '43201', '-5', '5.5', '1e3', '0x10', '%2010', '99999999999', "'10'", '']) {
        const r = await graph(
          'GET',
          `/users/${mallory.id}/authentication/fido2Methods/creationOptions(challengeTimeoutInMinutes=${minutes})`,
          provisioner,
        );
        expect([400, 404], `${minutes}: ${r.text}`).toContain(r.status);
        expect(codeOf(r), minutes).toMatch(/^(REQUEST_INVALID|ROUTE_NOT_FOUND)$/);
      }
    });

    it("answers another tenant's user as missing, whatever the key, alone or batched", async () => {
      const bob = await newUser(b);
      for (const key of [bob.id, bob.userPrincipalName, bob.id.toUpperCase()]) {
        for (const p of ['/creationOptions', '/creationOptions(challengeTimeoutInMinutes=10)', '']) {
          const url = `/users/${encodeURIComponent(key)}/authentication/fido2Methods${p}`;
          const r =
            p === ''
              ? await graph('POST', url, provisioner, { displayName: 'x' })
              : await graph('GET', url, provisioner);
          expect([r.status, codeOf(r)], url).toEqual([404, 'GRAPH_RESOURCE_NOT_FOUND']);
        }
      }
      const batched = await batch(provisioner, [
        { id: '1', method: 'GET', url: `/users/${bob.id}/authentication/fido2Methods/creationOptions` },
      ]);
      expect(batched.answers.map((x) => x.status)).toEqual([404]);
      // B's own provisioner does reach them (the control).
      expect(
        (await graph('GET', `/users/${bob.id}/authentication/fido2Methods/creationOptions`, provisionerB)).status,
      ).toBe(200);
    });
  });

  describe('CORS', () => {
    it('lets no cookie ride on /graph: no credentials in any answer, and a session cookie alone is no token', async () => {
      const user = await newUser();
      const session = await startSession(server.ctx, server.ctx.db, {
        tenantId: a.id,
        userId: user.id,
        method: 'temporaryAccessPass',
      });
      const cookie = `${sessionCookieName(server.ctx.config, a)}=${session.token}`;
      const preflight = await fetch(`${server.url}/graph/v1.0/me`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://evil.example',
          'access-control-request-method': 'DELETE',
          'access-control-request-headers': 'authorization, cookie',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).not.toContain('cookie');
      for (const path of ['/me', '/me/authentication/fido2Methods', '/users']) {
        const r = await graph('GET', path, undefined, undefined, { cookie, origin: 'https://evil.example' });
        expect([r.status, codeOf(r)], path).toEqual([401, 'GRAPH_TOKEN_MISSING']);
        expect(r.headers.get('access-control-allow-credentials')).toBeNull();
        expect(r.text).not.toContain(user.userPrincipalName);
      }
    });

    it('allows the token endpoint only from the exact origin of a public client, never a look-alike', async () => {
      const port = new URL(APP_ORIGIN).port;
      const lookalikes = [
        `http://localhost:${port}.evil.com`,
        `http://evil.com/http://localhost:${port}`,
        `http://LOCALHOST:${port}`,
        `http://localhost:${port}/`,
        `http://localhost:${port}:80`,
        `http://user@localhost:${port}`,
        `http://localhost`,
        `http://xn--lcalhost-5ze:${port}`,
        'null',
        `${APP_ORIGIN}, https://evil.example`,
      ];
      for (const origin of lookalikes) {
        const res = await fetch(`${server.url}/${a.id}/oauth2/v2.0/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: spa }),
        });
        expect(res.status, origin).toBe(400);
        expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
        expect(res.headers.get('access-control-allow-credentials'), origin).toBeNull();
      }
      // The control: from the app's exact origin the same request passes CORS (and fails only on its grant).
      const exact = await fetch(`${server.url}/${a.id}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APP_ORIGIN },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: spa }),
      });
      expect(exact.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(((await exact.json()) as Json).error).toBe('invalid_grant');
      // A confidential client called from a browser, even from its own redirect URI's origin, is refused.
      const web = await createApp(server.ctx, a, {
        name: 'Confidential web',
        redirectUris: [`${APP_ORIGIN}/callback`],
        publicClient: false,
        permissions: ['User.Read.All'],
      });
      const res = await fetch(`${server.url}/${a.id}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: APP_ORIGIN,
          authorization: `Basic ${Buffer.from(`${web.app.id}:${web.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: GRAPH_DEFAULT }),
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(JSON.stringify(await res.json())).not.toContain('access_token');
    });
  });

  describe('client secrets', () => {
    const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const token = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/${a.id}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body),
      });
    const by: Principal = { kind: 'application', tenantId: 'x', appId: 'x', roles: [] };

    it('a removed, expired or not-yet-valid secret, the store marker or a JWT signed with it works in no grant', async () => {
      const c = await createApp(server.ctx, a, {
        name: 'Web with secrets',
        redirectUris: [`${server.url}/cb`],
        publicClient: false,
        permissions: ['User.Read.All'],
      });
      const id = c.app.id;
      const first = c.clientSecret!;
      const second = await addAppPassword(server.ctx, a, { ...by, tenantId: a.id }, id, { displayName: 'second' });
      const secondSecret = String(second.secretText);
      const user = await newUser();
      const { pass } = await issueTap(server.ctx, a, user, { oneTime: false, actor: { type: 'system', id: null } });
      // Tokens (and a refresh token) got with the first secret, which is then removed.
      const got = await authorizationCodeTokens(
        server,
        a,
        { id, secret: first },
        { upn: user.userPrincipalName, pass },
        'openid offline_access User.Read',
      );
      expect(got.status, JSON.stringify(got.body)).toBe(200);
      const refresh = String(got.body.refresh_token);
      const keyIds = (await listAppSecrets(server.ctx.db, a.id, id)).filter((s) => s.keyId !== second.keyId);
      await removeAppPassword(server.ctx, a, { ...by, tenantId: a.id }, id, keyIds[0]!.keyId);
      // An expired and a not-yet-valid secret, as a store would hold them.
      const expired = randomBytes(32).toString('base64url');
      const future = randomBytes(32).toString('base64url');
      const now = Date.now();
      for (const [secret, startAt, endAt] of [
        [expired, now - 2 * 86_400_000, now - 86_400_000],
        [future, now + 86_400_000, null],
      ] as const)
        await insertAppSecret(server.ctx.db, a.id, id, {
          keyId: server.ctx.newId(),
          secretHash: hashSecret(server.ctx, 'client-secret', secret),
          displayName: null,
          hint: null,
          startAt,
          endAt,
          removedAt: null,
          createdAt: now,
        });
      const marker = CLIENT_SECRET_IN_STORE;
      const hs256 = await new SignJWT({ jti: randomBytes(8).toString('hex') })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(id)
        .setSubject(id)
        .setAudience(`${server.url}/${a.id}/v2.0`)
        .setIssuedAt()
        .setExpirationTime('2m')
        .sign(new TextEncoder().encode(marker));
      const badSecrets = [first, expired, future, marker, '', `${secondSecret} `];
      for (const secret of badSecrets) {
        // 401 invalid_client; an empty secret is refused as a malformed request (400).
        const refusedStatus = secret === '' ? 400 : 401;
        const cc = await token(
          { grant_type: 'client_credentials', scope: GRAPH_DEFAULT },
          { authorization: basic(id, secret) },
        );
        expect(cc.status, `client_credentials ${secret}`).toBe(refusedStatus);
        const rt = await token(
          { grant_type: 'refresh_token', refresh_token: refresh },
          { authorization: basic(id, secret) },
        );
        expect(rt.status, `refresh ${secret}`).toBe(refusedStatus);
        const revoke = await fetch(`${server.url}/${a.id}/oauth2/v2.0/revoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(id, secret) },
          body: new URLSearchParams({ token: refresh }),
        });
        expect(revoke.status, `revoke ${secret}`).toBe(refusedStatus);
      }
      // The code grant with the removed secret.
      const { pass: pass2 } = await issueTap(server.ctx, a, user, {
        oneTime: false,
        actor: { type: 'system', id: null },
      });
      const code = await authorizationCodeTokens(
        server,
        a,
        { id, secret: first },
        { upn: user.userPrincipalName, pass: pass2 },
        'openid',
      );
      expect(code.status).toBe(401);
      // Other client authentication methods: the secret in the body (as Entra, a current one is taken there too),
      // a JWT signed with the store marker.
      for (const secret of badSecrets.filter(Boolean)) {
        const post = await token({
          grant_type: 'client_credentials',
          scope: GRAPH_DEFAULT,
          client_id: id,
          client_secret: secret,
        });
        expect(post.status, `client_secret_post ${secret}`).toBe(401);
      }
      const jwt = await token({
        grant_type: 'client_credentials',
        scope: GRAPH_DEFAULT,
        client_id: id,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: hs256,
      });
      expect(jwt.status).toBe(401);
      // The refresh token was not spent by the refused attempts, and the current secret still works everywhere.
      const rt = await token(
        { grant_type: 'refresh_token', refresh_token: refresh },
        { authorization: basic(id, secondSecret) },
      );
      expect(rt.status).toBe(200);
      const cc = await token(
        { grant_type: 'client_credentials', scope: GRAPH_DEFAULT },
        { authorization: basic(id, secondSecret) },
      );
      expect(cc.status).toBe(200);
    });
  });

  describe('passwords', () => {
    it('never shows a password or its hash in an answer, a batch answer, an audit row or a log line', async () => {
      const password = `Pw-${randomBytes(6).toString('hex')}-Zx9!`;
      const weak = `weak${randomBytes(3).toString('hex')}`;
      const upn = `pw-${randomBytes(3).toString('hex')}@contoso.com`;
      const r = await batch(writer, [
        {
          id: 'create',
          method: 'POST',
          url: '/users',
          headers: { 'content-type': 'application/json' },
          body: {
            accountEnabled: true,
            displayName: 'Pw',
            mailNickname: 'pw',
            userPrincipalName: upn,
            passwordProfile: { password, forceChangePasswordNextSignIn: false },
          },
        },
        {
          id: 'weak',
          method: 'POST',
          url: '/users',
          headers: { 'content-type': 'application/json' },
          body: {
            accountEnabled: true,
            displayName: 'Weak',
            mailNickname: 'weak',
            userPrincipalName: `w${upn}`,
            passwordProfile: { password: weak },
          },
        },
      ]);
      expect(r.answers.map((x) => x.status)).toEqual([201, 400]);
      const id = String(r.answers[0]!.body!.id);
      const firstHash = (await findPasswordCredential(server.ctx.db, a.id, id))!.hash;
      // And changed by PATCH, alone: the new one neither.
      const changed = `Pw2-${randomBytes(6).toString('hex')}-Qy8?`;
      const patch = await graph('PATCH', `/users/${id}`, writer, { passwordProfile: { password: changed } });
      expect(patch.status, patch.text).toBe(204);
      const stored = (await findPasswordCredential(server.ctx.db, a.id, id))!;
      expect(stored.hash).not.toBe(firstHash);
      const phcParts = stored.hash.split('$').filter((p) => p.length >= 16);
      expect(phcParts.length).toBeGreaterThan(0);
      const reads = [
        r.text,
        patch.text,
        (await graph('GET', `/users/${id}`, writer)).text,
        (await graph('GET', `/users/${id}?$select=passwordProfile,id`, writer)).text,
        (await graph('GET', `/users/${id}/authentication/passwordMethods`, provisioner)).text,
        (await graph('GET', `/users/${id}/authentication/methods`, provisioner)).text,
        (await graph('GET', '/auditLogs/directoryAudits?$top=999', auditReader)).text,
        JSON.stringify(await listAudits(server.ctx.db, a.id)),
        logLines.join('\n'),
      ];
      // No query reads the password back or tests a guess at it.
      for (const q of [
        `$filter=passwordProfile/password eq '${changed}'`,
        `$filter=startswith(passwordProfile/password,'P')`,
        '$orderby=passwordProfile/password',
        '$select=passwordProfile/password',
        `$search="${changed}"`,
      ]) {
        const r = await graph('GET', `/users?${q}`, writer, undefined, { ConsistencyLevel: 'eventual' });
        expect(r.status, `${q}: ${r.text}`).toBe(400);
        reads.push(r.text);
      }
      for (const text of reads)
        for (const secret of [password, weak, changed, firstHash, stored.hash, ...phcParts])
          expect(text).not.toContain(secret);
    });
  });

  describe('signing keys', () => {
    it('a retired key verifies nothing: not a Graph token, not an id_token_hint at logout, not at userinfo', async () => {
      const t = await createTenant(server.ctx, { slug: `keys-${randomBytes(3).toString('hex')}` });
      const web = await createApp(server.ctx, t, {
        name: 'Logout app',
        redirectUris: [`${server.url}/cb`],
        postLogoutRedirectUris: [`${server.url}/bye`],
        publicClient: true,
      });
      const user = await newUser(t);
      const { pass } = await issueTap(server.ctx, t, user, { oneTime: false, actor: { type: 'system', id: null } });
      const got = await authorizationCodeTokens(
        server,
        t,
        { id: web.app.id },
        { upn: user.userPrincipalName, pass },
        'openid User.Read',
      );
      expect(got.status, JSON.stringify(got.body)).toBe(200);
      const idToken = String(got.body.id_token);
      const graphToken = String(got.body.access_token);
      const logout = (hint: string) =>
        fetch(
          `${server.url}/${t.id}/oauth2/v2.0/logout?${new URLSearchParams({ id_token_hint: hint, post_logout_redirect_uri: `${server.url}/bye` })}`,
        );
      // The controls: the hint is accepted, the Graph token works; userinfo never takes a Graph token.
      expect((await logout(idToken)).status).toBe(200);
      expect((await graph('GET', '/me', graphToken)).status).toBe(200);
      const userinfo = await fetch(`${server.url}/${t.id}/oidc/userinfo`, {
        headers: { authorization: `Bearer ${graphToken}` },
      });
      expect(userinfo.status).toBe(401);
      const oldKey = (await loadPrivateJwks(server.ctx, t.id)).find((k) => k.alg === 'RS256')!;
      const resign = async (jwt: string, typ: string) => {
        const nowS = Math.floor(server.ctx.now() / 1000);
        return new SignJWT({ ...decodeJwt(jwt), iat: nowS, exp: nowS + 600 })
          .setProtectedHeader({ alg: 'RS256', typ, kid: oldKey.kid! })
          .sign(await importJWK(oldKey, 'RS256'));
      };
      try {
        await rotateSigningKeys(server.ctx, t, { immediately: true });
        // Every process sees a rotation within a second (the tenant's signing-keys version).
        await new Promise((r) => setTimeout(r, 1100));
        // Rotated out but not yet due: its ID tokens are still good hints (the control of what follows).
        expect((await logout(await resign(idToken, 'JWT'))).status).toBe(200);
        server.clock.offsetMs = KEY_RETIREMENT_DELAY_MS + 1000;
        // Due: refused by Graph at once, even before it is marked retired.
        expect((await graph('GET', '/me', await resign(graphToken, 'at+jwt'))).status).toBe(401);
        // Marked retired by the maintenance pass: every process's provider drops it within a second.
        expect((await purgeExpired(server.ctx)).signingKeys).toBe(2);
        await new Promise((r) => setTimeout(r, 1100));
        expect((await graph('GET', '/me', await resign(graphToken, 'at+jwt'))).status).toBe(401);
        for (const hint of [idToken, await resign(idToken, 'JWT')]) {
          const res = await logout(hint);
          expect(res.status).toBe(400);
          expect(await res.text()).not.toContain(user.userPrincipalName);
        }
        const info = await fetch(`${server.url}/${t.id}/oidc/userinfo`, {
          headers: { authorization: `Bearer ${await resign(graphToken, 'at+jwt')}` },
        });
        expect(info.status).toBe(401);
      } finally {
        server.clock.offsetMs = 0;
      }
    });
  });
});
