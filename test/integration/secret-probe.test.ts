// A changed or lost SIGNET_SECRET stops Signet at start with CONFIG_SECRET_MISMATCH naming SIGNET_SECRET, instead
// of a server that says ready and then fails every pass, client secret and signing key. A database that already
// has tenants never gets a newly generated secret file; one made before the probe existed gets the probe on its
// first start (after its sealed signing keys prove the secret). Through the real CLI, on SQLite and PostgreSQL.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.ts';
import { freePort, serve, signet } from '../support/cli.ts';
import { databaseUrl, engines } from '../support/engines.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'signet-secret-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const secret = () => randomBytes(32).toString('base64url');

function expectMismatch(r: { code: number; stderr: string; stdout: string }) {
  expect(r.code, r.stderr).toBe(1);
  const first = r.stderr.split('\n')[0]!;
  expect(first).toContain('CONFIG_SECRET_MISMATCH');
  expect(first).toContain('SIGNET_SECRET');
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).not.toMatch(/Temporary Access Pass|"pass"/);
}

describe.each(engines)('the instance secret on %s', (engine) => {
  /** A data directory and a database: for SQLite the file inside the directory, for PostgreSQL a fresh database. */
  async function instance(): Promise<{ dir: string; env: Record<string, string>; dbUrl: string }> {
    const dir = tempDir();
    const dbUrl = engine === 'sqlite' ? `sqlite:${join(dir, 'signet.db')}` : await databaseUrl('postgres');
    return { dir, dbUrl, env: { SIGNET_DATA_DIR: dir, SIGNET_DATABASE_URL: dbUrl } };
  }

  it('refuses to start with another SIGNET_SECRET, for every command, and starts again with the right one', async () => {
    const { env } = await instance();
    const a = secret();
    expect((await signet(['init', '--json'], { ...env, SIGNET_SECRET: a })).code).toBe(0);
    for (const args of [['init'], ['migrate'], ['tenant', 'list'], ['tap', 'issue', '--user', 'admin@signet.local']])
      expectMismatch(await signet(args, { ...env, SIGNET_SECRET: secret() }));
    const json = await signet(['tenant', 'list', '--json'], { ...env, SIGNET_SECRET: secret() });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: { code: 'CONFIG_SECRET_MISMATCH', detail: { variable: 'SIGNET_SECRET' } },
    });
    expect((await signet(['tenant', 'list', '--json'], { ...env, SIGNET_SECRET: a })).code).toBe(0);
  });

  it('serve with another secret stops before listening: nothing answers ready', async () => {
    const { env } = await instance();
    expect((await signet(['init'], { ...env, SIGNET_SECRET: secret() })).code).toBe(0);
    const port = await freePort();
    const again = serve([], { ...env, SIGNET_SECRET: secret(), PORT: String(port) });
    await expect(again.waitFor(/listening/)).rejects.toThrow(/CONFIG_SECRET_MISMATCH/);
    expect(await again.stop()).toBe(1);
    await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
  });

  it('a data directory that lost its secret file does not get a new one: it stops, naming SIGNET_SECRET', async () => {
    const { dir, env } = await instance();
    expect((await signet(['init'], env)).code).toBe(0);
    const file = join(dir, 'secret');
    const original = readFileSync(file, 'utf8');
    unlinkSync(file);
    expectMismatch(await signet(['init'], env));
    expect(existsSync(file)).toBe(false);
    // Restored, it starts again.
    expect((await signet(['tenant', 'list', '--json'], { ...env, SIGNET_SECRET: original.trim() })).code).toBe(0);
  });

  it('a fresh data directory pointed at a database with tenants gets no secret file', async () => {
    const { env, dbUrl } = await instance();
    expect((await signet(['init'], { ...env, SIGNET_SECRET: secret() })).code).toBe(0);
    const moved = tempDir();
    const r = await signet(['init'], { SIGNET_DATA_DIR: moved, SIGNET_DATABASE_URL: dbUrl });
    expectMismatch(r);
    expect(existsSync(join(moved, 'secret'))).toBe(false);
  });

  it('a new database writes the generated secret file and the probe; the next start reads them', async () => {
    const { dir, env } = await instance();
    const first = await signet(['init', '--json'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(dir, 'secret'))).toBe(true);
    expect((await signet(['init', '--json'], env)).code).toBe(0);
  });

  it('a database from before the probe gets it on first start; with a wrong secret it is refused', async () => {
    const { env, dbUrl } = await instance();
    const a = secret();
    expect((await signet(['init'], { ...env, SIGNET_SECRET: a })).code).toBe(0);
    // As before this change: tenants, sealed signing keys, no probe.
    const dropProbe = async () => {
      const store = openStore(dbUrl);
      await store.db.withTables<{ instance: { id: number } }>().deleteFrom('instance').execute();
      await store.close();
    };
    await dropProbe();
    expectMismatch(await signet(['tenant', 'list'], { ...env, SIGNET_SECRET: secret() }));
    expect((await signet(['tenant', 'list'], { ...env, SIGNET_SECRET: a })).code).toBe(0);
    // The probe is now recorded: another secret is refused at once.
    expectMismatch(await signet(['tenant', 'list'], { ...env, SIGNET_SECRET: secret() }));
  });
});
