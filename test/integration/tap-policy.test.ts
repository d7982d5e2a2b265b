// The Temporary Access Pass as the TAP method configuration governs it, through the admin API and the CLI, as a
// script and an operator see them (issue 8): POST …/temporaryAccessPassMethods takes the lifetime and length from
// the policy and refuses what it does not allow with a catalogue code; isUsable and methodUsabilityReason say what
// sign-in will do now (the policy as it is now included); `signet tap issue` applies the same flow.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updateMethodConfiguration } from '../../src/flows/method-policy.ts';
import { signInWithTap } from '../../src/flows/temporary-access-pass.ts';
import { listAudits } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { type Run, signet } from '../support/cli.ts';
import { databaseUrl, engines } from '../support/engines.ts';
import { errorOf, appToken as graphAppToken, graphClient } from '../support/graph-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;
const TAP_TYPE = '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration';
const MINUTE = 60_000;
const PASS = (n: number) => new RegExp(`^[A-HJ-NP-Za-km-z2-9]{${n}}$`);

describe.each(engines)('the TAP policy through Graph on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let token: string;
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `tp-${engine}` });
    token = (await graphAppToken(server, tenant, 'UserAuthenticationMethod.ReadWrite.All', { name: 'helpdesk' })).token;
  });
  afterAll(() => server?.close());

  const graph = graphClient<Json & { value: Json[] }>(() => server, { token: () => token });
  const setTap = (config: Json) =>
    updateMethodConfiguration(server.ctx, tenant, localOperator(tenant.id), 'TemporaryAccessPass', {
      '@odata.type': TAP_TYPE,
      ...config,
    });
  const newUser = () => createUser(server.ctx, tenant, { userPrincipalName: `u${++n}-${engine}@contoso.com` });
  const post = (user: User, body: Json = {}) =>
    graph('POST', `/users/${user.id}/authentication/temporaryAccessPassMethods`, { body });
  const list = async (user: User) =>
    (await graph('GET', `/users/${user.id}/authentication/temporaryAccessPassMethods`)).body.value;
  const usability = async (user: User) =>
    (await list(user)).map((t) => ({ isUsable: t.isUsable, methodUsabilityReason: t.methodUsabilityReason }));

  it('takes the default lifetime and the length from the policy, and says the pass is usable', async () => {
    await setTap({ defaultLifetimeInMinutes: 120, defaultLength: 24, minimumLifetimeInMinutes: 60 });
    const user = await newUser();
    const r = await post(user);
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
      lifetimeInMinutes: 120,
      isUsableOnce: true,
      isUsable: true,
      methodUsabilityReason: 'EnabledByPolicy',
    });
    expect(String(r.body.temporaryAccessPass)).toMatch(PASS(24));
    // Shown once: the list never carries it.
    expect((await list(user))[0]).toMatchObject({ id: r.body.id, temporaryAccessPass: null, isUsable: true });
  });

  it('refuses a lifetime outside the policy’s minimum and maximum with the bounds in innerError', async () => {
    await setTap({ minimumLifetimeInMinutes: 60, defaultLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480 });
    const user = await newUser();
    for (const lifetimeInMinutes of [10, 59, 481, 43_200]) {
      const r = await post(user, { lifetimeInMinutes });
      expect(r.status, String(lifetimeInMinutes)).toBe(400);
      expect(errorOf(r)).toMatchObject({
        code: 'TAP_LIFETIME_OUT_OF_POLICY',
        innerError: { field: 'lifetimeInMinutes', minimumLifetimeInMinutes: '60', maximumLifetimeInMinutes: '480' },
      });
    }
    // Outside Graph's own 10..43200 it stays a malformed request.
    expect(errorOf(await post(user, { lifetimeInMinutes: 43_201 })).code).toBe('REQUEST_INVALID');
    expect(await list(user)).toEqual([]);
    expect((await post(user, { lifetimeInMinutes: 480 })).status).toBe(201);
  });

  it('refuses a multi-use pass when the policy makes every pass one-time', async () => {
    await setTap({ isUsableOnce: true, minimumLifetimeInMinutes: 10 });
    const user = await newUser();
    const r = await post(user, { isUsableOnce: false });
    expect(r.status).toBe(400);
    expect(errorOf(r)).toMatchObject({ code: 'TAP_MULTI_USE_NOT_ALLOWED', innerError: { field: 'isUsableOnce' } });
    expect((await post(user, { isUsableOnce: true })).body).toMatchObject({ isUsableOnce: true });
    await setTap({ isUsableOnce: false });
    expect((await post(user, { isUsableOnce: false })).body).toMatchObject({ isUsableOnce: false, isUsable: true });
  });

  it('honours startDateTime: NotYetValid until it, then usable, then Expired', async () => {
    await setTap({ minimumLifetimeInMinutes: 10, isUsableOnce: false });
    const user = await newUser();
    const start = new Date(server.ctx.now() + 15 * MINUTE);
    const r = await post(user, { startDateTime: start.toISOString(), lifetimeInMinutes: 20 });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({ isUsable: false, methodUsabilityReason: 'NotYetValid', lifetimeInMinutes: 20 });
    expect(Date.parse(String(r.body.startDateTime))).toBe(Math.floor(start.getTime() / 1000) * 1000);
    // Within the app token's lifetime: the clock moves 16, then 36 minutes on.
    server.clock.offsetMs += 16 * MINUTE;
    try {
      expect(await usability(user)).toEqual([{ isUsable: true, methodUsabilityReason: 'EnabledByPolicy' }]);
      server.clock.offsetMs += 20 * MINUTE;
      expect(await usability(user)).toEqual([{ isUsable: false, methodUsabilityReason: 'Expired' }]);
    } finally {
      server.clock.offsetMs = 0;
    }
  });

  it('says OneTimeUsed once a one-time pass signed in, and DisabledByPolicy once the policy no longer allows it', async () => {
    const once = await newUser();
    const pass = String((await post(once, { isUsableOnce: true })).body.temporaryAccessPass);
    await signInWithTap(server.ctx, tenant, { username: once.userPrincipalName, pass });
    expect(await usability(once)).toEqual([{ isUsable: false, methodUsabilityReason: 'OneTimeUsed' }]);

    const multi = await newUser();
    const multiPass = String((await post(multi, { isUsableOnce: false })).body.temporaryAccessPass);
    await setTap({ excludeTargets: [{ id: multi.id, targetType: 'user' }] });
    expect(await usability(multi)).toEqual([{ isUsable: false, methodUsabilityReason: 'DisabledByPolicy' }]);
    // The same answer the methods list gives, and sign-in agrees.
    const all = (await graph('GET', `/users/${multi.id}/authentication/methods`)).body.value;
    expect(all.find((m) => String(m['@odata.type']).endsWith('temporaryAccessPassAuthenticationMethod'))).toMatchObject(
      {
        isUsable: false,
        methodUsabilityReason: 'DisabledByPolicy',
      },
    );
    await expect(
      signInWithTap(server.ctx, tenant, { username: multi.userPrincipalName, pass: multiPass }),
    ).rejects.toMatchObject({
      code: 'TAP_METHOD_NOT_TARGETED',
    });
    // A new pass for the excluded user is refused, and the old one stays as it was.
    const refused = await post(multi);
    expect(refused.status).toBe(403);
    expect(errorOf(refused).code).toBe('TAP_METHOD_NOT_TARGETED');
    await setTap({ excludeTargets: [], state: 'disabled' });
    expect(await usability(multi)).toEqual([{ isUsable: false, methodUsabilityReason: 'DisabledByPolicy' }]);
    expect(errorOf(await post(multi)).code).toBe('TAP_METHOD_DISABLED');
    await setTap({ state: 'enabled' });
    expect(await usability(multi)).toEqual([{ isUsable: true, methodUsabilityReason: 'EnabledByPolicy' }]);
  });

  it('audits each pass issued with what the policy gave it, never the pass', async () => {
    await setTap({ defaultLength: 10, defaultLifetimeInMinutes: 60 });
    const user = await newUser();
    const r = await post(user);
    const audit = (await listAudits(server.ctx.db, tenant.id)).find(
      (a) => a.targetId === user.id && a.activity === 'Issue Temporary Access Pass',
    );
    expect(audit).toMatchObject({
      actorType: 'app',
      detail: { methodId: r.body.id, lifetimeInMinutes: '60', length: '10', isUsableOnce: 'true' },
    });
    expect(JSON.stringify(audit)).not.toContain(String(r.body.temporaryAccessPass));
  });
});

