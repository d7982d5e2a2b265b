// `signet ca list` and `signet ca whatif` as an operator runs them (bin/signet.js), on both engines: the policies
// with their targets and grants, and for a user and an app which apply, why the others do not and what they
// require, as text and --json; bad options refused with their codes.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamedLocation } from '../../src/flows/ca-locations-contexts.ts';
import { createPolicy } from '../../src/flows/conditional-access.ts';
import { silentLogger } from '../../src/flows/context.ts';
import { createApp, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { addGroupMember, insertGroup } from '../../src/store/groups.ts';
import { findTenant } from '../../src/store/tenants.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { type Run, signet } from '../support/cli.ts';
import { databaseUrl, engines } from '../support/engines.ts';
import { testConfig } from '../support/harness.ts';

type Json = Record<string, unknown>;
const PR = '00000000-0000-0000-0000-000000000004';

for (const engine of engines)
  describe(`signet ca list | whatif on ${engine}`, { timeout: 120_000 }, () => {
    let dir: string;
    let env: Record<string, string>;
    let store: Store;
    let appId: string;
    const ids: Record<string, string> = {};
    const run = (...args: string[]) => signet(args, env);
    const json = (r: Run) => {
      try {
        return JSON.parse(r.stdout) as unknown;
      } catch {
        throw new Error(`stdout is not one JSON value (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
      }
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'signet-cli-ca-'));
      env = {
        SIGNET_DATA_DIR: dir,
        SIGNET_PUBLIC_URL: 'http://localhost:4127',
        ...(engine === 'postgres' ? { SIGNET_DATABASE_URL: await databaseUrl('postgres') } : {}),
      };
      const init = await run('init', '--json');
      expect(init.code, init.stderr).toBe(0);
      const tenantId = ((json(init) as Json).tenant as { id: string }).id;
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
      const by = localOperator(tenant.id);
      appId = (
        await createApp(ctx, tenant, {
          name: 'Payroll',
          redirectUris: ['https://payroll.example/cb'],
          publicClient: false,
        })
      ).app.id;
      const alice = await createUser(ctx, tenant, { userPrincipalName: 'alice@contoso.test' });
      ids.alice = alice.id;
      const finance = crypto.randomUUID();
      await insertGroup(store.db, { id: finance, tenantId: tenant.id, displayName: 'Finance', createdAt: Date.now() });
      await addGroupMember(store.db, tenant.id, finance, alice.id);
      const office = await createNamedLocation(ctx, tenant, by, {
        '@odata.type': '#microsoft.graph.ipNamedLocation',
        displayName: 'Office',
        isTrusted: true,
        ipRanges: [{ cidrAddress: '192.0.2.0/24' }],
      });
      ids.payroll = (
        await createPolicy(ctx, tenant, by, {
          displayName: 'Payroll needs a passkey',
          state: 'enabled',
          conditions: {
            applications: { includeApplications: [appId] },
            users: { includeGroups: [finance] },
            locations: { includeLocations: ['All'], excludeLocations: [office.id] },
          },
          grantControls: { operator: 'OR', authenticationStrength: { id: PR } },
        })
      ).id;
      ids.context = (
        await createPolicy(ctx, tenant, by, {
          displayName: 'Step-up for c1',
          state: 'enabledForReportingButNotEnforced',
          conditions: {
            applications: { includeAuthenticationContextClassReferences: ['c1'] },
            users: { includeUsers: ['All'] },
          },
          grantControls: { operator: 'OR', builtInControls: ['mfa'] },
          sessionControls: { signInFrequency: { isEnabled: true, frequencyInterval: 'everyTime' } },
        })
      ).id;
    });
    afterAll(async () => {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('lists the policies with their state, targets and grant', async () => {
      const text = await run('ca', 'list');
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/Payroll needs a passkey\s+enabled/);
      expect(text.stdout).toContain('Phishing resistant MFA');
      const rows = json(await run('ca', 'list', '--json')) as Json[];
      expect(rows.map((r) => [r.displayName, r.state, r.grant])).toEqual([
        ['Payroll needs a passkey', 'enabled', 'Phishing resistant MFA'],
        ['Step-up for c1', 'enabledForReportingButNotEnforced', 'mfa'],
      ]);
    });

    it('answers which policies apply to alice at Payroll, and why not from the office or without c1', async () => {
      const away = json(
        await run('ca', 'whatif', '--user', 'alice@contoso.test', '--app', appId, '--ip', '198.51.100.9', '--json'),
      ) as Json[];
      expect(away).toEqual([
        {
          id: ids.payroll,
          displayName: 'Payroll needs a passkey',
          state: 'enabled',
          policyApplies: true,
          analysisReasons: [],
          requirement: {
            block: false,
            authenticationStrengths: [{ id: PR, displayName: 'Phishing resistant MFA' }],
            freshSince: null,
            reportOnly: false,
          },
        },
        expect.objectContaining({ id: ids.context, policyApplies: false, analysisReasons: ['authenticationContext'] }),
      ]);
      const office = json(
        await run(
          'ca',
          'whatif',
          '--user',
          ids.alice!,
          '--app',
          appId,
          '--ip',
          '::ffff:192.0.2.20',
          '--context',
          'C1',
          '--json',
        ),
      ) as Json[];
      expect(office.map((r) => [r.id, r.policyApplies, r.analysisReasons])).toEqual([
        [ids.payroll, false, ['location']],
        [ids.context, true, []],
      ]);
      expect((office[1]!.requirement as Json).freshSince).not.toBeNull();
      const applied = json(
        await run('ca', 'whatif', '--user', ids.alice!, '--context', 'c1', '--applied-only', '--json'),
      ) as Json[];
      expect(applied.map((r) => r.id)).toEqual([ids.context]);
      const text = await run('ca', 'whatif', '--user', 'alice@contoso.test', '--app', appId);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/Payroll needs a passkey\s+enabled\s+yes\s+-\s+Phishing resistant MFA/);
      expect(text.stdout).toMatch(/Step-up for c1\s+enabledForReportingButNotEnforced\s+no\s+authenticationContext/);
    });

    it('refuses bad options and an unknown user with their codes', async () => {
      const refusal = async (...args: string[]) => {
        const r = await run('ca', 'whatif', ...args, '--json');
        expect(r.code, r.stdout + r.stderr).toBe(1);
        return (json(r) as Json).error as { code: string; detail: Record<string, string> };
      };
      expect(await refusal('--user', 'alice@contoso.test', '--context', 'c100')).toMatchObject({
        code: 'REQUEST_INVALID',
        detail: { field: '--context' },
      });
      expect(await refusal('--user', 'alice@contoso.test', '--ip', '999.1.1.1')).toMatchObject({
        code: 'REQUEST_INVALID',
        detail: { field: '--ip' },
      });
      expect(await refusal('--user', 'alice@contoso.test', '--client', 'exchangeActiveSync')).toMatchObject({
        code: 'REQUEST_INVALID',
        detail: { field: '--client' },
      });
      expect(await refusal('--user', 'alice@contoso.test', '--action', 'registerOrJoinDevices')).toMatchObject({
        code: 'CA_WHATIF_UNSUPPORTED',
      });
      expect(await refusal('--user', 'nobody@contoso.test')).toMatchObject({ code: 'USER_NOT_FOUND' });
    });
  });
