// Security tests of the one-time codes (security-tests.md §7 item 1, REL-04; SPEC §2.4): an email code and a TOTP
// code each succeed exactly once under 50 parallel verifications, on SQLite and PostgreSQL; wrong codes are limited
// (5 per email code, the lockout per user and source); a code of another user or tenant is refused; and the
// second-factor step makes the same session multi-factor, which then allows a passkey registration (SPEC §2.2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorCode, SignetError } from '../../src/core/errors.ts';
import { totpCodeAt } from '../../src/core/totp.ts';
import { tokenId } from '../../src/flows/context.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { mailerOf } from '../../src/flows/mailer.ts';
import { beginPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { completeSecondFactor, sendSecondFactorEmail } from '../../src/flows/second-factor.ts';
import { markFamiliarSource } from '../../src/store/lockouts.ts';
import { listSignIns } from '../../src/store/logs.ts';
import { findLiveSession, insertSession, type Session } from '../../src/store/sessions.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness } from '../support/harness.ts';
import { addEmail, addTotp, enableCodeMethods } from '../support/otp-fixtures.ts';

async function outcome(p: Promise<unknown>): Promise<'ok' | ErrorCode | string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof SignetError ? err.code : `not a SignetError: ${String(err)}`;
  }
}

function tally(xs: string[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const x of xs) t[x] = (t[x] ?? 0) + 1;
  return t;
}

