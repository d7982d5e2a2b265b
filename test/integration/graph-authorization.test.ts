// The Graph API's authorization, walked over the route table itself (src/http/graph/table.ts), so a new
// route cannot go untested: no token → 401; another tenant's token → 401/404 or its own tenant's data, never
// a sign of whether this tenant's object exists; a token without a declared permission → 403; each declared
// permission → 2xx. Then the token itself: alg none, another audience, expired, another tenant's key, a
// session cookie → 401.
import Fastify from 'fastify';
import { decodeJwt, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLICATION_PERMISSIONS, type ApplicationPermission } from '../../src/core/authorization.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { loadPrivateJwks } from '../../src/flows/signing-keys.ts';
import { assertDeclared, graphApi } from '../../src/http/graph/plugin.ts';
import { type DeclaredRoute, declaresPermission } from '../../src/http/graph/route.ts';
import { graphRoutes } from '../../src/http/graph/table.ts';
import { sessionCookieName } from '../../src/http/session-cookie.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { caFixtureFactories } from '../support/ca-fixtures.ts';
import { engines } from '../support/engines.ts';
import { clientCredentials } from '../support/graph.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { strengthFixtureFactories } from '../support/strength-fixtures.ts';

describe('the Graph route table', () => {
  it('refuses to start with a route that declares no permission', async () => {
    const bad = { ...graphRoutes[0]!, permission: undefined as never };
    expect(() => assertDeclared([bad])).toThrow(/no permission declared/);
    const none = { ...graphRoutes[0]!, permission: { application: [], delegated: { scopes: [], roles: 'anyUser' } } };
    expect(() => assertDeclared([none as never])).toThrow(/no permission allows it/);
    // Only $batch may leave authorization to the requests it carries.
    const unchecked = { ...graphRoutes[0]!, permission: 'eachInnerRequest' as const };
    expect(() => assertDeclared([unchecked])).toThrow(/only \$batch/);
    const app = Fastify();
    expect(() => graphApi(app, { ctx: {} as never, tenants: {} as never, routes: [bad] })).toThrow();
    expect(() => assertDeclared(graphRoutes)).not.toThrow();
  });
});

