// Authenticator apps (TOTP, RFC 6238) end to end on a real server and database: the set-up page after a fresh
// strong sign-in (key shown as text and an otpauth:// link, confirmed by a first code, sealed at rest), the
// SoftwareOath method configuration governing it, removal from the page, and the code as a second factor accepted
// once. The Graph routes are in graph-otp-methods.test.ts.
import { Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt, totpStepAt } from '../../src/core/totp.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updateMethodConfiguration } from '../../src/flows/method-policy.ts';
import { listAudits, listSignIns } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { addTotp, enableCodeMethods } from '../support/otp-fixtures.ts';
import { load, pageCode, postJson, sessionCookie, shownKey, submit } from '../support/otp-pages.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const SETUP = (t: Tenant) => `/${t.slug}/account/authenticator-app`;
const OATH_TYPE = '#microsoft.graph.softwareOathAuthenticationMethodConfiguration';

describe.each(engines)('authenticator apps (TOTP) on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let n = 0;
  const newUser = () => createUser(server.ctx, tenant, { userPrincipalName: `totp${++n}@contoso.com` });
  const now = () => server.ctx.now();

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    await enableCodeMethods(server.ctx, tenant);
  });
  afterAll(() => server?.close());

  /** Sets up an app for the user through the page; its key. */
  async function setUp(user: User): Promise<Uint8Array> {
    const { cookie } = await sessionCookie(server, tenant, user, { amr: ['tap', 'mfa'], strong: true });
    const page = await load(server, SETUP(tenant), cookie);
    const key = shownKey(page.html)!;
    const secret = Secret.fromBase32(key).bytes;
    const done = await submit(server, SETUP(tenant), { code: totpCodeAt(secret, now()), displayName: 'Phone' }, cookie);
    expect(done.status, done.html).toBe(303);
    return secret;
  }

  it('sends a browser without a session to sign in, and back here afterwards', async () => {
    const r = await load(server, SETUP(tenant));
    expect(r.status).toBe(303);
    expect(r.location).toBe(`/contoso/signin?return=${encodeURIComponent('/contoso/account/authenticator-app')}`);
  });

  it('asks for a fresh sign-in when the strong one is older than 5 minutes, and sets nothing up', async () => {
    const user = await newUser();
    const { cookie } = await sessionCookie(server, tenant, user, { amr: ['tap', 'mfa'], strong: true });
    server.clock.offsetMs = 6 * 60_000;
    try {
      const page = await load(server, SETUP(tenant), cookie);
      expect(page.status).toBe(200);
      expect(page.html).toContain('id="reauth"');
      expect(page.html).toContain(
        'href="/contoso/signin?return=%2Fcontoso%2Faccount%2Fauthenticator-app&amp;reauth=1"',
      );
      expect(shownKey(page.html)).toBeUndefined();
      const post = await submit(server, SETUP(tenant), { code: '123456' }, cookie);
      expect(post.html).toContain('id="reauth"');
      const json = await postJson(server, SETUP(tenant), { code: '123456' }, cookie);
      expect(json.status).toBe(401);
      expect(json.body.error.code).toBe('OTP_STRONG_AUTH_REQUIRED');
      // A password-only session is not strong either.
      const pwd = await sessionCookie(server, tenant, user, { amr: ['pwd'] });
      expect((await load(server, SETUP(tenant), pwd.cookie)).html).toContain('id="reauth"');
    } finally {
      server.clock.offsetMs = 0;
    }
    const rows = await server.ctx.db.selectFrom('totp_methods').select('id').where('user_id', '=', user.id).execute();
    expect(rows).toEqual([]);
  });

  it('shows the key as text and an otpauth link, the same on a reload, and adds the app with its first code', async () => {
    const user = await newUser();
    const { cookie } = await sessionCookie(server, tenant, user, { amr: ['fido', 'mfa'], strong: true });
    const first = await load(server, SETUP(tenant), cookie);
    const key = shownKey(first.html)!;
    expect(key).toMatch(/^[A-Z2-7]{32}$/);
    const href = /id="otpauth-link"[^>]*|<a href="(otpauth:[^"]+)" id="otpauth-link"/.exec(first.html)?.[1];
    expect(href).toBeDefined();
    const uri = new URL(href!.replace(/&#38;/g, '&'));
    expect(uri.searchParams.get('secret')).toBe(key);
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
    expect(shownKey((await load(server, SETUP(tenant), cookie)).html)).toBe(key);
    const secret = Secret.fromBase32(key).bytes;

    // A wrong code: the page again, with the code in small print, and nothing added.
    const right = totpCodeAt(secret, now());
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    const refused = await submit(server, SETUP(tenant), { code: wrong }, cookie);
    expect(refused.status).toBe(401);
    expect(pageCode(refused.html)).toBe('OTP_CODE_INVALID');
    expect(refused.html).toContain('id="no-apps"');

    const ok = await submit(server, SETUP(tenant), { code: right, displayName: 'My phone' }, cookie);
    expect(ok.status).toBe(303);
    expect(ok.location).toBe('/contoso/account/authenticator-app?done=added');
    const after = await load(server, ok.location!, cookie);
    expect(after.html).toContain('The authenticator app was added.');
    expect(after.html).toContain('My phone');

    // Sealed at rest: neither the key nor its bytes are in the row.
    const row = await server.ctx.db
      .selectFrom('totp_methods')
      .selectAll()
      .where('user_id', '=', user.id)
      .where('confirmed_at', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(row.secret_sealed).not.toContain(key);
    expect(row.secret_sealed).not.toContain(Buffer.from(secret).toString('base64url'));
    expect(row.secret_sealed).not.toContain(Buffer.from(secret).toString('hex'));
    expect(row.secret_sealed.split('.')).toHaveLength(5); // a compact JWE
    expect(Number(row.last_step)).toBe(totpStepAt(now()));
    const audits = (await listAudits(server.ctx.db, tenant.id)).filter((a) => a.targetId === user.id);
    expect(audits.map((a) => a.activity)).toContain('Add software OATH method');
  });

  it('refuses the set-up when the SoftwareOath configuration is off or does not target the user', async () => {
    const other = await createTenant(server.ctx, { slug: `off-${++n}` });
    const user = await createUser(server.ctx, other, { userPrincipalName: `off${n}@contoso.com` });
    const { cookie } = await sessionCookie(server, other, user, { amr: ['tap', 'mfa'], strong: true });
    const page = await load(server, SETUP(other), cookie);
    expect(pageCode(page.html)).toBe('OTP_TOTP_NOT_ALLOWED');
    expect(shownKey(page.html)).toBeUndefined();
    await updateMethodConfiguration(server.ctx, other, localOperator(other.id), 'SoftwareOath', {
      '@odata.type': OATH_TYPE,
      state: 'enabled',
      excludeTargets: [{ id: user.id, targetType: 'user' }],
    });
    expect(pageCode((await load(server, SETUP(other), cookie)).html)).toBe('OTP_TOTP_NOT_ALLOWED');
    const json = await postJson(server, SETUP(other), { code: '123456' }, cookie);
    expect(json.status).toBe(403);
    expect(json.body.error.code).toBe('OTP_TOTP_NOT_ALLOWED');
  });

  it('stops a set-up left for more than 10 minutes, and allows at most 5 apps', async () => {
    const user = await newUser();
    const first = await sessionCookie(server, tenant, user, { amr: ['tap', 'mfa'], strong: true });
    const key = shownKey((await load(server, SETUP(tenant), first.cookie)).html)!;
    server.clock.offsetMs = 11 * 60_000;
    try {
      const later = await sessionCookie(server, tenant, user, { amr: ['tap', 'mfa'], strong: true });
      const code = totpCodeAt(Secret.fromBase32(key).bytes, now());
      const json = await postJson(server, SETUP(tenant), { code }, later.cookie);
      expect(json.status).toBe(400);
      expect(json.body.error.code).toBe('OTP_TOTP_SETUP_EXPIRED');
      // The page now shows a new key.
      expect(shownKey((await load(server, SETUP(tenant), later.cookie)).html)).not.toBe(key);
    } finally {
      server.clock.offsetMs = 0;
    }
    for (let i = 0; i < 5; i++) await addTotp(server.ctx, tenant, user.id);
    const full = await load(server, SETUP(tenant), first.cookie);
    expect(pageCode(full.html)).toBe('OTP_TOTP_LIMIT_REACHED');
    expect(shownKey(full.html)).toBeUndefined();
  });

  it('removes the user’s own app from the page after a fresh sign-in, never another user’s', async () => {
    const user = await newUser();
    await setUp(user);
    const other = await newUser();
    await setUp(other);
    const idOf = async (u: User) =>
      (
        await server.ctx.db
          .selectFrom('totp_methods')
          .select('id')
          .where('user_id', '=', u.id)
          .executeTakeFirstOrThrow()
      ).id;
    const own = await idOf(user);
    const theirs = await idOf(other);
    const { cookie } = await sessionCookie(server, tenant, user, { amr: ['fido', 'mfa'], strong: true });
    const page = await load(server, SETUP(tenant), cookie);
    expect(page.html).toContain(`action="/contoso/account/authenticator-app/${own}/remove"`);
    const refused = await submit(server, `${SETUP(tenant)}/${theirs}/remove`, {}, cookie);
    expect(refused.status).toBe(404);
    expect(pageCode(refused.html)).toBe('OTP_TOTP_NOT_REGISTERED');
    const stale = await sessionCookie(server, tenant, user, { amr: ['pwd', 'otp', 'mfa'] });
    const notFresh = await submit(server, `${SETUP(tenant)}/${own}/remove`, {}, stale.cookie);
    expect(notFresh.html).toContain('id="reauth"');
    const removed = await submit(server, `${SETUP(tenant)}/${own}/remove`, {}, cookie);
    expect(removed.status).toBe(303);
    expect(removed.location).toBe('/contoso/account/authenticator-app?done=removed');
    expect((await load(server, removed.location!, cookie)).html).toContain('id="no-apps"');
    expect(await idOf(other)).toBe(theirs);
    const audits = (await listAudits(server.ctx.db, tenant.id)).filter((a) => a.targetId === user.id);
    expect(audits.find((a) => a.activity === 'Delete software OATH method')).toMatchObject({
      actorType: 'user',
      actorId: user.id,
    });
  });

  it('as a second factor: the code of now works once; the same code again, or the set-up code, is refused', async () => {
    const user = await newUser();
    const secret = await setUp(user);
    const { cookie, sessionId } = await sessionCookie(server, tenant, user, { amr: ['pwd'] });
    const second = '/contoso/signin/second-factor';
    // The code that confirmed the set-up proved this step already.
    const setupCode = totpCodeAt(secret, now());
    const replayed = await submit(server, second, { method: 'totp', code: setupCode }, cookie);
    expect(pageCode(replayed.html)).toBe('OTP_CODE_ALREADY_USED');
    // The next step's code (inside the ±1 window) works, once.
    const next = totpCodeAt(secret, now() + 30_000);
    const ok = await submit(server, second, { method: 'totp', code: next }, cookie);
    expect(ok.status, ok.html).toBe(303);
    expect(ok.location).toBe('/contoso/account');
    // The session continues under a new id (rotation at step-up), holding both steps.
    const old = await server.ctx.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', sessionId)
      .executeTakeFirstOrThrow();
    expect(old.revoked_at).not.toBeNull();
    const live = await server.ctx.db
      .selectFrom('sessions')
      .selectAll()
      .where('tenant_id', '=', tenant.id)
      .where('user_id', '=', user.id)
      .where('revoked_at', 'is', null)
      .execute();
    expect(live.map((r) => JSON.parse(r.amr))).toContainEqual(['pwd', 'otp', 'mfa']);
    expect(live.map((r) => JSON.parse(r.amr))).not.toContainEqual(['pwd']);
    const again = await sessionCookie(server, tenant, user, { amr: ['pwd'] });
    const twice = await postJson(server, second, { method: 'totp', code: next }, again.cookie);
    expect(twice.status).toBe(401);
    expect(twice.body.error.code).toBe('OTP_CODE_ALREADY_USED');
    // A code two steps away is outside the window.
    const far = await postJson(
      server,
      second,
      { method: 'totp', code: totpCodeAt(secret, now() + 90_000) },
      again.cookie,
    );
    expect(far.body.error.code).toBe('OTP_CODE_INVALID');
    const log = (await listSignIns(server.ctx.db, tenant.id, 1000)).filter((r) => r.userId === user.id);
    expect(log.filter((r) => r.method === 'softwareOath' && r.result === 'success')).toHaveLength(1);
    expect(log.filter((r) => r.errorCode === 'OTP_CODE_ALREADY_USED')).toHaveLength(2);
  });

  it("refuses another user's code, and another tenant's user's", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const aliceKey = await setUp(alice);
    await setUp(bob);
    const bobSession = await sessionCookie(server, tenant, bob, { amr: ['pwd'] });
    const code = totpCodeAt(aliceKey, now() + 30_000);
    const r = await postJson(server, '/contoso/signin/second-factor', { method: 'totp', code }, bobSession.cookie);
    expect(r.body.error.code).toBe('OTP_CODE_INVALID');
    const other = await createTenant(server.ctx, { slug: `elsewhere-${++n}` });
    await enableCodeMethods(server.ctx, other);
    const carol = await createUser(server.ctx, other, { userPrincipalName: 'carol@elsewhere.com' });
    const c = await sessionCookie(server, other, carol, { amr: ['pwd'] });
    const there = await postJson(server, `/${other.slug}/signin/second-factor`, { method: 'totp', code }, c.cookie);
    expect(there.body.error.code).toBe('OTP_TOTP_NOT_REGISTERED');
    // Alice's cookie means nothing at the other tenant's address.
    const aliceSession = await sessionCookie(server, tenant, alice, { amr: ['pwd'] });
    const cross = await postJson(
      server,
      `/${other.slug}/signin/second-factor`,
      { method: 'totp', code },
      aliceSession.cookie,
    );
    expect(cross.body.error.code).toBe('SESSION_REQUIRED');
  });
});
