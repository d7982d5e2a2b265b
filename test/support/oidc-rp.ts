// A relying party for the OIDC conformance and token tests: openid-client 6 discovers the tenant's provider and
// builds and redeems the requests; the browser's part (sign-in with a Temporary Access Pass, the redirects) is
// walked without a browser, as test/support/code-flow.ts does, so a test sees every stop on the way.
import * as oidc from 'openid-client';
import type { Tenant } from '../../src/store/tenants.ts';
import { CookieClient, isAt } from './browserless.ts';
import type { TestServer } from './server.ts';

export { oidc };

export type Tokens = Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;

/** The app as openid-client knows it, after discovery of the tenant's issuer. */
export async function rpConfig(
  server: TestServer,
  tenant: Tenant,
  clientId: string,
  auth: oidc.ClientAuth = oidc.None(),
): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(`${server.url}/${tenant.id}/v2.0`), clientId, undefined, auth, {
    execute: [oidc.allowInsecureRequests],
  });
}

/** Where a walk from an authorization request stopped. */
export type Walk =
  | { at: 'app'; callback: URL }
  /** Signet's sign-in page for the request (`uid`): nobody was asked to sign in, or a sign-in was refused. */
  | { at: 'signin'; uid: string; location: string }
  /** Anything else: an error page, or a redirect somewhere unexpected. */
  | { at: 'other'; status: number; location: string | null; body: string };

export interface Who {
  upn: string;
  pass: string;
}

/**
 * Follows an authorization request (a URL, or a form POSTed to the authorization endpoint) the way a browser
 * would. Where Signet's sign-in page asks to sign in, it signs in as `who` (with their pass) once if given, else
 * stops there.
 */
export async function walk(
  server: TestServer,
  tenant: Tenant,
  browser: CookieClient,
  redirectUri: string,
  request: URL | { post: URLSearchParams },
  who?: Who,
): Promise<Walk> {
  let res =
    request instanceof URL
      ? await browser.fetch(request.href)
      : await browser.fetch(`/${tenant.id}/oauth2/v2.0/authorize`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: request.post,
        });
  let signedIn = false;
  for (let hop = 0; hop < 10; hop++) {
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location)
      return { at: 'other', status: res.status, location, body: await res.text() };
    if (isAt(location, redirectUri, server.url)) return { at: 'app', callback: new URL(location, server.url) };
    const next = new URL(location, server.url);
    const uid = next.searchParams.get('uid');
    if (next.pathname === `/${tenant.slug}/signin` && uid) {
      // As a browser: the page itself moves on when the browser's session already answers the request.
      const page = await browser.fetch(next.href);
      if (page.status >= 300 && page.status < 400) {
        res = page;
        continue;
      }
      if (!who || signedIn) return { at: 'signin', uid, location };
      const signin = await browser.fetch(`/${tenant.slug}/signin/tap`, {
        method: 'POST',
        json: { username: who.upn, pass: who.pass, uid },
      });
      if (signin.status !== 200) return { at: 'other', status: signin.status, location, body: await signin.text() };
      signedIn = true;
      res = await browser.fetch(((await signin.json()) as { redirect: string }).redirect);
      continue;
    }
    res = await browser.fetch(next.href);
  }
  throw new Error('more than 10 redirects');
}

/** A code flow's request: PKCE S256, state and nonce, as a careful app sends it; `extra` adds or overrides. */
export async function codeRequest(
  config: oidc.Configuration,
  redirectUri: string,
  extra: Record<string, string> = {},
): Promise<{ url: URL; verifier: string; state: string; nonce: string; params: Record<string, string> }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const params = {
    redirect_uri: redirectUri,
    scope: 'openid profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  };
  return { url: oidc.buildAuthorizationUrl(config, params), verifier, state, nonce, params };
}

/**
 * The whole code flow: request, sign-in (when the browser has no session the request accepts), redemption
 * with openid-client's checks (state, iss, nonce, the ID token's signature and claims).
 */
export async function signInThroughApp(
  server: TestServer,
  tenant: Tenant,
  config: oidc.Configuration,
  redirectUri: string,
  who: Who,
  browser = new CookieClient(server.url),
  extra: Record<string, string> = {},
): Promise<{ tokens: Tokens; callback: URL; browser: CookieClient }> {
  const req = await codeRequest(config, redirectUri, extra);
  const end = await walk(server, tenant, browser, redirectUri, req.url, who);
  if (end.at !== 'app') throw new Error(`code flow stopped: ${JSON.stringify(end).slice(0, 400)}`);
  const tokens = await oidc.authorizationCodeGrant(config, end.callback, {
    pkceCodeVerifier: req.verifier,
    expectedState: req.state,
    ...(req.params.nonce ? { expectedNonce: req.params.nonce } : {}),
    idTokenExpected: true,
  });
  return { tokens, callback: end.callback, browser };
}

/** A raw form POST to one of the tenant's OAuth endpoints, with HTTP Basic client authentication if given. */
export async function postForm(
  server: TestServer,
  tenant: Tenant,
  endpoint: 'token' | 'revoke' | 'introspect',
  body: Record<string, string>,
  basic?: { id: string; secret: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${basic.id}:${basic.secret}`).toString('base64')}`;
  const res = await fetch(`${server.url}/${tenant.id}/oauth2/v2.0/${endpoint}`, {
    method: 'POST',
    headers,
    body: new URLSearchParams(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** The userinfo endpoint with a Bearer access token: its status, and its claims when 200. */
export async function userinfo(server: TestServer, tenant: Tenant, accessToken: string) {
  const res = await fetch(`${server.url}/${tenant.id}/oidc/userinfo`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return { status: res.status, body: res.status === 200 ? ((await res.json()) as Record<string, unknown>) : {} };
}
