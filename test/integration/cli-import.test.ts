// `signet import` (issue 7, CLI): users and group memberships in bulk from CSV and JSON Lines, run as an operator
// runs it against a real database on each engine. Good rows are created with their memberships and audited; a
// refused row is reported with its line and catalogue code and leaves nothing behind, even inside a batch of good
// rows; a re-run skips what exists and adds only missing memberships.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/db.ts';
import { listAudits } from '../../src/store/logs.ts';
import { findUserByName, groupIdsOf } from '../../src/store/users.ts';
import { type Run, signet } from '../support/cli.ts';
import { databaseUrl, engines } from '../support/engines.ts';

interface Summary {
  rows: number;
  created: number;
  skipped: number;
  refused: number;
  membershipsAdded: number;
  report: {
    line: number;
    userPrincipalName: string | null;
    status: string;
    code?: string;
    reason?: string;
    membershipsAdded?: number;
  }[];
}

function summary(r: Run): Summary {
  try {
    return JSON.parse(r.stdout) as Summary;
  } catch {
    throw new Error(`stdout is not one JSON value (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

const CSV = [
  'userPrincipalName,displayName,accountEnabled,groups',
  'ann@contoso.com,Ann,true,Sales',
  'not-an-email,Nobody,,Sales',
  '"ben@contoso.com","Ben, the second",false,"Sales;Engineering"',
  'cat@contoso.com,Cat,,Sales;Marketing',
  'dan@contoso.com,Dan',
  'eve@contoso.com,Eve,,',
  'ann@contoso.com,Ann again,,Engineering',
  'existing@contoso.com,Existing,,Engineering',
  'fay@contoso.com,Fay,maybe,',
  '',
].join('\n');

for (const engine of engines) {
  describe(`signet import on ${engine}`, { timeout: 120_000 }, () => {
    let dir: string;
    let env: Record<string, string>;
    let store: Store;
    let tenantId: string;
    const run = (...args: string[]) => signet(args, env);
    const file = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const user = (upn: string) => findUserByName(store.db, tenantId, upn);
    const groupNames = async (upn: string) => {
      const u = await user(upn);
      const ids = u ? await groupIdsOf(store.db, tenantId, u.id) : [];
      const names = await store.db
        .selectFrom('groups')
        .select(['id', 'display_name'])
        .where('tenant_id', '=', tenantId)
        .execute();
      return ids.map((id) => names.find((n) => n.id === id)!.display_name).sort();
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'signet-cli-import-'));
      env = {
        SIGNET_DATA_DIR: dir,
        SIGNET_PUBLIC_URL: 'http://localhost:4126',
        ...(engine === 'postgres' ? { SIGNET_DATABASE_URL: await databaseUrl('postgres') } : {}),
      };
      const init = await run('init', '--json');
      expect(init.code, init.stderr).toBe(0);
      tenantId = (JSON.parse(init.stdout) as { tenant: { id: string } }).tenant.id;
      store = openStore(env.SIGNET_DATABASE_URL ?? `sqlite:${join(dir, 'signet.db')}`);
      for (const name of ['Sales', 'Engineering']) expect((await run('group', 'create', '--name', name)).code).toBe(0);
      expect((await run('user', 'create', '--upn', 'existing@contoso.com', '--name', 'Existing')).code).toBe(0);
    });
    afterAll(async () => {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a CSV of good, bad, duplicate and existing rows: each reported by line, the good ones created with their groups', async () => {
      const csv = file('users.csv', CSV);
      // Batches of two: refused rows sit in batches with good ones, which must still be written.
      const r = await run('import', csv, '--batch', '2', '--json');
      expect(r.code, r.stderr).toBe(1);
      const s = summary(r);
      expect(s).toMatchObject({ rows: 9, created: 3, skipped: 2, refused: 4, membershipsAdded: 5 });
      const byLine = Object.fromEntries(s.report.map((x) => [x.line, x]));
      expect(byLine[3]).toMatchObject({
        status: 'refused',
        code: 'REQUEST_INVALID',
        userPrincipalName: 'not-an-email',
      });
      expect(byLine[3]!.reason).toContain('userPrincipalName');
      expect(byLine[5]).toMatchObject({
        status: 'refused',
        code: 'GROUP_NOT_FOUND',
        userPrincipalName: 'cat@contoso.com',
      });
      expect(byLine[5]!.reason).toContain('Marketing');
      expect(byLine[6]).toMatchObject({ status: 'refused', code: 'IMPORT_ROW_INVALID' });
      expect(byLine[8]).toMatchObject({ status: 'skipped', userPrincipalName: 'ann@contoso.com', membershipsAdded: 1 });
      expect(byLine[9]).toMatchObject({
        status: 'skipped',
        userPrincipalName: 'existing@contoso.com',
        membershipsAdded: 1,
      });
      expect(byLine[10]).toMatchObject({ status: 'refused', code: 'REQUEST_INVALID' });
      expect(byLine[10]!.reason).toContain('accountEnabled');
      expect(s.report.map((x) => x.line)).toEqual([3, 5, 6, 8, 9, 10]);

      expect(await user('ann@contoso.com')).toMatchObject({ displayName: 'Ann', enabled: true });
      expect(await user('ben@contoso.com')).toMatchObject({ displayName: 'Ben, the second', enabled: false });
      expect(await user('eve@contoso.com')).toMatchObject({ enabled: true });
      expect(await groupNames('ann@contoso.com')).toEqual(['Engineering', 'Sales']);
      expect(await groupNames('ben@contoso.com')).toEqual(['Engineering', 'Sales']);
      expect(await groupNames('existing@contoso.com')).toEqual(['Engineering']);
      // A refused row left nothing: no user, no membership, no audit row.
      for (const upn of ['cat@contoso.com', 'dan@contoso.com', 'fay@contoso.com'])
        expect(await user(upn)).toBeUndefined();
      const audits = await listAudits(store.db, tenantId);
      const added = audits.filter((a) => a.activity === 'Add user' && a.detail.source === 'import');
      expect(added.map((a) => a.detail.userPrincipalName).sort()).toEqual([
        'ann@contoso.com',
        'ben@contoso.com',
        'eve@contoso.com',
      ]);
      expect(added.every((a) => a.actorType === 'system' && a.actorId === null)).toBe(true);
      const memberships = audits.filter((a) => a.activity === 'Add member to group');
      expect(memberships).toHaveLength(5);
      expect(memberships.some((a) => a.detail['member.userPrincipalName'] === 'cat@contoso.com')).toBe(false);
    });

    it('a re-run skips every user it created, adds nothing twice, and refuses the same rows', async () => {
      const r = await run('import', join(dir, 'users.csv'), '--json');
      expect(r.code).toBe(1);
      expect(summary(r)).toMatchObject({ rows: 9, created: 0, skipped: 5, refused: 4, membershipsAdded: 0 });
      const audits = await listAudits(store.db, tenantId);
      expect(audits.filter((a) => a.activity === 'Add member to group')).toHaveLength(5);
    });

    it('once the missing group exists, a re-run creates the row it refused, with both memberships', async () => {
      expect((await run('group', 'create', '--name', 'Marketing')).code).toBe(0);
      const r = await run('import', join(dir, 'users.csv'));
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/line 3: refused not-an-email: REQUEST_INVALID/);
      // Skipped rows that changed nothing are counted, not listed.
      expect(r.stdout).not.toContain('line 8:');
      expect(r.stdout).toContain('1 created, 5 skipped, 3 refused (2 memberships added)');
      // Not a terminal: progress is a plain line on stderr, counting lines of the file.
      expect(r.stderr).toMatch(/^import 10\/10 lines 100%/m);
      expect(await groupNames('cat@contoso.com')).toEqual(['Marketing', 'Sales']);
    });

    it('JSON Lines: groups as an array; a line that is not an object, bad groups and unknown properties are refused', async () => {
      const jsonl = file(
        'users.jsonl',
        [
          JSON.stringify({
            userPrincipalName: 'gus@contoso.com',
            displayName: 'Gus',
            groups: ['Sales', 'engineering'],
          }),
          'not json',
          JSON.stringify({ userPrincipalName: 'hal@contoso.com', displayName: 'Hal', groups: 'Sales' }),
          '',
          JSON.stringify({ userPrincipalName: 'ida@contoso.com', displayName: 'Ida', givenName: 'Ida' }),
          JSON.stringify({
            userPrincipalName: 'joe@contoso.com',
            displayName: 'Joe',
            accountEnabled: false,
            mailNickname: 'joe',
          }),
        ].join('\n'),
      );
      const r = await run('import', jsonl, '--json');
      expect(r.code).toBe(1);
      const s = summary(r);
      expect(s).toMatchObject({ rows: 5, created: 2, skipped: 0, refused: 3, membershipsAdded: 2 });
      expect(s.report.map((x) => [x.line, x.code])).toEqual([
        [2, 'IMPORT_ROW_INVALID'],
        [3, 'IMPORT_ROW_INVALID'],
        [5, 'GRAPH_PROPERTY_UNKNOWN'],
      ]);
      expect(await groupNames('gus@contoso.com')).toEqual(['Engineering', 'Sales']);
      expect(await user('joe@contoso.com')).toMatchObject({ enabled: false });
      for (const upn of ['hal@contoso.com', 'ida@contoso.com']) expect(await user(upn)).toBeUndefined();
    });

    it('a file it cannot read as users is refused whole, before any row: wrong kind, missing, unknown column', async () => {
      const cases: [string, string][] = [
        [file('users.txt', 'userPrincipalName\nkim@contoso.com\n'), 'the file name must end in .csv or .jsonl'],
        [join(dir, 'missing.csv'), 'cannot be read'],
        [file('surname.csv', 'userPrincipalName,surname\nkim@contoso.com,Kim\n'), 'surname'],
        [file('noupn.csv', 'displayName\nKim\n'), 'userPrincipalName'],
        [file('empty.csv', ''), 'empty'],
      ];
      for (const [path, words] of cases) {
        const r = await run('import', path, '--json');
        expect(r.code, path).toBe(1);
        const e = (JSON.parse(r.stdout) as { error: { code: string; detail: { reason: string } } }).error;
        expect(e.code, path).toBe('IMPORT_FILE_INVALID');
        expect(e.detail.reason).toContain(words);
      }
      const text = await run('import', join(dir, 'surname.csv'));
      expect(text.stderr).toContain('error IMPORT_FILE_INVALID:');
      expect(await user('kim@contoso.com')).toBeUndefined();
    });

    it('import --help says how groups are named and that unknown groups are refused', async () => {
      const r = await run('import', '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: signet import FILE.csv|FILE.jsonl');
      expect(r.stdout).toContain('is refused');
    });
  });
}
