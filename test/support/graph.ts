// How Graph scripts and apps get tokens: the client credentials grant (form post, Basic client authentication)
// and a signed-in user's authorization code flow (PKCE, sign-in with a Temporary Access Pass).
import { createHash, randomBytes } from 'node:crypto';
import type { Tenant } from '../../src/store/tenants.ts';
import { CookieClient } from './browserless.ts';
import type { TestServer } from './server.ts';

export async function clientCredentials(
  server: TestServer,
  tenant: Tenant,
  client: { id: string; secret?: string },
  scope: string,
  extra: Record<string, string> = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams({ grant_type: 'client_credentials', scope, ...extra });
  if (client.secret) headers.authorization = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
  else body.set('client_id', client.id);
  const res = await fetch(`${server.url}/${tenant.id}/oauth2/v2.0/token`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * A signed-in user's token as an app gets it: authorization request with PKCE for `scope`, sign-in with a
 * Temporary Access Pass, the redirects back, then the code exchange (public client, or Basic with a secret).
 */
export async function authorizationCodeTokens(
  server: TestServer,
  tenant: Tenant,
  client: { id: string; secret?: string },
  who: { upn: string; pass: string },
  scope: string,
) {
  const redirectUri = `${server.url}/cb`;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const browser = new CookieClient(server.url);
  const q = new URLSearchParams({
    client_id: client.id,
    response_type: 'code',
    scope,
    redirect_uri: redirectUri,
    state: 'st',
    nonce: 'nn',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  let res = await browser.fetch(`/${tenant.id}/oauth2/v2.0/authorize?${q}`);
  let location = res.headers.get('location') ?? '';
  const uid = new URL(location, server.url).searchParams.get('uid');
  if (uid) {
    const signin = await browser.fetch(`/${tenant.slug}/signin/tap`, {
      method: 'POST',
      json: { username: who.upn, pass: who.pass, uid },
    });
    if (signin.status !== 200) throw new Error(`TAP sign-in: ${signin.status} ${await signin.text()}`);
    location = ((await signin.json()) as { redirect: string }).redirect;
  }
  const hops: string[] = [];
  for (let i = 0; i < 8 && !location.startsWith(redirectUri); i++) {
    res = await browser.fetch(location);
    hops.push(`${location.split('?')[0]} → ${res.status}`);
    if (res.status < 300 || res.status >= 400) {
      // Where the walk stopped and what it showed, so a failing test says why.
      const text = await res.text();
      return { status: 0, body: { stoppedAt: hops.join(', '), answer: text.slice(0, 300) } as Record<string, unknown> };
    }
    location = res.headers.get('location') ?? '';
  }
  const cb = new URL(location, server.url);
  const code = cb.searchParams.get('code');
  if (!code)
    return {
      status: 0,
      body: { ...Object.fromEntries(cb.searchParams), stoppedAt: hops.join(', ') } as Record<string, unknown>,
    };
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  if (client.secret) headers.authorization = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
  else body.set('client_id', client.id);
  const t = await fetch(`${server.url}/${tenant.id}/oauth2/v2.0/token`, { method: 'POST', headers, body });
  return { status: t.status, body: (await t.json()) as Record<string, unknown> };
}
