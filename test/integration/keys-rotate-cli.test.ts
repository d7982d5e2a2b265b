// `signet keys rotate` as an operator runs it (bin/signet.js), on both engines: the new keys are published at once
// and sign an hour later (so apps that cached the key set meet no unknown key), or at once with --now; what the
// operator reads says which, as text and as --json, and the database holds that schedule.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_PUBLICATION_LEAD_MS, KEY_RETIREMENT_DELAY_MS } from '../../src/core/signing-key-schedule.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { listSigningKeys } from '../../src/store/signing-keys.ts';
import { signet } from '../support/cli.ts';
import { databaseUrl, engines } from '../support/engines.ts';

interface Rotated {
  tenant: string;
  kids: string[];
  signsFrom: string;
  oldKeysUntil: string;
}

for (const engine of engines)
  describe(`signet keys rotate on ${engine}`, { timeout: 120_000 }, () => {
    let env: Record<string, string>;
    let store: Store;
    let tenantId: string;
    let slug: string;
    const run = (...args: string[]) => signet(args, env);

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'signet-cli-keys-'));
      env = {
        SIGNET_DATA_DIR: dir,
        SIGNET_PUBLIC_URL: 'http://localhost:4128',
        ...(engine === 'postgres' ? { SIGNET_DATABASE_URL: await databaseUrl('postgres') } : {}),
      };
      const init = await run('init', '--json');
      expect(init.code, init.stderr).toBe(0);
      const tenant = (JSON.parse(init.stdout) as { tenant: { id: string; slug: string } }).tenant;
      tenantId = tenant.id;
      slug = tenant.slug;
      store = openStore(env.SIGNET_DATABASE_URL ?? `sqlite:${join(dir, 'signet.db')}`);
    });
    afterAll(() => store?.close());

    /** When each key starts signing: its signs_from, or (null) its creation. */
    const signsFromOf = async (kids: string[]) =>
      (await listSigningKeys(store.db, tenantId))
        .filter((k) => kids.includes(k.kid))
        .map((k) => ({ waits: k.signsFrom !== null, from: k.signsFrom ?? k.createdAt }));

    it('publishes the new keys now and signs with them an hour later, and says so', async () => {
      const before = Date.now();
      const r = await run('keys', 'rotate', '--tenant', slug, '--json');
      expect(r.code, r.stderr).toBe(0);
      const [rotated] = (JSON.parse(r.stdout) as { rotated: Rotated[] }).rotated;
      expect(rotated!.kids).toHaveLength(2);
      const from = Date.parse(rotated!.signsFrom);
      expect(from - before).toBeGreaterThanOrEqual(KEY_PUBLICATION_LEAD_MS);
      expect(from - before).toBeLessThan(KEY_PUBLICATION_LEAD_MS + 60_000);
      expect(Date.parse(rotated!.oldKeysUntil)).toBe(from + KEY_RETIREMENT_DELAY_MS);
      expect(await signsFromOf(rotated!.kids)).toEqual([
        { waits: true, from },
        { waits: true, from },
      ]);

      const text = await run('keys', 'rotate', '--tenant', slug);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/are published now and sign from \d{4}-\d\d-\d\dT/);
      expect(text.stdout).toContain('meet no unknown key');
    });

    it('signs with them at once with --now', async () => {
      const before = Date.now();
      const r = await run('keys', 'rotate', '--tenant', slug, '--now', '--json');
      expect(r.code, r.stderr).toBe(0);
      const [rotated] = (JSON.parse(r.stdout) as { rotated: Rotated[] }).rotated;
      const from = Date.parse(rotated!.signsFrom);
      expect(from - before).toBeGreaterThanOrEqual(0);
      expect(from - before).toBeLessThan(60_000);
      for (const k of await signsFromOf(rotated!.kids)) {
        expect(k.waits).toBe(false);
        expect(Math.abs(k.from - from)).toBeLessThan(5000);
      }
      const text = await run('keys', 'rotate', '--tenant', slug, '--now');
      expect(text.stdout).toContain('sign from now on');
    });

    it('withdraws the old keys with --now --retire-old, and refuses --retire-old alone', async () => {
      const alone = await run('keys', 'rotate', '--tenant', slug, '--retire-old');
      expect(alone.code).not.toBe(0);
      expect(alone.stderr).toContain('REQUEST_INVALID');
      const live = (await listSigningKeys(store.db, tenantId)).filter((k) => k.retiredAt === null).map((k) => k.kid);
      const r = await run('keys', 'rotate', '--tenant', slug, '--now', '--retire-old', '--json');
      expect(r.code, r.stderr).toBe(0);
      const [rotated] = (JSON.parse(r.stdout) as { rotated: (Rotated & { retired: string[] })[] }).rotated;
      expect(rotated!.retired.sort()).toEqual([...live].sort());
      const after = await listSigningKeys(store.db, tenantId);
      expect(
        after
          .filter((k) => k.retiredAt === null)
          .map((k) => k.kid)
          .sort(),
      ).toEqual([...rotated!.kids].sort());
    });

    it('refuses a tenant that does not exist with its code', async () => {
      const r = await run('keys', 'rotate', '--tenant', 'no-such-tenant');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('TENANT_NOT_FOUND');
    });
  });
