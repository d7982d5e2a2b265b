// What a browser gets from Signet's own routes: a page for a navigation (an error page in Signet's style, the
// landing page, the sign-in and account pages again after a form post), JSON for scripts and API clients.
// Forms post urlencoded bodies from our own origin and get a 303, never a pass in a URL.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { sessionCookieName } from '../../src/http/session-cookie.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { CookieClient, isAt, onwardOf } from '../support/browserless.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

/** The headers Chromium sends when the address bar or a link opens a page. */
const NAVIGATE = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
  'sec-fetch-dest': 'document',
};
/** The headers of a script's fetch() call. */
const FETCH = { accept: '*/*', 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'same-origin', 'sec-fetch-dest': 'empty' };

/** The words a person reads on an HTML page: tags dropped, entities decoded, spaces collapsed. */
function visibleText(html: string): string {
  return html
    .replace(/<(script|style|head)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<\/?(code|var|strong|em)>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_m, n) => String.fromCharCode(Number(n)))
    .replace(/\s+/g, ' ')
    .trim();
}

describe('pages, error pages and form posts (SQLite)', () => {
  let server: TestServer;
  let tenant: Tenant;
  let secret: Tenant;
  let user: User;

  const get = (path: string, headers: Record<string, string>) =>
    fetch(server.url + path, { headers, redirect: 'manual' });

  /** A form post as Chromium sends it from one of our pages (a navigation from our own origin). */
  const formPost = (path: string, fields: Record<string, string>, extra: Record<string, string> = {}) =>
    fetch(server.url + path, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        ...NAVIGATE,
        'sec-fetch-site': 'same-origin',
        origin: server.url,
        'content-type': 'application/x-www-form-urlencoded',
        ...extra,
      },
      body: new URLSearchParams(fields).toString(),
    });

  async function signedInWithPasskey(): Promise<{ cookie: string; passkeyId: string }> {
    const { token, session } = await startSession(server.ctx, server.ctx.db, {
      tenantId: tenant.id,
      userId: user.id,
      method: 'temporaryAccessPass',
    });
    const auth = new SoftAuthenticator();
    const credential = await auth.register(await beginPasskeyRegistration(server.ctx, tenant, session), {
      origin: server.url,
    });
    const passkey = await finishPasskeyRegistration(server.ctx, tenant, session, { credential, name: 'Laptop' });
    return { cookie: `${sessionCookieName(server.ctx.config, tenant)}=${token}`, passkeyId: passkey.id };
  }

  /** An app's sign-in request as a browser holds it: its uid and the provider's interaction cookie. */
  async function interaction(): Promise<{ uid: string; cookie: string }> {
    const { app } = await createApp(server.ctx, tenant, {
      name: 'Pages app',
      redirectUris: [`${server.url}/cb`],
      publicClient: true,
    });
    const p = new URLSearchParams({
      client_id: app.id,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: `${server.url}/cb`,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const res = await fetch(`${server.url}/${tenant.id}/oauth2/v2.0/authorize?${p}`, { redirect: 'manual' });
    const uid = new URL(res.headers.get('location')!, server.url).searchParams.get('uid')!;
    return {
      uid,
      cookie: res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; '),
    };
  }

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    tenant = await createTenant(server.ctx, { slug: 'pages-co', displayName: 'Pages Co' });
    secret = await createTenant(server.ctx, { slug: 'hidden-org-7f3a', displayName: 'Hidden Org' });
    user = await createUser(server.ctx, tenant, { userPrincipalName: 'pat@pages.example' });
  });
  afterAll(() => server?.close());

  describe('error pages for browsers, JSON for everyone else', () => {
    it('says at / what this server is and where sign-in lives, without naming any tenant', async () => {
      const r = await get('/', NAVIGATE);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await r.text();
      const text = visibleText(html);
      expect(text).toContain('Signet sign-in service');
      expect(text).toContain('/your-organization/signin');
      for (const t of [tenant, secret]) {
        expect(html).not.toContain(t.slug);
        expect(html).not.toContain(t.id);
        expect(html).not.toContain(t.displayName);
      }
    });

    it('gives a browser an error page for an unknown tenant, with the message, what to do and the request id', async () => {
      const json = await get('/no-such-org/signin', FETCH);
      const body = (await json.json()) as { error: { code: string; innerError: Record<string, string> } };
      expect(json.status).toBe(404);
      expect(body.error.code).toBe('TENANT_NOT_FOUND');

      const r = await get('/no-such-org/signin', NAVIGATE);
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await r.text();
      const text = visibleText(html);
      expect(text).toContain('Page not found');
      expect(text).toContain('No organization on this server has this address.');
      expect(text).toContain('Check the sign-in address your administrator gave you');
      expect(text).toMatch(/Error code: TENANT_NOT_FOUND · HTTP 404 · Request id: \S+/);
      expect(html).toContain('href="/static/style.css"');
      expect(html).not.toContain('{"error"');
    });

    it('gives a page for any 404, a bad request and an unreadable URL, with the status the JSON has', async () => {
      const cases = [
        { path: '/pages-co/nothing-here', code: 'ROUTE_NOT_FOUND', words: 'There is no page at this address.' },
        {
          path: '/pages-co/signin?uid=not%20valid!',
          code: 'REQUEST_INVALID',
          words: 'This sign-in request is not valid. Go back to the app and start signing in again.',
        },
        { path: '/%E0%A4%A', code: 'REQUEST_MALFORMED', words: 'could not be read' },
        { path: '/static/nope.js', code: 'ROUTE_NOT_FOUND', words: 'There is no page at this address.' },
      ];
      for (const c of cases) {
        const json = await get(c.path, { accept: 'application/json' });
        const code = ((await json.json()) as { error: { code: string } }).error.code;
        expect({ path: c.path, code }).toEqual({ path: c.path, code: c.code });
        const page = await get(c.path, NAVIGATE);
        expect({ path: c.path, status: page.status }).toEqual({ path: c.path, status: json.status });
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        const text = visibleText(await page.text());
        expect(text).toContain(c.words);
        expect(text).toContain(`Error code: ${c.code}`);
        expect(text).not.toMatch(/API documentation|Content-Type application\/json/);
      }
    });

    it('decides by Sec-Fetch-Mode: navigate, else by an Accept that prefers HTML', async () => {
      const html = async (h: Record<string, string>) =>
        (await get('/pages-co/nothing-here', h)).headers.get('content-type')?.startsWith('text/html');
      // fetch() always sends Sec-Fetch-Mode: cors; a plain HTTP request can say navigate.
      const navigate = await new Promise<string | undefined>((resolve, reject) => {
        const url = new URL('/pages-co/nothing-here', server.url);
        request(url, { headers: { 'sec-fetch-mode': 'navigate' } }, (res) => {
          res.resume();
          resolve(res.headers['content-type']);
        })
          .on('error', reject)
          .end();
      });
      expect(navigate).toMatch(/^text\/html/);
      expect(await html({ accept: 'text/html' })).toBe(true);
      expect(await html({ accept: 'text/html, application/json;q=0.5' })).toBe(true);
      expect(await html({ accept: 'application/json, text/html;q=0.5' })).toBe(false);
      expect(await html({ accept: 'application/json' })).toBe(false);
      expect(await html({ accept: '*/*' })).toBe(false);
      expect(await html({})).toBe(false);
    });

    it('never echoes the address into the page', async () => {
      const r = await get('/pages-co/%3Cscript%3Ealert(1)%3C%2Fscript%3E', NAVIGATE);
      expect(r.status).toBe(404);
      const html = await r.text();
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('alert(1)');
    });

    it('keeps the FIDO binding in its own shape for a browser too', async () => {
      const conf = await createTenant(server.ctx, { slug: 'conf-pages', conformance: true });
      const r = await fetch(`${server.url}/${conf.slug}/fido2/attestation/options`, {
        method: 'POST',
        headers: { ...NAVIGATE, 'content-type': 'application/json' },
        body: '{"username":',
      });
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ status: 'failed' });
    });
  });

  describe('the OIDC provider’s pages, in Signet’s words', () => {
    const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
    const authorize = (params: Record<string, string>, headers: Record<string, string> = NAVIGATE) =>
      get(`/${tenant.id}/oauth2/v2.0/authorize?${new URLSearchParams(params)}`, headers);
    const pkce = { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' };
    /** The words of the page's error box, where a person reads what happened and what to do. */
    const errorBox = (html: string) => visibleText(/<div class="error-box"[\s\S]*?<\/div>/.exec(html)?.[0] ?? '');

    it('says an unknown app is not registered with the organization, with the OAuth code and request id in small print', async () => {
      const r = await authorize(
        { client_id: 'no-such-app', response_type: 'code', scope: 'openid', redirect_uri: 'https://app.example/cb' },
        // A request id the client makes up is never the one shown (Signet writes its own).
        { ...NAVIGATE, 'signet-request-id': 'forged-by-client' },
      );
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await r.text();
      expect(errorBox(html)).toContain('The app that sent you here is not registered with Pages Co');
      expect(errorBox(html)).toContain('tell the app’s developer or your administrator');
      expect(errorBox(html)).not.toMatch(/invalid_client|client is invalid/);
      const text = visibleText(html);
      expect(text).toContain('This sign-in cannot continue');
      expect(text).toMatch(new RegExp(`Error code: invalid_client · HTTP 400 · Request id: ${UUID.source}`));
      expect(html).not.toContain('forged-by-client');
      expect(html).toContain('href="/static/style.css"');
    });

    it('says an unregistered return address is the app developer’s to fix, with a fresh request id each time', async () => {
      const { app } = await createApp(server.ctx, tenant, {
        name: 'Return app',
        redirectUris: [`${server.url}/cb`],
        publicClient: true,
      });
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const r = await authorize({
          client_id: app.id,
          response_type: 'code',
          scope: 'openid',
          redirect_uri: 'https://elsewhere.example/cb',
          ...pkce,
        });
        expect(r.status).toBe(400);
        const html = await r.text();
        expect(errorBox(html)).toContain('The app asked to send you back to an address it has not registered');
        expect(errorBox(html)).toContain('Tell the app’s developer');
        expect(errorBox(html)).not.toContain('redirect_uri');
        const m = new RegExp(`Error code: invalid_redirect_uri · HTTP 400 · Request id: (${UUID.source})`).exec(
          visibleText(html),
        );
        expect(m).not.toBeNull();
        ids.push(m![1]!);
      }
      expect(ids[0]).not.toBe(ids[1]);
    });

    it('has plain words for the common OAuth errors, a general sentence for the rest, and escapes what the client sent', async () => {
      const { oauthErrorMessage } = await import('../../src/web/messages.ts');
      const seen = new Set<string>();
      for (const code of [
        'invalid_client',
        'invalid_redirect_uri',
        'invalid_request',
        'unsupported_response_type',
        'invalid_scope',
        'login_required',
        'access_denied',
        'server_error',
        'something_new',
      ]) {
        const m = oauthErrorMessage(code, 'Pages Co');
        expect({ code, plain: /_/.test(`${m.text} ${m.remediation}`) }).toEqual({ code, plain: false });
        expect(m.remediation).not.toBe('');
        seen.add(m.text);
      }
      expect(seen.size).toBe(9);
      expect(oauthErrorMessage('toString', 'X').text).toBe(oauthErrorMessage('something_new', 'X').text);

      // Whatever the provider's code and description say (they can quote a request), they are text, never markup.
      const { renderOAuthErrorPage } = await import('../../src/web/pages/error.ts');
      const html = renderOAuthErrorPage({
        error: '<img src=x onerror=alert(1)>',
        description: 'unrecognized value "<script>alert(2)</script>"',
        status: 400,
        organization: '<b>Org</b>',
        requestId: '"><script>alert(3)</script>',
      });
      expect(html).not.toMatch(/<img|<script>|<b>/);
      expect(visibleText(html)).toContain('unrecognized value "<script>alert(2)</script>"');
    });

    it('offers a way to cancel signing out: back to the account page, signed in', async () => {
      // A provider session first: an app's sign-in finished with a pass (the confirmation is shown only then).
      const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: true, actor: { type: 'system', id: null } });
      const { app } = await createApp(server.ctx, tenant, {
        name: 'Logout app',
        redirectUris: [`${server.url}/cb`],
        publicClient: true,
      });
      const client = new CookieClient(server.url);
      const start = await client.fetch(
        `/${tenant.id}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: app.id, response_type: 'code', scope: 'openid', redirect_uri: `${server.url}/cb`, ...pkce })}`,
      );
      const uid = new URL(start.headers.get('location')!, server.url).searchParams.get('uid')!;
      const signin = await client.fetch(`/${tenant.slug}/signin/tap`, {
        method: 'POST',
        headers: { origin: server.url },
        json: { username: user.userPrincipalName, pass, uid },
      });
      let location = ((await signin.json()) as { redirect: string }).redirect;
      for (let i = 0; i < 5 && !isAt(location, `${server.url}/cb`); i++)
        location = (await client.fetch(location)).headers.get('location')!;
      expect(location).toContain('code=');

      const r = await client.fetch(`/${tenant.id}/oauth2/v2.0/logout?client_id=${app.id}`, { headers: NAVIGATE });
      expect(r.status).toBe(200);
      const html = await r.text();
      expect(visibleText(html)).toContain('Sign out of Signet?');
      expect(html).toMatch(
        /<button type="submit" form="op.logoutForm" name="logout" value="yes"[^>]*>Sign out<\/button>/,
      );
      expect(html).toMatch(new RegExp(`<a href="/${tenant.slug}/account"[^>]*>Cancel, stay signed in</a>`));
      // Following Cancel leaves the person signed in.
      expect((await client.fetch(`/${tenant.slug}/account`, { headers: NAVIGATE })).status).toBe(200);
    });
  });

  describe('the Temporary Access Pass form works without script', () => {
    it('signs in with a form post: a 303 to the account page and a session cookie, the pass in no URL', async () => {
      const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: true, actor: { type: 'system', id: null } });
      const r = await formPost(`/${tenant.slug}/signin/tap`, {
        uid: '',
        return: `/${tenant.slug}/account`,
        username: user.userPrincipalName,
        pass,
      });
      expect(r.status).toBe(303);
      expect(r.headers.get('location')).toBe(`/${tenant.slug}/account`);
      expect(r.headers.get('location')).not.toContain(pass);
      const cookie = r.headers.getSetCookie().find((c) => c.startsWith(sessionCookieName(server.ctx.config, tenant)));
      expect(cookie).toBeDefined();
      const account = await get(`/${tenant.slug}/account`, { ...NAVIGATE, cookie: cookie!.split(';')[0]! });
      expect(account.status).toBe(200);
      expect(visibleText(await account.text())).toContain(`Signed in as ${user.userPrincipalName}`);
    });

    it('carries an OIDC interaction through its hidden field to the continue step', async () => {
      const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: true, actor: { type: 'system', id: null } });
      const { uid, cookie } = await interaction();
      const r = await formPost(
        `/${tenant.slug}/signin/tap`,
        { uid, return: `/${tenant.slug}/account`, username: user.userPrincipalName, pass },
        { cookie },
      );
      // On to the app's request by a page that goes on by itself (Chromium holds a form post's redirects to
      // form-action 'self', which the app's address is not).
      expect(r.status).toBe(200);
      expect(await onwardOf(r)).toBe(`/${tenant.slug}/signin/continue?uid=${uid}`);
    });

    it('says an app’s sign-in request is gone before the pass is spent, and the pass still works afterwards', async () => {
      const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: true, actor: { type: 'system', id: null } });
      // No interaction cookie: expired, finished, or begun in another browser.
      const gone = await formPost(`/${tenant.slug}/signin/tap`, {
        uid: 'abcDEF123_-',
        return: `/${tenant.slug}/account`,
        username: user.userPrincipalName,
        pass,
      });
      expect(gone.status).toBe(400);
      const text = visibleText(await gone.text());
      expect(text).toContain('Go back to the app and start signing in again.');
      expect(text).toContain('Error code: OIDC_INTERACTION_NOT_FOUND');
      const page = await get(`/${tenant.slug}/signin?uid=abcDEF123_-`, NAVIGATE);
      expect(page.status).toBe(400);
      expect(visibleText(await page.text())).toContain('Error code: OIDC_INTERACTION_NOT_FOUND');
      // The one-time pass was not spent.
      const ok = await formPost(`/${tenant.slug}/signin/tap`, {
        return: `/${tenant.slug}/account`,
        username: user.userPrincipalName,
        pass,
      });
      expect(ok.status).toBe(303);
      expect(ok.headers.get('location')).toBe(`/${tenant.slug}/account`);
    });

    it('shows the sign-in page again with the message for a wrong pass: username kept, pass not echoed', async () => {
      await issueTap(server.ctx, tenant, user, { oneTime: true, actor: { type: 'system', id: null } });
      const wrong = 'Wr0ngPassXyZ1234';
      const { uid, cookie } = await interaction();
      const r = await formPost(
        `/${tenant.slug}/signin/tap`,
        { uid, return: `/${tenant.slug}/account`, username: user.userPrincipalName, pass: wrong },
        { cookie },
      );
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await r.text();
      const text = visibleText(html);
      expect(text).toContain('Sign in to Pages Co');
      expect(text).toContain('The Temporary Access Pass is not valid for this account.');
      expect(text).toContain('Error code: TAP_INVALID');
      expect(html).toContain(`value="${user.userPrincipalName}"`);
      expect(html).toContain(`name="uid" value="${uid}"`);
      expect(html).not.toContain(wrong);
    });

    it('says "Enter your username" for an empty username, not the API wording', async () => {
      const r = await formPost(`/${tenant.slug}/signin/tap`, { return: '', username: '', pass: 'x' });
      expect(r.status).toBe(400);
      const text = visibleText(await r.text());
      expect(text).toContain('Enter your username.');
      expect(text).toContain('Error code: REQUEST_INVALID');
      expect(text).not.toContain('API documentation');
    });

    it('still answers a script’s JSON call with JSON, and a form post without navigation headers with JSON refusals', async () => {
      const json = await fetch(`${server.url}/${tenant.slug}/signin/tap`, {
        method: 'POST',
        headers: { ...FETCH, origin: server.url, 'content-type': 'application/json' },
        body: JSON.stringify({ username: user.userPrincipalName, pass: 'nope-nope-nope' }),
      });
      expect(json.status).toBe(401);
      expect(((await json.json()) as { error: { code: string } }).error.code).toBe('TAP_INVALID');
      const plain = await fetch(`${server.url}/${tenant.slug}/signin/tap`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'username=&pass=',
      });
      expect(plain.status).toBe(400);
      expect(((await plain.json()) as { error: { code: string } }).error.code).toBe('REQUEST_INVALID');
    });

    it('refuses a form posted from another site, with a page', async () => {
      const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: true, actor: { type: 'system', id: null } });
      const r = await formPost(
        `/${tenant.slug}/signin/tap`,
        { username: user.userPrincipalName, pass },
        { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      );
      expect(r.status).toBe(403);
      expect(r.headers.getSetCookie()).toEqual([]);
      const text = visibleText(await r.text());
      expect(text).toContain('Error code: CSRF_TOKEN_INVALID');
    });

    it('moves a sign-in address carrying a pass (a form sent as GET) to a clean one, keeping the interaction', async () => {
      const r = await get(
        `/${tenant.slug}/signin?uid=abc123&username=pat%40pages.example&pass=Secret123Pass`,
        NAVIGATE,
      );
      expect(r.status).toBe(303);
      expect(r.headers.get('location')).toBe(`/${tenant.slug}/signin?uid=abc123`);
    });

    it('explains, when the passkey form is posted without its script, that passkeys need it', async () => {
      const r = await formPost(`/${tenant.slug}/signin/passkey`, { return: '', username: 'pat@pages.example' });
      expect(r.status).toBe(200);
      const html = await r.text();
      expect(visibleText(html)).toContain('Signing in with a passkey needs this page’s script');
      expect(html).toMatch(/id="tap-username"[^>]*value="pat@pages.example"/);
    });
  });

  describe('the account page’s forms work without script', () => {
    it('renames with a form post (303, then a confirmation), and says a blank name is empty', async () => {
      const { cookie, passkeyId } = await signedInWithPasskey();
      const path = `/${tenant.slug}/account/passkeys/${passkeyId}/rename`;
      const blank = await formPost(path, { displayName: '   ' }, { cookie });
      expect(blank.status).toBe(400);
      const text = visibleText(await blank.text());
      expect(text).toContain('The name is empty. Enter a name for the passkey.');
      expect(text).toContain('Error code: PASSKEY_NAME_INVALID');
      expect(text).toContain('Laptop');

      const ok = await formPost(path, { displayName: 'Desk key' }, { cookie });
      expect(ok.status).toBe(303);
      expect(ok.headers.get('location')).toBe(`/${tenant.slug}/account?done=renamed`);
      const page = visibleText(await (await get(ok.headers.get('location')!, { ...NAVIGATE, cookie })).text());
      expect(page).toContain('The passkey was renamed.');
      expect(page).toContain('Desk key');
    });

    it('deletes with a form post, and keeps the JSON calls (PATCH, DELETE) for the script', async () => {
      const { cookie, passkeyId } = await signedInWithPasskey();
      const patch = await fetch(`${server.url}/${tenant.slug}/account/passkeys/${passkeyId}`, {
        method: 'PATCH',
        headers: { ...FETCH, origin: server.url, cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ displayName: '' }),
      });
      expect(patch.status).toBe(400);
      const refusal = (await patch.json()) as { error: { code: string; innerError: Record<string, string> } };
      expect(refusal.error.code).toBe('PASSKEY_NAME_INVALID');
      expect(refusal.error.innerError).toMatchObject({ field: 'displayName', problem: 'missing' });

      const del = await formPost(`/${tenant.slug}/account/passkeys/${passkeyId}/delete`, {}, { cookie });
      expect(del.status).toBe(303);
      expect(del.headers.get('location')).toBe(`/${tenant.slug}/account?done=deleted`);
      const again = await formPost(`/${tenant.slug}/account/passkeys/${passkeyId}/delete`, {}, { cookie });
      expect(again.status).toBe(404);
      expect(visibleText(await again.text())).toContain('Error code: PASSKEY_NOT_FOUND');
    });

    it('asks before deleting without script, and says plainly when it is the last passkey', async () => {
      const lone = await createUser(server.ctx, tenant, { userPrincipalName: 'lone@pages.example' });
      const { token, session } = await startSession(server.ctx, server.ctx.db, {
        tenantId: tenant.id,
        userId: lone.id,
        method: 'temporaryAccessPass',
      });
      const cookie = `${sessionCookieName(server.ctx.config, tenant)}=${token}`;
      const register = async (name: string) => {
        const credential = await new SoftAuthenticator().register(
          await beginPasskeyRegistration(server.ctx, tenant, session),
          { origin: server.url },
        );
        return (await finishPasskeyRegistration(server.ctx, tenant, session, { credential, name })).id;
      };
      const first = await register('Only <key>');
      const account = await get(`/${tenant.slug}/account`, { ...NAVIGATE, cookie });
      // The Delete button leads to the question (a GET), not straight to the deletion.
      expect(await account.text()).toContain(
        `<form class="delete-form" method="get" action="/${tenant.slug}/account/passkeys/${first}/delete">`,
      );

      const ask = await get(`/${tenant.slug}/account/passkeys/${first}/delete`, { ...NAVIGATE, cookie });
      expect(ask.status).toBe(200);
      const html = await ask.text();
      const text = visibleText(html);
      expect(text).toContain('Delete passkey “Only <key>”?');
      expect(html).not.toContain('<key>');
      expect(text).toContain('This is your only passkey.');
      expect(text).toContain('you will need a Temporary Access Pass from your administrator to sign in');
      expect(html).toContain(`<form method="post" action="/${tenant.slug}/account/passkeys/${first}/delete"`);
      expect(html).toMatch(new RegExp(`<a href="/${tenant.slug}/account"[^>]*>Cancel, keep it</a>`));
      // Asking deletes nothing.
      expect(visibleText(await (await get(`/${tenant.slug}/account`, { ...NAVIGATE, cookie })).text())).toContain(
        'Only <key>',
      );

      const second = await register('Spare');
      const two = visibleText(
        await (await get(`/${tenant.slug}/account/passkeys/${second}/delete`, { ...NAVIGATE, cookie })).text(),
      );
      expect(two).toContain('Delete passkey “Spare”?');
      expect(two).not.toContain('only passkey');
      expect(two).toContain('Your other passkeys keep working.');

      const confirm = await formPost(`/${tenant.slug}/account/passkeys/${second}/delete`, {}, { cookie });
      expect(confirm.status).toBe(303);
      expect(confirm.headers.get('location')).toBe(`/${tenant.slug}/account?done=deleted`);

      const gone = await get(`/${tenant.slug}/account/passkeys/${second}/delete`, { ...NAVIGATE, cookie });
      expect(gone.status).toBe(404);
      expect(visibleText(await gone.text())).toContain('Error code: PASSKEY_NOT_FOUND');
      const none = await get(`/${tenant.slug}/account/passkeys/${first}/delete`, NAVIGATE);
      expect(none.status).toBe(303);
      expect(none.headers.get('location')).toBe(`/${tenant.slug}/signin?return=%2F${tenant.slug}%2Faccount`);
    });

    it('confirms an added passkey as it does a renamed one, and invites the first passkey without mentioning passwords', async () => {
      const { cookie } = await signedInWithPasskey();
      const added = visibleText(
        await (await get(`/${tenant.slug}/account?done=added`, { ...NAVIGATE, cookie })).text(),
      );
      expect(added).toContain('The passkey was added.');

      const fresh = await createUser(server.ctx, tenant, { userPrincipalName: 'new@pages.example' });
      const { token } = await startSession(server.ctx, server.ctx.db, {
        tenantId: tenant.id,
        userId: fresh.id,
        method: 'temporaryAccessPass',
      });
      const empty = visibleText(
        await (
          await get(`/${tenant.slug}/account`, {
            ...NAVIGATE,
            cookie: `${sessionCookieName(server.ctx.config, tenant)}=${token}`,
          })
        ).text(),
      );
      expect(empty).toContain(
        'You have no passkeys yet. Add one to sign in with your face, fingerprint, PIN or security key.',
      );
      expect(empty).not.toMatch(/password/i);
    });

    it('sends a form post without a session to sign-in, and refuses one from another site', async () => {
      const { cookie, passkeyId } = await signedInWithPasskey();
      const path = `/${tenant.slug}/account/passkeys/${passkeyId}/rename`;
      const none = await formPost(path, { displayName: 'x' });
      expect(none.status).toBe(303);
      expect(none.headers.get('location')).toBe(`/${tenant.slug}/signin?return=%2F${tenant.slug}%2Faccount`);
      const cross = await formPost(
        path,
        { displayName: 'x' },
        { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      );
      expect(cross.status).toBe(403);
    });
  });
});
