// The browser half of the authorization code flow without a browser: authorization request with PKCE, sign-in
// with a Temporary Access Pass, the redirects back to the app; returns the code so a test can redeem it its way.
import { createHash, randomBytes } from 'node:crypto';
import type { Tenant } from '../../src/store/tenants.ts';
import { CookieClient, isAt } from './browserless.ts';
import type { TestServer } from './server.ts';

/** The walk did not end at the app with a code: where it stopped and what it showed, so a failing test says why. */
export class CodeFlowStopped extends Error {
  readonly report: Record<string, unknown>;
  constructor(report: Record<string, unknown>) {
    super(`authorization code flow stopped: ${JSON.stringify(report)}`);
    this.report = report;
  }
}

export async function authorizationCode(
  server: TestServer,
  tenant: Tenant,
  p: {
    clientId: string;
    redirectUri: string;
    scope: string;
    upn: string;
    pass: string;
    prompt?: string;
    nonce?: string;
    state?: string;
  },
  /** The browser to use: one already signed in to Signet goes straight back to the app. */
  browser: CookieClient = new CookieClient(server.url),
): Promise<{ code: string; verifier: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    client_id: p.clientId,
    response_type: 'code',
    scope: p.scope,
    redirect_uri: p.redirectUri,
    state: p.state ?? 'st',
    ...(p.nonce ? { nonce: p.nonce } : {}),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(p.prompt ? { prompt: p.prompt } : {}),
  });
  let location =
    (await browser.fetch(`/${tenant.id}/oauth2/v2.0/authorize?${q}`)).headers.get('location') ?? '(no redirect)';
  const uid = new URL(location, server.url).searchParams.get('uid');
  if (!uid && !isAt(location, p.redirectUri))
    throw new CodeFlowStopped({ stoppedAt: `authorization request → ${location}` });
  if (uid) {
    const signin = await browser.fetch(`/${tenant.slug}/signin/tap`, {
      method: 'POST',
      json: { username: p.upn, pass: p.pass, uid },
    });
    if (signin.status !== 200) throw new Error(`TAP sign-in: ${signin.status} ${await signin.text()}`);
    location = ((await signin.json()) as { redirect: string }).redirect;
  }
  const hops: string[] = [];
  for (let i = 0; i < 8 && !isAt(location, p.redirectUri, server.url); i++) {
    const res = await browser.fetch(location);
    hops.push(`${location.split('?')[0]} → ${res.status}`);
    if (res.status < 300 || res.status >= 400)
      throw new CodeFlowStopped({ stoppedAt: hops.join(', '), answer: (await res.text()).slice(0, 300) });
    location = res.headers.get('location') ?? '';
  }
  const cb = new URL(location, server.url);
  const code = cb.searchParams.get('code');
  if (!code)
    throw new CodeFlowStopped({ ...Object.fromEntries(cb.searchParams), stoppedAt: hops.join(', '), location });
  return { code, verifier };
}
