// The browser half of the authorization code flow without a browser: authorization request with PKCE, sign-in
// with a Temporary Access Pass, the redirects back to the app; returns the code so a test can redeem it its way.
import { createHash, randomBytes } from 'node:crypto';
import type { Tenant } from '../../src/store/tenants.ts';
import { CookieClient } from './browserless.ts';
import type { TestServer } from './server.ts';

export async function authorizationCode(
  server: TestServer,
  tenant: Tenant,
  p: { clientId: string; redirectUri: string; scope: string; upn: string; pass: string; prompt?: string },
  /** The browser to use: one already signed in to Signet goes straight back to the app. */
  browser: CookieClient = new CookieClient(server.url),
): Promise<{ code: string; verifier: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    client_id: p.clientId,
    response_type: 'code',
    scope: p.scope,
    redirect_uri: p.redirectUri,
    state: 'st',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(p.prompt ? { prompt: p.prompt } : {}),
  });
  let location =
    (await browser.fetch(`/${tenant.id}/oauth2/v2.0/authorize?${q}`)).headers.get('location') ?? '(no redirect)';
  const uid = new URL(location, server.url).searchParams.get('uid');
  if (!uid && !location.startsWith(p.redirectUri))
    throw new Error(`authorization request did not reach sign-in: ${location}`);
  if (uid) {
    const signin = await browser.fetch(`/${tenant.slug}/signin/tap`, {
      method: 'POST',
      json: { username: p.upn, pass: p.pass, uid },
    });
    if (signin.status !== 200) throw new Error(`TAP sign-in: ${signin.status} ${await signin.text()}`);
    location = ((await signin.json()) as { redirect: string }).redirect;
  }
  for (let i = 0; i < 8 && !location.startsWith(p.redirectUri); i++) {
    const res = await browser.fetch(location);
    if (res.status < 300 || res.status >= 400) throw new Error(`stopped at ${location}: ${res.status}`);
    location = res.headers.get('location') ?? '';
  }
  const code = new URL(location, server.url).searchParams.get('code');
  if (!code) throw new Error(`no code in ${location}`);
  return { code, verifier };
}
