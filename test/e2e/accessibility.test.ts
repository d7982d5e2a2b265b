// Every page Signet shows, in Chromium, in the light and the dark colour scheme: axe-core (WCAG 2.x A/AA and
// best practices) finds nothing, notices and the focus ring keep their contrast, and a screenshot of each is
// left in /tmp/signet-a11y for a person to look at.
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initInstance } from '../../src/flows/bootstrap.ts';
import { createApp } from '../../src/flows/directory.ts';
import { markCloneSuspected } from '../../src/store/passkeys.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { contrastRatio, launchChromium, openTab, type PageProblem, runAxe, type Tab } from '../support/browser.ts';
import { isAt } from '../support/browserless.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STEP = 60_000;
const SHOTS = '/tmp/signet-a11y';
const SCHEMES = ['light', 'dark'] as const;

describe('accessibility of every page in light and dark mode (Chromium, SQLite)', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  let admin: User;
  let adminPass: string;
  const contexts: BrowserContext[] = [];
  const problems: PageProblem[] = [];
  /** Signed in, with a platform authenticator and (after the first step) a passkey. */
  let member: Tab;
  /** Not signed in, no authenticator: the sign-in pages stay as they are. */
  let visitor: Tab;

  const at = (path: string) => `${server.url}/${tenant.slug}${path}`;

  async function newTab(): Promise<Tab> {
    const context = await browser.newContext();
    contexts.push(context);
    return openTab(context, problems);
  }

  /** Runs axe in both schemes on the page as it is now, and keeps a screenshot of each. */
  async function checkBothSchemes(page: Page, name: string): Promise<void> {
    for (const colorScheme of SCHEMES) {
      await page.emulateMedia({ colorScheme });
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      // The page follows the scheme (so that the dark run checks the dark colours).
      expect({ name, colorScheme, bg }).toEqual({
        name,
        colorScheme,
        bg: colorScheme === 'dark' ? 'rgb(18, 18, 24)' : 'rgb(255, 255, 255)',
      });
      const findings = await runAxe(page);
      expect({ name, colorScheme, findings }).toEqual({ name, colorScheme, findings: [] });
      await page.screenshot({ path: `${SHOTS}/${name}-${colorScheme}.png`, fullPage: true });
    }
    await page.emulateMedia({ colorScheme: null });
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer('sqlite');
    const init = await initInstance(server.ctx);
    tenant = init.tenant;
    admin = init.admin;
    adminPass = init.tap!.pass;
    browser = await launchChromium();
    visitor = await newTab();
    member = await newTab();
    await member.addAuthenticator({ transport: 'internal' });
  }, STEP);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  it(
    'the sign-in page: plain, with a notice, and with an error shown',
    async () => {
      const { page } = visitor;
      await page.goto(at('/signin'));
      await page.waitForLoadState('load');
      await checkBothSchemes(page, 'signin');

      await page.goto(at('/signin?reauth=1'));
      await expect.poll(() => page.locator('#notice').textContent()).toContain('sign in again to continue');
      await checkBothSchemes(page, 'signin-notice');

      await page.goto(at('/signin'));
      await page.waitForLoadState('load');
      await page.locator('#tap-username').fill(admin.userPrincipalName);
      await page.locator('#tap').fill('not-the-pass-123');
      await page.getByRole('button', { name: 'Sign in with the pass' }).click();
      await expect.poll(() => page.locator('#status').textContent()).toContain('Error code: TAP_INVALID');
      await checkBothSchemes(page, 'signin-error');
    },
    STEP,
  );

  it(
    'the sign-in page when its script is blocked, and after a form post refused by the server',
    async () => {
      const context = await browser.newContext();
      contexts.push(context);
      await context.route('**/static/signin.js', (r) => r.abort());
      const page = await context.newPage();
      await page.goto(at('/signin'));
      await expect.poll(() => page.locator('#script-failed').textContent()).toContain('did not load');
      await checkBothSchemes(page, 'signin-script-blocked');

      await page.locator('#tap-username').fill(admin.userPrincipalName);
      await page.locator('#tap').fill('not-the-pass-123');
      await page.locator('#tap').press('Enter');
      await expect.poll(() => page.locator('#status').textContent()).toContain('Error code: TAP_INVALID');
      await expect.poll(() => page.locator('#script-failed').count()).toBe(1);
      await checkBothSchemes(page, 'signin-form-refused');
    },
    STEP,
  );

  it(
    'the account page: with passkeys, with a notice, with an error shown, with a clone warning',
    async () => {
      const { page } = member;
      await page.goto(at('/signin'));
      await page.locator('#tap-username').fill(admin.userPrincipalName);
      await page.locator('#tap').fill(adminPass);
      await page.getByRole('button', { name: 'Sign in with the pass' }).click();
      await page.waitForURL(/\/account$/);
      await checkBothSchemes(page, 'account-empty');

      await page.locator('#new-name').fill('My laptop');
      await page.locator('#add-passkey').click();
      await expect.poll(() => page.locator('li.passkey').count()).toBe(1);
      await page.waitForLoadState('load');
      await checkBothSchemes(page, 'account');

      await page.goto(at('/account?done=renamed'));
      await expect.poll(() => page.locator('#notice').textContent()).toBe('The passkey was renamed.');
      await checkBothSchemes(page, 'account-notice');

      await page.locator('.rename-form input[name="displayName"]').fill('   ');
      await page.getByRole('button', { name: 'Rename' }).click();
      await expect.poll(() => page.locator('#status').textContent()).toContain('The name is empty');
      await checkBothSchemes(page, 'account-error');

      const id = await page.locator('li.passkey').first().getAttribute('data-id');
      await markCloneSuspected(server.ctx.db, tenant.id, id!, server.ctx.now());
      await page.goto(at('/account'));
      await expect.poll(() => page.locator('.clone-warning').textContent()).toContain('may have been copied');
      await checkBothSchemes(page, 'account-clone');

      // Delete without script asks first; this is the only passkey, and the page says so.
      await page.goto(at(`/account/passkeys/${id}/delete`));
      await expect.poll(() => page.locator('#last-passkey').textContent()).toContain('This is your only passkey.');
      await checkBothSchemes(page, 'account-delete-last');
    },
    STEP,
  );

  it(
    'the account page when its WebAuthn library is blocked, and after the add form posted without it',
    async () => {
      const context = await browser.newContext();
      contexts.push(context);
      await context.addCookies(await member.page.context().cookies());
      await context.route('**/static/vendor/simplewebauthn-browser.js', (r) => r.abort());
      const page = await context.newPage();
      await page.goto(at('/account'));
      await expect
        .poll(() => page.locator('#script-failed').textContent())
        .toContain('Renaming and deleting still work');
      await checkBothSchemes(page, 'account-script-blocked');
      await page.locator('#add-passkey').click();
      await expect
        .poll(() => page.locator('#status').textContent())
        .toContain('Adding a passkey needs this page’s script');
      await checkBothSchemes(page, 'account-add-without-script');
    },
    STEP,
  );

  it(
    'the sign-out question of an app’s logout, with its way back',
    async () => {
      const { page } = member;
      const redirectUri = `${server.url}/cb-a11y`;
      const { app } = await createApp(server.ctx, tenant, {
        name: 'A11y app',
        redirectUris: [redirectUri],
        publicClient: true,
      });
      const params = new URLSearchParams({
        client_id: app.id,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: redirectUri,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      // Signed in already: the app's request finishes at once (the callback is a 404 here; only its URL matters).
      await page.goto(`${server.url}/${tenant.id}/oauth2/v2.0/authorize?${params}`);
      await page.waitForURL((u) => isAt(u.href, redirectUri));
      await page.goto(`${server.url}/${tenant.id}/oauth2/v2.0/logout?client_id=${app.id}`);
      await expect.poll(() => page.locator('h1').textContent()).toBe('Sign out of Signet?');
      await checkBothSchemes(page, 'logout');
      await page.getByRole('link', { name: 'Cancel, stay signed in' }).click();
      await page.waitForURL(/\/account$/);
    },
    STEP,
  );

  it(
    'the landing page and the error pages (ours and the OIDC provider’s)',
    async () => {
      const { page } = visitor;
      await page.goto(`${server.url}/`);
      await checkBothSchemes(page, 'landing');
      const notFound = await page.goto(`${server.url}/no-such-org/signin`);
      expect(notFound?.status()).toBe(404);
      await checkBothSchemes(page, 'error-404');
      const bad = await page.goto(at('/signin?uid=not%20valid!'));
      expect(bad?.status()).toBe(400);
      await checkBothSchemes(page, 'error-400');
      // oidc-provider renders its own protocol errors, in Signet's page shell.
      const oidcError = await page.goto(
        at(
          '/oauth2/v2.0/authorize?client_id=no-such-app&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fapp.example%2Fcb',
        ),
      );
      expect(oidcError?.status()).toBe(400);
      expect(await page.locator('.error-box').textContent()).toContain('is not registered with');
      expect(await page.locator('.small-print').first().textContent()).toMatch(
        /invalid_client · HTTP 400 · Request id: \S+/,
      );
      await checkBothSchemes(page, 'error-oidc');
      const { app } = await createApp(server.ctx, tenant, {
        name: 'Return app',
        redirectUris: [`${server.url}/cb`],
        publicClient: true,
      });
      const wrongReturn = await page.goto(
        `${server.url}/${tenant.id}/oauth2/v2.0/authorize?client_id=${app.id}&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Felsewhere.example%2Fcb&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256`,
      );
      expect(wrongReturn?.status()).toBe(400);
      await page.locator('details.small-print summary').click();
      await checkBothSchemes(page, 'error-oidc-redirect-uri');
    },
    STEP,
  );

  it(
    'notices, the status area and the focus ring keep their contrast in both schemes',
    async () => {
      const { page } = visitor;
      await page.goto(at('/signin?reauth=1'));
      await page.waitForLoadState('load');
      for (const colorScheme of SCHEMES) {
        await page.emulateMedia({ colorScheme });
        const notice = await page
          .locator('#notice')
          .evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]);
        expect({ colorScheme, notice: contrastRatio(notice[0]!, notice[1]!) }).toEqual({
          colorScheme,
          notice: expect.any(Number),
        });
        expect(contrastRatio(notice[0]!, notice[1]!)).toBeGreaterThanOrEqual(4.5);

        // Keyboard focus on each control: the ring is solid, at least 2px, and 3:1 against the page.
        const pageBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        for (const selector of ['#username', 'button.primary', '#passkey-any', '#tap']) {
          await page.locator(selector).focus();
          const ring = await page.locator(selector).evaluate((el) => {
            const s = getComputedStyle(el);
            return { style: s.outlineStyle, width: Number.parseFloat(s.outlineWidth), color: s.outlineColor };
          });
          expect({ colorScheme, selector, style: ring.style }).toEqual({ colorScheme, selector, style: 'solid' });
          expect(ring.width).toBeGreaterThanOrEqual(2);
          const ratio = contrastRatio(ring.color, pageBg);
          expect({ colorScheme, selector, enough: ratio >= 3, ratio }).toEqual({
            colorScheme,
            selector,
            enough: true,
            ratio,
          });
        }
      }
      await page.emulateMedia({ colorScheme: null });
    },
    STEP,
  );

  it('no page logged an uncaught error or a CSP violation', () => {
    // 4xx responses the steps cause on purpose log "Failed to load resource"; anything else is a problem.
    expect(
      problems.filter((p) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(p.text)),
    ).toEqual([]);
  });
});
