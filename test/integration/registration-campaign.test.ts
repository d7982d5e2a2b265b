// The registration campaign between a sign-in and the app, as a browser without script walks it, on each engine
// (issue 8; SPEC §2.4): a targeted user without a passkey is sent from /signin/continue to "Set up a passkey", may
// answer "Not now" (the app then continues) until the snoozes are spent, and is not asked again within the snooze
// days, nor at all once they have a passkey, are excluded, or the campaign is off or left at default.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updatePolicyRoot } from '../../src/flows/method-policy.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { campaignFor } from '../../src/flows/registration-campaign.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { issueTap, signInWithTap } from '../../src/flows/temporary-access-pass.ts';
import { sessionCookieName } from '../../src/http/session-cookie.ts';
import { saveCampaignSnooze } from '../../src/store/campaign-snoozes.ts';
import { listSignIns } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { CookieClient, isAt, onwardOf } from '../support/browserless.ts';
import { engines } from '../support/engines.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

type Json = Record<string, unknown>;
const DAY = 24 * 60 * 60_000;
const SYSTEM = { type: 'system', id: null } as const;

describe.each(engines)('the registration campaign on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let app: string;
  const redirectUri = 'http://localhost:5999/cb';
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `rc-${engine}` });
    app = (await createApp(server.ctx, tenant, { name: 'App', redirectUris: [redirectUri], publicClient: true })).app
      .id;
  });
  afterAll(() => server?.close());

  const setCampaign = (c: Json) =>
    updatePolicyRoot(server.ctx, tenant, localOperator(tenant.id), {
      registrationEnforcement: { authenticationMethodsRegistrationCampaign: c },
    });
  const newUser = () => createUser(server.ctx, tenant, { userPrincipalName: `c${++n}-${engine}@contoso.com` });

  /** A browser that starts an app's sign-in and signs in with a fresh pass: where /signin/continue sends it. */
  async function signInToApp(user: User, browser = new CookieClient(server.url)) {
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({
      client_id: app,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirectUri,
      state: 'st',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const start = await browser.fetch(`/${tenant.id}/oauth2/v2.0/authorize?${q}`);
    const uid = new URL(start.headers.get('location') ?? '', server.url).searchParams.get('uid');
    expect(uid).toBeTruthy();
    const { pass } = await issueTap(server.ctx, tenant, user, { actor: SYSTEM });
    const signin = await browser.fetch(`/${tenant.slug}/signin/tap`, {
      method: 'POST',
      headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: user.userPrincipalName, pass, uid: uid! }),
    });
    // The form post goes on to the app's request by a page that goes on by itself (a new navigation).
    expect(signin.status).toBe(200);
    const next = await browser.fetch((await onwardOf(signin))!);
    expect(next.status).toBe(303);
    return { browser, uid: uid!, at: next.headers.get('location')! };
  }

  /** Follows redirects until the app (true) or a page (false). */
  async function reachesApp(browser: CookieClient, location: string): Promise<boolean> {
    for (let i = 0; i < 8; i++) {
      if (isAt(location, redirectUri, server.url)) return new URL(location).searchParams.has('code');
      const res = await browser.fetch(location);
      if (res.status < 300 || res.status >= 400) return false;
      location = res.headers.get('location') ?? '';
    }
    return false;
  }

  const campaignAt = (uid: string) => `/${tenant.slug}/signin/campaign?uid=${encodeURIComponent(uid)}`;
  const notNow = (browser: CookieClient, uid: string) =>
    browser.fetch(`/${tenant.slug}/signin/campaign/snooze`, {
      method: 'POST',
      headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ uid }),
    });

  it('goes straight on to the app while the campaign is at default (Graph: disabled) or disabled', async () => {
    const user = await newUser();
    for (const state of ['default', 'disabled']) {
      await setCampaign({ state });
      const { browser, at } = await signInToApp(user);
      expect(await reachesApp(browser, at), state).toBe(true);
    }
  });

  it('asks a targeted user without a passkey, lets "Not now" continue to the app, and not again within the snooze days', async () => {
    await setCampaign({ state: 'enabled', snoozeDurationInDays: 2, enforceRegistrationAfterAllowedSnoozes: true });
    const user = await newUser();
    const { browser, uid, at } = await signInToApp(user);
    expect(at).toBe(campaignAt(uid));
    const page = await browser.fetch(at);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<h1>Set up a passkey</h1>');
    expect(html).toContain(`action="/${tenant.slug}/account"`);
    expect(html).toContain('Not now');
    expect(html).toContain('you will be asked again in 2 days. You can postpone this 3 more times.');
    expect(html).not.toMatch(/<script/);
    // Two "Not now" at once (a double click): both continue, and they count once.
    const [snoozed, twice] = await Promise.all([notNow(browser, uid), notNow(browser, uid)]);
    expect(twice.status).toBe(200);
    const rows = await server.ctx.db
      .selectFrom('campaign_snoozes')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(rows.map((r) => Number(r.snooze_count))).toEqual([1]);
    // The form post goes on to the app's request by a page that goes on by itself (a new navigation).
    const onward = await onwardOf(snoozed);
    expect(onward).toBe(`/${tenant.slug}/signin/continue?uid=${encodeURIComponent(uid)}`);
    expect(await reachesApp(browser, onward!)).toBe(true);
    // A new sign-in the next day: not asked.
    server.clock.offsetMs += DAY;
    try {
      const again = await signInToApp(user);
      expect(await reachesApp(again.browser, again.at)).toBe(true);
      server.clock.offsetMs += DAY;
      const later = await signInToApp(user);
      expect(later.at).toBe(campaignAt(later.uid));
      expect(await (await later.browser.fetch(later.at)).text()).toContain('You can postpone this twice more.');
    } finally {
      server.clock.offsetMs = 0;
    }
  });

  it('after three snoozes offers only "Set up now", refuses "Not now" with its code, logged, and holds the app', async () => {
    await setCampaign({ state: 'enabled', snoozeDurationInDays: 0, enforceRegistrationAfterAllowedSnoozes: true });
    const user = await newUser();
    for (let i = 0; i < 3; i++) {
      const { browser, uid, at } = await signInToApp(user);
      expect(at, `sign-in ${i + 1}`).toBe(campaignAt(uid));
      const r = await notNow(browser, uid);
      expect(r.status).toBe(200);
      expect(await reachesApp(browser, (await onwardOf(r))!)).toBe(true);
    }
    const { browser, uid, at } = await signInToApp(user);
    const html = await (await browser.fetch(at)).text();
    expect(html).toContain('You have already postponed this as often as');
    expect(html).not.toContain('Not now');
    const refused = await notNow(browser, uid);
    expect(refused.status).toBe(403);
    const text = await refused.text();
    expect(text).toContain('CAMPAIGN_SNOOZES_USED');
    expect(text).toContain('You have already postponed setting up a passkey as often as your organization allows.');
    // The app is not reached: continue sends the browser back to the question.
    const cont = await browser.fetch(`/${tenant.slug}/signin/continue?uid=${encodeURIComponent(uid)}`);
    expect(cont.headers.get('location')).toBe(campaignAt(uid));
    // Nor by a new request from the app while the session lives: it is sent to the question too.
    const again = await browser.fetch(
      `/${tenant.id}/oauth2/v2.0/authorize?${new URLSearchParams({
        client_id: app,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: redirectUri,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      })}`,
    );
    const newUid = new URL(again.headers.get('location') ?? '', server.url).searchParams.get('uid')!;
    const shortcut = await browser.fetch(`/${tenant.slug}/signin?uid=${newUid}`);
    expect(shortcut.status).toBe(303);
    expect(shortcut.headers.get('location')).toBe(campaignAt(newUid));
    const log = (await listSignIns(server.ctx.db, tenant.id, 1000)).filter((r) => r.userId === user.id);
    expect(log.filter((r) => r.errorCode === 'CAMPAIGN_SNOOZES_USED')).toEqual([
      expect.objectContaining({ result: 'failure', userPrincipalName: user.userPrincipalName }),
    ]);
  });

  it('holds an enforced registration however long the session waits, and never asks a password-only session', async () => {
    await setCampaign({ state: 'enabled', snoozeDurationInDays: 0, enforceRegistrationAfterAllowedSnoozes: true });
    const user = await newUser();
    await saveCampaignSnooze(server.ctx.db, tenant.id, user.id, undefined, { count: 3, until: 0, sessionId: null }, 0);
    const { browser, uid, at } = await signInToApp(user);
    expect(at).toBe(campaignAt(uid));
    // Past the five minutes of a fresh sign-in: still held (the account page asks it to sign in again to register).
    server.clock.offsetMs += 6 * 60_000;
    const cont = await browser.fetch(`/${tenant.slug}/signin/continue?uid=${encodeURIComponent(uid)}`);
    expect(cont.headers.get('location')).toBe(campaignAt(uid));
    // A session from a password alone cannot register a passkey: it is not asked.
    const { session } = await startSession(server.ctx, server.ctx.db, {
      tenantId: tenant.id,
      userId: user.id,
      method: 'temporaryAccessPass',
    });
    expect((await campaignFor(server.ctx, tenant, session)).ask).toBe(true);
    expect(await campaignFor(server.ctx, tenant, { ...session, amr: ['pwd'], strongAuthAt: null })).toEqual({
      ask: false,
      reason: 'cannotRegister',
    });
  });

  it('with unlimited snoozes keeps offering "Not now" after three', async () => {
    await setCampaign({ state: 'enabled', snoozeDurationInDays: 0, enforceRegistrationAfterAllowedSnoozes: false });
    const user = await newUser();
    for (let i = 0; i < 4; i++) {
      const { browser, uid, at } = await signInToApp(user);
      const html = await (await browser.fetch(at)).text();
      expect(html, `sign-in ${i + 1}`).toContain('Not now');
      expect(html).not.toContain('You can postpone this');
      expect((await notNow(browser, uid)).status).toBe(200);
    }
  });

  it('does not ask a user with a passkey, nor an excluded one', async () => {
    await setCampaign({ state: 'enabled', snoozeDurationInDays: 0, enforceRegistrationAfterAllowedSnoozes: true });
    const owner = await newUser();
    const { pass } = await issueTap(server.ctx, tenant, owner, { actor: SYSTEM, oneTime: true });
    const { session } = await signInWithTap(server.ctx, tenant, { username: owner.userPrincipalName, pass });
    const auth = new SoftAuthenticator();
    const credential = await auth.register(await beginPasskeyRegistration(server.ctx, tenant, session), {
      origin: server.url,
    });
    await finishPasskeyRegistration(server.ctx, tenant, session, { credential, name: 'Laptop' });
    const signedIn = await signInToApp(owner);
    expect(await reachesApp(signedIn.browser, signedIn.at)).toBe(true);

    const excluded = await newUser();
    await setCampaign({ excludeTargets: [{ id: excluded.id, targetType: 'user' }] });
    const e = await signInToApp(excluded);
    expect(await reachesApp(e.browser, e.at)).toBe(true);
    await setCampaign({ excludeTargets: [] });
  });

  it('refuses "Not now" from another site, the question to another browser, and sends one without a session to sign in', async () => {
    await setCampaign({ state: 'enabled', snoozeDurationInDays: 1, enforceRegistrationAfterAllowedSnoozes: true });
    const user = await newUser();
    const { browser, uid } = await signInToApp(user);
    const foreign = await browser.fetch(`/${tenant.slug}/signin/campaign/snooze`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ uid }),
    });
    expect(foreign.status).toBe(403);
    const rows = await server.ctx.db
      .selectFrom('campaign_snoozes')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(rows).toHaveLength(0);
    // The interaction is bound to the browser that started it: another browser is told the request is gone.
    const stranger = new CookieClient(server.url);
    const r = await stranger.fetch(campaignAt(uid), { headers: { accept: 'text/html' } });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('OIDC_INTERACTION_NOT_FOUND');
    // The browser that started it but lost its Signet session is sent to sign in again, the request kept.
    browser.jar.delete(sessionCookieName(server.ctx.config, tenant));
    const lost = await browser.fetch(campaignAt(uid));
    expect(lost.status).toBe(303);
    expect(lost.headers.get('location')).toBe(`/${tenant.slug}/signin?uid=${encodeURIComponent(uid)}`);
    const lostNotNow = await notNow(browser, uid);
    expect(lostNotNow.headers.get('location')).toBe(`/${tenant.slug}/signin?uid=${encodeURIComponent(uid)}`);
  });
});
