// The `signet` command line (SPEC §2.1, §3, §4): run as a child process the way an operator runs it, against a
// temporary SQLite data directory (and once against PostgreSQL). `--json` prints one JSON object; refusals exit 1
// with a catalogue code; bad configuration names the variable.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands.ts';
import { isErrorCode } from '../../src/core/errors.ts';
import { freePort, serve } from '../support/cli.ts';
import { databaseUrl, engines } from '../support/engines.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'signet.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node bin/signet.js …` with Node 24 (the runner's own), a clean Signet environment plus `env`. */
function signet(args: string[], env: Record<string, string>): Promise<Run> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('SIGNET_') && k !== 'PORT' && k !== 'HOST') base[k] = v;
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { ...base, ...env }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** The whole of stdout is exactly one JSON object. */
function one(r: Run): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    throw new Error(`stdout is not one JSON value (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
  expect(typeof parsed).toBe('object');
  expect(Array.isArray(parsed)).toBe(false);
  expect(parsed).not.toBeNull();
  return parsed as Record<string, unknown>;
}

const TAP = /^[A-Za-z0-9]{16}$/;

describe('signet CLI on SQLite', () => {
  let dataDir: string;
  let env: Record<string, string>;
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'signet-cli-'));
    dirs.push(d);
    return d;
  };

  beforeAll(() => {
    dataDir = tempDir();
    env = { SIGNET_DATA_DIR: dataDir, SIGNET_PUBLIC_URL: 'http://localhost:4123' };
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  let init: Record<string, unknown>;

  it('init --json prints one JSON object with the tenant, the admin, the URL and a one-time pass', async () => {
    const r = await signet(['init', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    init = one(r);
    expect(init.created).toBe(true);
    const tenant = init.tenant as { id: string; slug: string };
    expect(tenant.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(tenant.slug).toBe('signet');
    expect(init.admin).toMatchObject({ userPrincipalName: 'admin@signet.local' });
    expect(init.url).toBe(`http://localhost:4123/${tenant.slug}/account`);
    const tap = init.temporaryAccessPass as { pass: string; expiresDateTime: string; isUsableOnce: boolean };
    expect(tap.pass).toMatch(TAP);
    expect(tap.isUsableOnce).toBe(true);
    expect(Date.parse(tap.expiresDateTime)).toBeGreaterThan(Date.now());
  });

  it('a second init --json reuses the data: same tenant, created false, no new pass', async () => {
    const r = await signet(['init', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const again = one(r);
    expect(again.created).toBe(false);
    expect((again.tenant as { id: string }).id).toBe((init.tenant as { id: string }).id);
    expect((again.admin as { id: string }).id).toBe((init.admin as { id: string }).id);
    expect(again.temporaryAccessPass).toBeNull();
    expect(r.stdout).not.toContain((init.temporaryAccessPass as { pass: string }).pass);
  });

  it('init without --json prints the sign-in URL and the pass for a person', async () => {
    const fresh = { SIGNET_DATA_DIR: tempDir(), SIGNET_PUBLIC_URL: 'http://localhost:4124' };
    const r = await signet(['init'], fresh);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('http://localhost:4124/signet/account');
    expect(r.stdout).toContain('admin@signet.local');
    expect(r.stdout).toMatch(/[A-Za-z0-9]{16}/);
  });

  it('tap issue --user admin@signet.local --json gives a new pass', async () => {
    const r = await signet(['tap', 'issue', '--user', 'admin@signet.local', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const out = one(r);
    expect(out.user).toBe('admin@signet.local');
    expect(out.temporaryAccessPass).toMatch(TAP);
    expect(out.temporaryAccessPass).not.toBe((init.temporaryAccessPass as { pass: string }).pass);
    expect(out.isUsableOnce).toBe(true);
    expect(out.url).toBe('http://localhost:4123/signet/signin');
    const second = one(await signet(['tap', 'issue', '--user', 'admin@signet.local', '--json'], env));
    expect(second.temporaryAccessPass).not.toBe(out.temporaryAccessPass);
  });

  it('tap issue refuses an unknown user and a lifetime out of range, with their codes', async () => {
    const unknown = await signet(['tap', 'issue', '--user', 'nobody@signet.local', '--json'], env);
    expect(unknown.code).toBe(1);
    expect(one(unknown)).toMatchObject({ error: { code: 'USER_NOT_FOUND' } });
    for (const lifetime of ['5', '43201', 'abc']) {
      const r = await signet(['tap', 'issue', '--user', 'admin@signet.local', '--lifetime', lifetime, '--json'], env);
      expect(r.code, lifetime).toBe(1);
      expect(one(r), lifetime).toMatchObject({ error: { code: 'REQUEST_INVALID' } });
    }
  });

  it('tenant create --slug x --conformance --json', async () => {
    const r = await signet(['tenant', 'create', '--slug', 'x', '--conformance', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const t = one(r);
    expect(t).toMatchObject({ slug: 'x', kind: 'workforce', conformance: true });
    expect(t.id).toMatch(/^[0-9a-f-]{36}$/);
    const taken = await signet(['tenant', 'create', '--slug', 'x', '--json'], env);
    expect(taken.code).toBe(1);
    expect(one(taken)).toMatchObject({ error: { code: 'TENANT_SLUG_TAKEN' } });
    const bad = await signet(['tenant', 'create', '--slug', 'Not A Slug', '--json'], env);
    expect(bad.code).toBe(1);
    expect(one(bad)).toMatchObject({ error: { code: 'REQUEST_INVALID' } });
  });

  it('tenant create refuses an unknown --kind with a catalogue code, not a crash', async () => {
    const r = await signet(['tenant', 'create', '--slug', 'kinds', '--kind', 'galactic', '--json'], env);
    expect(r.code).toBe(1);
    expect(one(r)).toMatchObject({ error: { code: 'REQUEST_INVALID' } });
  });

  it('user create --upn a@b.c --json, and again: exit 1 with USER_ALREADY_EXISTS', async () => {
    const r = await signet(['user', 'create', '--upn', 'a@b.c', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const u = one(r);
    expect(u).toMatchObject({ userPrincipalName: 'a@b.c', tenantId: (init.tenant as { id: string }).id });
    expect(u.id).toMatch(/^[0-9a-f-]{36}$/);

    const json = await signet(['user', 'create', '--upn', 'a@b.c', '--json'], env);
    expect(json.code).toBe(1);
    const err = one(json).error as { code: string; message: string; remediation: string };
    expect(err.code).toBe('USER_ALREADY_EXISTS');
    expect(err.message.length).toBeGreaterThan(0);
    expect(err.remediation.length).toBeGreaterThan(0);

    const text = await signet(['user', 'create', '--upn', 'a@b.c'], env);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('USER_ALREADY_EXISTS');

    const badUpn = await signet(['user', 'create', '--upn', 'no-at-sign', '--json'], env);
    expect(badUpn.code).toBe(1);
    expect(one(badUpn)).toMatchObject({ error: { code: 'REQUEST_INVALID' } });
  });

  it('app create gives clientId and clientSecret; --public gives no secret; a fragment is refused', async () => {
    const r = await signet(
      ['app', 'create', '--name', 'A', '--redirect-uri', 'https://app.example.com/cb', '--json'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const app = one(r);
    expect(typeof app.clientId).toBe('string');
    expect((app.clientId as string).length).toBeGreaterThan(0);
    expect(app.clientSecret).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(app.redirectUris).toEqual(['https://app.example.com/cb']);
    expect(app.publicClient).toBe(false);
    expect(app.issuer).toBe(`http://localhost:4123/${(init.tenant as { id: string }).id}/v2.0`);

    const pub = one(
      await signet(
        ['app', 'create', '--name', 'P', '--redirect-uri', 'https://app.example.com/cb', '--public', '--json'],
        env,
      ),
    );
    expect(pub.publicClient).toBe(true);
    expect(pub.clientSecret ?? null).toBeNull();
    expect(pub.clientId).not.toBe(app.clientId);

    for (const uri of ['https://app.example.com/cb#frag', 'http://app.example.com/cb', 'not a url', '/relative']) {
      const bad = await signet(['app', 'create', '--name', 'B', '--redirect-uri', uri, '--json'], env);
      expect(bad.code, uri).toBe(1);
      expect(one(bad), uri).toMatchObject({ error: { code: 'APP_REDIRECT_URI_INVALID' } });
    }
    const none = await signet(['app', 'create', '--name', 'C', '--json'], env);
    expect(none.code).toBe(1);
    expect(isErrorCode((one(none).error as { code: string }).code)).toBe(true);
  });

  it('app create --permission grants application permissions; grant and revoke change them; unknown ones are refused by name', async () => {
    const r = await signet(
      [
        'app',
        'create',
        '--name',
        'Daemon',
        '--permission',
        'User.Read.All',
        '--permission',
        'auditlog.read.all',
        '--json',
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const app = one(r);
    expect(app.clientSecret).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(app.permissions).toEqual(['User.Read.All', 'AuditLog.Read.All']);
    const id = String(app.clientId);
    const granted = one(await signet(['app', 'grant', '--app', id, '--permission', 'Policy.Read.All', '--json'], env));
    expect(granted).toEqual({ clientId: id, permissions: ['User.Read.All', 'AuditLog.Read.All', 'Policy.Read.All'] });
    const revoked = one(await signet(['app', 'revoke', '--app', id, '--permission', 'User.Read.All', '--json'], env));
    expect(revoked).toEqual({ clientId: id, permissions: ['AuditLog.Read.All', 'Policy.Read.All'] });
    const unknown = await signet(
      ['app', 'create', '--name', 'X', '--permission', 'Directory.Everything', '--json'],
      env,
    );
    expect(unknown.code).toBe(1);
    expect(one(unknown)).toMatchObject({
      error: { code: 'APP_PERMISSION_UNKNOWN', detail: { permission: 'Directory.Everything' } },
    });
    const badGrant = await signet(['app', 'grant', '--app', id, '--permission', 'Nope', '--json'], env);
    expect(one(badGrant)).toMatchObject({ error: { code: 'APP_PERMISSION_UNKNOWN' } });
    const noApp = await signet(['app', 'grant', '--app', 'missing', '--permission', 'User.Read.All', '--json'], env);
    expect(one(noApp)).toMatchObject({ error: { code: 'APP_NOT_FOUND' } });
    const pub = await signet(
      ['app', 'create', '--name', 'P', '--public', '--permission', 'User.Read.All', '--json'],
      env,
    );
    expect(one(pub)).toMatchObject({ error: { code: 'REQUEST_INVALID', detail: { field: 'permission' } } });
  });

  it('migrate --json applies the migrations once, then reports nothing to do', async () => {
    const fresh = { SIGNET_DATA_DIR: tempDir() };
    const first = await signet(['migrate', '--json'], fresh);
    expect(first.code, first.stderr).toBe(0);
    const a = one(first);
    expect(a.engine).toBe('sqlite');
    expect(Array.isArray(a.applied)).toBe(true);
    const second = await signet(['migrate', '--json'], fresh);
    expect(second.code, second.stderr).toBe(0);
    expect(one(second)).toEqual({ applied: [], engine: 'sqlite' });
    expect(one(await signet(['migrate', '--json'], env))).toEqual({ applied: [], engine: 'sqlite' });
  });

  it.each(['init', 'serve', 'migrate', 'tenant create', 'tenant list', 'user create', 'app create', 'tap issue'])(
    '%s --help exits 0 with its usage',
    async (command) => {
      const r = await signet([...command.split(' '), '--help'], { SIGNET_DATA_DIR: tempDir() });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`signet ${command}`);
      expect(r.stdout).toContain('Usage:');
      expect(r.stdout).toContain('--json');
    },
  );

  it('signet --help lists the commands and exits 0; an unknown command or option does not exit 0', async () => {
    const help = await signet(['--help'], env);
    expect(help.code).toBe(0);
    for (const c of [
      'init',
      'serve',
      'migrate',
      'tenant create',
      'tenant list',
      'user create',
      'app create',
      'tap issue',
    ])
      expect(help.stdout).toContain(`signet ${c}`);
    expect((await signet(['frobnicate'], env)).code).not.toBe(0);
    expect((await signet([], env)).stdout).toContain('signet tenant list');
    const badOption = await signet(['init', '--bogus'], env);
    expect(badOption.code).not.toBe(0);
    expect(badOption.stderr).toContain('--bogus');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['SIGNET_PUBLIC_URL', 'ftp://x'],
    ['SIGNET_PUBLIC_URL', 'http://127.0.0.1:3000'],
    ['SIGNET_PUBLIC_URL', 'https://127.0.0.1'],
    ['SIGNET_PUBLIC_URL', 'https://[::1]:8443'],
    ['SIGNET_PUBLIC_URL', 'not a url'],
    ['SIGNET_PUBLIC_URL', 'https://id.example.com/path'],
    ['SIGNET_DATABASE_URL', 'mysql://x'],
    ['SIGNET_SECRET', 'short'],
    ['SIGNET_TRUSTED_PROXIES', '10.0.0.1,not-an-address'],
    ['SIGNET_TRUSTED_PROXIES', '10.0.0.0/99'],
    ['SIGNET_MANAGEMENT_PORT', 'metrics'],
    ['SIGNET_LOG_LEVEL', 'chatty'],
  ])('bad env %s=%s: exit 1, stderr names the variable', async (variable, value) => {
    const dir = tempDir();
    const bad = { SIGNET_DATA_DIR: dir, [variable]: value };
    const r = await signet(['init'], bad);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(variable);
    expect(r.stderr).toContain('CONFIG_INVALID');
    expect(r.stdout).not.toMatch(/Temporary Access Pass/);
    // The same with --json: still exit 1, the variable named, and no pass issued.
    const j = await signet(['init', '--json'], bad);
    expect(j.code).toBe(1);
    expect(`${j.stdout}${j.stderr}`).toContain(variable);
    expect(j.stdout).not.toMatch(/"pass"/);
  });

  it('an unknown command says CLI_COMMAND_UNKNOWN and exits non-zero, in text and in JSON', async () => {
    for (const args of [['frobnicate'], ['tenant', 'frobnicate']]) {
      const r = await signet(args, env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0], args.join(' ')).toContain('CLI_COMMAND_UNKNOWN');
      expect(r.stderr).toContain('signet tenant list');
    }
    const j = await signet(['frobnicate', '--json'], env);
    expect(j.code).toBe(2);
    expect(one(j)).toMatchObject({ error: { code: 'CLI_COMMAND_UNKNOWN' } });
  });

  const groups = ['tenant', 'user', 'app', 'tap'];
  it.each(groups)('signet %s (a group): lists its subcommands; exit 0 with --help, 2 without', async (group) => {
    const subcommands = commands.filter((c) => c.name.startsWith(`${group} `));
    expect(subcommands.length).toBeGreaterThan(0);
    const help = await signet([group, '--help'], env);
    expect(help.code, help.stderr).toBe(0);
    const alone = await signet([group], env);
    expect(alone.code).toBe(2);
    for (const [r, text] of [
      [help, help.stdout],
      [alone, alone.stderr],
    ] as const) {
      expect(text, r.stderr).not.toMatch(/no command/);
      for (const c of subcommands)
        expect(text.split('\n').find((l) => l.includes(`signet ${c.name} `))).toContain(c.summary);
    }
    // Not the whole list: only this group's commands.
    expect(help.stdout).not.toContain('signet migrate');
    const j = await signet([group, '--json'], env);
    expect(j.code).toBe(2);
    expect(one(j)).toMatchObject({ error: { code: 'CLI_COMMAND_UNKNOWN', detail: { command: group } } });
  });

  it('signet --version prints the version of package.json and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await signet(['--version'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it.each([
    [['tap', 'issue'], '--user'],
    [['tap', 'issue', '--user', ''], '--user'],
    [['tenant', 'create'], '--slug'],
    [['user', 'create'], '--upn'],
    [['app', 'create', '--redirect-uri', 'https://app.example.com/cb'], '--name'],
    [['app', 'create', '--name', 'A'], '--redirect-uri'],
  ])('%j without a required option says REQUEST_INVALID naming %s', async (args, option) => {
    const j = await signet([...args, '--json'], env);
    expect(j.code).toBe(1);
    const err = one(j).error as { code: string; detail: { field: string; reason: string } };
    expect(err).toMatchObject({ code: 'REQUEST_INVALID', detail: { field: option } });
    expect(err.detail.reason).toContain(`${option} is required`);
    const text = await signet(args, env);
    expect(text.code).toBe(1);
    expect(text.stderr.split('\n')[0]).toMatch(new RegExp(`REQUEST_INVALID: ${option} is required`));
  });

  it.each(commands.map((c) => c.name))(
    '%s --help keeps a space between each option and its description',
    async (name) => {
      const r = await signet([...name.split(' '), '--help'], env);
      expect(r.code, r.stderr).toBe(0);
      const options = r.stdout.split('\n').filter((l) => /^ {2}--/.test(l));
      expect(options.length).toBeGreaterThan(1);
      for (const line of options) expect(line).toMatch(/^ {2}--[a-z-]+(?: <value>)? {2,}\S/);
    },
  );

  it.each(['static', 'healthz', 'readyz', 'metrics', 'graph', 'common'])(
    'tenant create --slug %s is refused as reserved (a path of the server, or an Entra name)',
    async (slug) => {
      const r = await signet(['tenant', 'create', '--slug', slug, '--json'], env);
      expect(r.code).toBe(1);
      const err = one(r).error as { code: string; detail: { slug: string; reason: string } };
      expect(err).toMatchObject({ code: 'TENANT_SLUG_RESERVED', detail: { slug } });
      expect(err.detail.reason).toMatch(new RegExp(`"${slug}" is reserved`));
    },
  );

  it('hints name a command a newcomer can run (npx signet …; signet is not on PATH)', async () => {
    const again = await signet(['init'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('npx signet tap issue --user admin@signet.local');
    const unknown = await signet(['frobnicate'], env);
    expect(unknown.stderr).toContain('npx signet --help');
    const empty = await signet(['tenant', 'list'], { SIGNET_DATA_DIR: tempDir() });
    expect(empty.stdout).toContain('npx signet init');
    for (const out of [again.stdout, unknown.stderr, empty.stdout])
      for (const line of out.split('\n').filter((l) => /\b(?:run|new pass:|:)\s+signet [a-z]/i.test(l)))
        expect(line).toMatch(/npx signet/);
  });

  it('tenant list --json lists every tenant with its id, slug and sign-in URL', async () => {
    const r = await signet(['tenant', 'list', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const { tenants } = one(r) as { tenants: Array<{ id: string; slug: string; kind: string; signInUrl: string }> };
    const slugs = tenants.map((t) => t.slug);
    expect(slugs).toContain('signet');
    expect(slugs).toContain('x');
    const first = tenants.find((t) => t.slug === 'signet');
    expect(first).toMatchObject({ id: (init.tenant as { id: string }).id, kind: 'workforce' });
    expect(first?.signInUrl).toBe('http://localhost:4123/signet/signin');
    const text = await signet(['tenant', 'list'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain((init.tenant as { id: string }).id);
  });

  it('tap issue --json gives the URL of the configured server, not a default port', async () => {
    const public1 = await signet(['tap', 'issue', '--user', 'admin@signet.local', '--json'], {
      ...env,
      SIGNET_PUBLIC_URL: 'https://id.example.com',
    });
    expect(public1.code, public1.stderr).toBe(0);
    expect(one(public1).url).toBe('https://id.example.com/signet/signin');
    const byPort = await signet(['tap', 'issue', '--user', 'admin@signet.local', '--json'], {
      SIGNET_DATA_DIR: dataDir,
      PORT: '4555',
    });
    expect(byPort.code, byPort.stderr).toBe(0);
    expect(one(byPort).url).toBe('http://localhost:4555/signet/signin');
  });

  it.each([
    ['SIGNET_DATABASE_URL', { SIGNET_DATABASE_URL: 'sqlite:/etc/passwd/x.db' }, 'CONFIG_INVALID'],
    ['SIGNET_DATABASE_URL', { SIGNET_DATABASE_URL: 'postgres://127.0.0.1:1/x' }, 'DATABASE_UNREACHABLE'],
    ['SIGNET_DATA_DIR', { SIGNET_DATA_DIR: '/etc/passwd' }, 'CONFIG_INVALID'],
    ['SIGNET_DATA_DIR', { SIGNET_DATA_DIR: '/etc/passwd/below' }, 'CONFIG_INVALID'],
  ])('an operator mistake in %s: one line naming it, no stack trace, exit 1 (%o)', async (variable, bad, code) => {
    for (const command of [['init'], ['serve'], ['migrate']]) {
      const r = await signet(command, { SIGNET_DATA_DIR: tempDir(), ...bad });
      expect(r.code, `${command} ${r.stderr}`).toBe(1);
      const first = r.stderr.split('\n')[0]!;
      expect(first).toContain(code);
      expect(first).toContain(variable);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).not.toMatch(/Temporary Access Pass/);
    }
  });

  it('a SIGNET_DATA_DIR that is a file is named, not written over', async () => {
    const file = join(tempDir(), 'data');
    writeFileSync(file, 'not a directory\n');
    const r = await signet(['init'], { SIGNET_DATA_DIR: file });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/CONFIG_INVALID.*SIGNET_DATA_DIR/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an IP address as the public URL is refused as an RP ID (passkeys need a domain)', async () => {
    for (const url of ['https://127.0.0.1', 'http://127.0.0.1:3461', 'http://[::1]:3000']) {
      const r = await signet(['init'], { SIGNET_DATA_DIR: tempDir(), SIGNET_PUBLIC_URL: url });
      expect(r.code, url).toBe(1);
      // Over http the address, not the scheme, is what to change.
      expect(r.stderr.split('\n')[0], url).toMatch(/SIGNET_PUBLIC_URL.*IP address/);
      expect(r.stderr, url).not.toMatch(/must use https/);
    }
  });

  it('a database path under a file says which path is a file, naming the variable, without doubled codes', async () => {
    const file = join(tempDir(), 'afile');
    writeFileSync(file, 'x');
    for (const [variable, bad] of [
      ['SIGNET_DATABASE_URL', { SIGNET_DATA_DIR: tempDir(), SIGNET_DATABASE_URL: `sqlite:${file}/x.db` }],
      ['SIGNET_DATA_DIR', { SIGNET_DATA_DIR: join(file, 'below') }],
    ] as const) {
      const r = await signet(['migrate'], bad);
      expect(r.code, r.stderr).toBe(1);
      const first = r.stderr.split('\n')[0]!;
      expect(first).toMatch(/CONFIG_INVALID/);
      expect(first).toContain(variable);
      expect(first).toContain(`${file} is a file, not a directory`);
      expect(first).not.toMatch(/EEXIST|ENOTDIR|mkdir/);
    }
  });

  it('SIGNET_METADATA_FILE that is missing or not JSON is named in the refusal', async () => {
    const dir = tempDir();
    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, '{');
    for (const path of [join(dir, 'none.json'), notJson]) {
      const r = await signet(['migrate'], { SIGNET_DATA_DIR: dir, SIGNET_METADATA_FILE: path });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`CONFIG_INVALID: SIGNET_METADATA_FILE .*${path}`));
      const j = one(await signet(['migrate', '--json'], { SIGNET_DATA_DIR: dir, SIGNET_METADATA_FILE: path }));
      expect(j).toMatchObject({ error: { code: 'CONFIG_INVALID', detail: { variable: 'SIGNET_METADATA_FILE' } } });
    }
  });

  it('a damaged or missing secret file is named in what to do, not "fix the environment variable"', async () => {
    const dir = tempDir();
    expect((await signet(['init'], { SIGNET_DATA_DIR: dir })).code).toBe(0);
    const secretFile = join(dir, 'secret');
    const original = readFileSync(secretFile, 'utf8');
    writeFileSync(secretFile, 'short\n');
    const damaged = await signet(['migrate'], { SIGNET_DATA_DIR: dir });
    expect(damaged.code).toBe(1);
    expect(damaged.stderr.split('\n')[0]).toMatch(/CONFIG_INVALID: SIGNET_SECRET/);
    expect(damaged.stderr).not.toMatch(/Fix the environment variable/);
    const [, ...remediation] = damaged.stderr.trim().split('\n');
    expect(remediation.join('\n')).toContain(secretFile);

    rmSync(secretFile);
    const missing = await signet(['migrate', '--json'], { SIGNET_DATA_DIR: dir });
    expect(missing.code).toBe(1);
    const err = one(missing).error as { code: string; remediation: string; detail: Record<string, string> };
    expect(err.code).toBe('CONFIG_SECRET_MISMATCH');
    expect(err.detail.secretFile).toContain(secretFile);
    expect(err.remediation).toContain(secretFile);
    writeFileSync(secretFile, original);
    expect((await signet(['migrate'], { SIGNET_DATA_DIR: dir })).code).toBe(0);
  });
});

describe('signet serve', () => {
  it('stops with CONFIG_INVALID naming PORT when the port is taken, not with a stack trace', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as { port: number }).port;
    try {
      const dir = mkdtempSync(join(tmpdir(), 'signet-cli-'));
      const r = await signet(['serve'], { SIGNET_DATA_DIR: dir, PORT: String(port) });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('CONFIG_INVALID');
      expect(r.stderr).toMatch(/PORT.*already in use/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      rmSync(dir, { recursive: true, force: true });
    } finally {
      holder.close();
    }
  });
});

describe('signet serve: options, banner, operations listener', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'signet-serve-'));
    dirs.push(d);
    return d;
  };

  it('serve --port/--host listen where the variables would; the banner is plain text on stderr, stdout JSON only', async () => {
    const port = await freePort();
    const s = serve(['--port', String(port), '--host', '127.0.0.1'], { SIGNET_DATA_DIR: tempDir() });
    try {
      await s.waitFor(/no \/metrics endpoint/);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      // Without SIGNET_MANAGEMENT_PORT there is no metrics endpoint at all; the banner says so in one line.
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      expect(
        s
          .stderr()
          .split('\n')
          .filter((l) => l.includes('metrics')),
      ).toHaveLength(1);
      // The public URL follows --port, as it follows PORT.
      expect(s.stderr()).toContain(`http://localhost:${port}/signet/account`);
      expect(s.stderr()).toMatch(/Temporary Access Pass/);
      expect(s.stderr()).not.toContain('{');
    } finally {
      await s.stop();
    }
    for (const line of s.stdout().split('\n').filter(Boolean)) expect(() => JSON.parse(line), line).not.toThrow();
    expect(s.stdout()).not.toMatch(/Temporary Access Pass|Sign in at/);
  });

  it('serve --port refuses a bad value naming it, as PORT does', async () => {
    const r = await signet(['serve', '--port', 'nope'], { SIGNET_DATA_DIR: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/CONFIG_INVALID.*PORT/);
  });

  it('SIGNET_MANAGEMENT_PORT serves /metrics and /readyz detail there; the public port answers /metrics 404', async () => {
    const [port, mport] = [await freePort(), await freePort()];
    const s = serve([], { SIGNET_DATA_DIR: tempDir(), PORT: String(port), SIGNET_MANAGEMENT_PORT: String(mport) });
    try {
      await s.waitFor(/Operations: http:\/\/127\.0\.0\.1/);
      const m = await fetch(`http://127.0.0.1:${mport}/metrics`);
      expect(m.status).toBe(200);
      expect(await m.text()).toContain('signet_ceremonies_total');
      const ready = await fetch(`http://127.0.0.1:${mport}/readyz`);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: { status: 'up' } } });
      const pub = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { accept: 'application/json' } });
      expect(pub.status).toBe(404);
      expect(await pub.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
      expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).toEqual({ status: 'ready' });
    } finally {
      await s.stop();
    }
    // One JSON line per request on stdout (three to the public port), nothing else.
    const lines = s
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { path?: string });
    expect(lines.filter((l) => l.path === '/metrics' || l.path === '/readyz').length).toBe(2);
  });
});

describe.skipIf(!engines.includes('postgres'))('signet CLI on PostgreSQL', () => {
  it('SIGNET_DATABASE_URL=<a fresh database> init --json works, and a second init reuses it', async () => {
    const url = await databaseUrl('postgres');
    const dir = mkdtempSync(join(tmpdir(), 'signet-cli-pg-'));
    try {
      const env = { SIGNET_DATA_DIR: dir, SIGNET_DATABASE_URL: url };
      const r = await signet(['init', '--json'], env);
      expect(r.code, r.stderr).toBe(0);
      const out = one(r);
      expect(out.created).toBe(true);
      expect((out.tenant as { slug: string }).slug).toBe('signet');
      expect((out.temporaryAccessPass as { pass: string }).pass).toMatch(TAP);
      const again = one(await signet(['init', '--json'], env));
      expect(again.created).toBe(false);
      expect((again.tenant as { id: string }).id).toBe((out.tenant as { id: string }).id);
      const migrate = one(await signet(['migrate', '--json'], env));
      expect(migrate).toEqual({ applied: [], engine: 'postgres' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
