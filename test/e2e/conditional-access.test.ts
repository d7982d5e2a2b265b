// Conditional Access in Chromium (SQLite), as people and apps meet it: an app every user must reach with
// phishing-resistant MFA offers only the passkey way; a user with only a password, signed in through another app,
// is refused with the way out in plain words and the app gets nothing; a user with a security key (a CDP virtual
// authenticator) is asked only for it, fresh or stepped up from a password session without the password again, and
// the app's ID token says how they signed in; a synced passkey signs in through autofill (swk); another person's
// passkey on the step-up page signs that person in, never merged into the first one's session; a report-only block
// on the other app changes nothing but is in the sign-in log Graph shows, as are the refusal and the step-up; the
// refusal and the step-up pages pass axe-core in light and dark. Without a browser:
// test/integration/conditional-access-signin.test.ts.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHISHING_RESISTANT_STRENGTH_ID } from '../../src/core/strengths.ts';
import { createTenant } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { launchChromium, openTab, type PageProblem, type Tab } from '../support/browser.ts';
import {
  type AppCallback,
  addKeyAfterSigningInAgain,
  appClient,
  type CodeFlow,
  checkBothSchemes,
  onlyThePasskey,
  openRequest,
  outcomeOf,
  passwordSignIn,
  payrollAndWiki,
  personWithPassword,
  recordingCallback,
  registerPasskey,
  signInsThroughGraph,
  text,
  unexpectedProblems,
} from '../support/ca-browser.ts';
import { appToken } from '../support/graph-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STEP = 60_000;
const PHR = PHISHING_RESISTANT_STRENGTH_ID;
const REPORT_ONLY = 'Wiki block (report-only)';
const ENFORCED = 'Payroll needs phishing-resistant MFA';

