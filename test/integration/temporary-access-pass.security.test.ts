// Security tests of the Temporary Access Pass (SPEC §2.4, §8; security-tests.md §7 items 1, 9, 10): a pass is
// shown once, stored hashed, spent once (one-time, also under 50 parallel sign-ins), expires, wrong guesses are
// rate-limited and locked out, and the TAP method configuration governs issuance and every sign-in.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorCode, SignetError } from '../../src/core/errors.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { addMember, createGroup } from '../../src/flows/groups.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updateMethodConfiguration } from '../../src/flows/method-policy.ts';
import { beginPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { issueTap, signInWithTap } from '../../src/flows/temporary-access-pass.ts';
import { listAudits, listSignIns } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { setUserEnabled, type User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness } from '../support/harness.ts';

const MINUTE = 60_000;
const SYSTEM = { type: 'system', id: null } as const;

/** The code of the SignetError the promise rejects with; anything else (a resolve, a plain Error) fails the test. */
async function refusal(p: Promise<unknown>): Promise<ErrorCode | string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SignetError) return err.code;
    return `not a SignetError: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  }
  return 'resolved (no refusal)';
}

/** A wrong pass of the right length and alphabet. */
function wrongPass(right: string): string {
  const p = `${right.slice(0, -1)}${right.endsWith('A') ? 'B' : 'A'}`;
  return p;
}

describe.each(engines)('Temporary Access Pass security on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(engine);
  });
  afterAll(() => h.close());

  const signIn = (user: User, pass: string, tenant: Tenant = h.tenant) =>
    signInWithTap(h.ctx, tenant, { username: user.userPrincipalName, pass });

  async function sessionsOf(user: User): Promise<number> {
    const rows = await h.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
    return rows.length;
  }

  async function logOf(user: User) {
    return (await listSignIns(h.ctx.db, h.tenant.id, 1000)).filter((r) => r.userId === user.id);
  }

  async function failures(user: User, code: ErrorCode): Promise<number> {
    return (await logOf(user)).filter((r) => r.result === 'failure' && r.errorCode === code).length;
  }

  async function tapRows(user: User) {
    return h.ctx.db.selectFrom('taps').selectAll().where('user_id', '=', user.id).execute();
  }

  it('signs in once with the right pass: amr tap, strong authentication that allows passkey registration', async () => {
    const user = await h.user();
    const { pass } = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM });
    const r = await signIn(user, pass);
    expect(r.user.id).toBe(user.id);
    // Multi-factor for the session, never a passkey's values (no phishing-resistant strength).
    expect(r.session.amr).toEqual(['otp', 'mfa']);
    expect(r.session.strongAuthAt).toBe(h.clock.now);
    const options = await beginPasskeyRegistration(h.ctx, h.tenant, r.session);
    expect(options.user.id).toBe(user.userHandle);
    const log = await logOf(user);
    expect(log.filter((x) => x.result === 'success' && x.method === 'temporaryAccessPass')).toHaveLength(1);
  });

  it('refuses a one-time pass used a second time', async () => {
    const user = await h.user();
    const { pass } = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM, oneTime: true });
    await signIn(user, pass);
    expect(await refusal(signIn(user, pass))).toBe('TAP_ALREADY_USED');
    expect(await sessionsOf(user)).toBe(1);
    expect(await failures(user, 'TAP_ALREADY_USED')).toBe(1);
  });

  it('lets exactly one of 50 parallel sign-ins with a one-time pass succeed, from 50 addresses (top test 1)', async () => {
    const user = await h.user();
    const { pass } = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM, oneTime: true });
    // Each from its own address, so that no attempt is stopped by the lockout: all 50 reach the one conditional write.
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        signInWithTap(h.ctx, h.tenant, { username: user.userPrincipalName, pass }, { ip: `198.51.100.${i + 1}` }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as SignetError).code] : []));
    expect(codes).toHaveLength(49);
    // Smart lockout may stop attempts from unfamiliar addresses past its threshold; every other one met the pass.
    for (const c of codes) expect(['TAP_ALREADY_USED', 'TAP_LOCKED_OUT']).toContain(c);
    expect(codes.filter((c) => c === 'TAP_ALREADY_USED').length).toBeGreaterThanOrEqual(9);
    expect(await sessionsOf(user)).toBe(1);
    expect((await logOf(user)).filter((x) => x.result === 'success')).toHaveLength(1);
    expect((await failures(user, 'TAP_ALREADY_USED')) + (await failures(user, 'TAP_LOCKED_OUT'))).toBe(49);
    expect((await tapRows(user))[0]!.used_at).not.toBeNull();
  });

  it('lets exactly one of 20 parallel uses of a one-time pass succeed', async () => {
    const user = await h.user();
    const { pass } = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM, oneTime: true });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => signIn(user, pass)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') {
        expect(r.reason).toBeInstanceOf(SignetError);
        // Attempts past the lockout threshold are refused before the pass is even compared.
        expect(['TAP_ALREADY_USED', 'TAP_LOCKED_OUT']).toContain(r.reason.code);
      }
    expect(await sessionsOf(user)).toBe(1);
    expect((await logOf(user)).filter((x) => x.result === 'success')).toHaveLength(1);
    expect((await failures(user, 'TAP_ALREADY_USED')) + (await failures(user, 'TAP_LOCKED_OUT'))).toBe(19);
  });

  it('lets a multi-use pass sign in more than once within its lifetime', async () => {
    const user = await h.user();
    const { pass } = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM, oneTime: false });
    await signIn(user, pass);
    h.clock.now += MINUTE;
    await signIn(user, pass);
    expect(await sessionsOf(user)).toBe(2);
  });

  it('refuses an expired pass', async () => {
    const user = await h.user();
    const issued = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM, lifetimeMinutes: 10, oneTime: false });
    expect(issued.expiresAt).toBe(h.clock.now + 10 * MINUTE);
    h.clock.now += 10 * MINUTE + 1_000;
    expect(await refusal(signIn(user, issued.pass))).toBe('TAP_EXPIRED');
    expect(await sessionsOf(user)).toBe(0);
    expect(await failures(user, 'TAP_EXPIRED')).toBe(1);
  });

  it('refuses a wrong pass without spending the right one', async () => {
    const user = await h.user();
    const { pass } = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM });
    expect(await refusal(signIn(user, wrongPass(pass)))).toBe('TAP_INVALID');
    expect(await refusal(signIn(user, pass.toLowerCase() === pass ? pass.toUpperCase() : pass.toLowerCase()))).toBe(
      'TAP_INVALID',
    );
    expect(await refusal(signIn(user, ''))).toBe('TAP_INVALID');
    expect(await sessionsOf(user)).toBe(0);
    expect(await failures(user, 'TAP_INVALID')).toBe(3);
    await signIn(user, pass);
    expect(await sessionsOf(user)).toBe(1);
  });

  it('refuses a user with no pass, and an unknown user, with the same code', async () => {
    const user = await h.user();
    expect(await refusal(signIn(user, 'ABCDEFGHJKLMNPQR'))).toBe('TAP_INVALID');
    const ghost = `ghost-${randomBytes(4).toString('hex')}@example.com`;
    expect(await refusal(signInWithTap(h.ctx, h.tenant, { username: ghost, pass: 'ABCDEFGHJKLMNPQR' }))).toBe(
      'TAP_INVALID',
    );
    const rows = (await listSignIns(h.ctx.db, h.tenant.id, 1000)).filter((r) => r.userPrincipalName === ghost);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ result: 'failure', errorCode: 'TAP_INVALID', userId: null });
  });

  it('locks out an unknown name exactly as a real one, so the lockout does not reveal which names exist', async () => {
    const user = await h.user();
    await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM });
    const ghost = `ghost-${randomBytes(4).toString('hex')}@example.com`;
    const real: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 11; i++) {
      real.push(await refusal(signIn(user, 'ABCDEFGHJKLMNPQR')));
      unknown.push(await refusal(signInWithTap(h.ctx, h.tenant, { username: ghost, pass: 'ABCDEFGHJKLMNPQR' })));
    }
    expect(unknown).toEqual(real);
    expect(real.at(-1)).toBe('TAP_LOCKED_OUT');
  });

  it('counts wrong passes per source address: a stranger cannot lock the owner out from elsewhere', async () => {
    const user = await h.user();
    const { pass } = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM });
    const from = (ip: string, p: string) =>
      signInWithTap(h.ctx, h.tenant, { username: user.userPrincipalName, pass: p }, { ip });
    for (let i = 0; i < 10; i++) expect(await refusal(from('203.0.113.9', 'ABCDEFGHJKLMNPQR'))).toBe('TAP_INVALID');
    expect(await refusal(from('203.0.113.9', pass))).toBe('TAP_LOCKED_OUT');
    const owner = await from('198.51.100.7', pass);
    expect(owner.user.id).toBe(user.id);
  });

  it('refuses a pass in another tenant, even for a user with the same name', async () => {
    const user = await h.user();
    const { pass } = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM });
    const other = await createTenant(h.ctx, { slug: `o-${randomBytes(5).toString('hex')}` });
    const twin = await createUser(h.ctx, other, { userPrincipalName: user.userPrincipalName });
    expect(await refusal(signIn(twin, pass, other))).toBe('TAP_INVALID');
    // The pass still works where it was issued.
    await signIn(user, pass);
  });

  it('locks out after 10 wrong passes, even for the right pass, until the lock passes', async () => {
    const user = await h.user();
    const { pass } = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM, lifetimeMinutes: 120 });
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) codes.push(await refusal(signIn(user, wrongPass(pass))));
    expect(codes).toEqual(Array(10).fill('TAP_INVALID'));
    expect(await refusal(signIn(user, pass))).toBe('TAP_LOCKED_OUT');
    expect(await refusal(signIn(user, wrongPass(pass)))).toBe('TAP_LOCKED_OUT');
    h.clock.now += 14 * MINUTE;
    expect(await refusal(signIn(user, pass))).toBe('TAP_LOCKED_OUT');
    expect(await sessionsOf(user)).toBe(0);
    expect(await failures(user, 'TAP_LOCKED_OUT')).toBe(3);
    // Another user's pass is not affected by this user's lock.
    const other = await h.user();
    const otherPass = (await issueTap(h.ctx, h.tenant, other, { actor: SYSTEM })).pass;
    await signIn(other, otherPass);

    h.clock.now += MINUTE + 1_000;
    const r = await signIn(user, pass);
    expect(r.user.id).toBe(user.id);
  });

  it('does not lock out after 9 wrong passes; the right pass then signs in', async () => {
    const user = await h.user();
    const { pass } = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM });
    for (let i = 0; i < 9; i++) expect(await refusal(signIn(user, wrongPass(pass)))).toBe('TAP_INVALID');
    await signIn(user, pass);
    expect(await sessionsOf(user)).toBe(1);
  });

  it('locks out under 30 parallel wrong passes: the threshold holds under concurrency', async () => {
    const user = await h.user();
    const { pass } = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM });
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => signIn(user, wrongPass(pass))));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof SignetError)).toBe(true);
    expect(await refusal(signIn(user, pass))).toBe('TAP_LOCKED_OUT');
    expect(await sessionsOf(user)).toBe(0);
  });

  it('refuses a disabled user, even with the right pass', async () => {
    const user = await h.user();
    const { pass } = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM });
    await setUserEnabled(h.ctx.db, h.tenant.id, user.id, false);
    expect(await refusal(signIn(user, pass))).toBe('SIGNIN_USER_DISABLED');
    expect(await sessionsOf(user)).toBe(0);
    expect(await failures(user, 'SIGNIN_USER_DISABLED')).toBe(1);
  });

  it.each([0, 9, 43_201, 10.5, -10, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses a lifetime of %s minutes and stores nothing',
    async (lifetimeMinutes) => {
      const user = await h.user();
      expect(await refusal(issueTap(h.ctx, h.tenant, user, { actor: SYSTEM, lifetimeMinutes }))).toBe(
        'REQUEST_INVALID',
      );
      expect(await tapRows(user)).toHaveLength(0);
      const audits = await listAudits(h.ctx.db, h.tenant.id);
      expect(audits.filter((a) => a.targetId === user.id && a.activity === 'Issue Temporary Access Pass')).toHaveLength(
        0,
      );
    },
  );

  it.each([10, 60, 43_200])('accepts a lifetime of %i minutes and expires it on time', async (lifetimeMinutes) => {
    const user = await h.user();
    const issued = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM, lifetimeMinutes });
    expect(issued.startsAt).toBe(h.clock.now);
    expect(issued.expiresAt).toBe(h.clock.now + lifetimeMinutes * MINUTE);
  });

  it('replaces the old pass when a new one is issued', async () => {
    const user = await h.user();
    const old = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM, oneTime: false });
    const fresh = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM, oneTime: false });
    expect(fresh.pass).not.toBe(old.pass);
    expect(await tapRows(user)).toHaveLength(1);
    expect(await refusal(signIn(user, old.pass))).toBe('TAP_INVALID');
    await signIn(user, fresh.pass);
  });

  it('never stores the pass in clear (taps, audit log, sign-in log, lockouts)', async () => {
    const user = await h.user();
    const { pass } = await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM });
    const wrong = wrongPass(pass);
    expect(await refusal(signIn(user, wrong))).toBe('TAP_INVALID');
    const rows = await tapRows(user);
    expect(rows).toHaveLength(1);
    const tables = ['taps', 'audit_logs', 'sign_ins', 'lockouts'] as const;
    for (const table of tables) {
      const dump = JSON.stringify(await h.ctx.db.selectFrom(table).selectAll().execute());
      expect(dump, table).not.toContain(pass);
      expect(dump, table).not.toContain(wrong);
    }
    expect(rows[0]!.hash).not.toBe(pass);
    expect(rows[0]!.hash.toLowerCase()).not.toContain(pass.toLowerCase());
  });

  it('gives each pass at least 16 characters from the unambiguous alphabet', async () => {
    const user = await h.user();
    const passes = new Set<string>();
    for (let i = 0; i < 5; i++) passes.add((await issueTap(h.ctx, h.tenant, user, { actor: SYSTEM })).pass);
    expect(passes.size).toBe(5);
    for (const p of passes) expect(p).toMatch(/^[A-HJ-NP-Za-km-z2-9]{16,}$/);
  });

  describe('as the TAP method configuration governs it', () => {
    const TAP_TYPE = '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration';
    /** A tenant of its own, so that its policy changes touch no other test. */
    async function tenantWith(config: Record<string, unknown> = {}) {
      const tenant = await createTenant(h.ctx, { slug: `p-${randomBytes(5).toString('hex')}` });
      if (Object.keys(config).length > 0) await setTap(tenant, config);
      return tenant;
    }
    const setTap = (tenant: Tenant, config: Record<string, unknown>) =>
      updateMethodConfiguration(h.ctx, tenant, localOperator(tenant.id), 'TemporaryAccessPass', {
        '@odata.type': TAP_TYPE,
        ...config,
      });
    const member = (tenant: Tenant) =>
      createUser(h.ctx, tenant, { userPrincipalName: `m-${randomBytes(4).toString('hex')}@example.com` });
    const tapsIn = (tenant: Tenant) =>
      h.ctx.db.selectFrom('taps').selectAll().where('tenant_id', '=', tenant.id).execute();
    const issuedAudits = async (tenant: Tenant) =>
      (await listAudits(h.ctx.db, tenant.id)).filter((a) => a.activity === 'Issue Temporary Access Pass');
    const signInLog = async (tenant: Tenant, user: User) =>
      (await listSignIns(h.ctx.db, tenant.id, 1000)).filter((r) => r.userId === user.id);

    it('issues nothing while the method is off, and nothing for a user it does not target (excluded wins)', async () => {
      const tenant = await tenantWith({ state: 'disabled' });
      const user = await member(tenant);
      expect(await refusal(issueTap(h.ctx, tenant, user, { actor: SYSTEM }))).toBe('TAP_METHOD_DISABLED');
      const group = await createGroup(h.ctx, tenant, localOperator(tenant.id), {
        displayName: 'Contractors',
        mailNickname: 'contractors',
        mailEnabled: false,
        securityEnabled: true,
      });
      await addMember(h.ctx, tenant, localOperator(tenant.id), group.id, user.id);
      await setTap(tenant, { state: 'enabled', excludeTargets: [{ id: group.id, targetType: 'group' }] });
      expect(await refusal(issueTap(h.ctx, tenant, user, { actor: SYSTEM }))).toBe('TAP_METHOD_NOT_TARGETED');
      const other = await member(tenant);
      await setTap(tenant, { excludeTargets: [{ id: other.id, targetType: 'user' }] });
      expect(await refusal(issueTap(h.ctx, tenant, other, { actor: SYSTEM }))).toBe('TAP_METHOD_NOT_TARGETED');
      expect(await tapsIn(tenant)).toHaveLength(0);
      expect(await issuedAudits(tenant)).toHaveLength(0);
      // Included through a group, not excluded: issued.
      await setTap(tenant, { includeTargets: [{ id: group.id, targetType: 'group' }], excludeTargets: [] });
      await issueTap(h.ctx, tenant, user, { actor: SYSTEM });
      expect(await refusal(issueTap(h.ctx, tenant, other, { actor: SYSTEM }))).toBe('TAP_METHOD_NOT_TARGETED');
      expect(await tapsIn(tenant)).toHaveLength(1);
    });

    it('takes the lifetime from the policy, refuses one outside its minimum and maximum, and the length from it', async () => {
      const tenant = await tenantWith({
        minimumLifetimeInMinutes: 30,
        defaultLifetimeInMinutes: 90,
        maximumLifetimeInMinutes: 240,
        defaultLength: 8,
      });
      const user = await member(tenant);
      const issued = await issueTap(h.ctx, tenant, user, { actor: SYSTEM });
      expect(issued.expiresAt - issued.startsAt).toBe(90 * MINUTE);
      expect(issued.pass).toMatch(/^[A-HJ-NP-Za-km-z2-9]{8}$/);
      for (const lifetimeMinutes of [10, 29, 241, 43_200])
        expect(
          await refusal(issueTap(h.ctx, tenant, user, { actor: SYSTEM, lifetimeMinutes })),
          String(lifetimeMinutes),
        ).toBe('TAP_LIFETIME_OUT_OF_POLICY');
      // The refused requests left the earlier pass in place.
      expect((await tapsIn(tenant)).map((t) => t.id)).toEqual([issued.id]);
      await setTap(tenant, { defaultLength: 48 });
      expect((await issueTap(h.ctx, tenant, user, { actor: SYSTEM, lifetimeMinutes: 240 })).pass).toMatch(
        /^[A-HJ-NP-Za-km-z2-9]{48}$/,
      );
      expect((await issuedAudits(tenant)).map((a) => a.detail)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ lifetimeInMinutes: '90', length: '8', isUsableOnce: 'true' }),
          expect.objectContaining({ lifetimeInMinutes: '240', length: '48', isUsableOnce: 'true' }),
        ]),
      );
      expect(await issuedAudits(tenant)).toHaveLength(2);
    });

    it('refuses a multi-use pass when the policy makes every pass one-time', async () => {
      const tenant = await tenantWith({ isUsableOnce: true });
      const user = await member(tenant);
      expect(await refusal(issueTap(h.ctx, tenant, user, { actor: SYSTEM, oneTime: false }))).toBe(
        'TAP_MULTI_USE_NOT_ALLOWED',
      );
      expect(await tapsIn(tenant)).toHaveLength(0);
      const { pass, oneTime } = await issueTap(h.ctx, tenant, user, { actor: SYSTEM });
      expect(oneTime).toBe(true);
      await signInWithTap(h.ctx, tenant, { username: user.userPrincipalName, pass });
      expect(await refusal(signInWithTap(h.ctx, tenant, { username: user.userPrincipalName, pass }))).toBe(
        'TAP_ALREADY_USED',
      );
    });

    it('honours a later start: refused before it, signs in from it, and the lifetime runs from it', async () => {
      const tenant = await tenantWith();
      const user = await member(tenant);
      const startsAt = h.clock.now + 2 * 60 * MINUTE;
      const issued = await issueTap(h.ctx, tenant, user, {
        actor: SYSTEM,
        startsAt,
        lifetimeMinutes: 60,
        oneTime: false,
      });
      expect(issued).toMatchObject({ startsAt, expiresAt: startsAt + 60 * MINUTE });
      const audits = await issuedAudits(tenant);
      expect(audits.map((a) => a.detail.startDateTime)).toEqual([new Date(startsAt).toISOString()]);
      const signIn = () => signInWithTap(h.ctx, tenant, { username: user.userPrincipalName, pass: issued.pass });
      expect(await refusal(signIn())).toBe('TAP_INVALID');
      h.clock.now = startsAt;
      expect((await signIn()).user.id).toBe(user.id);
      h.clock.now = startsAt + 60 * MINUTE;
      expect(await refusal(signIn())).toBe('TAP_EXPIRED');
    });

    it('stops a pass from signing in once the method is turned off or the user excluded, logged with the code', async () => {
      const tenant = await tenantWith();
      const user = await member(tenant);
      const { pass } = await issueTap(h.ctx, tenant, user, { actor: SYSTEM, oneTime: false });
      const signIn = () => signInWithTap(h.ctx, tenant, { username: user.userPrincipalName, pass });
      await signIn();
      await setTap(tenant, { state: 'disabled' });
      h.clock.now += 1_000;
      expect(await refusal(signIn())).toBe('TAP_METHOD_DISABLED');
      await setTap(tenant, { state: 'enabled', excludeTargets: [{ id: user.id, targetType: 'user' }] });
      h.clock.now += 1_000;
      expect(await refusal(signIn())).toBe('TAP_METHOD_NOT_TARGETED');
      const log = (await signInLog(tenant, user)).sort((a, b) => a.createdAt - b.createdAt);
      expect(log.map((r) => r.errorCode ?? 'success')).toEqual([
        'success',
        'TAP_METHOD_DISABLED',
        'TAP_METHOD_NOT_TARGETED',
      ]);
      // The refusals did not spend a one-time pass nor start a session; put back, the pass works again.
      await setTap(tenant, { excludeTargets: [] });
      await signIn();
      const sessions = await h.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
      expect(sessions).toHaveLength(2);
    });

    it('refuses the policy check only after the pass matched: a wrong pass is still TAP_INVALID', async () => {
      const tenant = await tenantWith();
      const user = await member(tenant);
      const { pass } = await issueTap(h.ctx, tenant, user, { actor: SYSTEM });
      await setTap(tenant, { state: 'disabled' });
      expect(
        await refusal(signInWithTap(h.ctx, tenant, { username: user.userPrincipalName, pass: wrongPass(pass) })),
      ).toBe('TAP_INVALID');
    });
  });
});
