// GET /auditLogs/signIns and /auditLogs/directoryAudits over HTTP: each failed sign-in path of the foundation,
// driven for real, read back by its catalogue code with a failure reason and a remediation a help-desk engineer
// can act on; filters by user and time; paging newest first while rows are added; the changes made through the
// Graph users routes with who made them and the old and new values; and nothing of it for another tenant.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError, type ErrorCode } from '../../src/core/errors.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { insertSignIn } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { setUserEnabled, type User } from '../../src/store/users.ts';
import { CookieClient } from '../support/browserless.ts';
import { engines } from '../support/engines.ts';
import { appToken as graphAppToken, graphClient } from '../support/graph-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read as loose JSON in assertions
type Json = Record<string, any>;

describe.each(engines)('Graph auditLogs on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let auditA: string;
  let auditB: string;
  let writerA: string;
  let writerAppId: string;

  const appToken = (t: Tenant, permission: 'AuditLog.Read.All' | 'User.ReadWrite.All') =>
    graphAppToken(server, t, permission, { name: `app-${permission}` });

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    auditA = (await appToken(a, 'AuditLog.Read.All')).token;
    auditB = (await appToken(b, 'AuditLog.Read.All')).token;
    const writer = await appToken(a, 'User.ReadWrite.All');
    writerA = writer.token;
    writerAppId = writer.appId;
  });
  afterAll(() => server?.close());

  const client = graphClient<Json>(() => server, { empty: {} });
  const graph = (token: string, path: string, init: { method?: string; body?: unknown } = {}) =>
    client(init.method ?? 'GET', path, { token, body: init.body });
  const signIns = (token: string, filter: string, extra = '') =>
    graph(token, `/auditLogs/signIns?$filter=${encodeURIComponent(filter)}${extra}`);

  const unique = () => randomUUID().slice(0, 8);
  const newUser = (t: Tenant) => createUser(server.ctx, t, { userPrincipalName: `u-${unique()}@${t.slug}.com` });
  const browser = () => new CookieClient(server.url);
  const post = (path: string, json: unknown) =>
    browser().fetch(path, { method: 'POST', json, headers: { origin: server.url } });

  async function withPass(user: User) {
    return (await issueTap(server.ctx, a, user, { actor: { type: 'system', id: null }, oneTime: false })).pass;
  }
  async function enrolled(t: Tenant, auth = new SoftAuthenticator()) {
    const user = await newUser(t);
    const { session } = await startSession(server.ctx, server.ctx.db, {
      tenantId: t.id,
      userId: user.id,
      method: 'temporaryAccessPass',
    });
    const options = await beginPasskeyRegistration(server.ctx, t, session);
    const credential = await auth.register(options, { origin: server.url });
    await finishPasskeyRegistration(server.ctx, t, session, { credential });
    return { user, auth, credentialId: credential.id };
  }
  /** A passkey sign-in over HTTP: options (username-first when given), the authenticator, verify. */
  async function passkeySignIn(
    t: Tenant,
    auth: SoftAuthenticator,
    p: { username?: string; credentialId?: string; mutate?: Record<string, unknown> } = {},
  ) {
    const o = await post(`/${t.slug}/signin/passkey/options`, p.username ? { username: p.username } : {});
    expect(o.status).toBe(200);
    const options = await o.json();
    const credential = await auth.authenticate(options, {
      origin: server.url,
      ...(p.credentialId ? { credentialId: p.credentialId } : {}),
      ...(p.mutate ? { mutate: p.mutate } : {}),
    });
    return post(`/${t.slug}/signin/passkey/verify`, { credential });
  }
  async function expectRefused(res: Response, code: ErrorCode) {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await res.text()).toContain(code);
  }

  it('Each failed sign-in path of the foundation appears in auditLogs/signIns with its error code and a failure reason a help-desk engineer can act on', async () => {
    const expected = new Map<ErrorCode, string>(); // code → the user id the row must name ('' when none)

    const wrong = await newUser(a);
    await withPass(wrong);
    await expectRefused(
      await post(`/${a.slug}/signin/tap`, { username: wrong.userPrincipalName, pass: 'x'.repeat(16) }),
      'TAP_INVALID',
    );
    expected.set('TAP_INVALID', wrong.id);

    const locked = await newUser(a);
    const pass = await withPass(locked);
    let last: Response | undefined;
    for (let i = 0; i < 11; i++)
      last = await post(`/${a.slug}/signin/tap`, { username: locked.userPrincipalName, pass: `${'y'.repeat(15)}${i}` });
    await expectRefused(
      await post(`/${a.slug}/signin/tap`, { username: locked.userPrincipalName, pass }),
      'TAP_LOCKED_OUT',
    );
    expect(last).toBeDefined();
    expected.set('TAP_LOCKED_OUT', locked.id);

    const disabled = await newUser(a);
    const disabledPass = await withPass(disabled);
    await setUserEnabled(server.ctx.db, a.id, disabled.id, false);
    await expectRefused(
      await post(`/${a.slug}/signin/tap`, { username: disabled.userPrincipalName, pass: disabledPass }),
      'SIGNIN_USER_DISABLED',
    );
    expected.set('SIGNIN_USER_DISABLED', disabled.id);

    const stranger = await enrolled(b);
    await expectRefused(await passkeySignIn(a, stranger.auth), 'SIGNIN_CREDENTIAL_UNKNOWN');
    expected.set('SIGNIN_CREDENTIAL_UNKNOWN', '');

    const alice = await enrolled(a);
    const bob = await enrolled(a);
    await expectRefused(
      await passkeySignIn(a, bob.auth, { username: alice.user.userPrincipalName, credentialId: bob.credentialId }),
      'SIGNIN_PASSKEY_NOT_FOR_ACCOUNT',
    );
    expected.set('SIGNIN_PASSKEY_NOT_FOR_ACCOUNT', '');

    const counted = await enrolled(a, new SoftAuthenticator({ signCount: 5 }));
    await expectRefused(
      await passkeySignIn(a, counted.auth, { username: counted.user.userPrincipalName, mutate: { counter: 3 } }),
      'SIGNIN_COUNTER_REGRESSION',
    );
    expected.set('SIGNIN_COUNTER_REGRESSION', counted.user.id);

    const bound = await enrolled(a, new SoftAuthenticator({ backupEligible: false }));
    await expectRefused(
      await passkeySignIn(a, bound.auth, { mutate: { flags: { be: true, bs: false } } }),
      'SIGNIN_BACKUP_ELIGIBILITY_CHANGED',
    );
    expected.set('SIGNIN_BACKUP_ELIGIBILITY_CHANGED', bound.user.id);

    for (const [code, userId] of expected) {
      const r = await signIns(auditA, `status/errorCode eq '${code}'${userId ? ` and userId eq '${userId}'` : ''}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body['@odata.context']).toBe(`${server.url}/graph/v1.0/$metadata#auditLogs/signIns`);
      expect(r.body.value.length, code).toBeGreaterThanOrEqual(1);
      const row = r.body.value[0];
      const entry = describeError(code);
      expect(row.status.errorCode).toBe(code);
      expect(row.status.failureReason).toBe(entry.message);
      expect(row.status.additionalDetails).toContain(entry.remediation);
      expect(row.authenticationDetails[0]).toMatchObject({ succeeded: false });
      expect(row.authenticationDetails[0].authenticationMethod).toMatch(/^Passkey|^Temporary Access Pass$/);
      expect(row.clientAppUsed).toBe('Browser');
      // A passkey or a pass is multi-factor by itself (Entra counts both as MFA), refused or not.
      expect(row.authenticationRequirement).toBe('multiFactorAuthentication');
      if (userId) {
        expect(row.userId, code).toBe(userId);
        expect(typeof row.userDisplayName).toBe('string');
      }
      for (const other of r.body.value) expect(other.status.errorCode).toBe(code);
      const one = await graph(auditA, `/auditLogs/signIns/${row.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id: row.id, status: row.status });
    }
    // The TAP rows say which method failed; the passkey rows name the credential.
    const tap = await signIns(auditA, `status/errorCode eq 'TAP_INVALID' and userId eq '${wrong.id}'`);
    expect(tap.body.value[0].authenticationDetails[0].authenticationMethod).toBe('Temporary Access Pass');
    const pk = await signIns(auditA, `status/errorCode eq 'SIGNIN_COUNTER_REGRESSION'`);
    expect(pk.body.value[0].authenticationDetails[0].authenticationMethodDetail).toContain(counted.credentialId);
  });

  it('filters by user and by a time range, pages newest first, and stays correct while rows are added', async () => {
    const t = await createTenant(server.ctx, { slug: `p-${unique()}` });
    const token = (await appToken(t, 'AuditLog.Read.All')).token;
    const user = await newUser(t);
    const base = Date.parse('2026-03-01T10:00:00Z');
    const row = (i: number, userId: string | null = user.id) =>
      insertSignIn(server.ctx.db, {
        id: randomUUID(),
        tenantId: t.id,
        createdAt: base + i * 60_000,
        userId,
        userPrincipalName: userId ? user.userPrincipalName : 'nobody@x.test',
        appId: null,
        method: 'passkey',
        result: i % 2 ? 'failure' : 'success',
        errorCode: i % 2 ? 'SIGNIN_CREDENTIAL_UNKNOWN' : null,
        detail: {},
        ip: '192.0.2.1',
        userAgent: 'test',
      });
    for (let i = 0; i < 6; i++) await row(i, i === 5 ? null : user.id);
    // Two rows in the same millisecond: the id breaks the tie, and paging neither skips nor repeats one.
    await row(2);

    const byUser = await signIns(token, `userId eq '${user.id}'`);
    expect(byUser.body.value).toHaveLength(6);
    const byUpn = await signIns(token, `userPrincipalName eq '${user.userPrincipalName.toUpperCase()}'`);
    expect(byUpn.body.value).toHaveLength(6);
    const range = await signIns(
      token,
      'createdDateTime ge 2026-03-01T10:01:00Z and createdDateTime le 2026-03-01T10:03:00Z',
    );
    expect(range.body.value.map((r: Json) => r.createdDateTime)).toEqual([
      '2026-03-01T10:03:00.000Z',
      '2026-03-01T10:02:00.000Z',
      '2026-03-01T10:02:00.000Z',
      '2026-03-01T10:01:00.000Z',
    ]);
    const open = await signIns(token, 'createdDateTime gt 2026-03-01T10:04:00Z');
    expect(open.body.value).toHaveLength(1);
    const success = await signIns(token, `status/errorCode eq 'SIGNIN_CREDENTIAL_UNKNOWN' and userId eq '${user.id}'`);
    expect(success.body.value).toHaveLength(2);
    expect(success.body.value[0].status.errorCode).toBe('SIGNIN_CREDENTIAL_UNKNOWN');

    const seen: Json[] = [];
    let next: string | undefined = `${server.url}/graph/v1.0/auditLogs/signIns?$top=3`;
    let pages = 0;
    while (next) {
      const res = await fetch(next, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as Json;
      seen.push(...body.value);
      next = body['@odata.nextLink'];
      if (pages++ === 0) {
        expect(next).toMatch(/\$top=3&\$skiptoken=/);
        await row(10); // newer than everything: it belongs before the first page, not in a later one
      }
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(new Set(seen.map((r) => r.id)).size).toBe(7);
    const times = seen.map((r) => Date.parse(r.createdDateTime));
    expect(times).toEqual([...times].sort((x, y) => y - x));

    // A token for another query, a forged one, and a bad date are catalogue codes, never a 500.
    const first = await graph(token, '/auditLogs/signIns?$top=1');
    const skiptoken = new URL(first.body['@odata.nextLink']).searchParams.get('$skiptoken');
    const other = await graph(
      token,
      `/auditLogs/signIns?$top=1&$filter=${encodeURIComponent(`userId eq '${user.id}'`)}&$skiptoken=${skiptoken}`,
    );
    expect(other.body.error.code).toBe('GRAPH_SKIPTOKEN_INVALID');
    const directory = await graph(token, `/auditLogs/directoryAudits?$top=1&$skiptoken=${skiptoken}`);
    expect(directory.body.error.code).toBe('GRAPH_SKIPTOKEN_INVALID');
    for (const bad of [
      "createdDateTime ge '2026-03-01'",
      'createdDateTime ge 2026-02-30T99:00:00Z',
      "ipAddress eq '1'",
    ]) {
      const r = await signIns(token, bad);
      expect(r.status, bad).toBe(400);
      expect(r.body.error.code).toBe('GRAPH_QUERY_INVALID');
    }
  });

  it('directoryAudits shows who created, changed and deleted a user through the Graph users routes, with old and new values', async () => {
    const upn = `d-${unique()}@contoso.com`;
    const created = await graph(writerA, '/users', {
      method: 'POST',
      body: { accountEnabled: true, displayName: 'Dana', userPrincipalName: upn },
    });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    expect(
      (await graph(writerA, `/users/${id}`, { method: 'PATCH', body: { displayName: 'Dana Scully' } })).status,
    ).toBe(204);
    expect((await graph(writerA, `/users/${id}`, { method: 'DELETE' })).status).toBe(204);

    const r = await graph(
      auditA,
      `/auditLogs/directoryAudits?$filter=${encodeURIComponent(`initiatedBy/app/appId eq '${writerAppId}'`)}`,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const mine = (r.body.value as Json[]).filter((e) => e.targetResources[0].id === id);
    expect(mine.map((e) => e.activityDisplayName)).toEqual(['Delete user', 'Update user', 'Add user']);
    for (const e of mine) {
      expect(e.initiatedBy.app.appId).toBe(writerAppId);
      expect(e.initiatedBy.user).toBeNull();
      expect(e.category).toBe('UserManagement');
      expect(e.result).toBe('success');
      expect(e.targetResources[0].type).toBe('User');
    }
    const [deleted, updated, added] = mine;
    expect(updated!.operationType).toBe('Update');
    expect(updated!.targetResources[0].modifiedProperties).toEqual([
      { displayName: 'displayName', oldValue: '["Dana"]', newValue: '["Dana Scully"]' },
    ]);
    expect(added!.targetResources[0].modifiedProperties).toEqual(
      expect.arrayContaining([{ displayName: 'userPrincipalName', oldValue: null, newValue: JSON.stringify([upn]) }]),
    );
    expect(deleted!.operationType).toBe('Delete');
    expect(deleted!.targetResources[0].modifiedProperties).toEqual(
      expect.arrayContaining([{ displayName: 'displayName', oldValue: '["Dana Scully"]', newValue: null }]),
    );
    const one = await graph(auditA, `/auditLogs/directoryAudits/${updated!.id}`);
    expect(one.body).toMatchObject({ id: updated!.id, activityDisplayName: 'Update user' });
    const byName = await graph(
      auditA,
      `/auditLogs/directoryAudits?$filter=${encodeURIComponent("activityDisplayName eq 'update user'")}`,
    );
    expect(byName.body.value.map((e: Json) => e.id)).toContain(updated!.id);
    const lambda = await graph(
      auditA,
      `/auditLogs/directoryAudits?$filter=${encodeURIComponent(`targetResources/any(t: t/id eq '${id}')`)}`,
    );
    expect(lambda.status).toBe(400);
    expect(lambda.body.error).toMatchObject({ code: 'GRAPH_QUERY_INVALID', innerError: { parameter: '$filter' } });
  });

  it("another tenant's token sees none of it", async () => {
    const mineA = await graph(auditA, '/auditLogs/signIns?$top=999');
    const audA = await graph(auditA, '/auditLogs/directoryAudits?$top=999');
    expect(mineA.body.value.length).toBeGreaterThan(0);
    const signInsB = await graph(auditB, '/auditLogs/signIns?$top=999');
    const auditsB = await graph(auditB, '/auditLogs/directoryAudits?$top=999');
    const idsB = new Set([...signInsB.body.value, ...auditsB.body.value].map((r: Json) => r.id));
    for (const r of [...mineA.body.value, ...audA.body.value]) expect(idsB.has(r.id)).toBe(false);
    for (const path of [
      `/auditLogs/signIns/${mineA.body.value[0].id}`,
      `/auditLogs/directoryAudits/${audA.body.value[0].id}`,
    ]) {
      const r = await graph(auditB, path);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('GRAPH_RESOURCE_NOT_FOUND');
    }
    const filtered = await signIns(auditB, `status/errorCode eq 'TAP_INVALID'`);
    expect(filtered.body.value).toEqual([]);
  });
});