describe('Conditional Access in Chromium (SQLite)', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  let callback: AppCallback;
  let payroll: Awaited<ReturnType<typeof appClient>>;
  let wiki: Awaited<ReturnType<typeof appClient>>;
  let wikiId: string;
  let payrollId: string;
  let graphToken: string;
  const contexts: BrowserContext[] = [];
  const problems: PageProblem[] = [];
  let n = 0;

  const atApp = (u: URL) => callback.isApp(u);

  async function newTab(): Promise<Tab> {
    const context = await browser.newContext();
    contexts.push(context);
    return openTab(context, problems);
  }

  const person = () => personWithPassword(server, tenant, `u${++n}@ca-e2e.example`);
  type Person = Awaited<ReturnType<typeof person>>;

  const open = (page: Page, flow: CodeFlow) => openRequest(page, flow, tenant, callback);
  /** Signs in through the wiki (which asks for nothing more) with the password form; the wiki gets its code. */
  const passwordThroughWiki = async (page: Page, who: Person) =>
    passwordSignIn(page, await wiki.begin(), tenant, callback, who);

  /** A security key: USB, so that Chromium starts no autofill request and the person presses the button. */
  const withSecurityKey = (t: Tab, who: Person) => registerPasskey(server, tenant, t, who.user, { transport: 'usb' });

  const signInsOf = (who: Person, appId: string) => signInsThroughGraph(server, graphToken, who.user, appId);

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    tenant = await createTenant(server.ctx, { slug: 'ca-e2e', displayName: 'Contoso CA' });
    callback = await recordingCallback();
    const apps = await payrollAndWiki(server, tenant, callback, { enforced: ENFORCED, reportOnly: REPORT_ONLY });
    ({ payrollId, wikiId } = apps);
    payroll = await appClient(server, tenant, payrollId, callback);
    wiki = await appClient(server, tenant, wikiId, callback);
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
      expect((await passwordThroughWiki(page, who)).claims()!.amr).toEqual(['pwd']);
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
      expect(await page.locator('input[type="password"], form').count()).toBe(0);
      await checkBothSchemes(page, 'ca-refusal');
      // Reloading changes nothing: still refused, and the app still gets nothing for this request.
      await page.reload();
      expect(await text(page.locator('p.small-print'))).toContain('Error code: CA_STRENGTH_CANNOT_SATISFY');
      expect(flow.received()).toEqual([]);
      // The administrator reads why: the policy, the strength it could not get, the code.
      const refused = (await signInsOf(who, payrollId)).find((e) => e.conditionalAccessStatus === 'failure');
      expect(refused).toMatchObject({
        status: { errorCode: 'CA_STRENGTH_CANNOT_SATISFY' },
        conditionalAccessStatus: 'failure',
        authenticationMethodsUsed: ['Password'],
      });
      expect(outcomeOf(refused, ENFORCED)).toEqual({ result: 'failure', strength: 'cannotSatisfy' });
    },
    STEP,
  );

  it(
    '3. a user with a security key opening the app fresh is asked only for it; the ID token says phishing-resistant, hwk',
    async () => {
      const who = await person();
      const t = await newTab();
      await withSecurityKey(t, who);
      const flow = await payroll.begin();
      await open(t.page, flow);
      await onlyThePasskey(t.page);
      await t.page.locator('#username').fill(who.user.userPrincipalName);
      await t.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await t.page.waitForURL(atApp, { timeout: 20_000 });
      const { sub, acr, amr } = (await flow.finish(t.page.url())).claims()!;
      // The virtual USB key is device-bound (no backup flags): hwk, never swk; no password.
      expect({ sub, acr, amr }).toEqual({ sub: who.user.id, acr: PHR, amr: ['pop', 'hwk', 'user', 'fido', 'mfa'] });
    },
    STEP,
  );

  it(
    '4. the same kind of user signed in with a password is stepped up to the key alone, the password not asked again',
    async () => {
      const who = await person();
      const t = await newTab();
      await withSecurityKey(t, who);
      expect((await passwordThroughWiki(t.page, who)).claims()!.amr).toEqual(['pwd']);
      const passwordPosts: string[] = [];
      t.page.on('request', (r) => {
        if (r.method() === 'POST' && /\/signin\/(password|tap)$/.test(new URL(r.url()).pathname))
          passwordPosts.push(r.url());
      });
      const flow = await payroll.begin();
      await open(t.page, flow);
      expect(await text(t.page.getByRole('heading', { level: 1 }))).toBe('One more step to continue');
      expect(await text(t.page.locator('#step-up'))).toBe(
        'The app you are signing in to asks for a passkey or security key (phishing-resistant sign-in). Confirm it is you with your passkey or security key.',
      );
      await onlyThePasskey(t.page);
      expect(await t.page.locator('#username').inputValue()).toBe(who.user.userPrincipalName);
      await checkBothSchemes(t.page, 'ca-step-up');
      await t.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await t.page.waitForURL(atApp, { timeout: 20_000 });
      const { sub, acr, amr } = (await flow.finish(t.page.url())).claims()!;
      expect({ sub, acr, amr }).toEqual({
        sub: who.user.id,
        acr: PHR,
        amr: ['pop', 'hwk', 'user', 'fido', 'pwd', 'mfa'],
      });
      expect(passwordPosts).toEqual([]);
      // The log: the step asked for, then the answer, one request (one correlation id).
      const entries = await signInsOf(who, payrollId);
      const asked = entries.find((e) => e.status.errorCode === 'CA_STEP_UP_REQUIRED');
      const answered = entries.find((e) => e.conditionalAccessStatus === 'success');
      expect(asked).toMatchObject({ status: { errorCode: 'CA_STEP_UP_REQUIRED' }, conditionalAccessStatus: 'failure' });
      expect(outcomeOf(asked, ENFORCED)).toEqual({ result: 'failure', strength: 'singleChallengeRequired' });
      expect(answered).toMatchObject({
        status: { errorCode: 0 },
        conditionalAccessStatus: 'success',
        correlationId: asked!.correlationId,
        authenticationMethodsUsed: ['Password', 'Passkey (device-bound)'],
        authenticationRequirement: 'multiFactorAuthentication',
      });
      expect(outcomeOf(answered, ENFORCED)).toEqual({ result: 'success', strength: 'satisfied' });
    },
    STEP,
  );

  it(
    '5. a report-only block on the wiki changes nothing, and the sign-in log shows what it would have done',
    async () => {
      const who = await person();
      const { page } = await newTab();
      const claims = (await passwordThroughWiki(page, who)).claims()!;
      expect(claims.sub).toBe(who.user.id);
      expect(claims.amr).toEqual(['pwd']);
      expect(await text(page.locator('h1'))).toBe('Signed in to the app');
      // The app's answer (the password step is an entry of its own).
      const entry = (await signInsOf(who, wikiId)).find((e) => e.appliedConditionalAccessPolicies.length > 0);
      expect(entry).toMatchObject({ status: { errorCode: 0 }, conditionalAccessStatus: 'notApplied' });
      expect(outcomeOf(entry, REPORT_ONLY)).toEqual({ result: 'reportOnlyFailure' });
      expect(outcomeOf(entry, ENFORCED)).toEqual({ result: 'notApplied' });
    },
    STEP,
  );

  it(
    '6. a synced passkey in the platform authenticator signs in through autofill as the page loads: acr met, swk',
    async () => {
      const who = await person();
      const t = await newTab();
      await registerPasskey(server, tenant, t, who.user, { transport: 'internal', synced: true });
      const flow = await payroll.begin();
      await t.page.goto(flow.url);
      // Nobody presses anything: the sign-in page's autofill request is answered by the authenticator.
      await t.page.waitForURL(atApp, { timeout: 20_000 });
      expect(t.visited.some((u) => new URL(u).pathname === `/${tenant.slug}/signin`)).toBe(true);
      const { sub, acr, amr } = (await flow.finish(t.page.url())).claims()!;
      expect({ sub, acr, amr }).toEqual({ sub: who.user.id, acr: PHR, amr: ['pop', 'swk', 'user', 'fido', 'mfa'] });
    },
    STEP,
  );

  it(
    '7. another person’s passkey answering the step-up page signs that person in, never added to the first one’s session',
    async () => {
      const a = await person();
      const b = await person();
      const other = await newTab();
      const [bCredential] = await other.credentials(
        await registerPasskey(server, tenant, other, b.user, { transport: 'internal' }),
      );
      // A's browser: A signed in with a password; A's key unplugged; B's passkey in the platform authenticator.
      const t = await newTab();
      const aKey = await withSecurityKey(t, a);
      expect((await passwordThroughWiki(t.page, a)).claims()!.sub).toBe(a.user.id);
      await t.removeAuthenticator(aKey);
      await t.addCredential(await t.addAuthenticator({ transport: 'internal' }), bCredential!);
      const flow = await payroll.begin();
      // The step-up page's autofill request is answered with B's passkey (a person would pick it in the list).
      await t.page.goto(flow.url);
      await t.page.waitForURL(atApp, { timeout: 20_000 });
      const claims = (await flow.finish(t.page.url())).claims()!;
      expect({ sub: claims.sub, name: claims.preferred_username, amr: claims.amr }).toEqual({
        sub: b.user.id,
        name: b.user.userPrincipalName,
        amr: ['pop', 'hwk', 'user', 'fido', 'mfa'],
      });
      // The browser's session is B's now: the wiki answers for B, with B's passkey alone.
      const again = await wiki.begin();
      await t.page.goto(again.url);
      await t.page.waitForURL(atApp, { timeout: 20_000 });
      const wikiClaims = (await again.finish(t.page.url())).claims()!;
      expect({ sub: wikiClaims.sub, amr: wikiClaims.amr }).toEqual({ sub: b.user.id, amr: claims.amr });
    },
    STEP,
  );

  it(
    '8. the way out, followed: a pass from the help desk, a security key added, and the app reached with it',
    async () => {
      const who = await person();
      const t = await newTab();
      await passwordThroughWiki(t.page, who);
      const refused = await payroll.begin();
      await open(t.page, refused);
      expect(await text(t.page.locator('p.small-print'))).toContain('CA_STRENGTH_CANNOT_SATISFY');
      // The help desk issues a pass; the person adds a key on their security info page, asked to sign in again.
      const { pass } = await issueTap(server.ctx, tenant, who.user, {
        oneTime: true,
        actor: { type: 'system', id: null },
      });
      await addKeyAfterSigningInAgain(server, tenant, t, who.user, pass);
      // Back to the app: one more step, the key alone; the refused request never got an answer.
      const again = await payroll.begin();
      await open(t.page, again);
      expect(await text(t.page.getByRole('heading', { level: 1 }))).toBe('One more step to continue');
      await onlyThePasskey(t.page);
      await t.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await t.page.waitForURL(atApp, { timeout: 20_000 });
      const claims = (await again.finish(t.page.url())).claims()!;
      expect({ sub: claims.sub, acr: claims.acr, amr: claims.amr }).toEqual({
        sub: who.user.id,
        acr: PHR,
        amr: ['pop', 'hwk', 'user', 'fido', 'pwd', 'otp', 'mfa'],
      });
      expect(refused.received()).toEqual([]);
    },
    STEP,
  );

  it('9. no page logged a script error or a CSP violation; only the answers refused on purpose failed to load', () => {
    expect(
      unexpectedProblems(problems, [
        { path: `/${tenant.slug}/signin`, status: 403 }, // the refusal page
        { path: `/${tenant.slug}/account/passkeys/options`, status: 401 }, // a password session adds no passkey
      ]),
    ).toEqual([]);
  });
});
