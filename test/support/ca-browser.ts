// The Conditional Access browser tests' support: the app's side (a callback server on a loopback port that remembers
// every request it got, so a test can say the app received nothing, and code flows through openid-client whose
// state tells one request's callback from another's), users with a password, a passkey registered through the
// pages, and the checks every page of these tests gets.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import * as oidc from 'openid-client';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { PHISHING_RESISTANT_STRENGTH_ID } from '../../src/core/strengths.ts';
import { createPolicy } from '../../src/flows/conditional-access.ts';
import { createApp, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { hashPassword, savePasswordCredential } from '../../src/store/password-credentials.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { type AuthenticatorOptions, type PageProblem, runAxe, type Tab } from './browser.ts';
import { graphClient } from './graph-client.ts';
import type { TestServer } from './server.ts';

export type Tokens = Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;

export interface AppCallback {
  redirectUri: string;
  /** Every URL the callback was asked for, in order (path and query). */
  hits: string[];
  /** Whether the browser is at the app's callback. */
  isApp(u: URL): boolean;
  close(): Promise<void>;
}

export async function recordingCallback(): Promise<AppCallback> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><title>App</title><h1>Signed in to the app</h1></html>');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  const redirectUri = `http://127.0.0.1:${port}/callback`;
  return {
    redirectUri,
    hits,
    isApp: (u) => u.href.startsWith(redirectUri),
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

export interface CodeFlow {
  url: string;
  state: string;
  /** The callback requests the app got for this flow (by its state). */
  received(): string[];
  finish(callback: string): Promise<Tokens>;
}

/** An app of the tenant as openid-client knows it: `begin()` starts one code flow (PKCE, state, nonce). */
export async function appClient(server: TestServer, tenant: Tenant, clientId: string, callback: AppCallback) {
  const config = await oidc.discovery(new URL(`${server.url}/${tenant.id}/v2.0`), clientId, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  return {
    async begin(): Promise<CodeFlow> {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: callback.redirectUri,
        scope: 'openid profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      }).href;
      return {
        url,
        state,
        received: () =>
          callback.hits.filter((h) => new URL(h, callback.redirectUri).searchParams.get('state') === state),
        finish: (cb) =>
          oidc.authorizationCodeGrant(config, new URL(cb), {
            pkceCodeVerifier: verifier,
            expectedState: state,
            expectedNonce: nonce,
            idTokenExpected: true,
          }),
      };
    },
  };
}

/** The text a person reads in an element, spaces as shown. */
export const text = async (l: Locator) => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();

/** A user of the tenant with a password (nothing else yet). */
export async function personWithPassword(server: TestServer, tenant: Tenant, upn: string) {
  const user = await createUser(server.ctx, tenant, { userPrincipalName: upn });
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

/**
 * A passkey registered the way a person does it: a one-time pass on the sign-in page, then "Add a passkey" on the
 * account page with the tab's virtual authenticator (added here); the browser is then left without a session.
 */
export async function registerPasskey(
  server: TestServer,
  tenant: Tenant,
  t: Tab,
  user: User,
  o: AuthenticatorOptions,
): Promise<string> {
  const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: true, actor: { type: 'system', id: null } });
  const at = (path: string) => `${server.url}/${tenant.slug}${path}`;
  await t.page.goto(at('/signin'));
  await t.page.locator('#tap-username').fill(user.userPrincipalName);
  await t.page.locator('#tap').fill(pass);
  await t.page.getByRole('button', { name: 'Sign in with the pass' }).click();
  await t.page.waitForURL(at('/account'));
  const key = await t.addAuthenticator(o);
  await t.page.locator('#new-name').fill('My key');
  await t.page.locator('#add-passkey').click();
  await expect.poll(() => t.page.locator('li.passkey').count(), { timeout: 15_000 }).toBe(1);
  expect(await t.credentials(key)).toHaveLength(1);
  await t.page.context().clearCookies();
  return key;
}

/** Only the passkey way on the page: no password, pass or code. */
export async function onlyThePasskey(page: Page) {
  expect({
    passkey: await page.locator('#passkey-form').count(),
    password: await page.locator('#password-form').count(),
    tap: await page.locator('#tap-form').count(),
    code: await page.locator('#code-heading').count(),
    passwordField: await page.locator('input[type="password"]').count(),
  }).toEqual({ passkey: 1, password: 0, tap: 0, code: 0, passwordField: 0 });
  expect(await page.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).toBe(true);
}

/** axe-core finds nothing on the page as it is, in the light and the dark colour scheme. */
export async function checkBothSchemes(page: Page, name: string) {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const findings = await runAxe(page);
    expect({ name, colorScheme, findings }).toEqual({ name, colorScheme, findings: [] });
  }
  await page.emulateMedia({ colorScheme: null });
}

/**
 * Two public apps of the tenant answering at the callback: Payroll, which an enabled policy makes every user reach
 * with phishing-resistant MFA (the built-in strength), and Wiki, which a report-only policy would block for everyone.
 */
export async function payrollAndWiki(
  server: TestServer,
  tenant: Tenant,
  callback: AppCallback,
  names: { enforced: string; reportOnly: string },
) {
  const app = async (name: string) =>
    (await createApp(server.ctx, tenant, { name, redirectUris: [callback.redirectUri], publicClient: true })).app.id;
  const payrollId = await app('Payroll');
  const wikiId = await app('Wiki');
  const forEveryone = (appId: string) => ({
    users: { includeUsers: ['All'] },
    applications: { includeApplications: [appId] },
    clientAppTypes: ['all'],
  });
  const op = localOperator(tenant.id);
  await createPolicy(server.ctx, tenant, op, {
    displayName: names.enforced,
    state: 'enabled',
    conditions: forEveryone(payrollId),
    grantControls: { operator: 'OR', authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID } },
  });
  await createPolicy(server.ctx, tenant, op, {
    displayName: names.reportOnly,
    state: 'enabledForReportingButNotEnforced',
    conditions: forEveryone(wikiId),
    grantControls: { operator: 'OR', builtInControls: ['block'] },
  });
  return { payrollId, wikiId };
}

