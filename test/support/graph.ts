// The client credentials grant as a Graph script sends it (form post, Basic client authentication).
import type { Tenant } from '../../src/store/tenants.ts';
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
