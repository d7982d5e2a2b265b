// The metadata a running server keeps current (security-tests.md REL-14): `signet serve` fetches SIGNET_MDS_URL at
// start and again at the BLOB's nextUpdate, retrying after a failure on a bounded, growing delay. A failing fetch
// never stops the server: the last good copy from the database stays in force, an alert is logged and /readyz
// detail says why. Once the copy in force is past its nextUpdate, registrations under a profile that enforces
// attestation fail closed (PASSKEY_ATTESTATION_METADATA_STALE); other registrations and every sign-in go on.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignetError } from '../../src/core/errors.ts';
import { METADATA_RETRY_MIN_MS, METADATA_WAKE_MAX_MS } from '../../src/core/metadata-refresh.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { purgeExpired } from '../../src/flows/maintenance.ts';
import { type MetadataRefresher, startMetadataRefresh } from '../../src/flows/metadata-refresh.ts';
import { mdsStatus } from '../../src/flows/metadata-service.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { beginPasskeySignIn, finishPasskeySignIn } from '../../src/flows/sign-in-passkey.ts';
import { loadPasskeyMethodConfig, savePasskeyMethodConfig } from '../../src/store/policies.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { freePort, serve, signet } from '../support/cli.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness, ORIGIN } from '../support/harness.ts';
import {
  futureDate,
  type MdsChain,
  makeMdsChain,
  makeMdsRoot,
  mdsPayload,
  signMdsBlob,
} from '../support/mds-fixtures.ts';
import { getAttestationRoot, SoftAuthenticator } from '../support/soft-authenticator.ts';

const ATTESTED = '7e57ab1e-0000-4e70-9a55-7357a0c0ffee';
const DAY = 86_400_000;