/** Opens the app's request and waits for Signet's sign-in page (or the app, or whatever page the request ends on). */
export async function openRequest(page: Page, flow: CodeFlow, tenant: Tenant, callback: AppCallback) {
  await page.goto(flow.url);
  await page.waitForURL((u) => callback.isApp(u) || u.pathname.startsWith(`/${tenant.slug}/signin`));
  await page.waitForLoadState('load');
}

/** Opens the app's request and signs in with the password form; the app redeems its code. */
export async function passwordSignIn(
  page: Page,
  flow: CodeFlow,
  tenant: Tenant,
  callback: AppCallback,
  who: { user: User; password: string },
) {
  await openRequest(page, flow, tenant, callback);
  await page.locator('#password-username').fill(who.user.userPrincipalName);
  await page.locator('#password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in with your password' }).click();
  await page.waitForURL((u) => callback.isApp(u));
  return flow.finish(page.url());
}

// biome-ignore lint/suspicious/noExplicitAny: the Graph signIn entries read as loose JSON
export type SignInEntry = Record<string, any>;

/** The user's sign-in log entries for an app as GET /auditLogs/signIns gives them, newest first. */
export async function signInsThroughGraph(server: TestServer, token: string, user: User, appId: string) {
  const filter = encodeURIComponent(`userId eq '${user.id}' and appId eq '${appId}'`);
  const r = await graphClient(() => server)('GET', `/auditLogs/signIns?$filter=${filter}`, { token });
  expect(r.status, r.text).toBe(200);
  return (r.body as { value: SignInEntry[] }).value;
}

/** One policy of an entry's appliedConditionalAccessPolicies, by name. */
export const policyIn = (e: SignInEntry, name: string): SignInEntry | undefined =>
  (e.appliedConditionalAccessPolicies as SignInEntry[]).find((p) => p.displayName === name);

/**
 * On the security info page of a signed-in person whose session cannot add a passkey (a password): "Add a passkey"
 * sends them to sign in again, they use the pass, and add a security key (plugged in here) back on the page.
 */
export async function addKeyAfterSigningInAgain(server: TestServer, tenant: Tenant, t: Tab, user: User, pass: string) {
  const at = (path: string) => `${server.url}/${tenant.slug}${path}`;
  await t.page.goto(at('/account'));
  const key = await t.addAuthenticator({ transport: 'usb' });
  await t.page.locator('#add-passkey').click();
  await t.page.waitForURL((u) => u.pathname === `/${tenant.slug}/signin` && u.searchParams.get('reauth') === '1');
  await t.page.locator('#tap-username').fill(user.userPrincipalName);
  await t.page.locator('#tap').fill(pass);
  await t.page.getByRole('button', { name: 'Sign in with the pass' }).click();
  await t.page.waitForURL(at('/account'));
  await t.page.locator('#add-passkey').click();
  await expect.poll(() => t.page.locator('li.passkey').count(), { timeout: 15_000 }).toBe(1);
  expect(await t.credentials(key)).toHaveLength(1);
}

/** The problems the pages reported but the failed loads of answers refused on purpose (Chromium logs every 4xx). */
export function unexpectedProblems(problems: PageProblem[], expected: { path: string; status: number }[]) {
  return problems.filter((p) => {
    const status = /^Failed to load resource: the server responded with a status of (\d+)/.exec(p.text)?.[1];
    return !(
      p.kind === 'console' &&
      status &&
      expected.some((e) => e.status === Number(status) && new URL(p.url).pathname === e.path)
    );
  });
}

/** What an entry says one policy did: its result, and for a strength grant what became of the strength. */
export function outcomeOf(e: SignInEntry | undefined, name: string) {
  const p = e ? policyIn(e, name) : undefined;
  return {
    result: p?.result,
    ...(p?.authenticationStrength ? { strength: p.authenticationStrength.authenticationStrengthResult } : {}),
  };
}
