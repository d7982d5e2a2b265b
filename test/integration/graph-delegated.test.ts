// Delegated Graph tokens (issue 7): a signed-in user's code flow that asks for Graph scopes, in any of the four
// ways Graph scripts write them, gives an RFC 9068 access token for `{public URL}/graph` with `scp` and `wids`;
// a call succeeds only with both a declared scope and a declared role; a disabled user's token stops at once.
// The GET routes of the table are walked with delegated tokens, so a new route cannot go untested.
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELEGATED_SCOPES, ROLE_TEMPLATE_IDS, type RoleName } from '../../src/core/authorization.ts';
import { directoryRoleId, roleAssignmentId } from '../../src/core/graph-role.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { loadPrivateJwks } from '../../src/flows/signing-keys.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { declaresPermission } from '../../src/http/graph/route.ts';
import { graphRoutes } from '../../src/http/graph/table.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { assignRole, setUserEnabled, type User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens } from '../support/graph.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const OIDC = 'openid profile offline_access';
const GA = ROLE_TEMPLATE_IDS['Global Administrator'];

describe.each(engines)('delegated Graph tokens on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let spa: { id: string };
  let web: { id: string; secret: string };
  let spaB: { id: string };
  const people = new Map<string, { user: User; pass: string; tenant: Tenant }>();
  const tokens = new Map<string, Record<string, unknown>>();

  async function person(tenant: Tenant, name: string, roles: string[]) {
    const user = await createUser(server.ctx, tenant, {
      userPrincipalName: `${name.replace(/\W+/g, '-')}@${tenant.slug}.example`,
    });
    // Role names straight into the store: every Entra role, not only those `user create --role` offers yet.
    for (const r of roles) await assignRole(server.ctx.db, tenant.id, user.id, r);
    const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: false, actor: { type: 'system', id: null } });
    people.set(name, { user, pass, tenant });
    return user;
  }

  /** The token response for this person, app and scope (the code flow once per combination). */
  async function tokensOf(name: string, scope: string, client: { id: string; secret?: string } = spa) {
    const key = `${name} ${client.id} ${scope}`;
    const cached = tokens.get(key);
    if (cached) return cached;
    const p = people.get(name)!;
    const r = await authorizationCodeTokens(
      server,
      p.tenant,
      client,
      { upn: p.user.userPrincipalName, pass: p.pass },
      scope,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    tokens.set(key, r.body);
    return r.body;
  }
  const accessToken = async (name: string, scope: string) => String((await tokensOf(name, scope)).access_token);

  const graph = () => `${server.url}/graph`;
  const call = (path: string, token: string) =>
    fetch(`${graph()}/v1.0${path}`, { headers: { authorization: `Bearer ${token}` } });
  const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    spa = (await createApp(server.ctx, a, { name: 'SPA', redirectUris: [`${server.url}/cb`], publicClient: true })).app;
    const w = await createApp(server.ctx, a, {
      name: 'Web',
      redirectUris: [`${server.url}/cb`],
      publicClient: false,
      permissions: ['User.Read.All'],
    });
    web = { id: w.app.id, secret: w.clientSecret! };
    spaB = (await createApp(server.ctx, b, { name: 'SPA B', redirectUris: [`${server.url}/cb`], publicClient: true }))
      .app;
    await person(a, 'ga', ['Global Administrator']);
    await person(a, 'plain', []);
    await person(a, 'reader', ['Global Reader']);
    await person(a, 'leaving', ['Global Administrator']);
    for (const role of Object.keys(ROLE_TEMPLATE_IDS)) await person(a, `role ${role}`, [role]);
    await person(b, 'gaB', ['Global Administrator']);
  });
  afterAll(() => server?.close());

  it.each([
    ['https://graph.microsoft.com/.default', 'User.Read'],
    ['{graph}/.default', 'User.Read'],
    ['https://graph.microsoft.com/User.Read.All', 'User.Read.All'],
    ['User.Read.All', 'User.Read.All'],
  ])('scope %s through the code flow gives an at+jwt for the Graph resource with scp %s', async (form, scp) => {
    const body = await tokensOf('ga', `${OIDC} ${form.replace('{graph}', graph())}`);
    const token = String(body.access_token);
    const header = decodeProtectedHeader(token);
    expect(header.typ).toBe('at+jwt');
    expect(header.alg).toBe('RS256');
    const ga = people.get('ga')!.user;
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      aud: graph(),
      iss: `${server.url}/${a.id}/v2.0`,
      tid: a.id,
      oid: ga.id,
      sub: ga.id,
      scp,
      wids: [GA],
    });
    expect(claims.scope).toBeUndefined();
    expect(claims.roles).toBeUndefined();
    expect(typeof claims.jti).toBe('string');
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
    // The ID token is as it was: for the app, about who signed in.
    expect(decodeJwt(String(body.id_token))).toMatchObject({ aud: spa.id, sub: ga.id, tid: a.id, nonce: 'nn' });
  });

  it('reads .default safely: User.Read, plus only what an administrator granted the app', async () => {
    const pub = decodeJwt(await accessToken('plain', `${OIDC} https://graph.microsoft.com/.default`));
    expect(pub.scp).toBe('User.Read');
    expect(pub.wids).toBeUndefined();
    const granted = await tokensOf('plain', `${OIDC} https://graph.microsoft.com/.default`, web);
    expect(decodeJwt(String(granted.access_token)).scp).toBe('User.Read User.Read.All');
  });

  it('gives a refreshed access token for the Graph resource with the same scp and the roles of now', async () => {
    const body = await tokensOf('reader', `${OIDC} User.Read.All`, web);
    expect(typeof body.refresh_token).toBe('string');
    const res = await fetch(`${server.url}/${a.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${web.id}:${web.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(body.refresh_token) }),
    });
    expect(res.status).toBe(200);
    const refreshed = decodeJwt(String(((await res.json()) as { access_token: string }).access_token));
    expect(refreshed).toMatchObject({
      aud: graph(),
      scp: 'User.Read.All',
      wids: [ROLE_TEMPLATE_IDS['Global Reader']],
      oid: people.get('reader')!.user.id,
    });
  });

  it('keeps ID-token-only flows as they were: no Graph access token unless Graph scopes are asked for', async () => {
    const body = await tokensOf('ga', 'openid profile');
    expect(typeof body.id_token).toBe('string');
    expect(String(body.access_token).split('.')).toHaveLength(1);
    expect(body.scope).toBe('openid profile');
    expect((await call(`/users/${people.get('plain')!.user.id}`, String(body.access_token))).status).toBe(401);
  });

  it('refuses a Graph scope Signet does not know at the authorization request', async () => {
    const p = people.get('ga')!;
    const r = await authorizationCodeTokens(
      server,
      a,
      spa,
      { upn: p.user.userPrincipalName, pass: p.pass },
      `${OIDC} https://graph.microsoft.com/Mail.Send`,
    );
    expect(r.body.error).toBe('invalid_scope');
  });

  it('lets a Global Administrator with User.Read.All read a user of the tenant', async () => {
    const target = people.get('plain')!.user;
    const res = await call(`/users/${target.id}`, await accessToken('ga', `${OIDC} User.Read.All`));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe(target.id);
  });

  it('refuses a user with the scope but no role, and a Global Reader without the scope', async () => {
    const target = people.get('ga')!.user.id;
    const noRole = await call(`/users/${target}`, await accessToken('plain', `${OIDC} User.Read.All`));
    expect(noRole.status).toBe(403);
    expect(await codeOf(noRole)).toBe('GRAPH_PERMISSION_DENIED');
    const noScope = await call(`/users/${target}`, await accessToken('reader', `${OIDC} User.Read`));
    expect(noScope.status).toBe(403);
    expect(await codeOf(noScope)).toBe('GRAPH_PERMISSION_DENIED');
  });

  it("refuses a disabled user's token at once, and takes it back once enabled again", async () => {
    const leaving = people.get('leaving')!.user;
    const token = await accessToken('leaving', `${OIDC} User.Read.All`);
    expect((await call(`/users/${leaving.id}`, token)).status).toBe(200);
    await setUserEnabled(server.ctx.db, a.id, leaving.id, false);
    const res = await call(`/users/${leaving.id}`, token);
    expect(res.status).toBe(401);
    expect(await codeOf(res)).toBe('GRAPH_USER_DISABLED');
    expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
    await setUserEnabled(server.ctx.db, a.id, leaving.id, true);
    expect((await call(`/users/${leaving.id}`, token)).status).toBe(200);
  });

  it("answers another tenant's delegated token as if the user did not exist", async () => {
    const tokenB = String((await tokensOf('gaB', `${OIDC} User.Read.All`, spaB)).access_token);
    expect(decodeJwt(tokenB).tid).toBe(b.id);
    const res = await call(`/users/${people.get('ga')!.user.id}`, tokenB);
    expect([401, 404]).toContain(res.status);
    const missing = await call(`/users/${crypto.randomUUID()}`, tokenB);
    expect(missing.status).toBe(res.status);
    expect(await codeOf(missing)).toBe(await codeOf(res));
  });

  it('refuses an ID token, and an access token for another audience, as invalid', async () => {
    const target = `/users/${people.get('plain')!.user.id}`;
    const body = await tokensOf('ga', `${OIDC} User.Read.All`);
    const idToken = await call(target, String(body.id_token));
    expect(idToken.status).toBe(401);
    expect(await codeOf(idToken)).toBe('GRAPH_TOKEN_INVALID');
    // The tenant's own key, every claim right but the audience.
    const jwk = (await loadPrivateJwks(server.ctx, a.id)).find((k) => k.alg === 'RS256')!;
    const good = decodeJwt(String(body.access_token));
    const other = await new SignJWT({ ...good, aud: 'https://other.example.com' })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid! })
      .sign(await importJWK(jwk, 'RS256'));
    const res = await call(target, other);
    expect(res.status).toBe(401);
    expect(await codeOf(res)).toBe('GRAPH_TOKEN_INVALID');
  });

  describe('the GET routes of the table, with delegated tokens', () => {
    const gets = graphRoutes.filter(declaresPermission).filter((r) => r.method === 'GET');
    const pathOf = (path: string) =>
      path.replace(/:(\w+)(?:\([^)]*\))?/g, (_m, name: string) => {
        // A route with another parameter needs a real value here: fail, so the new route is noticed.
        if (name === 'methodId' && methodIds[path.split('/').at(-2)!]) return methodIds[path.split('/').at(-2)!]!;
        // The log entry routes: a real row of tenant A (an audit row is written with every user).
        if (path.startsWith('/auditLogs/')) return logIds[path.split('/')[2]!]!;
        // The group routes: a real group of tenant A, with 'plain' as a member.
        if (path.startsWith('/groups/') && name === 'id') return groupId;
        // The role routes: tenant A's Global Administrator role, and the assignment of it to 'ga'.
        if (path.startsWith('/directoryRoles/') && name === 'id') return directoryRoleId(a.id, 'Global Administrator');
        if (name === 'roleTemplateId') return ROLE_TEMPLATE_IDS['Global Administrator'];
        if (path.startsWith('/roleManagement/') && name === 'id')
          return roleAssignmentId({ userId: people.get('ga')!.user.id, role: 'Global Administrator' });
        // The application routes: a real app of tenant A.
        if (path.startsWith('/applications/') && name === 'id') return appId;
        // The Conditional Access routes: a policy, named location and context of tenant A (ca-fixtures.ts).
        if (
          path.startsWith('/identity/conditionalAccess/') &&
          !path.includes('/authenticationStrength') &&
          name === 'id'
        )
          return caIds[path.split('/')[3]!]!;
        // The authentication strength routes: a custom strength of tenant A and its fido2 configuration.
        if (path.includes('/authenticationStrength')) return name === 'configId' ? strength.configId : strength.id;
        // The authentication methods policy's configurations, by Graph's id in its own letter case.
        if (name === 'configId') return 'fido2';
        // The beta creationOptions(challengeTimeoutInMinutes=N) function form.
        if (name === 'minutes') return '10';
        if (name !== 'id') throw new Error(`GET ${path}: no test value for :${name}`);
        return people.get('plain')!.user.id;
      });
    // The :methodId of the authentication-method routes: a passkey and the pass of 'plain'.
    const methodIds: Record<string, string> = {};
    const strength = { id: '', configId: '' };
    const caIds: Record<string, string> = {};
    // /me/…/{methodId} names the caller's own passkey: one for each person the walk sends there, by user id.
    const ownPasskeys = new Map<string, string>();
    const ownTotps = new Map<string, string>();
    const ownPathOf = (path: string, who: string) =>
      path.startsWith('/me/') && path.endsWith('/:methodId')
        ? path.replace(
            ':methodId',
            (path.includes('/softwareOathMethods/') ? ownTotps : ownPasskeys).get(people.get(who)!.user.id)!,
          )
        : undefined;
    // The ids of the log entry routes: a sign-in row and an audit row of tenant A.
    const logIds: Record<string, string> = {};
    let groupId = '';
    let appId = '';
    beforeAll(async () => {
      appId = (
        await (
          await import('../../src/flows/directory.ts')
        ).createApp(server.ctx, a, {
          name: 'walk app',
          redirectUris: ['https://app.example/cb'],
          publicClient: false,
        })
      ).app.id;
      Object.assign(caIds, await (await import('../support/ca-fixtures.ts')).caIdsOf(server.ctx, a));
      const st = await import('../support/strength-fixtures.ts');
      Object.assign(strength, await st.sharedStrength(server.ctx, a));
      const g = await import('../support/group-fixtures.ts');
      groupId = (await g.groupFixture(server.ctx, a)).id;
      const f = await import('../support/auth-method-fixtures.ts');
      Object.assign(methodIds, await f.methodIdsOf(server.ctx, a, people.get('plain')!.user.id));
      const own = await import('../support/provisioning-fixtures.ts');
      const walkers = ['plain', 'role Global Administrator'].map((w) => people.get(w)!.user.id);
      for (const [userId, id] of await own.ownPasskeyIds(server.ctx, a, walkers)) ownPasskeys.set(userId, id);
      const otp = await import('../support/otp-fixtures.ts');
      for (const [userId, id] of await otp.ownTotpIds(server.ctx, a, walkers)) ownTotps.set(userId, id);
      Object.assign(methodIds, await otp.otpMethodIdsOf(server.ctx, a, people.get('plain')!.user.id));
      const r = await import('../support/report-fixtures.ts');
      Object.assign(methodIds, await r.passwordMethodIdsOf(server.ctx, a, people.get('plain')!.user.id));
      const db = server.ctx.db;
      const audit = await db.selectFrom('audit_logs').select('id').where('tenant_id', '=', a.id).executeTakeFirst();
      logIds.directoryAudits = audit?.id ?? 'none';
      logIds.signIns = crypto.randomUUID();
      await db
        .insertInto('sign_ins')
        .values({
          id: logIds.signIns,
          tenant_id: a.id,
          created_at: 0,
          method: 'passkey',
          result: 'success',
          detail: '{}',
        })
        .execute();
    });
    it('has GET routes to walk', () => expect(gets.length).toBeGreaterThan(0));

    it.each(gets.map((r) => [r.path, r] as const))('GET %s', async (_path, route) => {
      const path = pathOf(route.path);
      // A route Graph does not have (ours, beta only) is walked on the version it is served on.
      const version = route.versions?.[0] ?? 'v1.0';
      const call = (p: string, token: string) =>
        fetch(`${graph()}/${version}${p}`, { headers: { authorization: `Bearer ${token}` } });
      const { scopes, roles } = route.permission.delegated;
      const declaredRoles: readonly RoleName[] = roles === 'anyUser' ? [] : roles;
      const holders = roles === 'anyUser' ? ['plain'] : declaredRoles.map((r) => `role ${r}`);
      for (const scope of scopes) {
        for (const who of [...holders, 'role Global Administrator']) {
          const res = await call(ownPathOf(route.path, who) ?? path, await accessToken(who, `${OIDC} ${scope}`));
          expect(res.status, `${who} with ${scope}`).toBeGreaterThanOrEqual(200);
          expect(res.status, `${who} with ${scope}`).toBeLessThan(300);
        }
        if (roles !== 'anyUser') {
          // Every role the route does not declare (Global Administrator aside), and no role at all.
          const others = (Object.keys(ROLE_TEMPLATE_IDS) as RoleName[]).filter(
            (r) => r !== 'Global Administrator' && !declaredRoles.includes(r),
          );
          for (const who of ['plain', ...others.map((r) => `role ${r}`)]) {
            const res = await call(path, await accessToken(who, `${OIDC} ${scope}`));
            expect(res.status, `${who} with ${scope}`).toBe(403);
            expect(await codeOf(res)).toBe('GRAPH_PERMISSION_DENIED');
          }
        }
      }
      // A declared role (or Global Administrator) with a delegated scope the route does not declare.
      const undeclared = DELEGATED_SCOPES.find((s) => !scopes.some((d) => d.toLowerCase() === s.toLowerCase()))!;
      for (const who of [...holders, 'role Global Administrator']) {
        const res = await call(path, await accessToken(who, `${OIDC} ${undeclared}`));
        expect(res.status, `${who} with ${undeclared}`).toBe(403);
        expect(await codeOf(res)).toBe('GRAPH_PERMISSION_DENIED');
      }
    });
  });
});