/** A stand-in for the metadata service: answers /blob with whatever the test sets. */
async function blobService() {
  const state = { status: 200, body: '', hits: 0 };
  const server: Server = createServer((_req, res) => {
    state.hits += 1;
    res.writeHead(state.status, { 'content-type': 'application/jwt' }).end(state.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/blob`,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe.each(engines)('metadata refresh in a running server on %s', (engine) => {
  let h: Harness;
  let chain: MdsChain;
  let service: Awaited<ReturnType<typeof blobService>>;
  let loose: Tenant;
  let strict: Tenant;
  let refresher: MetadataRefresher;
  const alerts: Array<Record<string, unknown>> = [];
  const timers = { set: () => 0, clear: () => {} };

  const blob = async (no: number, nextUpdateDays: number) =>
    signMdsBlob(
      chain,
      mdsPayload(
        no,
        [{ aaguid: ATTESTED, description: 'Signet Refresh Key', roots: [await getAttestationRoot()] }],
        futureDate(nextUpdateDays),
      ),
    );

  beforeAll(async () => {
    h = await harness(engine);
    h.clock.now = Date.now();
    const root = await makeMdsRoot();
    chain = await makeMdsChain({ root });
    const dir = mkdtempSync(join(tmpdir(), 'signet-mds-refresh-'));
    const mdsRootFile = join(dir, 'root.pem');
    writeFileSync(mdsRootFile, root.pem);
    service = await blobService();
    h.ctx.config = { ...h.ctx.config, mdsUrl: service.url, mdsRootFile };
    const log = h.ctx.log;
    h.ctx.log = {
      ...log,
      warn: (o) => alerts.push(o as Record<string, unknown>),
      error: (o) => alerts.push(o as Record<string, unknown>),
    };
    loose = await createTenant(h.ctx, { slug: `l-${randomBytes(4).toString('hex')}` });
    strict = await createTenant(h.ctx, { slug: `s-${randomBytes(4).toString('hex')}` });
    const c = await loadPasskeyMethodConfig(h.ctx.db, strict.id);
    c.passkeyProfiles[0] = {
      ...c.passkeyProfiles[0]!,
      name: 'Attested keys',
      passkeyTypes: 'deviceBound',
      attestationEnforcement: 'registrationOnly',
    };
    await savePasskeyMethodConfig(h.ctx.db, strict.id, c, h.clock.now);
  });
  afterAll(async () => {
    refresher?.stop();
    await service?.close();
    await h?.close();
  });

  /** A registration of the attested model through the flows; the stored passkey, or the refusal's code. */
  async function register(tenant: Tenant) {
    const user = await createUser(h.ctx, tenant, {
      userPrincipalName: `u-${randomBytes(4).toString('hex')}@x.example`,
    });
    const { session } = await startSession(h.ctx, h.ctx.db, {
      tenantId: tenant.id,
      userId: user.id,
      method: 'temporaryAccessPass',
    });
    const auth = new SoftAuthenticator({ aaguid: ATTESTED, transports: ['usb'] });
    const credential = await auth.register(await beginPasskeyRegistration(h.ctx, tenant, session), {
      origin: ORIGIN,
      attestation: 'packed-x5c',
    });
    try {
      await finishPasskeyRegistration(h.ctx, tenant, session, { credential });
      return { code: 'ok', auth };
    } catch (err) {
      if (err instanceof SignetError) return { code: err.code, detail: err.detail, auth };
      throw err;
    }
  }

  async function signIn(tenant: Tenant, auth: SoftAuthenticator): Promise<string> {
    const options = await beginPasskeySignIn(h.ctx, tenant, {});
    const credential = await auth.authenticate(options, { origin: ORIGIN });
    try {
      await finishPasskeySignIn(h.ctx, tenant, credential);
      return 'ok';
    } catch (err) {
      if (err instanceof SignetError) return err.code;
      throw err;
    }
  }

  it('fetches at start and sleeps until the nextUpdate of what it loaded (bounded to a day)', async () => {
    service.state.body = await blob(1, 3);
    refresher = startMetadataRefresh(h.ctx, timers);
    expect(await refresher.first).toBe('loaded');
    expect(service.state.hits).toBe(1);
    expect(h.ctx.metadata.blob?.no).toBe(1);
    expect(refresher.nextWakeMs).toBe(METADATA_WAKE_MAX_MS);
    // Woken before nextUpdate: nothing is fetched.
    expect(await refresher.wake()).toBe('not due');
    expect(service.state.hits).toBe(1);
    // The maintenance pass leaves the fetching to this schedule (its backoff is not undone every 10 minutes).
    expect((await purgeExpired(h.ctx)).metadata).toBe('scheduled');
    expect((await register(strict)).code).toBe('ok');
  });

  it('past nextUpdate with the service down: keeps the last good copy, alerts, says why, retries on a growing delay', async () => {
    const before = await register(loose);
    expect(before.code).toBe('ok');
    h.clock.now += 4 * DAY;
    service.state.status = 503;
    expect(await refresher.wake()).toBe('MDS_BLOB_UNREACHABLE');
    expect(refresher.nextWakeMs).toBe(METADATA_RETRY_MIN_MS);
    expect(await refresher.wake()).toBe('MDS_BLOB_UNREACHABLE');
    expect(refresher.nextWakeMs).toBe(2 * METADATA_RETRY_MIN_MS);
    expect(h.ctx.metadata.blob?.no).toBe(1);
    expect(alerts).toContainEqual(expect.objectContaining({ alert: 'mds_blob_refused', code: 'MDS_BLOB_UNREACHABLE' }));
    expect(alerts).toContainEqual(expect.objectContaining({ alert: 'mds_not_current', failures: 2 }));
    expect(await mdsStatus(h.ctx)).toMatchObject({
      state: 'refused',
      blob: { no: 1 },
      lastError: { code: 'MDS_BLOB_UNREACHABLE', source: service.url },
    });

    // REL-14: fail closed for the profile that enforces attestation only.
    const refused = await register(strict);
    expect(refused.code).toBe('PASSKEY_ATTESTATION_METADATA_STALE');
    expect(refused.detail).toMatchObject({ profile: 'Attested keys', aaguid: ATTESTED, model: 'Signet Refresh Key' });
    expect((await register(loose)).code).toBe('ok');
    // Sign-ins go on with the last good copy, whatever the profile.
    expect(await signIn(loose, before.auth)).toBe('ok');
  });

  it('a BLOB the service still has not updated (past nextUpdate) is retried too, not taken as current', async () => {
    service.state.status = 200;
    expect(await refresher.wake()).toBe('unchanged');
    expect(refresher.nextWakeMs).toBe(4 * METADATA_RETRY_MIN_MS);
    expect((await register(strict)).code).toBe('PASSKEY_ATTESTATION_METADATA_STALE');
  });

  it('once a newer BLOB is served: in force, /readyz says ok, attested registrations go on', async () => {
    service.state.body = await blob(2, 30);
    h.clock.now += 60_000;
    expect(await refresher.wake()).toBe('loaded');
    expect(h.ctx.metadata.blob?.no).toBe(2);
    expect(refresher.nextWakeMs).toBe(METADATA_WAKE_MAX_MS);
    expect(await mdsStatus(h.ctx)).toMatchObject({ state: 'ok', blob: { no: 2 }, lastError: null });
    expect((await register(strict)).code).toBe('ok');
  });
});

describe('signet serve and SIGNET_MDS_URL', () => {
  let dir: string;
  let chain: MdsChain;
  let service: Awaited<ReturnType<typeof blobService>>;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'signet-serve-mds-'));
    const root = await makeMdsRoot();
    chain = await makeMdsChain({ root });
    writeFileSync(join(dir, 'root.pem'), root.pem);
    service = await blobService();
    env = { SIGNET_DATA_DIR: dir, SIGNET_MDS_ROOT: join(dir, 'root.pem'), SIGNET_MDS_URL: service.url };
  });
  afterAll(() => service?.close());

  async function readyMetadata(mport: number): Promise<Record<string, unknown>> {
    return ((await (await fetch(`http://127.0.0.1:${mport}/readyz`)).json()) as { checks: { metadata: never } }).checks
      .metadata;
  }

  async function serving(run: (mport: number) => Promise<void>) {
    const [port, mport] = [await freePort(), await freePort()];
    const s = serve([], { ...env, PORT: String(port), SIGNET_MANAGEMENT_PORT: String(mport) });
    try {
      await s.waitFor(/Authenticator metadata: fetched from SIGNET_MDS_URL/);
      await run(mport);
    } finally {
      await s.stop();
    }
    return s;
  }

  async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    for (let i = 0; ; i++) {
      const v = await probe();
      if (ok(v) || i > 100) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('starts with the service down, keeps the copy in the database, logs an alert and says why in /readyz', async () => {
    const file = join(dir, 'blob-1.jwt');
    writeFileSync(
      file,
      await signMdsBlob(chain, mdsPayload(1, [{ aaguid: ATTESTED, description: 'Signet Refresh Key' }])),
    );
    const loaded = await signet(['mds', 'load', file, '--json'], env);
    expect(loaded.code, loaded.stderr).toBe(0);
    service.state.status = 503;
    const s = await serving(async (mport) => {
      const m = await until(
        () => readyMetadata(mport),
        (v) => v.status === 'refused',
      );
      expect(m).toMatchObject({ status: 'refused', no: 1, code: 'MDS_BLOB_UNREACHABLE', url: service.url });
    });
    expect(service.state.hits).toBeGreaterThanOrEqual(1);
    expect(s.stderr()).toContain('"alert":"mds_blob_refused"');
    // The retry is a warning (stdout's JSON lines); the refusal an error (stderr).
    expect(s.stdout()).toContain('"alert":"mds_not_current"');
  });

  it('at start, puts in force a newer BLOB the service has (before the stored one’s nextUpdate)', async () => {
    service.state.status = 200;
    service.state.body = await signMdsBlob(
      chain,
      mdsPayload(2, [{ aaguid: ATTESTED, description: 'Signet Refresh Key' }]),
    );
    await serving(async (mport) => {
      const m = await until(
        () => readyMetadata(mport),
        (v) => v.no === 2,
      );
      expect(m).toMatchObject({ status: 'ok', no: 2, source: service.url });
    });
  });
});
