// `signet policy set --dry-run` and `signet policy whatif` as an operator runs them (bin/signet.js): the preview of a
// Fido2 body and the What If of a registration, as text and --json, the same refusals as the PATCH, nothing saved.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/flows/context.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { listAudits } from '../../src/store/logs.ts';
import { findTenant } from '../../src/store/tenants.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { type Run, signet } from '../support/cli.ts';
import { databaseUrl, engines } from '../support/engines.ts';
import { testConfig } from '../support/harness.ts';
import {
  deviceBoundOnlyBody,
  FIDO2_TYPE,
  PHONE_AAGUID,
  previewUser,
  YUBIKEY_AAGUID,
} from '../support/preview-fixtures.ts';

type Json = Record<string, unknown>;

for (const engine of engines)
  describe(`signet policy set --dry-run | whatif on ${engine}`, { timeout: 120_000 }, () => {
    let dir: string;
    let env: Record<string, string>;
    let store: Store;
    let tenantId: string;
    let synced: { user: { id: string; userPrincipalName: string }; passkeys: string[] };
    const run = (...args: string[]) => signet(args, env);
    const json = (r: Run) => {
      try {
        return JSON.parse(r.stdout) as Json;
      } catch {
        throw new Error(`stdout is not one JSON value (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
      }
    };
    const file = (name: string, body: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
      return path;
    };
    const refusal = async (args: string[]) => {
      const r = await run(...args, '--json');
      expect(r.code, r.stdout + r.stderr).toBe(1);
      return json(r).error as { code: string; detail: Record<string, string> };
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'signet-cli-preview-'));
      env = {
        SIGNET_DATA_DIR: dir,
        SIGNET_PUBLIC_URL: 'http://localhost:4127',
        ...(engine === 'postgres' ? { SIGNET_DATABASE_URL: await databaseUrl('postgres') } : {}),
      };
      const init = await run('init', '--json');
      expect(init.code, init.stderr).toBe(0);
      tenantId = (json(init).tenant as { id: string }).id;
      store = openStore(env.SIGNET_DATABASE_URL ?? `sqlite:${join(dir, 'signet.db')}`);
      const ctx = {
        db: store.db,
        config: testConfig(),
        metadata: new MetadataRegistry(),
        log: silentLogger,
        now: () => Date.now(),
        randomBytes: (n: number) => randomBytes(n),
        newId: () => crypto.randomUUID(),
      };
      const tenant = (await findTenant(store.db, tenantId))!;
      synced = await previewUser(ctx, tenant, 'synced', [{ synced: true }]);
      await previewUser(ctx, tenant, 'keyholder', [{ synced: false }]);
    });
    afterAll(async () => {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('prints who a device-bound-only body would shut out, and saves and audits nothing', async () => {
      const audits = (await listAudits(store.db, tenantId)).length;
      const body = file('strict.json', deviceBoundOnlyBody());
      const text = await run('policy', 'set', '--dry-run', body);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/nothing was saved/);
      expect(text.stdout).toMatch(/would stop working:\s+1\b/);
      expect(text.stdout).toMatch(/need a TAP\):\s+1\b/);
      expect(text.stdout).toContain('synced@');
      expect(text.stdout).toContain('PASSKEY_TYPE_NOT_ALLOWED');
      const r = await run('policy', 'set', '--method', 'fido2', '--file', body, '--dry-run', '--json');
      expect(r.code, r.stderr).toBe(0);
      const answer = json(r);
      expect(answer.summary).toMatchObject({ passkeys: 2, passkeysThatStopWorking: 1, usersLosingEveryPasskey: 1 });
      expect(answer.affectedUsers).toEqual([
        expect.objectContaining({ id: synced.user.id, needsTemporaryAccessPass: true }),
      ]);
      // Inline JSON works as a file does.
      const inline = await run('policy', 'set', '--dry-run', JSON.stringify(deviceBoundOnlyBody()), '--json');
      expect({ ...json(inline), elapsedMilliseconds: 0 }).toEqual({ ...answer, elapsedMilliseconds: 0 });
      expect((await listAudits(store.db, tenantId)).length).toBe(audits);
      const shown = json(await run('policy', 'show', '--method', 'Fido2', '--json'));
      expect(JSON.stringify(shown.passkeyProfiles)).toContain('deviceBound,synced');
    });

    it('refuses what the PATCH refuses, with its codes, and a method other than Fido2', async () => {
      const bad = file('bad.json', {
        '@odata.type': FIDO2_TYPE,
        passkeyProfiles: [
          {
            ...deviceBoundOnlyBody().passkeyProfiles[0],
            passkeyTypes: 'synced',
            attestationEnforcement: 'registrationOnly',
          },
        ],
      });
      expect((await refusal(['policy', 'set', '--dry-run', bad])).code).toBe('POLICY_PROFILE_SYNCED_WITH_ATTESTATION');
      expect(await refusal(['policy', 'set', '--dry-run', file('untyped.json', { state: 'disabled' })])).toMatchObject({
        code: 'REQUEST_INVALID',
        detail: { field: '@odata.type' },
      });
      expect((await refusal(['policy', 'set', '--dry-run', '--method', 'Email', bad])).code).toBe(
        'PREVIEW_METHOD_NOT_SUPPORTED',
      );
      expect((await refusal(['policy', 'set', '--dry-run', '{not json'])).code).toBe('POLICY_FILE_INVALID');
      // Without --dry-run, the method must be named (as before).
      expect(await refusal(['policy', 'set', bad])).toMatchObject({
        code: 'REQUEST_INVALID',
        detail: { field: '--method' },
      });
    });

    it('says whether a registration would be accepted, and by which rule not', async () => {
      const ok = await run(
        'policy',
        'whatif',
        '--user',
        synced.user.userPrincipalName,
        '--aaguid',
        YUBIKEY_AAGUID,
        '--type',
        'deviceBound',
        '--json',
      );
      expect(ok.code, ok.stderr).toBe(0);
      expect(json(ok)).toMatchObject({ isAccepted: true, configuration: 'current', user: { passkeyCount: 1 } });
      const strict = file('strict2.json', deviceBoundOnlyBody());
      const no = await run(
        'policy',
        'whatif',
        '--user',
        synced.user.id,
        '--aaguid',
        PHONE_AAGUID,
        '--type',
        'synced',
        '--policy',
        strict,
      );
      expect(no.code, no.stderr).toBe(0);
      expect(no.stdout).toMatch(/under the proposed policy: refused: PASSKEY_TYPE_NOT_ALLOWED \(profiles\)/);
      expect(no.stdout).toMatch(/Default passkey profile\s+no\s+PASSKEY_TYPE_NOT_ALLOWED/);
      expect(
        (
          await refusal([
            'policy',
            'whatif',
            '--user',
            'nobody@x.example',
            '--aaguid',
            YUBIKEY_AAGUID,
            '--type',
            'synced',
          ])
        ).code,
      ).toBe('USER_NOT_FOUND');
      expect(
        await refusal(['policy', 'whatif', '--user', synced.user.id, '--aaguid', 'yubikey', '--type', 'synced']),
      ).toMatchObject({ code: 'REQUEST_INVALID', detail: { field: '--aaguid' } });
      expect(
        await refusal(['policy', 'whatif', '--user', synced.user.id, '--aaguid', YUBIKEY_AAGUID, '--type', 'roaming']),
      ).toMatchObject({ code: 'REQUEST_INVALID', detail: { field: '--type' } });
      expect(
        await refusal([
          'policy',
          'whatif',
          '--user',
          synced.user.id,
          '--aaguid',
          YUBIKEY_AAGUID,
          '--type',
          'deviceBound',
          '--format',
          'none',
          '--attestation',
          'verified',
        ]),
      ).toMatchObject({ code: 'REQUEST_INVALID', detail: { field: '--attestation' } });
    });
  });