describe.each(engines)('signet tap issue on %s', { timeout: 120_000 }, (engine) => {
  let env: Record<string, string>;
  const run = (...args: string[]) => signet(args, env);
  const json = (r: Run) => {
    expect(r.code, r.stdout + r.stderr).toBe(r.code);
    return JSON.parse(r.stdout) as Json;
  };

  beforeAll(async () => {
    env = {
      SIGNET_DATA_DIR: mkdtempSync(join(tmpdir(), 'signet-tap-cli-')),
      SIGNET_PUBLIC_URL: 'http://localhost:4126',
      ...(engine === 'postgres' ? { SIGNET_DATABASE_URL: await databaseUrl('postgres') } : {}),
    };
    expect((await run('init', '--json')).code).toBe(0);
  });

  it('issues a pass for the user named by position, with --lifetime, --multi and --start, shown once', async () => {
    const start = new Date(Date.now() + 2 * 60 * MINUTE).toISOString().replace(/\.\d+Z$/, 'Z');
    const r = await run(
      'tap',
      'issue',
      'admin@signet.local',
      '--lifetime',
      '90',
      '--multi',
      '--start',
      start,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const out = json(r);
    expect(out).toMatchObject({
      user: 'admin@signet.local',
      lifetimeInMinutes: 90,
      isUsableOnce: false,
      startDateTime: start.replace('Z', '.000Z'),
      url: 'http://localhost:4126/signet/signin',
    });
    expect(String(out.temporaryAccessPass)).toMatch(PASS(16));
    expect(Date.parse(String(out.expiresDateTime)) - Date.parse(start)).toBe(90 * MINUTE);
    const listed = json(await run('tap', 'list', 'admin@signet.local', '--json'));
    expect(listed.temporaryAccessPasses).toEqual([
      expect.objectContaining({ id: out.id, temporaryAccessPass: null, methodUsabilityReason: 'NotYetValid' }),
    ]);
    const text = await run('tap', 'issue', '--user', 'admin@signet.local', '--once');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^Temporary Access Pass for admin@signet\.local: [A-HJ-NP-Za-km-z2-9]{16}\n/);
    expect(text.stdout).toContain('one use');
  });

  it('refuses what the policy does not allow, and --once with --multi, with their codes', async () => {
    const body = join(env.SIGNET_DATA_DIR!, 'tap.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(body, JSON.stringify({ '@odata.type': TAP_TYPE, isUsableOnce: true, maximumLifetimeInMinutes: 480 }));
    expect((await run('policy', 'set', '--method', 'TemporaryAccessPass', '--file', body, '--json')).code).toBe(0);
    const cases: [string[], string][] = [
      [['--multi'], 'TAP_MULTI_USE_NOT_ALLOWED'],
      [['--lifetime', '481'], 'TAP_LIFETIME_OUT_OF_POLICY'],
      [['--once', '--multi'], 'REQUEST_INVALID'],
      [['--start', 'tomorrow'], 'REQUEST_INVALID'],
    ];
    const runs = await Promise.all(cases.map(([args]) => run('tap', 'issue', 'admin@signet.local', ...args, '--json')));
    runs.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(' ')).toBe(1);
      expect((json(r).error as Json).code, cases[i]![0].join(' ')).toBe(cases[i]![1]);
    });
  });
});
