// The client credentials grant for the Graph resource: every way a Graph script writes its scope gives an
// RFC 9068 access token for `{public URL}/graph` carrying the granted permissions as `roles`; apps without
// permissions, public clients and unknown or ungranted permissions get none.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createTenant } from '../../src/flows/directory.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { engines } from '../support/engines.ts';
import { clientCredentials } from '../support/graph.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe.each(engines)('Graph client credentials on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let daemon: { id: string; secret: string };

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    const c = await createApp(server.ctx, tenant, {
      name: 'Daemon',
      redirectUris: [],
      publicClient: false,
      permissions: ['User.Read.All', 'AuditLog.Read.All'],
    });
    daemon = { id: c.app.id, secret: c.clientSecret! };
  });
  afterAll(() => server?.close());

  const graph = () => `${server.url}/graph`;

  it.each([
    ['https://graph.microsoft.com/.default', ['AuditLog.Read.All', 'User.Read.All']],
    ['{graph}/.default', ['AuditLog.Read.All', 'User.Read.All']],
    ['https://graph.microsoft.com/User.Read.All', ['User.Read.All']],
    ['User.Read.All', ['User.Read.All']],
  ])('scope %s gives an at+jwt for the Graph resource with roles %j', async (form, roles) => {
    const r = await clientCredentials(server, tenant, daemon, form.replace('{graph}', graph()));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.token_type).toBe('Bearer');
    const token = String(r.body.access_token);
    const header = decodeProtectedHeader(token);
    expect(header.typ).toBe('at+jwt');
    expect(header.alg).toBe('RS256');
    const claims = decodeJwt(token);
    expect(claims.aud).toBe(graph());
    expect(claims.iss).toBe(`${server.url}/${tenant.id}/v2.0`);
    expect(claims.roles).toEqual(roles);
    expect(claims.tid).toBe(tenant.id);
    expect(claims.oid).toBe(daemon.id);
    expect(claims.sub).toBe(daemon.id);
    expect(claims.scope).toBeUndefined();
    expect(claims.scp).toBeUndefined();
    expect(claims.wids).toBeUndefined();
    expect(typeof claims.jti).toBe('string');
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
  });

  it('refuses a permission not granted, an unknown one, no scope and another resource as OAuth errors', async () => {
    for (const scope of ['User.ReadWrite.All', 'Foo.Bar', 'openid']) {
      const r = await clientCredentials(server, tenant, daemon, scope);
      expect(r.status, scope).toBe(400);
      expect(r.body.error, scope).toBe('invalid_scope');
    }
    const other = await clientCredentials(server, tenant, daemon, '.default', {
      resource: 'https://other.example.com',
    });
    expect(other.status).toBe(400);
    expect(other.body.error).toBe('invalid_target');
  });

  it('refuses a wrong secret, an app without permissions and a public client', async () => {
    const wrong = await clientCredentials(server, tenant, { id: daemon.id, secret: 'nope' }, '.default');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    const plain = await createApp(server.ctx, tenant, {
      name: 'Web',
      redirectUris: [`${server.url}/cb`],
      publicClient: false,
    });
    const none = await clientCredentials(server, tenant, { id: plain.app.id, secret: plain.clientSecret! }, '.default');
    expect(none.status).toBe(400);
    expect(['unauthorized_client', 'invalid_request']).toContain(none.body.error);
    expect(none.body.access_token).toBeUndefined();
    const pub = await createApp(server.ctx, tenant, {
      name: 'SPA',
      redirectUris: [`${server.url}/cb`],
      publicClient: true,
    });
    const p = await clientCredentials(server, tenant, { id: pub.app.id }, '.default');
    expect([400, 401]).toContain(p.status);
    expect(p.body.access_token).toBeUndefined();
  });
});
