// The real Microsoft Graph JavaScript SDK (@microsoft/microsoft-graph-client) against Signet, as a Graph script
// uses it: only the base URL (and the custom host the SDK may send the token to) and the token change. The
// server is on HTTPS, because the SDK's authentication middleware sends a token to an https URL only.
import {
  BatchRequestContent,
  BatchResponseContent,
  Client,
  GraphError,
  type PageCollection,
  PageIterator,
  ResponseType,
} from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createTenant } from '../../src/flows/directory.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { addPasskey } from '../support/auth-method-fixtures.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens, clientCredentials } from '../support/graph.ts';
import { startHttpsTestServer } from '../support/https-server.ts';
import type { TestServer } from '../support/server.ts';

type User = { id: string; displayName: string; userPrincipalName: string };

describe.each(engines)('the Microsoft Graph JavaScript SDK against Signet on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let client: Client;
  let readOnly: Client;
  const suffix = crypto.randomUUID().slice(0, 6);
  const upnOf = (i: number) => `sdk-${i}-${suffix}@contoso.com`;

  async function tokenFor(permissions: string[]) {
    const c = await createApp(server.ctx, tenant, {
      name: `script ${permissions.join(' ')}`,
      redirectUris: [],
      publicClient: false,
      permissions,
    });
    const r = await clientCredentials(
      server,
      tenant,
      { id: c.app.id, secret: c.clientSecret! },
      'https://graph.microsoft.com/.default',
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return String(r.body.access_token);
  }
  /** The SDK as a script sets it up, with Signet's base URL instead of https://graph.microsoft.com. */
  const sdk = (token: string) =>
    Client.init({
      authProvider: (done) => done(null, token),
      baseUrl: `${server.url}/graph`,
      defaultVersion: 'v1.0',
      customHosts: new Set([new URL(server.url).hostname]),
    });
  /** The GraphError the call fails with. */
  const failure = async (call: Promise<unknown>): Promise<GraphError> => {
    try {
      await call;
    } catch (e) {
      if (e instanceof GraphError) return e;
      throw e;
    }
    throw new Error('the call succeeded');
  };

  beforeAll(async () => {
    server = await startHttpsTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    client = sdk(await tokenFor(['User.ReadWrite.All', 'UserAuthenticationMethod.ReadWrite.All', 'AuditLog.Read.All']));
    readOnly = sdk(await tokenFor(['User.Read.All']));
  });
  afterAll(() => server?.close());

  it('creates users, and lists them page by page with PageIterator and $filter', async () => {
    for (let i = 0; i < 5; i++) {
      const created = (await client.api('/users').post({
        accountEnabled: true,
        displayName: `SDK ${i} ${suffix}`,
        userPrincipalName: upnOf(i),
        mailNickname: `sdk${i}`,
      })) as User & { '@odata.context': string };
      expect(created).toMatchObject({ userPrincipalName: upnOf(i), displayName: `SDK ${i} ${suffix}` });
      expect(created['@odata.context']).toBe(`${server.url}/graph/v1.0/$metadata#users/$entity`);
    }
    const first = (await client
      .api('/users')
      .filter(`startswith(displayName,'SDK ')`)
      .select(['id', 'displayName', 'userPrincipalName'])
      .top(2)
      .get()) as PageCollection;
    expect(first.value).toHaveLength(2);
    expect(first['@odata.nextLink']).toBeTruthy();
    const seen: User[] = [];
    await new PageIterator(client, first, (u: User) => {
      seen.push(u);
      return true;
    }).iterate();
    expect(seen.map((u) => u.userPrincipalName).sort()).toEqual([0, 1, 2, 3, 4].map(upnOf).sort());
    expect(Object.keys(seen[0]!).sort()).toEqual(['displayName', 'id', 'userPrincipalName']);
  });

  it('counts with $count and ConsistencyLevel: eventual, paging on with the same headers', async () => {
    const options = { headers: { ConsistencyLevel: 'eventual' } };
    const first = (await client
      .api('/users')
      .headers(options.headers)
      .filter(`startswith(displayName,'SDK ')`)
      .select('id')
      .count(true)
      .top(3)
      .get()) as PageCollection & { '@odata.count': number };
    expect(first['@odata.count']).toBe(5);
    const ids: string[] = [];
    await new PageIterator(
      client,
      first,
      (u: { id: string }) => {
        ids.push(u.id);
        return true;
      },
      options,
    ).iterate();
    expect(new Set(ids).size).toBe(5);
  });

  it('searches and sorts as Graph scripts do, with the headers the SDK adds', async () => {
    const found = (await client
      .api('/users')
      .header('ConsistencyLevel', 'eventual')
      .search(`"displayName:${suffix}"`)
      .orderby('displayName desc')
      .select(['displayName'])
      .get()) as { value: { displayName: string }[] };
    expect(found.value.map((u) => u.displayName)).toEqual([4, 3, 2, 1, 0].map((i) => `SDK ${i} ${suffix}`));
    // The SDK's telemetry headers (SdkVersion, its client-request-id) are accepted, and the id comes back.
    const raw = (await client
      .api('/users')
      .header('client-request-id', `script-${suffix}`)
      .top(1)
      .responseType(ResponseType.RAW)
      .get()) as Response;
    expect(raw.status).toBe(200);
    expect(raw.headers.get('client-request-id')).toBe(`script-${suffix}`);
    expect(raw.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gets a user by userPrincipalName, updates it, and reads the change', async () => {
    const user = (await client.api(`/users/${upnOf(0)}`).get()) as User;
    expect(user.userPrincipalName).toBe(upnOf(0));
    await client.api(`/users/${user.id}`).update({ displayName: `Renamed ${suffix}` });
    const again = (await client
      .api(`/users/${upnOf(0)}`)
      .select('displayName')
      .get()) as User;
    expect(again.displayName).toBe(`Renamed ${suffix}`);
  });

  it("issues a Temporary Access Pass, and lists and deletes a user's passkey", async () => {
    const user = (await client.api(`/users/${upnOf(1)}`).get()) as User;
    const tap = (await client
      .api(`/users/${user.id}/authentication/temporaryAccessPassMethods`)
      .post({ lifetimeInMinutes: 60, isUsableOnce: true })) as { temporaryAccessPass: string; isUsableOnce: boolean };
    expect(tap.temporaryAccessPass).toMatch(/\S{8,}/);
    expect(tap.isUsableOnce).toBe(true);
    const passkeyId = await addPasskey(server.ctx, tenant, user.id);
    const listed = (await client.api(`/users/${user.id}/authentication/fido2Methods`).get()) as {
      value: { id: string; displayName: string }[];
    };
    expect(listed.value.map((m) => m.id)).toEqual([passkeyId]);
    await client.api(`/users/${user.id}/authentication/fido2Methods/${passkeyId}`).delete();
    const after = (await client.api(`/users/${user.id}/authentication/fido2Methods`).get()) as { value: unknown[] };
    expect(after.value).toEqual([]);
    const gone = await failure(client.api(`/users/${user.id}/authentication/fido2Methods/${passkeyId}`).get());
    expect(gone.statusCode).toBe(404);
  });

  it('reads the sign-in log with $filter, and the registration report', async () => {
    // A real sign-in of one of the users, with the pass the SDK issued.
    const user = (await client.api(`/users/${upnOf(2)}`).get()) as User;
    const { temporaryAccessPass } = (await client
      .api(`/users/${user.id}/authentication/temporaryAccessPassMethods`)
      .post({ lifetimeInMinutes: 60, isUsableOnce: false })) as { temporaryAccessPass: string };
    const spa = await createApp(server.ctx, tenant, {
      name: 'SPA',
      redirectUris: [`${server.url}/cb`],
      publicClient: true,
    });
    const signIn = await authorizationCodeTokens(
      server,
      tenant,
      spa.app,
      { upn: user.userPrincipalName, pass: temporaryAccessPass },
      'openid profile',
    );
    expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
    const log = (await client.api('/auditLogs/signIns').filter(`userId eq '${user.id}'`).top(5).get()) as {
      value: { userId: string; userPrincipalName: string; status: { errorCode: number } }[];
    };
    expect(log.value.length).toBeGreaterThan(0);
    expect(log.value[0]).toMatchObject({ userId: user.id, userPrincipalName: upnOf(2), status: { errorCode: 0 } });

    await addPasskey(server.ctx, tenant, user.id);
    const report = (await client
      .api('/reports/authenticationMethods/userRegistrationDetails')
      .filter(`userPrincipalName eq '${upnOf(2)}'`)
      .get()) as { value: { id: string; methodsRegistered: string[]; isPasswordlessCapable: boolean }[] };
    expect(report.value).toHaveLength(1);
    expect(report.value[0]).toMatchObject({ id: user.id, isPasswordlessCapable: true });
    expect(report.value[0]!.methodsRegistered.some((m) => m.startsWith('passKey'))).toBe(true);
    const one = (await client.api(`/reports/authenticationMethods/userRegistrationDetails/${user.id}`).get()) as {
      userPrincipalName: string;
    };
    expect(one.userPrincipalName).toBe(upnOf(2));
    // Signet's own coverage report is on beta: the SDK's version() reaches it.
    const coverage = (await client
      .api('/reports/authenticationMethods/groupPasskeyCoverage')
      .version('beta')
      .get()) as { '@odata.context': string; tenantTotal: unknown };
    expect(coverage['@odata.context']).toMatch(/\/graph\/beta\/\$metadata#/);
    expect(coverage.tenantTotal).toBeDefined();
  });

  it('sends batches with BatchRequestContent and reads them with BatchResponseContent', async () => {
    const base = `${server.url}/graph/v1.0`;
    const send = async (content: BatchRequestContent) =>
      new BatchResponseContent(await client.api('/$batch').post(await content.getContent()));
    const json = { 'Content-Type': 'application/json' };
    // In parallel (the SDK allows parallel, serial, or all on one request).
    const parallel = await send(
      new BatchRequestContent([
        { id: '1', request: new Request(`${base}/users/${upnOf(3)}?$select=id,userPrincipalName`) },
        {
          id: '2',
          request: new Request(`${base}/users`, {
            method: 'POST',
            headers: json,
            body: JSON.stringify({
              accountEnabled: true,
              displayName: `SDK batch ${suffix}`,
              userPrincipalName: upnOf(8),
            }),
          }),
        },
        { id: '3', request: new Request(`${base}/users/nobody-${suffix}@contoso.com`) },
      ]),
    );
    const one = parallel.getResponseById('1')!;
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual({
      '@odata.context': `${base}/$metadata#users(id,userPrincipalName)/$entity`,
      id: expect.any(String),
      userPrincipalName: upnOf(3),
    });
    expect(parallel.getResponseById('2')!.status).toBe(201);
    const missing = parallel.getResponseById('3')!;
    expect(missing.status).toBe(404);
    expect(missing.headers.get('request-id')).toBeTruthy();
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('GRAPH_RESOURCE_NOT_FOUND');
    // In series: each request after the one before, and 424 after a failure.
    const serial = await send(
      new BatchRequestContent([
        {
          id: 'create',
          request: new Request(`${base}/users`, {
            method: 'POST',
            headers: json,
            body: JSON.stringify({
              accountEnabled: true,
              displayName: `SDK serial ${suffix}`,
              userPrincipalName: upnOf(9),
            }),
          }),
        },
        {
          id: 'update',
          request: new Request(`${base}/users/${upnOf(9)}`, {
            method: 'PATCH',
            headers: json,
            body: JSON.stringify({ displayName: 'Serial' }),
          }),
          dependsOn: ['create'],
        },
        { id: 'read', request: new Request(`${base}/users/${upnOf(9)}?$select=displayName`), dependsOn: ['update'] },
        {
          id: 'again',
          request: new Request(`${base}/users`, {
            method: 'POST',
            headers: json,
            body: JSON.stringify({ accountEnabled: true, displayName: 'Twice', userPrincipalName: upnOf(9) }),
          }),
          dependsOn: ['read'],
        },
        { id: 'never', request: new Request(`${base}/users/${upnOf(9)}`, { method: 'DELETE' }), dependsOn: ['again'] },
      ]),
    );
    expect(serial.getResponseById('create')!.status).toBe(201);
    expect(serial.getResponseById('update')!.status).toBe(204);
    expect(await serial.getResponseById('read')!.json()).toMatchObject({ displayName: 'Serial' });
    const again = serial.getResponseById('again')!;
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('USER_ALREADY_EXISTS');
    const never = serial.getResponseById('never')!;
    expect(never.status).toBe(424);
    expect(((await never.json()) as { error: { code: string } }).error.code).toBe('GRAPH_BATCH_FAILED_DEPENDENCY');
    expect(((await client.api(`/users/${upnOf(9)}`).get()) as User).displayName).toBe('Serial');
  });

  it('surfaces a 404 and a 403 as GraphError with the catalogue code and the request-id', async () => {
    const missing = await failure(client.api(`/users/${crypto.randomUUID()}`).get());
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('GRAPH_RESOURCE_NOT_FOUND');
    expect(missing.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(missing.headers?.get('request-id')).toBe(missing.requestId);
    const denied = await failure(
      readOnly
        .api('/users')
        .post({ accountEnabled: true, displayName: 'No', userPrincipalName: `no-${suffix}@contoso.com` }),
    );
    expect(denied.statusCode).toBe(403);
    expect(denied.code).toBe('GRAPH_PERMISSION_DENIED');
    expect(denied.requestId).toBeTruthy();
    expect(denied.requestId).not.toBe(missing.requestId);
  });
});