describe.each(engines)('Graph authorization on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let alice: User;
  const tokensA = new Map<ApplicationPermission, string>();
  const tokensB = new Map<ApplicationPermission, string>();

  async function tokenFor(t: Tenant, p: ApplicationPermission) {
    const c = await createApp(server.ctx, t, {
      name: `d-${p}`,
      redirectUris: [],
      publicClient: false,
      permissions: [p],
    });
    const r = await clientCredentials(
      server,
      t,
      { id: c.app.id, secret: c.clientSecret! },
      'https://graph.microsoft.com/.default',
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return String(r.body.access_token);
  }

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    alice = await createUser(server.ctx, a, {
      userPrincipalName: 'alice@contoso.com',
      roles: ['Global Administrator'],
    });
    for (const p of APPLICATION_PERMISSIONS) {
      tokensA.set(p, await tokenFor(a, p));
      tokensB.set(p, await tokenFor(b, p));
    }
  });
  afterAll(() => server?.close());

  /** A fresh request of a route: real objects of tenant A for its path parameters, and a valid body. */
  type Fixture = {
    values: Record<string, string>;
    body?: unknown;
    /**
     * The path names something every tenant has (a role template id), not an object of tenant A: another
     * tenant's token reads its own, which must hold none of these values of tenant A.
     */
    everyTenantHas?: { notTheirs: string[] };
  };
  const unique = () => crypto.randomUUID().slice(0, 8);
  const newUser = async () => (await createUser(server.ctx, a, { userPrincipalName: `u-${unique()}@contoso.com` })).id;
  const newApp = async () =>
    (
      await createApp(server.ctx, a, {
        name: `app-${unique()}`,
        redirectUris: ['https://app.example/cb'],
        publicClient: false,
      })
    ).app;
  const groupOf = async (withMember = false) =>
    (await import('../support/group-fixtures.ts')).groupFixture(server.ctx, a, withMember);
  /** One factory per route of the table, by `${method} ${path}`: a new route without one fails the walk. */
  const fixtureFactories: Record<string, () => Promise<Fixture>> = {
    'GET /organization': async () => ({ values: {} }),
    // Conditional Access: fresh policies, named locations and contexts of tenant A (test/support/ca-fixtures.ts).
    ...caFixtureFactories(
      () => server.ctx,
      () => a,
      () => [b],
    ),
    // Authentication strengths: a shared custom strength, or a fresh one for the routes that delete (strength-fixtures.ts).
    ...strengthFixtureFactories(
      () => server.ctx,
      () => a,
    ),
    'GET /users': async () => ({ values: {} }),
    'GET /users/:id': async () => ({ values: { id: alice.id } }),
    'POST /users': async () => ({
      values: {},
      body: { accountEnabled: true, displayName: 'New', userPrincipalName: `n-${unique()}@contoso.com` },
    }),
    'PATCH /users/:id': async () => ({ values: { id: await newUser() }, body: { displayName: 'Renamed' } }),
    'DELETE /users/:id': async () => ({ values: { id: await newUser() } }),
    // Audit logs: a sign-in row and an audit row of tenant A (creating a user writes one).
    'GET /auditLogs/signIns': async () => ({ values: {} }),
    'GET /auditLogs/signIns/:id': async () => {
      const id = crypto.randomUUID();
      await server.ctx.db
        .insertInto('sign_ins')
        .values({
          id,
          tenant_id: a.id,
          created_at: Date.now(),
          user_id: alice.id,
          method: 'passkey',
          result: 'success',
          detail: '{}',
        })
        .execute();
      return { values: { id } };
    },
    'GET /auditLogs/directoryAudits': async () => ({ values: {} }),
    'GET /auditLogs/directoryAudits/:id': async () => {
      const target = await newUser();
      const row = await server.ctx.db
        .selectFrom('audit_logs')
        .select('id')
        .where('tenant_id', '=', a.id)
        .where('target_id', '=', target)
        .executeTakeFirstOrThrow();
      return { values: { id: row.id } };
    },
    // Groups: a fresh group (with a member where the route needs one) per call (test/support/group-fixtures.ts).
    'GET /groups': async () => ({ values: {} }),
    'GET /groups/:id': async () => ({ values: { id: (await groupOf()).id } }),
    'POST /groups': async () => ({
      values: {},
      body: { displayName: 'New group', mailNickname: `g-${unique()}`, mailEnabled: false, securityEnabled: true },
    }),
    'PATCH /groups/:id': async () => ({ values: { id: (await groupOf()).id }, body: { displayName: 'Renamed' } }),
    'DELETE /groups/:id': async () => ({ values: { id: (await groupOf()).id } }),
    'GET /groups/:id/members': async () => ({ values: { id: (await groupOf(true)).id } }),
    'POST /groups/:id/members/$ref': async () => ({
      values: { id: (await groupOf()).id },
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${await newUser()}` },
    }),
    'DELETE /groups/:id/members/:userId/$ref': async () => ({ values: await groupOf(true) }),
    'GET /users/:id/memberOf': async () => ({ values: { id: (await groupOf(true)).userId } }),
    // Directory roles of tenant A; an assignment of a fresh user per destructive call. POST names its user by a
    // userPrincipalName that exists in both tenants, so another tenant's token assigns in its own tenant only.
    'GET /directoryRoles': async () => ({ values: {} }),
    'GET /directoryRoles/:id': async () => (await import('../support/role-fixtures.ts')).directoryRoleFixture(a),
    'GET /directoryRoles/:id/members': async () =>
      (await import('../support/role-fixtures.ts')).directoryRoleFixture(a),
    "GET /directoryRoles(roleTemplateId=':roleTemplateId([^/']+)')": async () =>
      (await import('../support/role-fixtures.ts')).roleTemplateFixture(a),
    "GET /directoryRoles(roleTemplateId=':roleTemplateId([^/']+)')/members": async () =>
      (await import('../support/role-fixtures.ts')).roleTemplateFixture(a),
    'GET /roleManagement/directory/roleAssignments': async () => ({ values: {} }),
    'GET /roleManagement/directory/roleAssignments/:id': async () =>
      (await import('../support/role-fixtures.ts')).roleAssignmentFixture(server.ctx, a),
    'POST /roleManagement/directory/roleAssignments': async () =>
      (await import('../support/role-fixtures.ts')).roleAssignmentBody(server.ctx, [a, b]),
    'DELETE /roleManagement/directory/roleAssignments/:id': async () =>
      (await import('../support/role-fixtures.ts')).roleAssignmentFixture(server.ctx, a),
    // Authentication methods: a fresh user with a passkey and a pass for every call (test/support/auth-method-fixtures.ts).
    'GET /users/:id/authentication/methods': async () =>
      (await import('../support/auth-method-fixtures.ts')).methodFixture(server.ctx, a, 'user'),
    'GET /users/:id/authentication/fido2Methods': async () =>
      (await import('../support/auth-method-fixtures.ts')).methodFixture(server.ctx, a, 'user'),
    'GET /users/:id/authentication/fido2Methods/:methodId': async () =>
      (await import('../support/auth-method-fixtures.ts')).methodFixture(server.ctx, a, 'passkey'),
    'DELETE /users/:id/authentication/fido2Methods/:methodId': async () =>
      (await import('../support/auth-method-fixtures.ts')).methodFixture(server.ctx, a, 'passkey'),
    'GET /users/:id/authentication/temporaryAccessPassMethods': async () =>
      (await import('../support/auth-method-fixtures.ts')).methodFixture(server.ctx, a, 'user'),
    'GET /users/:id/authentication/temporaryAccessPassMethods/:methodId': async () =>
      (await import('../support/auth-method-fixtures.ts')).methodFixture(server.ctx, a, 'tap'),
    'POST /users/:id/authentication/temporaryAccessPassMethods': async () =>
      (await import('../support/auth-method-fixtures.ts')).methodFixture(server.ctx, a, 'create'),
    'DELETE /users/:id/authentication/temporaryAccessPassMethods/:methodId': async () =>
      (await import('../support/auth-method-fixtures.ts')).methodFixture(server.ctx, a, 'tap'),
    // The signed-in user's own (/me): app tokens are refused before anything is read (test/support/provisioning-fixtures.ts).
    'GET /me': async () => (await import('../support/provisioning-fixtures.ts')).meFixture(server.ctx, a, 'plain'),
    'GET /me/authentication/methods': async () =>
      (await import('../support/provisioning-fixtures.ts')).meFixture(server.ctx, a, 'plain'),
    'GET /me/authentication/fido2Methods': async () =>
      (await import('../support/provisioning-fixtures.ts')).meFixture(server.ctx, a, 'plain'),
    'GET /me/authentication/fido2Methods/creationOptions': async () =>
      (await import('../support/provisioning-fixtures.ts')).meFixture(server.ctx, a, 'plain'),
    'POST /me/authentication/fido2Methods': async () =>
      (await import('../support/provisioning-fixtures.ts')).meFixture(server.ctx, a, 'create'),
    'GET /me/authentication/fido2Methods/:methodId': async () =>
      (await import('../support/provisioning-fixtures.ts')).meFixture(server.ctx, a, 'passkey'),
    'PATCH /me/authentication/fido2Methods/:methodId': async () =>
      (await import('../support/provisioning-fixtures.ts')).meFixture(server.ctx, a, 'rename'),
    'DELETE /me/authentication/fido2Methods/:methodId': async () =>
      (await import('../support/provisioning-fixtures.ts')).meFixture(server.ctx, a, 'passkey'),
    // Passkey provisioning: a fresh user; for POST, options issued for them and a soft authenticator's answer.
    'GET /users/:id/authentication/fido2Methods/creationOptions': async () =>
      (await import('../support/provisioning-fixtures.ts')).provisioningFixture(server.ctx, a, 'options'),
    'GET /users/:id/authentication/fido2Methods/creationOptions(challengeTimeoutInMinutes=:minutes)': async () =>
      (await import('../support/provisioning-fixtures.ts')).provisioningFixture(server.ctx, a, 'timeout'),
    'POST /users/:id/authentication/fido2Methods': async () =>
      (await import('../support/provisioning-fixtures.ts')).provisioningFixture(server.ctx, a, 'create'),
    // Applications: a fresh confidential app of tenant A (with its one secret) per call.
    'GET /applications': async () => ({ values: {} }),
    'GET /applications/:id': async () => ({ values: { id: (await newApp()).id } }),
    'POST /applications': async () => ({
      values: {},
      body: { displayName: 'New app', web: { redirectUris: ['https://app.example/cb'] } },
    }),
    'PATCH /applications/:id': async () => ({ values: { id: (await newApp()).id }, body: { displayName: 'Renamed' } }),
    'DELETE /applications/:id': async () => ({ values: { id: (await newApp()).id } }),
    'POST /applications/:id/addPassword': async () => ({
      values: { id: (await newApp()).id },
      body: { passwordCredential: { displayName: 'ci' } },
    }),
    'POST /applications/:id/removePassword': async () => {
      const app = await newApp();
      const { secretKeyId } = await import('../../src/core/graph-application.ts');
      return { values: { id: app.id }, body: { keyId: secretKeyId(app.secretHash!) } };
    },
    // Reports: the tenant's report, and a fresh user of tenant A with a passkey (test/support/report-fixtures.ts).
    'GET /reports/authenticationMethods/userRegistrationDetails': async () => ({ values: {} }),
    'GET /reports/authenticationMethods/userRegistrationDetails/:id': async () =>
      (await import('../support/report-fixtures.ts')).registrationDetailsFixture(server.ctx, a),
    'GET /reports/authenticationMethods/groupPasskeyCoverage': async () => ({ values: {} }),
    // The tenant's passkeys of compromised models (test/integration/mds.test.ts fills it).
    'GET /reports/authenticationMethods/compromisedPasskeys': async () => ({ values: {} }),
    // Password methods: a fresh user of tenant A with a password (test/support/report-fixtures.ts).
    'GET /users/:id/authentication/passwordMethods': async () =>
      (await import('../support/report-fixtures.ts')).passwordMethodFixture(server.ctx, a, false),
    'GET /users/:id/authentication/passwordMethods/:methodId': async () =>
      (await import('../support/report-fixtures.ts')).passwordMethodFixture(server.ctx, a, true),
    // One-time code methods: a fresh user of tenant A with an authenticator app or an email method, the methods
    // enabled (test/support/otp-fixtures.ts); the /me ones refuse app tokens before anything is read.
    'GET /users/:id/authentication/softwareOathMethods': async () =>
      (await import('../support/otp-fixtures.ts')).otpMethodFixture(server.ctx, a, 'user'),
    'GET /users/:id/authentication/softwareOathMethods/:methodId': async () =>
      (await import('../support/otp-fixtures.ts')).otpMethodFixture(server.ctx, a, 'totp'),
    'DELETE /users/:id/authentication/softwareOathMethods/:methodId': async () =>
      (await import('../support/otp-fixtures.ts')).otpMethodFixture(server.ctx, a, 'totp'),
    'GET /me/authentication/softwareOathMethods': async () => ({ values: {} }),
    'GET /me/authentication/softwareOathMethods/:methodId': async () => ({ values: { methodId: crypto.randomUUID() } }),
    'DELETE /me/authentication/softwareOathMethods/:methodId': async () => ({
      values: { methodId: crypto.randomUUID() },
    }),
    'GET /users/:id/authentication/emailMethods': async () =>
      (await import('../support/otp-fixtures.ts')).otpMethodFixture(server.ctx, a, 'user'),
    'GET /users/:id/authentication/emailMethods/:methodId': async () =>
      (await import('../support/otp-fixtures.ts')).otpMethodFixture(server.ctx, a, 'email'),
    'POST /users/:id/authentication/emailMethods': async () =>
      (await import('../support/otp-fixtures.ts')).otpMethodFixture(server.ctx, a, 'emailCreate'),
    'PATCH /users/:id/authentication/emailMethods/:methodId': async () =>
      (await import('../support/otp-fixtures.ts')).otpMethodFixture(server.ctx, a, 'emailPatch'),
    'DELETE /users/:id/authentication/emailMethods/:methodId': async () =>
      (await import('../support/otp-fixtures.ts')).otpMethodFixture(server.ctx, a, 'email'),
    // The authentication methods policy: tenant A's, marked with one of its groups (test/support/policy-fixtures.ts).
    'GET /policies/authenticationMethodsPolicy': async () =>
      (await import('../support/policy-fixtures.ts')).policyFixture(server.ctx, a, 'root'),
    'PATCH /policies/authenticationMethodsPolicy': async () =>
      (await import('../support/policy-fixtures.ts')).policyFixture(server.ctx, a, 'rootPatch'),
    'GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/:configId': async () =>
      (await import('../support/policy-fixtures.ts')).policyFixture(server.ctx, a, 'config'),
    'PATCH /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/:configId': async () =>
      (await import('../support/policy-fixtures.ts')).policyFixture(server.ctx, a, 'configPatch'),
    // The preview and What If of the Fido2 configuration: a fresh user of tenant A (test/support/preview-fixtures.ts).
    'POST /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/:configId/previewImpact': async () =>
      (await import('../support/preview-fixtures.ts')).previewImpactFixture(server.ctx, a),
    'POST /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/:configId/evaluateRegistration':
      async () => (await import('../support/preview-fixtures.ts')).evaluateRegistrationFixture(server.ctx, a),
    // $batch: a request that would create a user, so a refused batch can be seen to have run nothing.
    'POST /$batch': async () => ({
      values: {},
      body: {
        requests: [
          {
            id: '1',
            method: 'POST',
            url: '/users',
            headers: { 'content-type': 'application/json' },
            body: { accountEnabled: true, displayName: 'B', userPrincipalName: `b-${unique()}@contoso.com` },
          },
        ],
      },
    }),
  };
  const fixtureOf = (route: { method: string; path: string }) => {
    const make = fixtureFactories[`${route.method} ${route.path}`];
    if (!make) throw new Error(`no fixture factory for ${route.method} ${route.path}: a new route cannot go untested`);
    return make();
  };
  const urlOf = (path: string, version: string, values: Record<string, string>) =>
    `${server.url}/graph/${version}${path.replace(/:([A-Za-z]+)(?:\([^)]*\))?/g, (_, n: string) => {
      if (!(n in values)) throw new Error(`no fixture for path parameter :${n}`);
      return encodeURIComponent(values[n]!);
    })}`;
  const call = (method: string, url: string, headers: Record<string, string> = {}, body?: unknown) =>
    fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  /** Calls the route with a fresh fixture (or the one given). */
  const callRoute = async (
    route: { method: string; path: string },
    version: string,
    headers: Record<string, string> = {},
    f?: Fixture,
  ) => {
    const fx = f ?? (await fixtureOf(route));
    return call(route.method, urlOf(route.path, version, fx.values), headers, fx.body);
  };

  it('has a fixture factory for every route of the table, and none for a route that is gone', () => {
    const keys = graphRoutes.map((r) => `${r.method} ${r.path}`);
    for (const k of keys) expect(fixtureFactories, k).toHaveProperty([k]);
    expect(Object.keys(fixtureFactories).sort()).toEqual([...new Set(keys)].sort());
  });

  for (const route of graphRoutes.filter(declaresPermission))
    for (const version of route.versions ?? ['v1.0'])
      describe(`${route.method} /graph/${version}${route.path}`, () => {
        it('without a token → 401 GRAPH_TOKEN_MISSING, in the Graph envelope with request ids', async () => {
          const res = await callRoute(route, version, { 'client-request-id': 'abc-123' });
          expect(res.status).toBe(401);
          expect(res.headers.get('content-type')).toMatch(/^application\/json/);
          expect(res.headers.get('request-id')).toBeTruthy();
          expect(res.headers.get('client-request-id')).toBe('abc-123');
          // RFC 6750 §3.1: a request without a token gets the challenge and no error code.
          expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+"$/);
          const body = (await res.json()) as {
            error: { code: string; message: string; innerError: Record<string, string> };
          };
          expect(body.error.code).toBe('GRAPH_TOKEN_MISSING');
          expect(body.error.innerError['request-id']).toBe(res.headers.get('request-id'));
          expect(body.error.innerError.date).toBeTruthy();
        });

        // A route for a signed-in user only (/me): no app token opens it, whatever it holds; the delegated walk and
        // graph-me.test.ts prove the rest.
        if (route.permission.application.length === 0) {
          it('with any app token → 403 GRAPH_PERMISSION_DENIED: delegated access only', async () => {
            const fx = await fixtureOf(route);
            for (const p of APPLICATION_PERMISSIONS) {
              const res = await callRoute(route, version, bearer(tokensA.get(p)!), fx);
              expect(res.status, p).toBe(403);
              const body = (await res.json()) as { error: { code: string; innerError: { required: string } } };
              expect(body.error.code).toBe('GRAPH_PERMISSION_DENIED');
              expect(body.error.innerError.required).toBe('(delegated access only)');
            }
          });
          return;
        }

        it("with another tenant's token → nothing of this tenant, the same whether the object exists or not", async () => {
          const token = tokensB.get(route.permission.application[0]!)!;
          const fx = await fixtureOf(route);
          const real = await callRoute(route, version, bearer(token), fx);
          const realText = await real.text();
          expect(realText).not.toContain(a.id);
          expect(realText).not.toContain(alice.id);
          if (fx.everyTenantHas) {
            expect(real.status).toBeLessThan(300);
            for (const v of fx.everyTenantHas.notTheirs) expect(realText).not.toContain(v);
            return;
          }
          for (const v of Object.values(fx.values)) expect(realText).not.toContain(v);
          if (route.path.includes(':')) {
            const fake = Object.fromEntries(Object.keys(fx.values).map((k) => [k, crypto.randomUUID()]));
            const absent = await callRoute(route, version, bearer(token), { ...fx, values: fake });
            expect([401, 404]).toContain(real.status);
            expect(absent.status).toBe(real.status);
            expect(JSON.parse(realText).error.code).toBe(
              ((await absent.json()) as { error: { code: string } }).error.code,
            );
            // The object is still there, unchanged by the other tenant.
            const own = await callRoute(route, version, bearer(tokensA.get(route.permission.application[0]!)!), fx);
            expect(own.status).toBeLessThan(300);
          } else expect(real.status).toBeLessThan(300);
        });

        it('with a token lacking every declared permission → 403 naming them', async () => {
          const wrong = APPLICATION_PERMISSIONS.filter((p) => !route.permission.application.includes(p));
          expect(wrong.length).toBeGreaterThan(0);
          const fx = await fixtureOf(route);
          for (const p of wrong) {
            const res = await callRoute(route, version, bearer(tokensA.get(p)!), fx);
            expect(res.status, p).toBe(403);
            const body = (await res.json()) as { error: { code: string; innerError: { required: string } } };
            expect(body.error.code).toBe('GRAPH_PERMISSION_DENIED');
            expect(body.error.innerError.required).toContain(route.permission.application[0]);
          }
        });

        it('with each declared permission → success', async () => {
          for (const p of route.permission.application) {
            const res = await callRoute(route, version, bearer(tokensA.get(p)!));
            expect(res.status, p).toBeGreaterThanOrEqual(200);
            expect(res.status, p).toBeLessThan(300);
            expect(res.headers.get('request-id')).toBeTruthy();
          }
        });
      });

  // $batch opens nothing itself: each request it carries is authorized on its own. So every route of the table is
  // walked through a batch too, and each inner answer must be what the route alone answers.
  for (const version of graphRoutes.find((r) => r.path === '/$batch')?.versions ?? [])
    describe(`POST /graph/${version}/$batch, every route of ${version} inside it`, () => {
      type Answer = {
        id: string;
        status: number;
        headers: Record<string, string>;
        body: { error: { code: string; innerError: Record<string, string> } };
      };
      // The routes an app can call (routes for a signed-in user only are batched in graph-batch.test.ts).
      const routes = graphRoutes
        .filter(declaresPermission)
        .filter((r) => (r.versions ?? ['v1.0']).includes(version) && r.permission.application.length > 0);
      const root = () => `${server.url}/graph/${version}`;
      const innerOf = (route: DeclaredRoute, id: string, fx: Fixture) => ({
        id,
        method: route.method,
        url: urlOf(route.path, version, fx.values).slice(root().length),
        ...(fx.body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: fx.body }),
      });
      /** Sends the requests in batches of 20 with the token; the answers by id. */
      const batch = async (token: string, requests: { id: string }[]) => {
        const answers = new Map<string, Answer>();
        for (let i = 0; i < requests.length; i += 20) {
          const res = await call('POST', `${root()}/$batch`, bearer(token), { requests: requests.slice(i, i + 20) });
          expect(res.status, await res.clone().text()).toBe(200);
          for (const r of ((await res.json()) as { responses: Answer[] }).responses) answers.set(r.id, r);
        }
        return answers;
      };
      /** The routes grouped by the permission whose token calls them. */
      const byPermission = (pick: (r: DeclaredRoute) => readonly ApplicationPermission[]) => {
        const groups = new Map<ApplicationPermission, DeclaredRoute[]>();
        for (const r of routes) for (const p of pick(r)) groups.set(p, [...(groups.get(p) ?? []), r]);
        return groups;
      };

      it('without a token → 401 GRAPH_TOKEN_MISSING, and nothing inside is run', async () => {
        const fx = await fixtureOf({ method: 'POST', path: '/$batch' });
        const res = await call('POST', `${root()}/$batch`, {}, fx.body);
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('GRAPH_TOKEN_MISSING');
        const upn = (fx.body as { requests: { body: { userPrincipalName: string } }[] }).requests[0]!.body
          .userPrincipalName;
        const after = await call('GET', `${root()}/users/${upn}`, bearer(tokensA.get('User.Read.All')!));
        expect(after.status).toBe(404);
      });

      // A version with no route of its own yet (beta) has only the case above to walk.
      if (routes.length > 0) {
        it("with another tenant's token → nothing of this tenant inside, the same whether the object exists or not", async () => {
          for (const [p, group] of byPermission((r) => [r.permission.application[0]!])) {
            const requests = [];
            const fixtures: Fixture[] = [];
            for (const [i, route] of group.entries()) {
              const fx = await fixtureOf(route);
              fixtures.push(fx);
              requests.push(innerOf(route, `real${i}`, fx));
              const fake = Object.fromEntries(Object.keys(fx.values).map((k) => [k, crypto.randomUUID()]));
              if (route.path.includes(':')) requests.push(innerOf(route, `fake${i}`, { ...fx, values: fake }));
            }
            const answers = await batch(tokensB.get(p)!, requests);
            for (const [i, route] of group.entries()) {
              const real = answers.get(`real${i}`)!;
              const label = `${route.method} ${route.path} with ${p} of another tenant`;
              const text = JSON.stringify(real);
              expect(text, label).not.toContain(a.id);
              expect(text, label).not.toContain(alice.id);
              const everyTenantHas = fixtures[i]!.everyTenantHas;
              if (everyTenantHas) {
                expect(real.status, label).toBeLessThan(300);
                for (const v of everyTenantHas.notTheirs) expect(text, label).not.toContain(v);
                continue;
              }
              for (const v of Object.values(fixtures[i]!.values)) expect(text, label).not.toContain(v);
              if (!route.path.includes(':')) {
                expect(real.status, label).toBeLessThan(300);
                continue;
              }
              const fake = answers.get(`fake${i}`)!;
              expect([401, 404], label).toContain(real.status);
              expect(fake.status, label).toBe(real.status);
              expect(real.body.error.code, label).toBe(fake.body.error.code);
            }
            // Every object is still there, unchanged by the other tenant.
            const own = await batch(
              tokensA.get(p)!,
              group.flatMap((route, i) => (route.path.includes(':') ? [innerOf(route, `own${i}`, fixtures[i]!)] : [])),
            );
            for (const [id, answer] of own)
              expect(answer.status, `${id} ${JSON.stringify(answer.body)}`).toBeLessThan(300);
          }
        });

        it('with a token lacking every declared permission → each inner answer 403 naming them', async () => {
          const lacking = (r: DeclaredRoute) => [
            APPLICATION_PERMISSIONS.find((p) => !r.permission.application.includes(p))!,
          ];
          for (const [p, group] of byPermission(lacking)) {
            const requests = [];
            for (const [i, route] of group.entries()) requests.push(innerOf(route, String(i), await fixtureOf(route)));
            const answers = await batch(tokensA.get(p)!, requests);
            for (const [i, route] of group.entries()) {
              const answer = answers.get(String(i))!;
              expect(answer.status, `${route.method} ${route.path} with ${p}`).toBe(403);
              expect(answer.body.error.code).toBe('GRAPH_PERMISSION_DENIED');
              expect(answer.body.error.innerError.required).toContain(route.permission.application[0]);
            }
          }
        });

        it('with each declared permission → each inner answer a success, with its own request-id', async () => {
          for (const [p, group] of byPermission((r) => r.permission.application)) {
            const requests = [];
            for (const [i, route] of group.entries()) requests.push(innerOf(route, String(i), await fixtureOf(route)));
            const answers = await batch(tokensA.get(p)!, requests);
            const ids = new Set<string>();
            for (const [i, route] of group.entries()) {
              const answer = answers.get(String(i))!;
              const label = `${route.method} ${route.path} with ${p}: ${JSON.stringify(answer.body)}`;
              expect(answer.status, label).toBeGreaterThanOrEqual(200);
              expect(answer.status, label).toBeLessThan(300);
              expect(answer.headers['request-id'], label).toBeTruthy();
              ids.add(answer.headers['request-id']!);
            }
            expect(ids.size).toBe(group.length);
          }
        });
      }
    });

  it('GET /users/{id | userPrincipalName} answers in the Graph user shape; a missing one is 404', async () => {
    const token = tokensA.get('User.Read.All')!;
    for (const key of [alice.id, 'alice@contoso.com']) {
      const res = await call('GET', `${server.url}/graph/v1.0/users/${encodeURIComponent(key)}`, bearer(token));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        '@odata.context': `${server.url}/graph/v1.0/$metadata#users/$entity`,
        id: alice.id,
        userPrincipalName: 'alice@contoso.com',
        displayName: 'alice',
      });
    }
    // Graph's default projection leaves accountEnabled out; $select brings it (and only what is selected).
    const selected = await call(
      'GET',
      `${server.url}/graph/v1.0/users/${alice.id}?$select=accountEnabled,id`,
      bearer(token),
    );
    expect(await selected.json()).toEqual({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#users(accountEnabled,id)/$entity`,
      id: alice.id,
      accountEnabled: true,
    });
    const missing = await call('GET', `${server.url}/graph/v1.0/users/nobody@contoso.com`, bearer(token));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('GRAPH_RESOURCE_NOT_FOUND');
  });

  it('GET /organization is the tenant of the token', async () => {
    const res = await call(
      'GET',
      `${server.url}/graph/v1.0/organization`,
      bearer(tokensA.get('Organization.Read.All')!),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { value: { id: string; displayName: string }[] };
    expect(body.value).toEqual([expect.objectContaining({ id: a.id, displayName: 'contoso' })]);
  });

  describe('tokens that are not valid for the Graph API → 401 GRAPH_TOKEN_INVALID', () => {
    const url = () => `${server.url}/graph/v1.0/users/${alice.id}`;
    async function forged(tenantKeysOf: Tenant, claims: Record<string, unknown>, typ = 'at+jwt') {
      const jwk = (await loadPrivateJwks(server.ctx, tenantKeysOf.id)).find((k) => k.alg === 'RS256')!;
      const key = await importJWK(jwk, 'RS256');
      const good = decodeJwt(tokensA.get('User.Read.All')!);
      return new SignJWT({ ...good, ...claims }).setProtectedHeader({ alg: 'RS256', typ, kid: jwk.kid! }).sign(key);
    }
    const expectInvalid = async (headers: Record<string, string>, code = 'GRAPH_TOKEN_INVALID') => {
      const res = await call('GET', url(), headers);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    };

    it('a forged token with our own key is accepted (the control), then each defect is refused', async () => {
      const control = await call('GET', url(), bearer(await forged(a, {})));
      expect(control.status).toBe(200);
      await expectInvalid(bearer(await forged(a, { aud: 'https://graph.microsoft.com' })));
      await expectInvalid(bearer(await forged(a, { iss: `${server.url}/${b.id}/v2.0` })));
      const past = Math.floor(Date.now() / 1000) - 3600;
      await expectInvalid(bearer(await forged(a, { iat: past - 60, exp: past })));
      await expectInvalid(bearer(await forged(b, {})));
      await expectInvalid(bearer(await forged(a, {}, 'JWT')));
      await expectInvalid(bearer(await forged(a, { tid: crypto.randomUUID() })));
    });

    it('a token that says what it allows in more than one way, or in none, is refused', async () => {
      const sub = String(decodeJwt(tokensA.get('User.Read.All')!).sub);
      // An app's roles and a user's scopes at once; neither; a delegated token whose oid is not its sub; wids that
      // are not a list.
      await expectInvalid(bearer(await forged(a, { scp: 'User.Read.All' })));
      await expectInvalid(bearer(await forged(a, { roles: undefined })));
      await expectInvalid(
        bearer(await forged(a, { roles: undefined, scp: 'User.Read.All', oid: crypto.randomUUID() })),
      );
      await expectInvalid(bearer(await forged(a, { roles: undefined, scp: 'User.Read.All', oid: sub, wids: 'x' })));
    });

    it('alg none, a garbled token, and a session cookie instead of a token', async () => {
      const good = tokensA.get('User.Read.All')!;
      const [, payload] = good.split('.');
      const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
      await expectInvalid(bearer(none));
      await expectInvalid(bearer(`${good.slice(0, -4)}AAAA`));
      await expectInvalid(bearer('not-a-jwt'));
      await expectInvalid({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
      const { token } = await startSession(server.ctx, server.ctx.db, {
        tenantId: a.id,
        userId: alice.id,
        method: 'passkey',
      });
      await expectInvalid({ cookie: `${sessionCookieName(server.ctx.config, a)}=${token}` }, 'GRAPH_TOKEN_MISSING');
      await expectInvalid(bearer(token));
    });
  });
});
