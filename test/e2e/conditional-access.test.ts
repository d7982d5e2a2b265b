// Conditional Access in Chromium (SQLite), as people and apps meet it: an app every user must reach with
// phishing-resistant MFA offers only the passkey way; a user with only a password, signed in through another app,
// is refused with the way out in plain words and the app gets nothing; a user with a security key (a CDP virtual
// authenticator) is asked only for it, fresh or stepped up from a password session without the password again, and
// the app's ID token says how they signed in; a report-only block on the other app changes nothing but is in the
// sign-in log Graph shows; the refusal and the step-up pages pass axe-core in light and dark. The same scenarios
// without a browser: test/integration/conditional-access-signin.test.ts.
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHISHING_RESISTANT_STRENGTH_ID } from '../../src/core/strengths.ts';
import { createPolicy } from '../../src/flows/conditional-access.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { hashPassword, savePasswordCredential } from '../../src/store/password-credentials.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { launchChromium, openTab, type PageProblem, runAxe, type Tab } from '../support/browser.ts';
import { type AppCallback, appClient, type CodeFlow, recordingCallback } from '../support/ca-browser.ts';
import { appToken, graphClient } from '../support/graph-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STEP = 60_000;
const REPORT_ONLY = 'Wiki block (report-only)';

/** The text a person reads in an element, spaces as shown. */
const text = async (l: Locator) => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe('Conditional Access in Chromium (SQLite)', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  let callback: AppCallback;
  let payroll: Awaited<ReturnType<typeof appClient>>;
  let wiki: Awaited<ReturnType<typeof appClient>>;
  let wikiId: string;
  let graphToken: string;
  const contexts: BrowserContext[] = [];
  const problems: PageProblem[] = [];
  let n = 0;

  const at = (path: string) => `${server.url}/${tenant.slug}${path}`;
  const atApp = (u: URL) => u.href.startsWith(callback.redirectUri);

  async function newTab(): Promise<Tab> {
    const context = await browser.newContext();
    contexts.push(context);
    return openTab(context, problems);
  }

  /** A user with a password (nothing else yet). */
  async function person() {
    const user = await createUser(server.ctx, tenant, { userPrincipalName: `u${++n}@ca-e2e.example` });
    const password = `Ca-${randomBytes(6).toString('hex')}!`;
    await savePasswordCredential(server.ctx.db, {
      tenantId: tenant.id,
      userId: user.id,
      hash: await hashPassword(password, randomBytes(16)),
      forceChangeNextSignIn: false,
      forceChangeWithMfa: false,
      createdAt: server.ctx.now(),
    });
    return { user, password };
  }
  type Person = Awaited<ReturnType<typeof person>>;

  /** Opens the app's request and waits for Signet's sign-in page (or whatever page the request ends on). */
  async function open(page: Page, flow: CodeFlow) {
    await page.goto(flow.url);
    await page.waitForURL((u) => atApp(u) || u.pathname.startsWith(`/${tenant.slug}/signin`));
    await page.waitForLoadState('load');
  }

  /** Signs in through the wiki (which asks for nothing more) with the password form; the wiki gets its code. */
  async function passwordThroughWiki(page: Page, who: Person) {
    const flow = await wiki.begin();
    await open(page, flow);
    await page.locator('#password-username').fill(who.user.userPrincipalName);
    await page.locator('#password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in with your password' }).click();
    await page.waitForURL(atApp);
    return flow.finish(page.url());
  }

  /** A security key (USB, so Chromium starts no autofill request) registered through a pass and the account page. */
  async function withSecurityKey(t: Tab, user: User) {
    const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: true, actor: { type: 'system', id: null } });
    await t.page.goto(at('/signin'));
    await t.page.locator('#tap-username').fill(user.userPrincipalName);
    await t.page.locator('#tap').fill(pass);
    await t.page.getByRole('button', { name: 'Sign in with the pass' }).click();
    await t.page.waitForURL(at('/account'));
    const key = await t.addAuthenticator({ transport: 'usb' });
    await t.page.locator('#new-name').fill('YubiKey');
    await t.page.locator('#add-passkey').click();
    await expect.poll(() => t.page.locator('li.passkey').count(), { timeout: 15_000 }).toBe(1);
    expect(await t.credentials(key)).toHaveLength(1);
    // A browser with the key but no Signet session.
    await t.page.context().clearCookies();
  }

  /** Only the passkey way on the page: no password, pass or code. */
  async function onlyThePasskey(page: Page) {
    expect({
      passkey: await page.locator('#passkey-form').count(),
      password: await page.locator('#password-form').count(),
      tap: await page.locator('#tap-form').count(),
      code: await page.locator('#code-heading').count(),
      passwordField: await page.locator('input[type="password"]').count(),
    }).toEqual({ passkey: 1, password: 0, tap: 0, code: 0, passwordField: 0 });
    expect(await page.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).toBe(true);
  }

  async function checkBothSchemes(page: Page, name: string) {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const findings = await runAxe(page);
      expect({ name, colorScheme, findings }).toEqual({ name, colorScheme, findings: [] });
    }
    await page.emulateMedia({ colorScheme: null });
  }

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    tenant = await createTenant(server.ctx, { slug: 'ca-e2e', displayName: 'Contoso CA' });
    callback = await recordingCallback();
    const a = await createApp(server.ctx, tenant, {
      name: 'Payroll',
      redirectUris: [callback.redirectUri],
      publicClient: true,
    });
    const b = await createApp(server.ctx, tenant, {
      name: 'Wiki',
      redirectUris: [callback.redirectUri],
      publicClient: true,
    });
    wikiId = b.app.id;
    payroll = await appClient(server, tenant, a.app.id, callback);
    wiki = await appClient(server, tenant, b.app.id, callback);
    const op = localOperator(tenant.id);
    await createPolicy(server.ctx, tenant, op, {
      displayName: 'Payroll needs phishing-resistant MFA',
      state: 'enabled',
      conditions: {
        users: { includeUsers: ['All'] },
        applications: { includeApplications: [a.app.id] },
        clientAppTypes: ['all'],
      },
      grantControls: { operator: 'OR', authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID } },
    });
    await createPolicy(server.ctx, tenant, op, {
      displayName: REPORT_ONLY,
      state: 'enabledForReportingButNotEnforced',
      conditions: {
        users: { includeUsers: ['All'] },
        applications: { includeApplications: [b.app.id] },
        clientAppTypes: ['all'],
      },
      grantControls: { operator: 'OR', builtInControls: ['block'] },
    });
    graphToken = (await appToken(server, tenant, 'AuditLog.Read.All')).token;
    browser = await launchChromium();
  }, STEP);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await callback?.close();
    await server?.close();
  });

  it(
    '1. the protected app’s sign-in page offers only the passkey way',
    async () => {
      const { page } = await newTab();
      const flow = await payroll.begin();
      await open(page, flow);
      expect(new URL(page.url()).pathname).toBe(`/${tenant.slug}/signin`);
      expect(await text(page.getByRole('heading', { level: 1 }))).toBe('Sign in to Contoso CA');
      await onlyThePasskey(page);
      expect(flow.received()).toEqual([]);
    },
    STEP,
  );

  it(
    '2. a user with only a password, signed in through the wiki, is refused with the way out; the app gets nothing',
    async () => {
      const who = await person();
      const { page } = await newTab();
      const wikiTokens = await passwordThroughWiki(page, who);
      expect(wikiTokens.claims()!.amr).toEqual(['pwd']);
      const flow = await payroll.begin();
      await open(page, flow);
      expect(atApp(new URL(page.url()))).toBe(false);
      // The one error page: what happened and what to do in plain words, the code in small print.
      expect(await text(page.getByRole('heading', { level: 1 }))).toBe('Not allowed');
      const box = page.getByRole('alert');
      expect(await text(box.locator('.status-text'))).toBe(
        'This app needs a stronger way of signing in than any you have set up, such as a passkey or a security key.',
      );
      expect(await text(box.locator('.status-remediation'))).toBe(
        'Ask your help desk for a Temporary Access Pass, sign in with it and add a passkey or security key on your security info page, then try again.',
      );
      expect(await text(page.locator('p.small-print'))).toMatch(
        /^Error code: CA_STRENGTH_CANNOT_SATISFY · HTTP 403 · Request id: \S+$/,
      );
      expect(await page.locator('input[type="password"]').count()).toBe(0);
      await checkBothSchemes(page, 'ca-refusal');
      // Reloading changes nothing: still refused, still no callback for this request.
      await page.reload();
      expect(await text(page.locator('p.small-print'))).toContain('Error code: CA_STRENGTH_CANNOT_SATISFY');
      expect(flow.received()).toEqual([]);
    },
    STEP,
  );

  it(
    '3. a user with a security key opening the app fresh is asked only for it; the ID token says phishing-resistant, hwk',
    async () => {
      const who = await person();
      const t = await newTab();
      await withSecurityKey(t, who.user);
      const flow = await payroll.begin();
      await open(t.page, flow);
      await onlyThePasskey(t.page);
      await t.page.locator('#username').fill(who.user.userPrincipalName);
      await t.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await t.page.waitForURL(atApp, { timeout: 20_000 });
      const claims = (await flow.finish(t.page.url())).claims()!;
      expect(claims.sub).toBe(who.user.id);
      expect(claims.acr).toBe(PHISHING_RESISTANT_STRENGTH_ID);
      // The virtual USB key is device-bound (no backup flags): hwk, never swk; no password.
      expect(claims.amr).toEqual(['pop', 'hwk', 'user', 'fido', 'mfa']);
    },
    STEP,
  );

  it(
    '4. the same kind of user signed in with a password is stepped up to the key alone, the password not asked again',
    async () => {
      const who = await person();
      const t = await newTab();
      await withSecurityKey(t, who.user);
      expect((await passwordThroughWiki(t.page, who)).claims()!.amr).toEqual(['pwd']);
      const passwordPosts: string[] = [];
      t.page.on('request', (r) => {
        if (r.method() === 'POST' && /\/signin\/(password|tap)$/.test(new URL(r.url()).pathname))
          passwordPosts.push(r.url());
      });
      const flow = await payroll.begin();
      await open(t.page, flow);
      expect(await text(t.page.getByRole('heading', { level: 1 }))).toBe('One more step to continue');
      expect(await text(t.page.locator('#step-up'))).toContain('Confirm it is you with your passkey or security key.');
      await onlyThePasskey(t.page);
      expect(await t.page.locator('#username').inputValue()).toBe(who.user.userPrincipalName);
      await checkBothSchemes(t.page, 'ca-step-up');
      await t.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await t.page.waitForURL(atApp, { timeout: 20_000 });
      const claims = (await flow.finish(t.page.url())).claims()!;
      expect(claims.sub).toBe(who.user.id);
      expect(claims.acr).toBe(PHISHING_RESISTANT_STRENGTH_ID);
      expect(claims.amr).toEqual(['pop', 'hwk', 'user', 'fido', 'pwd', 'mfa']);
      expect(passwordPosts).toEqual([]);
    },
    STEP,
  );

  it(
    '5. a report-only block on the wiki changes nothing, and the sign-in log shows what it would have done',
    async () => {
      const who = await person();
      const { page } = await newTab();
      const tokens = await passwordThroughWiki(page, who);
      expect(tokens.claims()!.sub).toBe(who.user.id);
      expect(await text(page.locator('h1'))).toBe('Signed in to the app');
      const graph = graphClient(() => server);
      const filter = encodeURIComponent(`userId eq '${who.user.id}'`);
      const r = await graph('GET', `/auditLogs/signIns?$filter=${filter}`, { token: graphToken });
      expect(r.status).toBe(200);
      // biome-ignore lint/suspicious/noExplicitAny: the Graph signIn entries read as loose JSON
      const entries = (r.body as { value: any[] }).value;
      const entry = entries.find((e) =>
        e.appliedConditionalAccessPolicies?.some((p: { displayName: string }) => p.displayName === REPORT_ONLY),
      );
      expect(entry, JSON.stringify(entries, null, 1).slice(0, 3000)).toBeDefined();
      expect(entry).toMatchObject({ appId: wikiId, status: { errorCode: 0 } });
      expect(entry.appliedConditionalAccessPolicies).toContainEqual(
        expect.objectContaining({ displayName: REPORT_ONLY, result: 'reportOnlyFailure' }),
      );
    },
    STEP,
  );

  it('6. no page logged a script error or a CSP violation; only the refusal’s 403 was a failed load', () => {
    const unexpected = problems.filter(
      (p) =>
        !(
          p.kind === 'console' &&
          /^Failed to load resource: the server responded with a status of 403/.test(p.text) &&
          new URL(p.url).pathname === `/${tenant.slug}/signin`
        ),
    );
    expect(unexpected).toEqual([]);
  });
});
