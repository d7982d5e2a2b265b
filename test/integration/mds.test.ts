// The FIDO Metadata Service (MDS3) end to end, on a real server and the real CLI (security-tests.md §1.3, MDS
// P-1, F-1 to F-4): a BLOB signed under a root the test makes (with an intermediate), loaded from a file with
// `signet mds load` and from a URL the test serves; a tampered payload, a wrong root, an expired signing
// certificate and a lower `no` each refused with its code while the last good BLOB stays in force and /readyz
// says why; a model marked REVOKED by a newer BLOB refused at registration and, for a passkey registered before,
// at sign-in (with the code in the sign-in log); who is affected (CLI and Graph beta); and on PostgreSQL a second
// server process that sees the BLOB another stored.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { purgeExpired } from '../../src/flows/maintenance.ts';
import { loadMdsBlob } from '../../src/flows/metadata-service.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { listSignIns } from '../../src/store/logs.ts';
import { insertVerifiedBlob } from '../../src/store/metadata-blobs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { CookieClient } from '../support/browserless.ts';
import { signet } from '../support/cli.ts';
import { databaseUrl, engines } from '../support/engines.ts';
import { clientCredentials } from '../support/graph.ts';
import {
  futureDate,
  type MdsChain,
  makeMdsChain,
  makeMdsRoot,
  mdsPayload,
  signMdsBlob,
  tamperMdsBlob,
} from '../support/mds-fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';
import { within } from '../support/within.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read as loose JSON in assertions
type Json = Record<string, any>;

const KEPT = '1a2b3c4d-0000-4e70-9a55-7357a0c0ffee';
const REVOKED = '5e6f7a8b-0000-4e70-9a55-7357a0c0ffee';
const REVOKED_SINCE = '2026-11-20';

