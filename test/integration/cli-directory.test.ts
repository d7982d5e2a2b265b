// The CLI's directory commands (issue 7, CLI): `signet user|group|app|tap|passkey|log` list, show, update and
// delete, run as an operator runs them (a child process) against a real database on each engine. Each command's
// text and `--json` output, its effect in the store, its audit row (the local operator: actorType system), and
// the refusals: a catalogue code, message and remediation, exit 1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands.ts';
import { hasPositionals } from '../../src/cli/positionals.ts';
import { describeError } from '../../src/core/errors.ts';
import { defaultPasskeyMethodConfig } from '../../src/core/passkey-method.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { insertSignIn, listAudits } from '../../src/store/logs.ts';
import { deletePasskey, insertPasskey, listPasskeys } from '../../src/store/passkeys.ts';
import { savePasskeyMethodConfig } from '../../src/store/policies.ts';
import { findTapOfUser } from '../../src/store/taps.ts';
import { findTenant } from '../../src/store/tenants.ts';
import { findUserByName } from '../../src/store/users.ts';
import { type Run, signet } from '../support/cli.ts';
import { databaseUrl, engines } from '../support/engines.ts';

function json(r: Run): Record<string, unknown> {
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`stdout is not one JSON value (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

/** A refusal as a person sees it: exit 1, `error CODE: …` and the remediation on stderr, nothing on stdout. */
function refusedText(r: Run, code: string) {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain(`error ${code}:`);
}

/** A refusal as a script sees it: exit 1 and `{error:{code,message,remediation,detail}}`. */
function refusedJson(r: Run, code: string) {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  const e = json(r).error as { code: string; message: string; remediation: string; detail: Record<string, string> };
  expect(e.code).toBe(code);
  expect(e.message).toBe(describeError(code as never).message);
  expect(e.remediation.length).toBeGreaterThan(10);
  return e;
}

const NEW = [
  'user list',
  'user show',
  'user update',
  'user delete',
  'group create',
  'group list',
  'group show',
  'group delete',
  'group members',
  'group add-member',
  'group remove-member',
  'app list',
  'app show',
  'app delete',
  'tap list',
  'tap delete',
  'passkey list',
  'passkey delete',
  'log signins',
  'log audits',
  'import',
];

describe('signet directory commands: help', { timeout: 180_000 }, () => {
  it('every new command is in the table and answers --help with its usage, without a database', async () => {
    for (const name of NEW) {
      const c = commands.find((x) => x.name === name);
      expect(c, name).toBeDefined();
      expect(hasPositionals(c!), name).toBe(true);
    }
    // Four at a time: the machine is shared.
    for (let i = 0; i < NEW.length; i += 4) {
      const names = NEW.slice(i, i + 4);
      const runs = await Promise.all(names.map((name) => signet([...name.split(' '), '--help'], {})));
      runs.forEach((r, j) => {
        expect(r.code, names[j]).toBe(0);
        expect(r.stdout).toContain(`Usage: signet ${names[j]}`);
        expect(r.stdout).toContain('--json');
      });
    }
    const group = await signet(['group', '--help'], {});
    expect(group.stdout).toContain('signet group add-member');
  });
});

for (const engine of engines) {
  describe(`signet directory commands on ${engine}`, { timeout: 120_000 }, () => {
    let dir: string;
    let env: Record<string, string>;
    let store: Store;
    let tenantId: string;
    const run = (...args: string[]) => signet(args, env);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'signet-cli-dir-'));
      env = {
        SIGNET_DATA_DIR: dir,
        SIGNET_PUBLIC_URL: 'http://localhost:4125',
        ...(engine === 'postgres' ? { SIGNET_DATABASE_URL: await databaseUrl('postgres') } : {}),
      };
      const init = await run('init', '--json');
      expect(init.code, init.stderr).toBe(0);
      tenantId = (json(init).tenant as { id: string }).id;
      store = openStore(env.SIGNET_DATABASE_URL ?? `sqlite:${join(dir, 'signet.db')}`);
      for (const [upn, name] of [
        ['alice@contoso.com', 'Alice'],
        ['adam@contoso.com', 'Adam'],
        ['bob@contoso.com', 'Bob'],
      ] as const) {
        const r = await run('user', 'create', '--upn', upn, '--name', name);
        expect(r.code, r.stderr).toBe(0);
      }
    });
    afterAll(async () => {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const audits = async (activity: string) =>
      (await listAudits(store.db, tenantId)).filter((a) => a.activity === activity);

    it('user list prints a table, and --json the same users in Graph shape; --filter, --top and --all page', async () => {
      const text = await run('user', 'list');
      expect(text.code, text.stderr).toBe(0);
      const lines = text.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^ID\s+USER PRINCIPAL NAME\s+DISPLAY NAME\s+ENABLED\s+CREATED$/);
      expect(lines).toHaveLength(5);
      expect(text.stdout).toMatch(/alice@contoso\.com\s+Alice\s+yes/);

      const all = json(await run('user', 'list', '--json'));
      const users = all.users as Record<string, unknown>[];
      expect(users.map((u) => u.userPrincipalName).sort()).toEqual([
        'adam@contoso.com',
        'admin@signet.local',
        'alice@contoso.com',
        'bob@contoso.com',
      ]);
      expect(Object.keys(users[0]!).sort()).toEqual([
        'accountEnabled',
        'createdDateTime',
        'displayName',
        'id',
        'userPrincipalName',
      ]);
      expect(all.more).toBe(false);

      const a = json(await run('user', 'list', '--filter', "startswith(userPrincipalName,'a')", '--json'));
      expect((a.users as { userPrincipalName: string }[]).map((u) => u.userPrincipalName).sort()).toEqual([
        'adam@contoso.com',
        'admin@signet.local',
        'alice@contoso.com',
      ]);
      const top = json(await run('user', 'list', '--top', '2', '--json'));
      expect(top.users as unknown[]).toHaveLength(2);
      expect(top.more).toBe(true);
      const topText = await run('user', 'list', '--top', '2');
      expect(topText.stdout).toContain('more users follow');
      expect((json(await run('user', 'list', '--all', '--json')).users as unknown[]).length).toBe(4);
    });

    it('user list refuses a $filter it cannot run and a --top that is no number, with the code and exit 1', async () => {
      const bad = await run('user', 'list', '--filter', "endswith(userPrincipalName,'a')");
      refusedText(bad, 'GRAPH_QUERY_INVALID');
      refusedJson(await run('user', 'list', '--top', 'many', '--json'), 'REQUEST_INVALID');
    });

    it('user show finds a user by UPN or id, with roles and groups; an unknown one is USER_NOT_FOUND', async () => {
      const admin = json(await run('user', 'show', 'admin@signet.local', '--json'));
      expect(admin).toMatchObject({ userPrincipalName: 'admin@signet.local', roles: ['Global Administrator'] });
      const byId = json(await run('user', 'show', String(admin.id), '--json'));
      expect(byId.id).toBe(admin.id);
      const text = await run('user', 'show', 'alice@contoso.com');
      expect(text.stdout).toMatch(/userPrincipalName:\s+alice@contoso\.com/);
      expect(text.stdout).toMatch(/accountEnabled:\s+true/);
      const missing = await run('user', 'show', 'nobody@contoso.com');
      refusedText(missing, 'USER_NOT_FOUND');
      expect(missing.stderr).toContain('npx signet user list');
      refusedJson(await run('user', 'show', 'nobody@contoso.com', '--json'), 'USER_NOT_FOUND');
      // A word too many is a usage mistake, refused before anything runs.
      const extra = await run('user', 'show', 'alice@contoso.com', 'bob@contoso.com');
      expect(extra.code).toBe(2);
    });

    it('user update renames and disables through the flow, audited as the system; both switches are refused', async () => {
      const r = await run('user', 'update', 'bob@contoso.com', '--name', 'Robert', '--disable', '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(json(r)).toMatchObject({
        userPrincipalName: 'bob@contoso.com',
        displayName: 'Robert',
        accountEnabled: false,
      });
      const bob = await findUserByName(store.db, tenantId, 'bob@contoso.com');
      expect(bob).toMatchObject({ displayName: 'Robert', enabled: false });
      const [audit] = await audits('Disable account');
      expect(audit).toMatchObject({ actorType: 'system', actorId: null, targetId: bob!.id });
      expect(audit!.detail).toMatchObject({ 'displayName.newValue': 'Robert', 'accountEnabled.newValue': 'false' });

      const again = await run('user', 'update', 'bob@contoso.com', '--enable');
      expect(again.stdout).toContain('enabled');
      expect((await findUserByName(store.db, tenantId, 'bob@contoso.com'))!.enabled).toBe(true);

      refusedJson(await run('user', 'update', 'bob@contoso.com', '--enable', '--disable', '--json'), 'REQUEST_INVALID');
      refusedJson(await run('user', 'update', 'bob@contoso.com', '--json'), 'REQUEST_INVALID');
      // The same parser as PATCH /users: a display name of spaces is no name.
      const blank = refusedJson(
        await run('user', 'update', 'bob@contoso.com', '--name', '   ', '--json'),
        'REQUEST_INVALID',
      );
      expect(blank.detail.field).toBe('displayName');
    });

    it('the last Global Administrator is neither deleted nor disabled, and stays as it was', async () => {
      const del = await run('user', 'delete', 'admin@signet.local');
      refusedText(del, 'ROLE_LAST_GLOBAL_ADMINISTRATOR');
      expect(del.stderr).toContain('--role "Global Administrator"');
      refusedJson(
        await run('user', 'update', 'admin@signet.local', '--disable', '--json'),
        'ROLE_LAST_GLOBAL_ADMINISTRATOR',
      );
      expect(await findUserByName(store.db, tenantId, 'admin@signet.local')).toMatchObject({ enabled: true });
      expect(await audits('Delete user')).toHaveLength(0);
    });

    it('group create, add-member, members, show, remove-member; a second removal is GROUP_MEMBER_NOT_FOUND', async () => {
      const created = json(await run('group', 'create', '--name', 'Sales', '--json'));
      expect(created).toMatchObject({ displayName: 'Sales', securityEnabled: true, mailEnabled: false });
      const add = await run('group', 'add-member', 'Sales', 'alice@contoso.com');
      expect(add.code, add.stderr).toBe(0);
      expect(add.stdout).toContain('Added alice@contoso.com to Sales');
      refusedJson(
        await run('group', 'add-member', 'Sales', 'alice@contoso.com', '--json'),
        'GRAPH_MEMBER_ALREADY_EXISTS',
      );
      expect((await run('group', 'add-member', String(created.id), 'adam@contoso.com')).code).toBe(0);

      const members = json(await run('group', 'members', 'Sales', '--json'));
      expect((members.members as { userPrincipalName: string }[]).map((m) => m.userPrincipalName).sort()).toEqual([
        'adam@contoso.com',
        'alice@contoso.com',
      ]);
      expect(json(await run('group', 'show', 'sales', '--json'))).toMatchObject({ id: created.id, memberCount: 2 });
      const shown = json(await run('user', 'show', 'alice@contoso.com', '--json'));
      expect(shown.memberOf).toEqual([{ id: created.id, displayName: 'Sales' }]);
      const list = await run('group', 'list');
      expect(list.stdout).toMatch(/^ID\s+DISPLAY NAME\s+CREATED\n/);
      expect(list.stdout).toContain('Sales');

      expect((await run('group', 'remove-member', 'Sales', 'adam@contoso.com')).code).toBe(0);
      refusedText(await run('group', 'remove-member', 'Sales', 'adam@contoso.com'), 'GROUP_MEMBER_NOT_FOUND');
      const audited = await audits('Add member to group');
      expect(audited.every((a) => a.actorType === 'system' && a.actorId === null)).toBe(true);
      expect(audited).toHaveLength(2);
      refusedText(await run('group', 'show', 'Marketing'), 'GROUP_NOT_FOUND');
    });

    it('two groups of one name are named by id; group delete is refused while the passkey policy targets the group', async () => {
      const one = json(await run('group', 'create', '--name', 'Twins', '--json'));
      expect((await run('group', 'create', '--name', 'Twins')).code).toBe(0);
      const ambiguous = refusedJson(await run('group', 'show', 'Twins', '--json'), 'GROUP_NAME_AMBIGUOUS');
      expect(ambiguous.detail.ids).toContain(String(one.id));
      await savePasskeyMethodConfig(
        store.db,
        tenantId,
        { ...defaultPasskeyMethodConfig(), excludeTargets: [{ id: String(one.id), targetType: 'group' }] },
        Date.now(),
      );
      const inUse = refusedJson(await run('group', 'delete', String(one.id), '--json'), 'GROUP_IN_USE');
      expect(inUse.detail.usedBy).toContain('excludeTargets');
      await savePasskeyMethodConfig(store.db, tenantId, defaultPasskeyMethodConfig(), Date.now());
      const del = await run('group', 'delete', String(one.id));
      expect(del.code, del.stderr).toBe(0);
      expect(json(await run('group', 'show', 'Twins', '--json')).id).not.toBe(one.id);
    });

    it('app list and show never print a secret; app delete removes the app', async () => {
      const created = json(await run('app', 'create', '--name', 'Payroll', '--permission', 'User.Read.All', '--json'));
      const secret = String(created.clientSecret);
      expect(secret.length).toBeGreaterThan(20);
      const list = await run('app', 'list');
      expect(list.stdout).toMatch(/Payroll\s+confidential\s+User\.Read\.All/);
      const listed = await run('app', 'list', '--json');
      const shown = await run('app', 'show', String(created.clientId), '--json');
      for (const r of [list, listed, shown]) expect(r.stdout).not.toContain(secret);
      expect(json(shown)).toMatchObject({
        clientId: created.clientId,
        displayName: 'Payroll',
        permissions: ['User.Read.All'],
      });
      expect(JSON.stringify(json(shown))).not.toMatch(/secret/i);
      expect((await run('app', 'delete', String(created.clientId))).code).toBe(0);
      refusedJson(await run('app', 'show', String(created.clientId), '--json'), 'APP_NOT_FOUND');
      refusedText(await run('app', 'delete', String(created.clientId)), 'APP_NOT_FOUND');
      expect((await audits('Delete application'))[0]).toMatchObject({
        actorType: 'system',
        targetId: created.clientId,
      });
    });

    it("tap list shows a user's pass without the pass itself; tap delete ends it", async () => {
      const issued = json(await run('tap', 'issue', '--user', 'alice@contoso.com', '--json'));
      const list = await run('tap', 'list', 'alice@contoso.com', '--json');
      expect(list.stdout).not.toContain(String(issued.temporaryAccessPass));
      const passes = json(list).temporaryAccessPasses as Record<string, unknown>[];
      expect(passes).toHaveLength(1);
      expect(passes[0]).toMatchObject({ temporaryAccessPass: null, isUsableOnce: true, isUsable: true });
      expect((await run('tap', 'list', 'alice@contoso.com')).stdout).toMatch(/^ID\s+START\s+MINUTES/);
      expect((await run('tap', 'delete', 'alice@contoso.com')).code).toBe(0);
      const alice = await findUserByName(store.db, tenantId, 'alice@contoso.com');
      expect(await findTapOfUser(store.db, tenantId, alice!.id)).toBeUndefined();
      refusedText(await run('tap', 'delete', 'alice@contoso.com'), 'GRAPH_RESOURCE_NOT_FOUND');
      expect((await run('tap', 'list', 'alice@contoso.com')).stdout).toContain('has no Temporary Access Pass');
    });

    it("passkey list shows a user's passkeys; passkey delete removes one, audited; an unknown id is PASSKEY_NOT_FOUND", async () => {
      const alice = (await findUserByName(store.db, tenantId, 'alice@contoso.com'))!;
      await insertPasskey(store.db, {
        id: '11111111-2222-4333-8444-555555555555',
        tenantId,
        userId: alice.id,
        credentialId: 'cred-alice-1',
        publicKey: 'pk',
        alg: -7,
        counter: 0,
        aaguid: '00000000-0000-0000-0000-000000000000',
        transports: ['usb'],
        backupEligible: false,
        backupState: false,
        attestationFormat: 'none',
        attestationTrust: 'none',
        displayName: 'YubiKey',
        createdAt: Date.now(),
        lastUsedAt: null,
        cloneSuspectedAt: null,
      });
      // A second one whose model a chain to metadata proved (as registration stores it): the list says which.
      await insertPasskey(store.db, {
        id: '22222222-2222-4333-8444-555555555555',
        tenantId,
        userId: alice.id,
        credentialId: 'cred-alice-2',
        publicKey: 'pk',
        alg: -7,
        counter: 0,
        aaguid: 'ee882879-721c-4913-9775-3dfcce97072a',
        transports: ['usb'],
        backupEligible: false,
        backupState: false,
        attestationFormat: 'packed',
        attestationTrust: 'verified',
        displayName: 'Attested key',
        createdAt: Date.now() + 1,
        lastUsedAt: null,
        cloneSuspectedAt: null,
      });
      const text = await run('passkey', 'list', 'alice@contoso.com');
      expect(text.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+MODEL\s+MODEL CHECK\s+TYPE\s+CREATED\s+LAST USED$/);
      expect(text.stdout).toMatch(/11111111-2222-4333-8444-555555555555\s+YubiKey\s+-\s+claimed only\s+deviceBound/);
      expect(text.stdout).toMatch(
        /22222222-2222-4333-8444-555555555555\s+Attested key\s+YubiKey 5 Series\s+verified\s+deviceBound/,
      );
      const listed = json(await run('passkey', 'list', 'alice@contoso.com', '--json'));
      expect(listed.passkeys).toEqual([
        expect.objectContaining({
          id: '11111111-2222-4333-8444-555555555555',
          passkeyType: 'deviceBound',
          attestationLevel: 'notAttested',
        }),
        expect.objectContaining({
          id: '22222222-2222-4333-8444-555555555555',
          model: 'YubiKey 5 Series',
          attestationLevel: 'attested',
        }),
      ]);
      refusedJson(await run('passkey', 'delete', 'alice@contoso.com', 'no-such-id', '--json'), 'PASSKEY_NOT_FOUND');
      const del = await run('passkey', 'delete', 'alice@contoso.com', '11111111-2222-4333-8444-555555555555');
      expect(del.code, del.stderr).toBe(0);
      expect((await listPasskeys(store.db, tenantId, alice.id)).map((p) => p.id)).toEqual([
        '22222222-2222-4333-8444-555555555555',
      ]);
      // Removed quietly: the log test below counts the CLI's deletions.
      expect(await deletePasskey(store.db, tenantId, alice.id, '22222222-2222-4333-8444-555555555555')).toBe(true);
      expect((await audits('Delete passkey'))[0]).toMatchObject({ actorType: 'system', actorId: null });
      expect((await run('passkey', 'list', 'alice@contoso.com')).stdout).toContain('has no passkeys');
    });

    it('log signins filters by user, time and failure; log audits by activity, newest first, the CLI as initiator', async () => {
      const alice = (await findUserByName(store.db, tenantId, 'alice@contoso.com'))!;
      const base = Date.parse('2026-03-01T10:00:00Z');
      const signIn = (n: number, result: 'success' | 'failure', upn: string, userId: string | null) =>
        insertSignIn(store.db, {
          id: `00000000-0000-4000-8000-00000000000${n}`,
          tenantId,
          createdAt: base + n * 60_000,
          userId,
          userPrincipalName: upn,
          appId: null,
          method: 'passkey',
          result,
          errorCode: result === 'failure' ? 'PASSKEY_NOT_FOUND' : null,
          detail: {},
          ip: '203.0.113.7',
          userAgent: 'test',
        });
      await signIn(1, 'success', 'alice@contoso.com', alice.id);
      await signIn(2, 'failure', 'alice@contoso.com', alice.id);
      await signIn(3, 'failure', 'ghost@contoso.com', null);
      const ofAlice = json(await run('log', 'signins', '--user', 'alice@contoso.com', '--json'));
      expect((ofAlice.signIns as { id: string }[]).map((s) => s.id)).toEqual([
        '00000000-0000-4000-8000-000000000002',
        '00000000-0000-4000-8000-000000000001',
      ]);
      const failed = json(await run('log', 'signins', '--failed', '--json')).signIns as Record<string, unknown>[];
      expect(failed.map((s) => s.userPrincipalName)).toEqual(['ghost@contoso.com', 'alice@contoso.com']);
      expect(failed[0]!.status).toMatchObject({ errorCode: 'PASSKEY_NOT_FOUND' });
      const since = json(
        await run('log', 'signins', '--since', '2026-03-01T10:02:00Z', '--until', '2026-03-01T10:02:30Z', '--json'),
      );
      expect((since.signIns as { id: string }[]).map((s) => s.id)).toEqual(['00000000-0000-4000-8000-000000000002']);
      const text = await run('log', 'signins', '--user', alice.id, '--top', '1');
      expect(text.stdout).toMatch(/^TIME\s+USER\s+APP\s+METHOD\s+RESULT\n/);
      expect(text.stdout).toContain('PASSKEY_NOT_FOUND');
      expect(text.stdout).toContain('older sign-ins follow');
      refusedJson(await run('log', 'signins', '--since', 'yesterday', '--json'), 'REQUEST_INVALID');

      const deletes = json(await run('log', 'audits', '--activity', 'Delete', '--json')).directoryAudits as Record<
        string,
        unknown
      >[];
      expect(deletes.map((a) => a.activityDisplayName)).toEqual([
        'Delete passkey',
        'Delete Temporary Access Pass',
        'Delete application',
        'Delete group',
      ]);
      expect(deletes[0]!.initiatedBy).toEqual({
        user: null,
        app: { appId: null, displayName: 'Signet', servicePrincipalId: null },
      });
      const audText = await run('log', 'audits', '--top', '3');
      expect(audText.stdout).toMatch(/^TIME\s+ACTIVITY\s+BY\s+TARGET\n/);
      expect(audText.stdout).toContain('Signet (CLI)');
    });

    it('user delete removes an ordinary user and is audited; deleting them again is USER_NOT_FOUND', async () => {
      const adam = (await findUserByName(store.db, tenantId, 'adam@contoso.com'))!;
      const r = await run('user', 'delete', 'adam@contoso.com', '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(json(r)).toEqual({ deleted: true, id: adam.id, userPrincipalName: 'adam@contoso.com' });
      expect(await findUserByName(store.db, tenantId, 'adam@contoso.com')).toBeUndefined();
      expect((await audits('Delete user'))[0]).toMatchObject({ actorType: 'system', actorId: null, targetId: adam.id });
      refusedText(await run('user', 'delete', adam.id), 'USER_NOT_FOUND');
    });

    it("another tenant's users are not found from this one", async () => {
      expect((await run('tenant', 'create', '--slug', 'fabrikam')).code).toBe(0);
      expect((await run('user', 'create', '--upn', 'eve@fabrikam.com', '--tenant', 'fabrikam')).code).toBe(0);
      refusedText(await run('user', 'show', 'eve@fabrikam.com', '--tenant', 'signet'), 'USER_NOT_FOUND');
      const eve = json(await run('user', 'show', 'eve@fabrikam.com', '--tenant', 'fabrikam', '--json'));
      refusedText(await run('user', 'delete', String(eve.id), '--tenant', 'signet'), 'USER_NOT_FOUND');
      expect(await findTenant(store.db, 'fabrikam')).toBeDefined();
    });
  });
}
