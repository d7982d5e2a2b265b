// passwordProfile on POST and PATCH /users, as a Graph script sends it: a user may be passwordless; a password
// given is judged by Entra's rules (refused with a code that names the rule, never the password), stored as a
// salted argon2id hash only, audited as "password set", never read back (passwordProfile reads as null), and shown
// as Graph's passwordAuthenticationMethod. The password and its hash appear in no response, log line or log row.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/flows/directory.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { PASSWORD_METHOD_ID } from '../../src/http/graph/password-methods.ts';
import { findPasswordCredential, verifyPassword } from '../../src/store/password-credentials.ts';
import { liveSessionIds } from '../../src/store/sessions.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { engines } from '../support/engines.ts';
import { errorCode as codeOf, appToken as graphAppToken, graphClient } from '../support/graph-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;

describe.each(engines)('passwordProfile and passwordMethods on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let writer: string;
  let methodsA: string;
  let methodsB: string;
  const logLines: string[] = [];
  /** Everything any caller was sent, to search for secrets at the end. */
  const responses: string[] = [];
  const secrets: string[] = [];

  const appToken = async (t: Tenant, permission: string) =>
    (await graphAppToken(server, t, permission, { name: `pw-${permission}` })).token;

  beforeAll(async () => {
    server = await startTestServer(engine, {}, undefined, {
      logger: true,
      logStream: { write: (l: string) => logLines.push(l) },
    });
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    writer = await appToken(a, 'User.ReadWrite.All');
    methodsA = await appToken(a, 'UserAuthenticationMethod.ReadWrite.All');
    methodsB = await appToken(b, 'UserAuthenticationMethod.ReadWrite.All');
  });
  afterAll(() => server?.close());

  const client = graphClient<Json & { value: Json[] }>(() => server, { empty: {}, seen: (t) => responses.push(t) });
  const graph = (method: string, path: string, token: string, body?: unknown) => client(method, path, { token, body });
  /** A password nobody else uses, remembered so the last test can look for it everywhere. */
  const newPassword = () => {
    const p = `Pw-${randomBytes(9).toString('base64url')}7x`;
    secrets.push(p);
    return p;
  };
  let n = 0;
  const create = (passwordProfile?: unknown) =>
    graph('POST', '/users', writer, {
      accountEnabled: true,
      displayName: `Person ${++n}`,
      userPrincipalName: `p${n}-${randomBytes(3).toString('hex')}@contoso.com`,
      mailNickname: `p${n}`,
      ...(passwordProfile === undefined ? {} : { passwordProfile }),
    });

  it('creates a passwordless user without passwordProfile: no password method', async () => {
    const r = await create();
    expect(r.status).toBe(201);
    const id = String(r.body.id);
    const list = await graph('GET', `/users/${id}/authentication/passwordMethods`, methodsA);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#users('${id}')/authentication/passwordMethods`,
      value: [],
    });
    const one = await graph('GET', `/users/${id}/authentication/passwordMethods/${PASSWORD_METHOD_ID}`, methodsA);
    expect(one.status).toBe(404);
    expect(codeOf(one)).toBe('GRAPH_RESOURCE_NOT_FOUND');
    expect(await findPasswordCredential(server.ctx.db, a.id, id)).toBeUndefined();
  });

  it('stores a given password as a salted argon2id hash and shows Graph’s password method', async () => {
    const password = newPassword();
    const r = await create({ password, forceChangePasswordNextSignIn: true });
    expect(r.status).toBe(201);
    expect(r.body).not.toHaveProperty('passwordProfile');
    const id = String(r.body.id);
    const stored = await findPasswordCredential(server.ctx.db, a.id, id);
    expect(stored?.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[\w+/]{22}\$[\w+/]{43}$/);
    secrets.push(stored!.hash, stored!.hash.split('$').at(-1)!);
    expect(stored!.forceChangeNextSignIn).toBe(true);
    expect(await verifyPassword(password, stored!.hash)).toBe(true);
    expect(await verifyPassword(`${password}x`, stored!.hash)).toBe(false);

    const method = {
      '@odata.type': '#microsoft.graph.passwordAuthenticationMethod',
      id: PASSWORD_METHOD_ID,
      password: null,
      createdDateTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    };
    const list = await graph('GET', `/users/${id}/authentication/passwordMethods`, methodsA);
    expect(list.body.value).toEqual([method]);
    const one = await graph('GET', `/users/${id}/authentication/passwordMethods/${PASSWORD_METHOD_ID}`, methodsA);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#users('${id}')/authentication/passwordMethods/$entity`,
      ...method,
    });
    const other = await graph('GET', `/users/${id}/authentication/passwordMethods/${crypto.randomUUID()}`, methodsA);
    expect(other.status).toBe(404);
    // The password is one of the user's methods.
    const all = await graph('GET', `/users/${id}/authentication/methods`, methodsA);
    expect(all.body.value).toEqual([method]);
    // The same password for another user: another salt, another hash.
    const twin = await create({ password });
    const twinHash = (await findPasswordCredential(server.ctx.db, a.id, String(twin.body.id)))!.hash;
    expect(twinHash).not.toBe(stored!.hash);
    secrets.push(twinHash);
  });

  it('never reads passwordProfile back: it is null when selected, and absent otherwise', async () => {
    const r = await create({ password: newPassword() });
    const id = String(r.body.id);
    const selected = await graph('GET', `/users/${id}?$select=id,passwordProfile`, writer);
    expect(selected.body).toEqual({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#users(id,passwordProfile)/$entity`,
      id,
      passwordProfile: null,
    });
    const plain = await graph('GET', `/users/${id}`, writer);
    expect(plain.body).not.toHaveProperty('passwordProfile');
    const list = await graph('GET', `/users?$select=id,passwordProfile&$filter=id eq '${id}'`, writer);
    expect(list.body.value).toEqual([{ id, passwordProfile: null }]);
  });

  it.each([
    ['too short', 'Ab1!xyz', 'PASSWORD_LENGTH_INVALID'],
    ['too long', `Ab1!${'x'.repeat(253)}`, 'PASSWORD_LENGTH_INVALID'],
    ['of two classes', 'abcdefgh12345', 'PASSWORD_TOO_SIMPLE'],
    ['with characters Entra refuses', 'Äbcdefgh12345', 'PASSWORD_CHARACTER_NOT_ALLOWED'],
  ])(
    'refuses a password %s on POST, naming the rule but not the password, and creates nothing',
    async (_w, password, code) => {
      secrets.push(password);
      const upn = `refused-${randomBytes(3).toString('hex')}@contoso.com`;
      const r = await graph('POST', '/users', writer, {
        accountEnabled: true,
        displayName: 'Refused',
        userPrincipalName: upn,
        passwordProfile: { password },
      });
      expect(r.status).toBe(400);
      expect(codeOf(r)).toBe(code);
      expect((r.body.error as { innerError: Json }).innerError.field).toBe('passwordProfile.password');
      expect(r.text).not.toContain(password);
      expect((await graph('GET', `/users/${upn}`, writer)).status).toBe(404);
    },
  );

  it("refuses a password containing the user's name part or display name", async () => {
    secrets.push('Grace.H-2026!', '1!grace hopper');
    const r = await graph('POST', '/users', writer, {
      accountEnabled: true,
      displayName: 'Grace Hopper',
      userPrincipalName: 'grace.h@contoso.com',
      passwordProfile: { password: 'Grace.H-2026!' },
    });
    expect(codeOf(r)).toBe('PASSWORD_CONTAINS_USER_NAME');
    const byDisplayName = await graph('POST', '/users', writer, {
      accountEnabled: true,
      displayName: 'Grace Hopper',
      userPrincipalName: 'gh@contoso.com',
      passwordProfile: { password: '1!grace hopper' },
    });
    expect(codeOf(byDisplayName)).toBe('PASSWORD_CONTAINS_USER_NAME');
    expect((await graph('GET', '/users/gh@contoso.com', writer)).status).toBe(404);
  });

  it('refuses a malformed passwordProfile as Graph does (unknown property, wrong type)', async () => {
    const unknown = await create({ password: newPassword(), hint: 'x' });
    expect(codeOf(unknown)).toBe('REQUEST_INVALID');
    const wrongType = await create({ password: 12345678 });
    expect(codeOf(wrongType)).toBe('REQUEST_INVALID');
  });

  it('sets and replaces a password with PATCH: 204, audited as "password set", judged against the new names', async () => {
    const id = String((await create()).body.id);
    const first = newPassword();
    const r = await graph('PATCH', `/users/${id}`, writer, { passwordProfile: { password: first } });
    expect(r.status).toBe(204);
    const before = await findPasswordCredential(server.ctx.db, a.id, id);
    expect(await verifyPassword(first, before!.hash)).toBe(true);
    secrets.push(before!.hash);

    // The display name set in the same PATCH is the one the password may not contain.
    secrets.push('x1!margaret hamilton');
    const bad = await graph('PATCH', `/users/${id}`, writer, {
      displayName: 'Margaret Hamilton',
      passwordProfile: { password: 'x1!margaret hamilton' },
    });
    expect(codeOf(bad)).toBe('PASSWORD_CONTAINS_USER_NAME');
    // Nothing of a refused PATCH is applied: neither the name nor the password.
    expect((await graph('GET', `/users/${id}`, writer)).body.displayName).toMatch(/^Person /);
    expect((await findPasswordCredential(server.ctx.db, a.id, id))!.hash).toBe(before!.hash);

    server.clock.offsetMs += 2000;
    const second = newPassword();
    expect((await graph('PATCH', `/users/${id}`, writer, { passwordProfile: { password: second } })).status).toBe(204);
    server.clock.offsetMs -= 2000;
    const after = await findPasswordCredential(server.ctx.db, a.id, id);
    secrets.push(after!.hash);
    expect(await verifyPassword(second, after!.hash)).toBe(true);
    expect(await verifyPassword(first, after!.hash)).toBe(false);
    expect(after!.createdAt).toBeGreaterThan(before!.createdAt);

    const audits = await server.ctx.db
      .selectFrom('audit_logs')
      .select(['activity', 'detail'])
      .where('tenant_id', '=', a.id)
      .where('target_id', '=', id)
      .orderBy('created_at')
      .execute();
    const updates = audits.filter((x) => x.activity === 'Update user').map((x) => JSON.parse(x.detail) as Json);
    expect(updates).toEqual([{ passwordProfile: 'password set' }, { passwordProfile: 'password set' }]);
  });

  it('ends the user’s sessions when an administrator sets a new password (a reset), and not on other changes', async () => {
    const created = await create({ password: newPassword() });
    const id = String(created.body.id);
    const live = async () => liveSessionIds(server.ctx.db, a.id, id, server.ctx.now());
    const { session } = await startSession(server.ctx, server.ctx.db, {
      tenantId: a.id,
      userId: id,
      method: 'password',
    });
    expect(await live()).toEqual([session.id]);
    expect((await graph('PATCH', `/users/${id}`, writer, { displayName: 'Renamed' })).status).toBe(204);
    expect(await live()).toEqual([session.id]);
    const r = await graph('PATCH', `/users/${id}`, writer, { passwordProfile: { password: newPassword() } });
    expect(r.status).toBe(204);
    expect(await live()).toEqual([]);
  });

  it('answers 404 for a user of another tenant or none, the same way', async () => {
    const id = String((await create({ password: newPassword() })).body.id);
    const foreign = await graph('GET', `/users/${id}/authentication/passwordMethods`, methodsB);
    const missing = await graph('GET', `/users/${crypto.randomUUID()}/authentication/passwordMethods`, methodsB);
    for (const r of [foreign, missing]) {
      expect(r.status).toBe(404);
      expect(codeOf(r)).toBe('GRAPH_RESOURCE_NOT_FOUND');
    }
    const foreignOne = await graph(
      'GET',
      `/users/${id}/authentication/passwordMethods/${PASSWORD_METHOD_ID}`,
      methodsB,
    );
    expect(foreignOne.status).toBe(404);
    // Another tenant's writer cannot set it either.
    const writerB = await appToken(b, 'User.ReadWrite.All');
    const patch = await graph('PATCH', `/users/${id}`, writerB, { passwordProfile: { password: newPassword() } });
    expect(patch.status).toBe(404);
  });

  it('deletes the password with the user', async () => {
    const id = String((await create({ password: newPassword() })).body.id);
    expect(await findPasswordCredential(server.ctx.db, a.id, id)).toBeDefined();
    expect((await graph('DELETE', `/users/${id}`, writer)).status).toBe(204);
    expect(await findPasswordCredential(server.ctx.db, a.id, id)).toBeUndefined();
  });

  it('never shows a password or its hash in any response, log line, sign-in row or audit row', async () => {
    expect(secrets.length).toBeGreaterThan(8);
    // Every report and audit read too, as a reader would look.
    const reader = await appToken(a, 'AuditLog.Read.All');
    for (const path of [
      '/auditLogs/directoryAudits?$top=999',
      '/auditLogs/signIns',
      '/reports/authenticationMethods/userRegistrationDetails',
    ])
      expect((await graph('GET', path, reader)).status).toBe(200);
    const rows = [
      ...(await server.ctx.db.selectFrom('audit_logs').selectAll().execute()),
      ...(await server.ctx.db.selectFrom('sign_ins').selectAll().execute()),
    ].map((r) => JSON.stringify(r));
    expect(logLines.length).toBeGreaterThan(0);
    expect(rows.length).toBeGreaterThan(0);
    const everything = [...responses, ...logLines, ...rows];
    for (const secret of secrets) for (const text of everything) expect(text.includes(secret), secret).toBe(false);
  });
});