describe.each(engines)('FIDO metadata service on %s', (engine) => {
  const dir = mkdtempSync(join(tmpdir(), 'signet-mds-'));
  let chain: MdsChain;
  let server: TestServer;
  let second: TestServer | undefined;
  let blobServer: Server;
  /** What the test's metadata "service" answers at /blob. */
  let served = { status: 200, body: '' };
  let env: Record<string, string>;
  let tenant: Tenant;
  let other: Tenant;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  const v1Entries = [
    { aaguid: KEPT, description: 'Signet Kept Key' },
    { aaguid: REVOKED, description: 'Signet Doomed Key' },
  ];
  const v2Entries = [
    { aaguid: KEPT, description: 'Signet Kept Key' },
    {
      aaguid: REVOKED,
      description: 'Signet Doomed Key',
      statuses: [
        { status: 'FIDO_CERTIFIED', effectiveDate: '2025-01-01' },
        { status: 'REVOKED', effectiveDate: REVOKED_SINCE },
      ],
    },
  ];

  beforeAll(async () => {
    const root = await makeMdsRoot();
    chain = await makeMdsChain({ root });
    blobServer = createServer((_req, res) => {
      res.writeHead(served.status, { 'content-type': 'application/jwt' }).end(served.body);
    });
    await new Promise<void>((r) => blobServer.listen(0, '127.0.0.1', r));
    const mdsUrl = `http://127.0.0.1:${(blobServer.address() as AddressInfo).port}/blob`;
    const mdsRootFile = file('root.pem', root.pem);
    const url = await databaseUrl(engine);
    server = await startTestServer(engine, { mdsRootFile, mdsUrl }, undefined, {}, { databaseUrl: url });
    if (engine === 'postgres')
      second = await startTestServer(
        engine,
        { mdsRootFile, mdsUrl, secret: server.ctx.config.secret },
        undefined,
        {},
        { databaseUrl: url },
      );
    env = {
      SIGNET_DATA_DIR: dir,
      SIGNET_PUBLIC_URL: server.url,
      SIGNET_DATABASE_URL: url,
      SIGNET_SECRET: server.ctx.config.secret.toString('base64url'),
      SIGNET_MDS_ROOT: mdsRootFile,
      SIGNET_MDS_URL: mdsUrl,
      // stdout carries the command's JSON; alerts (error level) go to stderr.
      SIGNET_LOG_LEVEL: 'warn',
    };
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    other = await createTenant(server.ctx, { slug: 'fabrikam' });
  });
  afterAll(async () => {
    await second?.close();
    await server?.close();
    await new Promise((r) => blobServer?.close(r));
  });

  const readyMetadata = async (s: TestServer = server): Promise<Json> =>
    ((await (await fetch(`${s.managementUrl}/readyz`)).json()) as Json).checks.metadata;

  const enrolled: Record<string, { auth: SoftAuthenticator; userId: string; upn: string }> = {};

  /** Registers a passkey of the model through the flows (a TAP-strength session), as the account page does. */
  async function register(aaguid: string) {
    const upn = `u-${randomUUID().slice(0, 8)}@contoso.com`;
    const user = await createUser(server.ctx, tenant, { userPrincipalName: upn });
    const { session } = await startSession(server.ctx, server.ctx.db, {
      tenantId: tenant.id,
      userId: user.id,
      method: 'temporaryAccessPass',
    });
    const auth = new SoftAuthenticator({ aaguid });
    const credential = await auth.register(await beginPasskeyRegistration(server.ctx, tenant, session), {
      origin: server.url,
    });
    const passkey = await finishPasskeyRegistration(server.ctx, tenant, session, { credential });
    return { auth, userId: user.id, upn, passkey };
  }

  /** A passkey sign-in over HTTP on server `s`: options, the authenticator, verify. */
  async function signIn(auth: SoftAuthenticator, s: TestServer = server) {
    const post = (path: string, json: unknown) =>
      new CookieClient(s.url).fetch(path, { method: 'POST', json, headers: { origin: s.url } });
    const options = await (await post(`/${tenant.slug}/signin/passkey/options`, {})).json();
    const credential = await auth.authenticate(options, { origin: s.url });
    const res = await post(`/${tenant.slug}/signin/passkey/verify`, { credential });
    return { status: res.status, body: (await res.json()) as Json };
  }

  it('says no metadata is loaded yet, and refuses a blob where none is configured to be had', async () => {
    expect(await readyMetadata()).toMatchObject({ status: 'none', url: env.SIGNET_MDS_URL });
    served = { status: 503, body: 'down' };
    const r = await signet(['mds', 'load', '--json'], env);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('MDS_BLOB_UNREACHABLE');
  });

  it('loads a BLOB from a file with signet mds load (P-1): in force for the server, stated by status and /readyz', async () => {
    // Its nextUpdate is yesterday: in force, but stale until the service is asked again.
    const blob = await signMdsBlob(chain, mdsPayload(1, v1Entries, futureDate(-1)));
    const path = file('blob-1.jwt', blob);
    const r = await signet(['mds', 'load', path, '--json'], env);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      outcome: 'loaded',
      no: 1,
      nextUpdate: futureDate(-1),
      entries: 2,
      source: `file:${path}`,
    });
    // The same BLOB again is nothing new, not a refusal.
    expect((await loadMdsBlob(server.ctx, blob, 'again')).outcome).toBe('unchanged');
    const status = await signet(['mds', 'status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      state: 'stale',
      blob: { no: 1, entries: 2, source: `file:${path}`, nextUpdate: futureDate(-1) },
      root: env.SIGNET_MDS_ROOT,
      url: env.SIGNET_MDS_URL,
      lastError: null,
    });
    expect(await readyMetadata()).toMatchObject({ status: 'stale', no: 1, source: `file:${path}` });

    // Registration and sign-in take the model's name from the BLOB, and both models sign in.
    for (const aaguid of [KEPT, REVOKED]) {
      const e = await register(aaguid);
      expect(e.passkey.displayName).toBe(aaguid === KEPT ? 'Signet Kept Key' : 'Signet Doomed Key');
      enrolled[aaguid] = e;
      expect((await signIn(e.auth)).status).toBe(200);
      if (second) expect((await signIn(e.auth, second)).status).toBe(200);
    }
  });

  it.each([
    [
      'a payload changed after signing (F-1)',
      'MDS_BLOB_SIGNATURE_INVALID',
      async () =>
        tamperMdsBlob(await signMdsBlob(chain, mdsPayload(2, v1Entries)), (p) => {
          p.entries = [];
        }),
    ],
    [
      'a chain to another root (F-4)',
      'MDS_BLOB_CHAIN_UNTRUSTED',
      async () => signMdsBlob(await makeMdsChain(), mdsPayload(2, v2Entries)),
    ],
    [
      'an expired signing certificate',
      'MDS_BLOB_CERTIFICATE_EXPIRED',
      async () => signMdsBlob(await makeMdsChain({ root: chain.root, expiredLeaf: true }), mdsPayload(2, v2Entries)),
    ],
    ['a lower no', 'MDS_BLOB_NOT_NEWER', async () => signMdsBlob(chain, mdsPayload(0, v2Entries))],
    ['not a BLOB at all', 'MDS_BLOB_MALFORMED', async () => '{"entries": []}'],
  ])('refuses %s with %s, keeps BLOB no 1 in force and says why in /readyz', async (_what, code, make) => {
    const r = await signet(['mds', 'load', file(`bad-${code}.jwt`, await make()), '--json'], env);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code, detail: { reason: expect.any(String) } });
    // The alert in the log, naming the code.
    expect(r.stdout + r.stderr).toMatch(new RegExp(`"alert":"mds_blob_refused".*"code":"${code}"`));
    expect(await readyMetadata()).toMatchObject({ status: 'refused', no: 1, code, reason: expect.any(String) });
    const status = JSON.parse((await signet(['mds', 'status', '--json'], env)).stdout);
    expect(status).toMatchObject({ state: 'refused', blob: { no: 1 }, lastError: { code } });
    // The old BLOB's statements are what the server uses: the model still signs in.
    expect((await signIn(enrolled[REVOKED]!.auth)).status).toBe(200);
  });

  it('refreshes from SIGNET_MDS_URL in the maintenance pass once nextUpdate has passed; a REVOKED model is then refused at sign-in and registration', async () => {
    served = { status: 200, body: await signMdsBlob(chain, mdsPayload(2, v2Entries)) };
    expect((await purgeExpired(server.ctx)).metadata).toBe('loaded');
    expect(await readyMetadata()).toMatchObject({ status: 'ok', no: 2, source: env.SIGNET_MDS_URL });
    // Not due again until the new nextUpdate.
    expect((await purgeExpired(server.ctx)).metadata).toBe('not due');

    // The passkey registered before the update: refused at sign-in, naming the status and the model.
    const doomed = enrolled[REVOKED]!;
    const refused = await signIn(doomed.auth);
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain('PASSKEY_AUTHENTICATOR_COMPROMISED');
    const row = (await listSignIns(server.ctx.db, tenant.id)).find(
      (s) => s.userId === doomed.userId && s.errorCode === 'PASSKEY_AUTHENTICATOR_COMPROMISED',
    );
    expect(row?.detail).toMatchObject({
      aaguid: REVOKED,
      model: 'Signet Doomed Key',
      status: 'REVOKED',
      since: REVOKED_SINCE,
    });
    // Another model still signs in.
    expect((await signIn(enrolled[KEPT]!.auth)).status).toBe(200);
    // A new passkey of the revoked model cannot register.
    await expect(register(REVOKED)).rejects.toMatchObject({
      code: 'PASSKEY_AUTHENTICATOR_COMPROMISED',
      detail: expect.objectContaining({ status: 'REVOKED', model: 'Signet Doomed Key' }),
    });
  });

  // Two server processes need a database server: PostgreSQL only (SQLite's second process here is the CLI's).
  if (engine === 'postgres')
    it('a second server process on the same database refuses it too', async () => {
      await within(
        'BLOB no 2 on the second server',
        async () => (await signIn(enrolled[REVOKED]!.auth, second)).status === 403,
      );
      expect((await readyMetadata(second)).no).toBe(2);
      expect((await signIn(enrolled[KEPT]!.auth, second)).status).toBe(200);
    });

  if (engine === 'postgres')
    it('two processes loading the same new BLOB at once store it once: one loads it, the other finds it there', async () => {
      const blob = await signMdsBlob(chain, mdsPayload(3, v2Entries));
      const outcomes = await Promise.all([loadMdsBlob(server.ctx, blob, 'a'), loadMdsBlob(second!.ctx, blob, 'b')]);
      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['loaded', 'unchanged']);
      const rows = await server.ctx.db
        .withTables<{ metadata_blobs: { no: number; result: string } }>()
        .selectFrom('metadata_blobs')
        .select('no')
        .where('result', '=', 'verified')
        .where('no', '=', 3)
        .execute();
      expect(rows).toHaveLength(1);
      for (const s of [server, second!]) expect((await readyMetadata(s)).no).toBe(3);
    });

  it('lists who is affected: signet mds affected and the Graph beta report, per tenant', async () => {
    const doomed = enrolled[REVOKED]!;
    const cli = await signet(['mds', 'affected', '--json'], env);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).passkeys).toEqual([
      expect.objectContaining({
        tenant: 'contoso',
        userId: doomed.userId,
        userPrincipalName: doomed.upn,
        aaguid: REVOKED,
        model: 'Signet Doomed Key',
        status: 'REVOKED',
        since: REVOKED_SINCE,
      }),
    ]);
    const report = async (t: Tenant, query = '') => {
      const app = await createApp(server.ctx, t, {
        name: 'reports',
        redirectUris: [],
        publicClient: false,
        permissions: ['AuditLog.Read.All'],
      });
      const token = await clientCredentials(
        server,
        t,
        { id: app.app.id, secret: app.clientSecret! },
        'https://graph.microsoft.com/.default',
      );
      const res = await fetch(`${server.url}/graph/beta/reports/authenticationMethods/compromisedPasskeys${query}`, {
        headers: { authorization: `Bearer ${token.body.access_token}` },
      });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const mine = await report(tenant);
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual({
      '@odata.context': `${server.url}/graph/beta/$metadata#reports/authenticationMethods/compromisedPasskeys`,
      value: [
        expect.objectContaining({
          userId: doomed.userId,
          userPrincipalName: doomed.upn,
          aaGuid: REVOKED,
          model: 'Signet Doomed Key',
          status: 'REVOKED',
          statusSince: REVOKED_SINCE,
        }),
      ],
    });
    // Another tenant sees none of contoso's passkeys.
    expect((await report(other)).body.value).toEqual([]);
    // A query option is refused by name, not ignored.
    const filtered = await report(tenant, '?$top=1');
    expect(filtered.status).toBe(400);
    expect(filtered.body.error).toMatchObject({ code: 'GRAPH_QUERY_INVALID' });
  });

  it('keeps the copy in force when a stored BLOB no longer reads (a damaged row), and says so in the log', async () => {
    const lines: string[] = [];
    const log = server.ctx.log;
    server.ctx.log = { ...log, error: (o, m) => lines.push(JSON.stringify({ ...o, msg: m })) };
    try {
      await insertVerifiedBlob(server.ctx.db, {
        id: randomUUID(),
        no: 99,
        nextUpdate: futureDate(30),
        entries: 0,
        digest: 'x',
        source: 'damaged',
        loadedAt: Date.now(),
        text: 'not.a.blob',
      });
      // Within the version check interval the server reads the damaged row, and keeps what it had.
      await within('the damaged row read', async () => {
        expect((await signIn(enrolled[REVOKED]!.auth)).status).toBe(403);
        return lines.join('\n').includes('"alert":"mds_blob_unreadable"');
      });
      expect((await signIn(enrolled[REVOKED]!.auth)).status).toBe(403);
      expect((await signIn(enrolled[KEPT]!.auth)).status).toBe(200);
      expect(server.ctx.metadata.blob?.no).not.toBe(99);
    } finally {
      server.ctx.log = log;
    }
  });
});
