// How Graph scripts and apps get tokens: the client credentials grant (form post, Basic client authentication)
// and a signed-in user's authorization code flow (PKCE, sign-in with a Temporary Access Pass).
import type { Tenant } from '../../src/store/tenants.ts';
import { authorizationCode, CodeFlowStopped } from './code-flow.ts';
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
  let walked: { code: string; verifier: string };
  try {
    const p = { clientId: client.id, redirectUri, scope, nonce: 'nn', upn: who.upn, pass: who.pass };
    walked = await authorizationCode(server, tenant, p);
  } catch (e) {
    // Where the walk stopped and what it showed, so a failing test says why.
    if (e instanceof CodeFlowStopped) return { status: 0, body: e.report };
    throw e;
  }
  const { code, verifier } = walked;
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