describe.each(engines)('one-time codes on %s', (engine) => {
  let h: Harness;
  let n = 0;
  beforeAll(async () => {
    h = await harness(engine);
    await enableCodeMethods(h.ctx, h.tenant);
  });
  afterAll(() => h.close());

  /** A session of the user that holds a password only, as after a password sign-in. */
  async function pwdSession(user: User, tenant: Tenant = h.tenant): Promise<Session> {
    const now = h.clock.now;
    const s: Session = {
      id: tokenId(`s-${++n}-${Math.random()}`),
      tenantId: tenant.id,
      userId: user.id,
      createdAt: now,
      authTime: now,
      amr: ['pwd'],
      strongAuthAt: null,
      expiresAt: now + 3_600_000,
      revokedAt: null,
      steps: [{ method: 'password', at: now }],
    };
    await insertSession(h.ctx.db, s);
    return s;
  }

  /** Addresses the user signed in from before: smart lockout counts each apart (unfamiliar ones share one count). */
  async function familiar(user: User, prefix: string, count: number) {
    for (let i = 0; i < count; i++)
      await markFamiliarSource(h.ctx.db, h.tenant.id, user.id, `${prefix}${i}`, h.clock.now);
  }

  /** The code in the newest message of the dev outbox to `address`. */
  const mailedCode = (address: string) =>
    /is (\d{6})/.exec(
      mailerOf(h.ctx)
        .outbox!.filter((m) => m.to === address)
        .at(-1)!.text,
    )![1]!;

  async function userWithEmail() {
    const user = await h.user();
    const address = `u${++n}@mail.example`;
    await addEmail(h.ctx, h.tenant, user.id, address);
    return { user, address };
  }

  it('one email code, 50 parallel verifications from 50 sources: exactly one succeeds', async () => {
    const { user, address } = await userWithEmail();
    const first = await pwdSession(user);
    await sendSecondFactorEmail(h.ctx, h.tenant, first);
    const code = mailedCode(address);
    await familiar(user, '10.0.0.', 50);
    const sessions = await Promise.all(Array.from({ length: 50 }, () => pwdSession(user)));
    const results = await Promise.all(
      sessions.map((s, i) =>
        outcome(completeSecondFactor(h.ctx, h.tenant, s, { method: 'email', code }, { ip: `10.0.0.${i}` })),
      ),
    );
    expect(tally(results)).toEqual({ ok: 1, OTP_CODE_ALREADY_USED: 49 });
    // The one that stepped up continues under a new id; the 49 others still hold a password only.
    const still = [];
    for (const s of sessions) still.push(await findLiveSession(h.ctx.db, h.tenant.id, s.id, h.clock.now));
    expect(still.filter((s) => s === undefined)).toHaveLength(1);
    expect(still.filter((s) => s?.amr.includes('mfa'))).toHaveLength(0);
    const log = (await listSignIns(h.ctx.db, h.tenant.id, 1000)).filter((r) => r.userId === user.id);
    expect(log.filter((r) => r.result === 'success')).toHaveLength(1);
    expect(log.filter((r) => r.errorCode === 'OTP_CODE_ALREADY_USED')).toHaveLength(49);
  });

  it('one TOTP code, 50 parallel verifications from 50 sources: exactly one succeeds', async () => {
    const user = await h.user();
    const { secret } = await addTotp(h.ctx, h.tenant, user.id);
    const code = totpCodeAt(secret, h.clock.now);
    await familiar(user, '10.1.0.', 50);
    const sessions = await Promise.all(Array.from({ length: 50 }, () => pwdSession(user)));
    const results = await Promise.all(
      sessions.map((s, i) =>
        outcome(completeSecondFactor(h.ctx, h.tenant, s, { method: 'totp', code }, { ip: `10.1.0.${i}` })),
      ),
    );
    expect(tally(results)).toEqual({ ok: 1, OTP_CODE_ALREADY_USED: 49 });
  });

  it('50 parallel attempts from one source: one success at most, the rest refused by the lockout or as used', async () => {
    const user = await h.user();
    const { secret } = await addTotp(h.ctx, h.tenant, user.id);
    const code = totpCodeAt(secret, h.clock.now);
    const sessions = await Promise.all(Array.from({ length: 50 }, () => pwdSession(user)));
    const results = await Promise.all(
      sessions.map((s) =>
        outcome(completeSecondFactor(h.ctx, h.tenant, s, { method: 'totp', code }, { ip: '10.2.0.1' })),
      ),
    );
    const t = tally(results);
    expect(t.ok).toBe(1);
    // The lockout counts each attempt before the code is compared: at most its threshold (10) reach the code
    // before the success (which clears the count) and as many after it.
    expect(Object.keys(t).sort()).toEqual(['OTP_CODE_ALREADY_USED', 'SIGNIN_LOCKED_OUT', 'ok']);
    expect(t.OTP_CODE_ALREADY_USED).toBeLessThan(20);
    expect(t.SIGNIN_LOCKED_OUT).toBeGreaterThan(30);
  });

  it('an email code survives 5 wrong attempts, even 20 in parallel; after them the right code is refused too', async () => {
    const { user, address } = await userWithEmail();
    const s = await pwdSession(user);
    await sendSecondFactorEmail(h.ctx, h.tenant, s);
    const code = mailedCode(address);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    await familiar(user, '10.3.0.', 20);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        outcome(completeSecondFactor(h.ctx, h.tenant, s, { method: 'email', code: wrong }, { ip: `10.3.0.${i}` })),
      ),
    );
    expect(tally(results)).toEqual({ OTP_CODE_INVALID: 5, OTP_CODE_ATTEMPTS_EXCEEDED: 15 });
    expect(await outcome(completeSecondFactor(h.ctx, h.tenant, s, { method: 'email', code }, { ip: '10.3.0.0' }))).toBe(
      'OTP_CODE_ATTEMPTS_EXCEEDED',
    );
  });

  it('10 parallel requests for an email code: one code is sent, the others are told to wait', async () => {
    const { user, address } = await userWithEmail();
    const s = await pwdSession(user);
    const before = mailerOf(h.ctx).outbox!.filter((m) => m.to === address).length;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => outcome(sendSecondFactorEmail(h.ctx, h.tenant, s))),
    );
    expect(tally(results)).toEqual({ ok: 1, OTP_RESEND_TOO_SOON: 9 });
    expect(mailerOf(h.ctx).outbox!.filter((m) => m.to === address).length - before).toBe(1);
  });

  it('does not count what is not a code (empty, letters) as a guess', async () => {
    const { user, address } = await userWithEmail();
    const s = await pwdSession(user);
    await sendSecondFactorEmail(h.ctx, h.tenant, s);
    for (const junk of ['', 'abcdef', '12', ' '.repeat(8), '1234567890123'])
      for (let i = 0; i < 3; i++)
        expect(await outcome(completeSecondFactor(h.ctx, h.tenant, s, { method: 'email', code: junk }))).toBe(
          'OTP_CODE_INVALID',
        );
    // Fifteen refusals, none counted: neither the code's 5 wrong attempts nor the lockout's 10 are used up.
    const code = mailedCode(address);
    expect(
      await outcome(
        completeSecondFactor(h.ctx, h.tenant, s, { method: 'email', code: ` ${code.slice(0, 3)} ${code.slice(3)} ` }),
      ),
    ).toBe('ok');
  });

  it('locks codes after 10 wrong ones from strangers’ addresses, but not at an address the user signed in from', async () => {
    const user = await h.user();
    const { secret } = await addTotp(h.ctx, h.tenant, user.id);
    await markFamiliarSource(h.ctx.db, h.tenant.id, user.id, '10.4.1.1', h.clock.now);
    const s = await pwdSession(user);
    const right = totpCodeAt(secret, h.clock.now);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    const verify = (code: string, ip: string) =>
      outcome(completeSecondFactor(h.ctx, h.tenant, s, { method: 'totp', code }, { ip }));
    // Ten wrong codes from unfamiliar addresses (they share one counter): the tenth is counted and sets the lock.
    for (let i = 0; i < 10; i++) expect(await verify(wrong, `10.4.0.${i}`)).toBe('OTP_CODE_INVALID');
    expect(await verify(right, '10.4.0.99')).toBe('SIGNIN_LOCKED_OUT');
    expect(await verify(right, '10.4.1.1')).toBe('ok');
    const log = (await listSignIns(h.ctx.db, h.tenant.id, 1000)).filter((r) => r.userId === user.id);
    expect(log.filter((r) => r.errorCode === 'SIGNIN_LOCKED_OUT')).toHaveLength(1);
    expect(log.filter((r) => r.errorCode === 'OTP_CODE_INVALID')).toHaveLength(10);
  });

  it("refuses another user's code and another tenant's user's code", async () => {
    const alice = await userWithEmail();
    const bob = await userWithEmail();
    const aliceSession = await pwdSession(alice.user);
    const bobSession = await pwdSession(bob.user);
    await sendSecondFactorEmail(h.ctx, h.tenant, aliceSession);
    await sendSecondFactorEmail(h.ctx, h.tenant, bobSession);
    const aliceCode = mailedCode(alice.address);
    if (aliceCode !== mailedCode(bob.address))
      expect(
        await outcome(completeSecondFactor(h.ctx, h.tenant, bobSession, { method: 'email', code: aliceCode })),
      ).toBe('OTP_CODE_INVALID');
    const { secret } = await addTotp(h.ctx, h.tenant, alice.user.id);
    const other = await createTenant(h.ctx, { slug: `other-${++n}` });
    await enableCodeMethods(h.ctx, other);
    const carol = await createUser(h.ctx, other, { userPrincipalName: `carol${n}@other.example` });
    await addTotp(h.ctx, other, carol.id);
    const carolSession = await pwdSession(carol, other);
    expect(
      await outcome(
        completeSecondFactor(h.ctx, other, carolSession, { method: 'totp', code: totpCodeAt(secret, h.clock.now) }),
      ),
    ).toBe('OTP_CODE_INVALID');
    // Alice's session is not a session of the other tenant.
    expect(await outcome(completeSecondFactor(h.ctx, other, aliceSession, { method: 'email', code: aliceCode }))).toBe(
      'SESSION_REQUIRED',
    );
    expect(
      await outcome(completeSecondFactor(h.ctx, h.tenant, aliceSession, { method: 'email', code: aliceCode })),
    ).toBe('ok');
  });

  it('the second factor makes the session multi-factor under a new id, and a passkey registration is then allowed', async () => {
    const user = await h.user();
    const { secret } = await addTotp(h.ctx, h.tenant, user.id);
    const s = await pwdSession(user);
    expect(await outcome(beginPasskeyRegistration(h.ctx, h.tenant, s))).toBe('PASSKEY_STRONG_AUTH_REQUIRED');
    h.clock.now += 60_000;
    const done = await completeSecondFactor(h.ctx, h.tenant, s, {
      method: 'totp',
      code: totpCodeAt(secret, h.clock.now),
    });
    // The id rotates at the step-up (ATK-05): the password-only session is over, the new one holds both steps.
    expect(await findLiveSession(h.ctx.db, h.tenant.id, s.id, h.clock.now)).toBeUndefined();
    expect(done.session.id).not.toBe(s.id);
    const stored = await findLiveSession(h.ctx.db, h.tenant.id, done.session.id, h.clock.now);
    expect(stored).toMatchObject({
      amr: ['pwd', 'otp', 'mfa'],
      strongAuthAt: h.clock.now,
      authTime: h.clock.now,
      expiresAt: s.expiresAt,
      steps: [
        { method: 'password', at: s.authTime },
        { method: 'softwareOath', at: h.clock.now },
      ],
    });
    const options = await beginPasskeyRegistration(h.ctx, h.tenant, stored!);
    expect(options.user.id).toBe(user.userHandle);
    // Once multi-factor, the step is not taken again.
    expect(
      await outcome(
        completeSecondFactor(h.ctx, h.tenant, stored!, {
          method: 'totp',
          code: totpCodeAt(secret, h.clock.now + 30_000),
        }),
      ),
    ).toBe('OTP_SECOND_FACTOR_NOT_PENDING');
    // Five minutes later the registration gate asks for a fresh strong sign-in again.
    h.clock.now += 5 * 60_000 + 1;
    expect(await outcome(beginPasskeyRegistration(h.ctx, h.tenant, stored!))).toBe('PASSKEY_STRONG_AUTH_REQUIRED');
  });

  it('refuses the step, logged, when the method configuration is turned off or excludes the user', async () => {
    const other = await createTenant(h.ctx, { slug: `off-${++n}` });
    const user = await createUser(h.ctx, other, { userPrincipalName: `off${n}@other.example` });
    const { secret } = await addTotp(h.ctx, other, user.id);
    await addEmail(h.ctx, other, user.id);
    const s = await pwdSession(user, other);
    expect(
      await outcome(completeSecondFactor(h.ctx, other, s, { method: 'totp', code: totpCodeAt(secret, h.clock.now) })),
    ).toBe('OTP_TOTP_NOT_ALLOWED');
    expect(await outcome(sendSecondFactorEmail(h.ctx, other, s))).toBe('OTP_EMAIL_NOT_ALLOWED');
    const log = (await listSignIns(h.ctx.db, other.id, 100)).filter((r) => r.userId === user.id);
    expect(log.map((r) => r.errorCode)).toContain('OTP_TOTP_NOT_ALLOWED');
  });
});
