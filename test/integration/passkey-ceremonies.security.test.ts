// Security tests of the passkey ceremonies (SPEC §2.2, §2.3, §8; security-tests.md WA-01..WA-27 and §7).
// Each test plays the attacker (or the unlucky user) and asserts what they would see: the error code, and
// that nothing was written (no passkey, counter unchanged, no session, a sign-in log row with that code).
import { randomBytes, randomUUID } from 'node:crypto';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorCode, SignetError } from '../../src/core/errors.ts';
import type { PasskeyMethodConfig } from '../../src/core/passkey-method.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { beginPasskeySignIn, finishPasskeySignIn } from '../../src/flows/sign-in-passkey.ts';
import { listAudits, listSignIns } from '../../src/store/logs.ts';
import { findPasskeyByCredentialId, listPasskeys, type Passkey } from '../../src/store/passkeys.ts';
import { loadPasskeyMethodConfig, savePasskeyMethodConfig } from '../../src/store/policies.ts';
import type { Session } from '../../src/store/sessions.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { setUserEnabled, type User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness, ORIGIN } from '../support/harness.ts';
import {
  type AssertionMutation,
  type AttestationKind,
  getAttestationRoot,
  type RegistrationMutation,
  SOFT_AAGUID,
  SoftAuthenticator,
} from '../support/soft-authenticator.ts';

const FIVE_MINUTES_AND_A_SECOND = 5 * 60_000 + 1_000;

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

describe.each(engines)('passkey ceremony security on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(engine);
  });
  afterAll(() => h.close());

  /** A tenant of its own for each test, so policy changes and logs never leak between tests. */
  interface World {
    tenant: Tenant;
    user(): Promise<User>;
    strongSession(user: User): Promise<Session>;
    policy(change: (c: PasskeyMethodConfig) => void): Promise<void>;
    passkeysOf(user: User): Promise<Passkey[]>;
    sessionsOf(user: User): Promise<number>;
    failures(code: ErrorCode): Promise<number>;
    successes(): Promise<number>;
  }

  async function world(): Promise<World> {
    const tenant = await createTenant(h.ctx, { slug: `s-${randomBytes(5).toString('hex')}` });
    return {
      tenant,
      user: () => createUser(h.ctx, tenant, { userPrincipalName: `u-${randomBytes(4).toString('hex')}@example.com` }),
      strongSession: async (user) =>
        (await startSession(h.ctx, h.ctx.db, { tenantId: tenant.id, userId: user.id, method: 'temporaryAccessPass' }))
          .session,
      policy: async (change) => {
        const c = await loadPasskeyMethodConfig(h.ctx.db, tenant.id);
        change(c);
        await savePasskeyMethodConfig(h.ctx.db, tenant.id, c, h.clock.now);
      },
      passkeysOf: (user) => listPasskeys(h.ctx.db, tenant.id, user.id),
      sessionsOf: async (user) =>
        (
          await h.ctx.db
            .selectFrom('sessions')
            .select('id')
            .where('tenant_id', '=', tenant.id)
            .where('user_id', '=', user.id)
            .execute()
        ).length,
      failures: async (code) =>
        (await listSignIns(h.ctx.db, tenant.id, 1000)).filter((r) => r.result === 'failure' && r.errorCode === code)
          .length,
      successes: async () =>
        (await listSignIns(h.ctx.db, tenant.id, 1000)).filter((r) => r.result === 'success').length,
    };
  }

  /** Registers a passkey for `user` through the real ceremony. */
  async function registered(
    w: World,
    user: User,
    auth = new SoftAuthenticator(),
    ctx: { attestation?: AttestationKind; mutate?: RegistrationMutation } = {},
  ) {
    const session = await w.strongSession(user);
    const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
    const credential = await auth.register(options, { origin: ORIGIN, ...ctx });
    const passkey = await finishPasskeyRegistration(h.ctx, w.tenant, session, { credential });
    return { auth, session, options, credential, passkey };
  }

  /** Asserts that nothing of a registration attempt was kept: no passkey, no "Register passkey" audit entry. */
  async function expectNothingRegistered(w: World, user: User, before = 0) {
    expect(await w.passkeysOf(user)).toHaveLength(before);
    const audits = await listAudits(h.ctx.db, w.tenant.id);
    expect(audits.filter((a) => a.activity === 'Register passkey' && a.actorId === user.id)).toHaveLength(before);
  }

  describe('registration', () => {
    it('refuses a session whose strong sign-in is 5 min + 1 s old (step-up, never register)', async () => {
      const w = await world();
      const user = await w.user();
      const session = await w.strongSession(user);
      h.clock.now += FIVE_MINUTES_AND_A_SECOND;
      expect(await refusal(beginPasskeyRegistration(h.ctx, w.tenant, session))).toBe('PASSKEY_STRONG_AUTH_REQUIRED');
      const challenges = await h.ctx.db
        .selectFrom('challenges')
        .select('id')
        .where('session_id', '=', session.id)
        .execute();
      expect(challenges).toHaveLength(0);
      // A session that never proved a strong factor is refused the same way.
      const weak: Session = { ...(await w.strongSession(user)), strongAuthAt: null };
      expect(await refusal(beginPasskeyRegistration(h.ctx, w.tenant, weak))).toBe('PASSKEY_STRONG_AUTH_REQUIRED');
      await expectNothingRegistered(w, user);
    });

    it('refuses when the passkey method is disabled', async () => {
      const w = await world();
      const user = await w.user();
      await w.policy((c) => {
        c.state = 'disabled';
      });
      expect(await refusal(beginPasskeyRegistration(h.ctx, w.tenant, await w.strongSession(user)))).toBe(
        'PASSKEY_METHOD_DISABLED',
      );
      await expectNothingRegistered(w, user);
    });

    it('refuses a user the method does not target (not included, or excluded)', async () => {
      const w = await world();
      const user = await w.user();
      await w.policy((c) => {
        c.includeTargets = [
          { id: randomUUID(), targetType: 'group', isRegistrationRequired: false, allowedPasskeyProfiles: [] },
        ];
      });
      expect(await refusal(beginPasskeyRegistration(h.ctx, w.tenant, await w.strongSession(user)))).toBe(
        'PASSKEY_METHOD_NOT_TARGETED',
      );

      const w2 = await world();
      const excluded = await w2.user();
      await w2.policy((c) => {
        c.excludeTargets = [{ id: excluded.id, targetType: 'user' }];
      });
      expect(await refusal(beginPasskeyRegistration(h.ctx, w2.tenant, await w2.strongSession(excluded)))).toBe(
        'PASSKEY_METHOD_NOT_TARGETED',
      );
      await expectNothingRegistered(w, user);
      await expectNothingRegistered(w2, excluded);
    });

    it('refuses when self-service registration is off', async () => {
      const w = await world();
      const user = await w.user();
      await w.policy((c) => {
        c.isSelfServiceRegistrationAllowed = false;
      });
      expect(await refusal(beginPasskeyRegistration(h.ctx, w.tenant, await w.strongSession(user)))).toBe(
        'PASSKEY_SELF_SERVICE_DISABLED',
      );
      await expectNothingRegistered(w, user);
    });

    it('refuses a disabled user', async () => {
      const w = await world();
      const user = await w.user();
      const session = await w.strongSession(user);
      await setUserEnabled(h.ctx.db, w.tenant.id, user.id, false);
      expect(await refusal(beginPasskeyRegistration(h.ctx, w.tenant, session))).toBe('SIGNIN_USER_DISABLED');
      await expectNothingRegistered(w, user);
    });

    it('refuses once the per-user limit is reached, at options and at finish', async () => {
      const w = await world();
      const user = await w.user();
      await w.policy((c) => {
        c.passkeysPerUserLimit = 1;
      });
      const session = await w.strongSession(user);
      // Two option calls while under the limit; the second finish must still be refused.
      const first = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      const second = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      const auth = new SoftAuthenticator();
      await finishPasskeyRegistration(h.ctx, w.tenant, session, {
        credential: await auth.register(first, { origin: ORIGIN }),
      });
      expect(
        await refusal(
          finishPasskeyRegistration(h.ctx, w.tenant, session, {
            credential: await auth.register(second, { origin: ORIGIN }),
          }),
        ),
      ).toBe('PASSKEY_LIMIT_REACHED');
      expect(await refusal(beginPasskeyRegistration(h.ctx, w.tenant, session))).toBe('PASSKEY_LIMIT_REACHED');
      await expectNothingRegistered(w, user, 1);
    });

    it('keeps the per-user limit under parallel finishes', async () => {
      const w = await world();
      const user = await w.user();
      await w.policy((c) => {
        c.passkeysPerUserLimit = 1;
      });
      const session = await w.strongSession(user);
      const auth = new SoftAuthenticator();
      const credentials: RegistrationResponseJSON[] = [];
      for (let i = 0; i < 5; i++)
        credentials.push(
          await auth.register(await beginPasskeyRegistration(h.ctx, w.tenant, session), { origin: ORIGIN }),
        );
      const results = await Promise.allSettled(
        credentials.map((credential) => finishPasskeyRegistration(h.ctx, w.tenant, session, { credential })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await w.passkeysOf(user)).toHaveLength(1);
    });

    it('refuses the gate at finish when the method was disabled after options were issued', async () => {
      const w = await world();
      const user = await w.user();
      const session = await w.strongSession(user);
      const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      await w.policy((c) => {
        c.state = 'disabled';
      });
      const credential = await new SoftAuthenticator().register(options, { origin: ORIGIN });
      expect(await refusal(finishPasskeyRegistration(h.ctx, w.tenant, session, { credential }))).toBe(
        'PASSKEY_METHOD_DISABLED',
      );
      await expectNothingRegistered(w, user);
    });

    /** Begins a ceremony, answers it with `mutate`, and expects `code` with nothing stored. */
    async function expectRegistrationRefused(
      code: ErrorCode,
      ctx: { origin?: string; attestation?: AttestationKind; mutate?: RegistrationMutation },
      auth = new SoftAuthenticator(),
    ) {
      const w = await world();
      const user = await w.user();
      const session = await w.strongSession(user);
      const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      const credential = await auth.register(options, { ...ctx, origin: ctx.origin ?? ORIGIN });
      expect(await refusal(finishPasskeyRegistration(h.ctx, w.tenant, session, { credential }))).toBe(code);
      await expectNothingRegistered(w, user);
      return { w, user, session, options, credential };
    }

    it.each([
      'http://localhost:3001',
      'https://localhost:3000',
      'http://evil.localhost:3000',
      'http://localhost:3000/',
      'HTTP://LOCALHOST:3000',
      'http://localhost',
      'null',
    ])('refuses the look-alike origin %s', async (origin) => {
      await expectRegistrationRefused('WEBAUTHN_ORIGIN_MISMATCH', { origin });
    });

    it('refuses an authenticator data hash of another RP ID', async () => {
      await expectRegistrationRefused('WEBAUTHN_RP_ID_MISMATCH', { mutate: { rpIdHashOf: 'example.com' } });
    });

    it('refuses a registration without user verification', async () => {
      await expectRegistrationRefused('WEBAUTHN_USER_VERIFICATION_REQUIRED', { mutate: { flags: { uv: false } } });
    });

    it('refuses a registration without user presence', async () => {
      await expectRegistrationRefused('WEBAUTHN_USER_PRESENCE_REQUIRED', { mutate: { flags: { up: false } } });
    });

    it('refuses clientData of type webauthn.get', async () => {
      await expectRegistrationRefused('WEBAUTHN_TYPE_MISMATCH', {
        mutate: { clientData: (cd) => ({ ...cd, type: 'webauthn.get' }) },
      });
    });

    it('refuses crossOrigin true, and a topOrigin with or without crossOrigin', async () => {
      await expectRegistrationRefused('WEBAUTHN_CROSS_ORIGIN_REFUSED', {
        mutate: { clientData: (cd) => ({ ...cd, crossOrigin: true }) },
      });
      await expectRegistrationRefused('WEBAUTHN_CROSS_ORIGIN_REFUSED', {
        mutate: { clientData: (cd) => ({ ...cd, topOrigin: 'https://evil.example' }) },
      });
      await expectRegistrationRefused('WEBAUTHN_CROSS_ORIGIN_REFUSED', {
        mutate: { clientData: (cd) => ({ ...cd, crossOrigin: true, topOrigin: 'https://evil.example' }) },
      });
      // Objects whose toString is not a function once turned the error detail into a 500.
      await expectRegistrationRefused('WEBAUTHN_CROSS_ORIGIN_REFUSED', {
        mutate: { clientData: (cd) => ({ ...cd, topOrigin: { toString: 1 } }) },
      });
    });

    it.each([
      ['status present', { status: 'present', id: 'abc' }],
      ['a string', 'present'],
      ['an array', ['present']],
      ['null', null],
      ['a status that is an object', { status: { toString: 1 } }],
    ])('refuses a tokenBinding that is %s', async (_name, tokenBinding) => {
      await expectRegistrationRefused('WEBAUTHN_TOKEN_BINDING_INVALID', {
        mutate: { clientData: (cd) => ({ ...cd, tokenBinding }) },
      });
    });

    it('refuses a replayed registration response, and an expired challenge', async () => {
      const w = await world();
      const user = await w.user();
      const session = await w.strongSession(user);
      const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      const credential = await new SoftAuthenticator().register(options, { origin: ORIGIN });
      await finishPasskeyRegistration(h.ctx, w.tenant, session, { credential });
      expect(await refusal(finishPasskeyRegistration(h.ctx, w.tenant, session, { credential }))).toBe(
        'WEBAUTHN_CHALLENGE_UNKNOWN',
      );
      expect(await w.passkeysOf(user)).toHaveLength(1);

      const late = await w.user();
      const lateSession = await w.strongSession(late);
      const lateOptions = await beginPasskeyRegistration(h.ctx, w.tenant, lateSession);
      const lateCredential = await new SoftAuthenticator().register(lateOptions, { origin: ORIGIN });
      h.clock.now += FIVE_MINUTES_AND_A_SECOND;
      expect(
        await refusal(finishPasskeyRegistration(h.ctx, w.tenant, lateSession, { credential: lateCredential })),
      ).toBe('WEBAUTHN_CHALLENGE_EXPIRED');
      await expectNothingRegistered(w, late);
    });

    it('refuses a challenge the server never issued', async () => {
      const w = await world();
      const user = await w.user();
      const session = await w.strongSession(user);
      const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      const forged = { ...options, challenge: randomBytes(32).toString('base64url') };
      const credential = await new SoftAuthenticator().register(forged, { origin: ORIGIN });
      expect(await refusal(finishPasskeyRegistration(h.ctx, w.tenant, session, { credential }))).toBe(
        'WEBAUTHN_CHALLENGE_UNKNOWN',
      );
      await expectNothingRegistered(w, user);
    });

    it('stores exactly one passkey from 50 parallel finishes of one response', async () => {
      const w = await world();
      const user = await w.user();
      const session = await w.strongSession(user);
      const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      const credential = await new SoftAuthenticator().register(options, { origin: ORIGIN });
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () => finishPasskeyRegistration(h.ctx, w.tenant, session, { credential })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(SignetError);
      expect(await w.passkeysOf(user)).toHaveLength(1);
    });

    it("refuses a challenge issued to another session or another user's session, and they do not burn it", async () => {
      const w = await world();
      const alice = await w.user();
      const bob = await w.user();
      const aliceSession = await w.strongSession(alice);
      const options = await beginPasskeyRegistration(h.ctx, w.tenant, aliceSession);
      const credential = await new SoftAuthenticator().register(options, { origin: ORIGIN });
      const aliceOtherSession = await w.strongSession(alice);
      expect(await refusal(finishPasskeyRegistration(h.ctx, w.tenant, aliceOtherSession, { credential }))).toBe(
        'WEBAUTHN_CHALLENGE_UNKNOWN',
      );
      expect(
        await refusal(finishPasskeyRegistration(h.ctx, w.tenant, await w.strongSession(bob), { credential })),
      ).toBe('WEBAUTHN_CHALLENGE_UNKNOWN');
      await expectNothingRegistered(w, alice);
      await expectNothingRegistered(w, bob);
      // Presented from elsewhere, the challenge is still its own session's to answer, once.
      const mine = await finishPasskeyRegistration(h.ctx, w.tenant, aliceSession, { credential });
      expect(mine.userId).toBe(alice.id);
      expect(await refusal(finishPasskeyRegistration(h.ctx, w.tenant, aliceSession, { credential }))).toBe(
        'WEBAUTHN_CHALLENGE_UNKNOWN',
      );
    });

    it('refuses a sign-in challenge answered as a registration', async () => {
      const w = await world();
      const user = await w.user();
      const session = await w.strongSession(user);
      const signIn = await beginPasskeySignIn(h.ctx, w.tenant, {});
      const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      const credential = await new SoftAuthenticator().register(
        { ...options, challenge: signIn.challenge },
        { origin: ORIGIN },
      );
      expect(await refusal(finishPasskeyRegistration(h.ctx, w.tenant, session, { credential }))).toBe(
        'WEBAUTHN_CHALLENGE_UNKNOWN',
      );
      await expectNothingRegistered(w, user);
    });

    it('refuses a credential id registered twice for the same user and never re-owns it', async () => {
      const w = await world();
      const user = await w.user();
      const id = randomBytes(32);
      const first = await registered(w, user, new SoftAuthenticator(), { mutate: { credentialId: id } });
      const session = await w.strongSession(user);
      const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      expect(options.excludeCredentials?.map((c) => c.id)).toEqual([first.credential.id]);
      const again = await new SoftAuthenticator().register(options, { origin: ORIGIN, mutate: { credentialId: id } });
      expect(await refusal(finishPasskeyRegistration(h.ctx, w.tenant, session, { credential: again }))).toBe(
        'PASSKEY_ALREADY_REGISTERED',
      );
      const stored = await w.passkeysOf(user);
      expect(stored).toHaveLength(1);
      expect(stored[0]!.publicKey).toBe(first.passkey.publicKey);
    });

    it('refuses a credential id already registered to another user, and in another tenant', async () => {
      const w = await world();
      const alice = await w.user();
      const id = randomBytes(32);
      const first = await registered(w, alice, new SoftAuthenticator(), { mutate: { credentialId: id } });

      const bob = await w.user();
      await expectDuplicateRefused(w, bob);

      const other = await world();
      await expectDuplicateRefused(other, await other.user());

      const owner = await findPasskeyByCredentialId(h.ctx.db, w.tenant.id, first.credential.id);
      expect(owner?.userId).toBe(alice.id);
      expect(owner?.publicKey).toBe(first.passkey.publicKey);
      expect(await findPasskeyByCredentialId(h.ctx.db, other.tenant.id, first.credential.id)).toBeUndefined();

      async function expectDuplicateRefused(x: World, victim: User) {
        const session = await x.strongSession(victim);
        const options = await beginPasskeyRegistration(h.ctx, x.tenant, session);
        const credential = await new SoftAuthenticator().register(options, {
          origin: ORIGIN,
          mutate: { credentialId: id },
        });
        expect(await refusal(finishPasskeyRegistration(h.ctx, x.tenant, session, { credential }))).toBe(
          'PASSKEY_ALREADY_REGISTERED',
        );
        await expectNothingRegistered(x, victim);
      }
    });

    it('refuses a response whose id differs from rawId or from the attested credential id', async () => {
      const w = await world();
      const user = await w.user();
      for (const tamper of [
        (c: RegistrationResponseJSON) => ({ ...c, rawId: randomBytes(32).toString('base64url') }),
        (c: RegistrationResponseJSON) => {
          const id = randomBytes(32).toString('base64url');
          return { ...c, id, rawId: id };
        },
      ]) {
        const session = await w.strongSession(user);
        const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
        const credential = tamper(await new SoftAuthenticator().register(options, { origin: ORIGIN }));
        expect(await refusal(finishPasskeyRegistration(h.ctx, w.tenant, session, { credential }))).toBe(
          'WEBAUTHN_RESPONSE_MALFORMED',
        );
      }
      await expectNothingRegistered(w, user);
    });

    it('refuses a synced (backup-eligible) passkey under a profile that allows only device-bound ones', async () => {
      const w = await world();
      const user = await w.user();
      await w.policy((c) => {
        c.passkeyProfiles[0]!.passkeyTypes = 'deviceBound';
      });
      const session = await w.strongSession(user);
      const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      const credential = await new SoftAuthenticator({ backupEligible: true }).register(options, { origin: ORIGIN });
      expect(await refusal(finishPasskeyRegistration(h.ctx, w.tenant, session, { credential }))).toBe(
        'PASSKEY_TYPE_NOT_ALLOWED',
      );
      await expectNothingRegistered(w, user);
      // The same profile accepts a device-bound passkey.
      await registered(w, user, new SoftAuthenticator({ backupEligible: false }));
      expect(await w.passkeysOf(user)).toHaveLength(1);
    });

    it('refuses an AAGUID on the block list (any letter case), and one missing from an allow list', async () => {
      const w = await world();
      const user = await w.user();
      await w.policy((c) => {
        c.passkeyProfiles[0]!.keyRestrictions = {
          isEnforced: true,
          enforcementType: 'block',
          aaGuids: [SOFT_AAGUID.toUpperCase()],
        };
      });
      const session = await w.strongSession(user);
      const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      const credential = await new SoftAuthenticator().register(options, { origin: ORIGIN });
      expect(await refusal(finishPasskeyRegistration(h.ctx, w.tenant, session, { credential }))).toBe(
        'PASSKEY_AAGUID_BLOCKED',
      );

      await w.policy((c) => {
        c.passkeyProfiles[0]!.keyRestrictions = { isEnforced: true, enforcementType: 'allow', aaGuids: [randomUUID()] };
      });
      const options2 = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      const credential2 = await new SoftAuthenticator().register(options2, { origin: ORIGIN });
      expect(await refusal(finishPasskeyRegistration(h.ctx, w.tenant, session, { credential: credential2 }))).toBe(
        'PASSKEY_AAGUID_NOT_ALLOWED',
      );
      await expectNothingRegistered(w, user);
    });

    it('requires a verified attestation when the profile enforces it: none, self and unknown roots are refused', async () => {
      const w = await world();
      const user = await w.user();
      await w.policy((c) => {
        c.passkeyProfiles[0]!.attestationEnforcement = 'registrationOnly';
      });
      const session = await w.strongSession(user);
      const codes = {
        none: 'PASSKEY_ATTESTATION_NONE',
        'packed-self': 'PASSKEY_ATTESTATION_SELF',
        'packed-x5c': 'PASSKEY_ATTESTATION_UNTRUSTED',
      } as const;
      for (const attestation of ['none', 'packed-self', 'packed-x5c'] as const) {
        const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
        expect(options.attestation).toBe('direct');
        // A fresh AAGUID: metadata knows no root for it, so even a valid x5c chain proves nothing.
        const credential = await new SoftAuthenticator({ aaguid: randomUUID() }).register(options, {
          origin: ORIGIN,
          attestation,
        });
        expect(await refusal(finishPasskeyRegistration(h.ctx, w.tenant, session, { credential }))).toBe(
          codes[attestation],
        );
      }
      await expectNothingRegistered(w, user);
      // With the root in metadata for that AAGUID, the same kind of authenticator is accepted.
      const aaguid = randomUUID();
      h.ctx.metadata.add({
        aaguid,
        description: 'Test key',
        attestationRootCertificates: [await getAttestationRoot()],
      });
      const ok = await registered(w, user, new SoftAuthenticator({ aaguid }), { attestation: 'packed-x5c' });
      expect(ok.passkey.attestationTrust).toBe('verified');
    });

    it.each([
      ['bytes that are not CBOR', () => Buffer.alloc(64, 0xff).toString('base64url')],
      ['ASCII text', () => Buffer.from('garbage attestation object!').toString('base64url')],
      ['a CBOR empty map', () => 'oA'],
      ['a CBOR text string', () => Buffer.from([0x63, 0x61, 0x62, 0x63]).toString('base64url')],
      ['a CBOR array', () => Buffer.from([0x81, 0x01]).toString('base64url')],
      ['truncated CBOR', () => Buffer.from([0xa3, 0x63, 0x66, 0x6d]).toString('base64url')],
      [
        'a map without authData',
        () => Buffer.from('a263666d74646e6f6e656761747453746d74a0', 'hex').toString('base64url'),
      ],
    ])('refuses a garbage attestationObject (%s) as malformed', async (_name, make) => {
      await expectRegistrationRefused('WEBAUTHN_RESPONSE_MALFORMED', { mutate: { attestationObject: make() } });
    });

    it('refuses authenticator data with trailing bytes', async () => {
      await expectRegistrationRefused('WEBAUTHN_RESPONSE_MALFORMED', { mutate: { trailingBytes: 8 } });
    });

    it('refuses a credential key whose algorithm was not offered (RS1)', async () => {
      await expectRegistrationRefused('WEBAUTHN_ALGORITHM_NOT_ALLOWED', {}, new SoftAuthenticator({ alg: 'RS1' }));
    });

    it('stores a passkey whose authenticator data carries unsolicited extensions, ignoring them (WA-23)', async () => {
      const w = await world();
      const user = await w.user();
      const session = await w.strongSession(user);
      const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      const credential = await new SoftAuthenticator().register(options, {
        origin: ORIGIN,
        mutate: { extensionData: { credProtect: 3, unknownThing: 'x' } },
      });
      const passkey = await finishPasskeyRegistration(h.ctx, w.tenant, session, { credential });
      expect(passkey.credentialId).toBe(credential.id);
      expect((await w.passkeysOf(user)).map((p) => p.credentialId)).toEqual([credential.id]);
    });

    it('refuses garbage in the body as malformed, never with another error', async () => {
      const w = await world();
      const user = await w.user();
      const session = await w.strongSession(user);
      const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      const good = await new SoftAuthenticator().register(options, { origin: ORIGIN });
      const bodies: unknown[] = [
        undefined,
        null,
        'credential',
        [],
        {},
        { ...good, type: 'password' },
        { ...good, response: { ...good.response, clientDataJSON: 'not base64url!' } },
        { ...good, response: { ...good.response, clientDataJSON: Buffer.from('[1]').toString('base64url') } },
        { ...good, response: { ...good.response, clientDataJSON: Buffer.from('{"type":1}').toString('base64url') } },
        { ...good, id: 'A'.repeat(1400), rawId: 'A'.repeat(1400) },
      ];
      for (const credential of bodies)
        expect(await refusal(finishPasskeyRegistration(h.ctx, w.tenant, session, { credential }))).toBe(
          'WEBAUTHN_RESPONSE_MALFORMED',
        );
      await expectNothingRegistered(w, user);
    });
  });

  describe('sign-in', () => {
    /** A user with one registered passkey, and what the store holds for it. */
    async function enrolled(w: World, auth = new SoftAuthenticator()) {
      const user = await w.user();
      const r = await registered(w, user, auth);
      return { user, auth, credentialId: r.credential.id, passkey: r.passkey };
    }

    async function stored(w: World, credentialId: string): Promise<Passkey> {
      const p = await findPasskeyByCredentialId(h.ctx.db, w.tenant.id, credentialId);
      if (!p) throw new Error('passkey vanished');
      return p;
    }

    /** Asserts the attempt was refused with `code`, logged with it, and changed neither passkey nor sessions. */
    async function expectSignInRefused(
      w: World,
      e: { user: User; credentialId: string },
      attempt: () => Promise<unknown>,
      code: ErrorCode,
    ) {
      const before = await stored(w, e.credentialId);
      const sessions = await w.sessionsOf(e.user);
      const successes = await w.successes();
      const logged = await w.failures(code);
      expect(await refusal(attempt())).toBe(code);
      const after = await stored(w, e.credentialId);
      expect(after.counter).toBe(before.counter);
      expect(after.lastUsedAt).toBe(before.lastUsedAt);
      expect(after.backupState).toBe(before.backupState);
      expect(await w.sessionsOf(e.user)).toBe(sessions);
      expect(await w.successes()).toBe(successes);
      expect(await w.failures(code)).toBe(logged + 1);
    }

    it('refuses a replayed assertion', async () => {
      const w = await world();
      const e = await enrolled(w);
      const options = await beginPasskeySignIn(h.ctx, w.tenant, {});
      const assertion = await e.auth.authenticate(options, { origin: ORIGIN });
      await finishPasskeySignIn(h.ctx, w.tenant, assertion);
      await expectSignInRefused(
        w,
        e,
        () => finishPasskeySignIn(h.ctx, w.tenant, assertion),
        'WEBAUTHN_CHALLENGE_UNKNOWN',
      );
    });

    it('lets exactly one of 50 parallel finishes of one assertion succeed', async () => {
      const w = await world();
      const e = await enrolled(w);
      const options = await beginPasskeySignIn(h.ctx, w.tenant, { username: e.user.userPrincipalName });
      const assertion = await e.auth.authenticate(options, { origin: ORIGIN });
      const sessions = await w.sessionsOf(e.user);
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, () => finishPasskeySignIn(h.ctx, w.tenant, assertion)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results)
        if (r.status === 'rejected') {
          expect(r.reason).toBeInstanceOf(SignetError);
          expect(['WEBAUTHN_CHALLENGE_UNKNOWN', 'SIGNIN_COUNTER_REGRESSION']).toContain(r.reason.code);
        }
      expect(await w.sessionsOf(e.user)).toBe(sessions + 1);
      expect(await w.successes()).toBe(1);
      expect((await stored(w, e.credentialId)).counter).toBe(1);
    });

    it('refuses an expired challenge', async () => {
      const w = await world();
      const e = await enrolled(w);
      const options = await beginPasskeySignIn(h.ctx, w.tenant, {});
      const assertion = await e.auth.authenticate(options, { origin: ORIGIN });
      h.clock.now += FIVE_MINUTES_AND_A_SECOND;
      await expectSignInRefused(
        w,
        e,
        () => finishPasskeySignIn(h.ctx, w.tenant, assertion),
        'WEBAUTHN_CHALLENGE_EXPIRED',
      );
    });

    it('refuses a challenge the server never issued', async () => {
      const w = await world();
      const e = await enrolled(w);
      const options = await beginPasskeySignIn(h.ctx, w.tenant, {});
      const assertion = await e.auth.authenticate(
        { ...options, challenge: randomBytes(32).toString('base64url') },
        { origin: ORIGIN },
      );
      await expectSignInRefused(
        w,
        e,
        () => finishPasskeySignIn(h.ctx, w.tenant, assertion),
        'WEBAUTHN_CHALLENGE_UNKNOWN',
      );
    });

    it('refuses a registration challenge used for an assertion', async () => {
      const w = await world();
      const e = await enrolled(w);
      const reg = await beginPasskeyRegistration(h.ctx, w.tenant, await w.strongSession(e.user));
      const options = await beginPasskeySignIn(h.ctx, w.tenant, {});
      const assertion = await e.auth.authenticate({ ...options, challenge: reg.challenge }, { origin: ORIGIN });
      await expectSignInRefused(
        w,
        e,
        () => finishPasskeySignIn(h.ctx, w.tenant, assertion),
        'WEBAUTHN_CHALLENGE_UNKNOWN',
      );
    });

    /** Options (discoverable unless a username is given), an assertion with `mutate`, a refusal with `code`. */
    async function expectAssertionRefused(
      code: ErrorCode,
      ctx: { origin?: string; mutate?: AssertionMutation },
      auth = new SoftAuthenticator(),
    ) {
      const w = await world();
      const e = await enrolled(w, auth);
      const options = await beginPasskeySignIn(h.ctx, w.tenant, {});
      const assertion = await e.auth.authenticate(options, { ...ctx, origin: ctx.origin ?? ORIGIN });
      await expectSignInRefused(w, e, () => finishPasskeySignIn(h.ctx, w.tenant, assertion), code);
      return { w, e, options };
    }

    it('refuses an assertion without user verification', async () => {
      await expectAssertionRefused('WEBAUTHN_USER_VERIFICATION_REQUIRED', { mutate: { flags: { uv: false } } });
    });

    it('refuses an assertion without user presence', async () => {
      await expectAssertionRefused('WEBAUTHN_USER_PRESENCE_REQUIRED', { mutate: { flags: { up: false } } });
    });

    it.each([
      'http://localhost:3001',
      'https://localhost:3000',
      'http://evil.localhost:3000',
      'http://localhost:3000/',
      'HTTP://LOCALHOST:3000',
    ])('refuses the look-alike origin %s', async (origin) => {
      await expectAssertionRefused('WEBAUTHN_ORIGIN_MISMATCH', { origin });
    });

    it('refuses clientData of type webauthn.create and cross-origin embedding', async () => {
      await expectAssertionRefused('WEBAUTHN_TYPE_MISMATCH', {
        mutate: { clientData: (cd) => ({ ...cd, type: 'webauthn.create' }) },
      });
      await expectAssertionRefused('WEBAUTHN_CROSS_ORIGIN_REFUSED', {
        mutate: { clientData: (cd) => ({ ...cd, crossOrigin: true }) },
      });
      await expectAssertionRefused('WEBAUTHN_CROSS_ORIGIN_REFUSED', {
        mutate: { clientData: (cd) => ({ ...cd, topOrigin: 'https://evil.example' }) },
      });
      await expectAssertionRefused('WEBAUTHN_TOKEN_BINDING_INVALID', {
        mutate: { clientData: (cd) => ({ ...cd, tokenBinding: { status: 'present', id: 'abc' } }) },
      });
    });

    it('refuses an authenticator data hash of another RP ID', async () => {
      await expectAssertionRefused('WEBAUTHN_RP_ID_MISMATCH', { mutate: { rpIdHashOf: 'example.com' } });
    });

    it('refuses a corrupted signature, and the failed attempt burns the challenge', async () => {
      const { w, e, options } = await expectAssertionRefused('WEBAUTHN_SIGNATURE_INVALID', {
        mutate: { corruptSignature: true },
      });
      // The genuine answer to the same challenge no longer works either (WA-02).
      const genuine = await e.auth.authenticate(options, { origin: ORIGIN });
      await expectSignInRefused(
        w,
        e,
        () => finishPasskeySignIn(h.ctx, w.tenant, genuine),
        'WEBAUTHN_CHALLENGE_UNKNOWN',
      );
    });

    // On this path OpenSSL also refuses non-canonical DER, behind signature-encoding.ts; the paths where only
    // signature-encoding.ts stands (the library's verifier) are in canonical-der.security.test.ts.
    it.each([
      ['two zero bytes appended', (sig: Buffer) => Buffer.concat([sig, Buffer.of(0, 0)])],
      ['a long-form length', (sig: Buffer) => Buffer.concat([Buffer.of(0x30, 0x81, sig[1]!), sig.subarray(2)])],
    ])('refuses a non-canonical DER signature (%s) as an invalid signature (WA-17)', async (_name, change) => {
      const w = await world();
      const e = await enrolled(w);
      const options = await beginPasskeySignIn(h.ctx, w.tenant, {});
      const genuine = await e.auth.authenticate(options, { origin: ORIGIN });
      const sig = change(Buffer.from(genuine.response.signature, 'base64url')).toString('base64url');
      const assertion = { ...genuine, response: { ...genuine.response, signature: sig } };
      await expectSignInRefused(
        w,
        e,
        () => finishPasskeySignIn(h.ctx, w.tenant, assertion),
        'WEBAUTHN_SIGNATURE_INVALID',
      );
    });

    it('refuses authenticator data with trailing bytes', async () => {
      await expectAssertionRefused('WEBAUTHN_RESPONSE_MALFORMED', { mutate: { trailingBytes: 8 } });
    });

    it('refuses an assertion whose id differs from rawId', async () => {
      await expectAssertionRefused('WEBAUTHN_RESPONSE_MALFORMED', { mutate: { idMismatch: true } });
    });

    it.each([
      [5, 3],
      [5, 5],
    ])('refuses a counter going backwards (%i → %i), logs it and keeps the stored counter', async (from, to) => {
      const w = await world();
      const e = await enrolled(w, new SoftAuthenticator({ signCount: from }));
      expect(e.passkey.counter).toBe(from);
      const options = await beginPasskeySignIn(h.ctx, w.tenant, { username: e.user.userPrincipalName });
      const assertion = await e.auth.authenticate(options, { origin: ORIGIN, mutate: { counter: to } });
      await expectSignInRefused(
        w,
        e,
        () => finishPasskeySignIn(h.ctx, w.tenant, assertion),
        'SIGNIN_COUNTER_REGRESSION',
      );
      expect((await stored(w, e.credentialId)).counter).toBe(from);
      const row = (await listSignIns(h.ctx.db, w.tenant.id)).find((r) => r.errorCode === 'SIGNIN_COUNTER_REGRESSION');
      expect(row).toMatchObject({ result: 'failure', userId: e.user.id, method: 'passkey' });
      expect(row?.detail.credentialId).toBe(e.credentialId);
    });

    it('accepts a counter that is always 0, repeatedly', async () => {
      const w = await world();
      const e = await enrolled(w, new SoftAuthenticator({ signCount: 'none', backupEligible: true }));
      for (let i = 0; i < 3; i++) {
        const options = await beginPasskeySignIn(h.ctx, w.tenant, {});
        const r = await finishPasskeySignIn(h.ctx, w.tenant, await e.auth.authenticate(options, { origin: ORIGIN }));
        expect(r.user.id).toBe(e.user.id);
      }
      expect((await stored(w, e.credentialId)).counter).toBe(0);
      expect(await w.successes()).toBe(3);
    });

    it('refuses a disabled user', async () => {
      const w = await world();
      const e = await enrolled(w);
      await setUserEnabled(h.ctx.db, w.tenant.id, e.user.id, false);
      const options = await beginPasskeySignIn(h.ctx, w.tenant, {});
      const assertion = await e.auth.authenticate(options, { origin: ORIGIN });
      await expectSignInRefused(w, e, () => finishPasskeySignIn(h.ctx, w.tenant, assertion), 'SIGNIN_USER_DISABLED');
    });

    it('refuses a credential registered in another tenant', async () => {
      const home = await world();
      const e = await enrolled(home);
      const w = await world();
      const options = await beginPasskeySignIn(h.ctx, w.tenant, {});
      const assertion = await e.auth.authenticate(options, { origin: ORIGIN });
      expect(await refusal(finishPasskeySignIn(h.ctx, w.tenant, assertion))).toBe('SIGNIN_CREDENTIAL_UNKNOWN');
      expect(await w.failures('SIGNIN_CREDENTIAL_UNKNOWN')).toBe(1);
      expect(await w.successes()).toBe(0);
      const untouched = await stored(home, e.credentialId);
      expect(untouched.counter).toBe(0);
      expect(untouched.lastUsedAt).toBeNull();
      expect(await listSignIns(h.ctx.db, home.tenant.id)).toHaveLength(0);
    });

    it("refuses username-first with another user's credential", async () => {
      const w = await world();
      const alice = await enrolled(w);
      const bob = await enrolled(w);
      const options = await beginPasskeySignIn(h.ctx, w.tenant, { username: alice.user.userPrincipalName });
      // Bob's authenticator answers Alice's options with Bob's own credential.
      const assertion = await bob.auth.authenticate(options, { origin: ORIGIN, credentialId: bob.credentialId });
      // Refused as not the named account's, the same code as for an unknown name (below), so it tells no account
      // from a decoy; never as a bad signature, which would tell Bob to remove a good passkey.
      await expectSignInRefused(
        w,
        bob,
        () => finishPasskeySignIn(h.ctx, w.tenant, assertion),
        'SIGNIN_PASSKEY_NOT_FOR_ACCOUNT',
      );
      expect(await w.sessionsOf(alice.user)).toBe(1); // only the strong session used to register
    });

    it("refuses username-first with the user's credential but another user's userHandle", async () => {
      const w = await world();
      const alice = await enrolled(w);
      const bob = await enrolled(w);
      const options = await beginPasskeySignIn(h.ctx, w.tenant, { username: alice.user.userPrincipalName });
      const assertion = await alice.auth.authenticate(options, {
        origin: ORIGIN,
        mutate: { userHandle: bob.user.userHandle },
      });
      await expectSignInRefused(
        w,
        alice,
        () => finishPasskeySignIn(h.ctx, w.tenant, assertion),
        'SIGNIN_USER_HANDLE_MISMATCH',
      );
    });

    it('refuses an unknown username with a real credential', async () => {
      const w = await world();
      const e = await enrolled(w);
      const options = await beginPasskeySignIn(h.ctx, w.tenant, { username: 'nobody@example.com' });
      const assertion = await e.auth.authenticate(options, { origin: ORIGIN, credentialId: e.credentialId });
      await expectSignInRefused(
        w,
        e,
        () => finishPasskeySignIn(h.ctx, w.tenant, assertion),
        'SIGNIN_PASSKEY_NOT_FOR_ACCOUNT',
      );
    });

    it("keeps a bad signature on the named user's own passkey a bad signature", async () => {
      const w = await world();
      const e = await enrolled(w);
      const options = await beginPasskeySignIn(h.ctx, w.tenant, { username: e.user.userPrincipalName });
      const assertion = await e.auth.authenticate(options, { origin: ORIGIN, mutate: { corruptSignature: true } });
      await expectSignInRefused(
        w,
        e,
        () => finishPasskeySignIn(h.ctx, w.tenant, assertion),
        'WEBAUTHN_SIGNATURE_INVALID',
      );
    });

    it('refuses a discoverable sign-in whose userHandle is another user, or missing', async () => {
      const w = await world();
      const alice = await enrolled(w);
      const bob = await enrolled(w);
      const options = await beginPasskeySignIn(h.ctx, w.tenant, {});
      const mismatched = await alice.auth.authenticate(options, {
        origin: ORIGIN,
        mutate: { userHandle: bob.user.userHandle },
      });
      await expectSignInRefused(
        w,
        alice,
        () => finishPasskeySignIn(h.ctx, w.tenant, mismatched),
        'SIGNIN_USER_HANDLE_MISMATCH',
      );
      expect(await w.sessionsOf(bob.user)).toBe(1);

      const options2 = await beginPasskeySignIn(h.ctx, w.tenant, {});
      const anonymous = await alice.auth.authenticate(options2, { origin: ORIGIN, mutate: { userHandle: null } });
      await expectSignInRefused(
        w,
        alice,
        () => finishPasskeySignIn(h.ctx, w.tenant, anonymous),
        'WEBAUTHN_RESPONSE_MALFORMED',
      );
    });

    it('gives a known username, an unknown one and a user without passkeys the same options but for the challenge', async () => {
      const w = await world();
      const e = await enrolled(w);
      const noPasskeys = await w.user();
      const named = await Promise.all(
        [e.user.userPrincipalName, 'ghost@example.com', 'ghost@example.com', noPasskeys.userPrincipalName].map(
          (username) => beginPasskeySignIn(h.ctx, w.tenant, { username }),
        ),
      );
      const discoverable = await beginPasskeySignIn(h.ctx, w.tenant, {});
      const shape = (o: object) => JSON.stringify({ ...o, challenge: '' });
      for (const o of named) expect(shape(o)).toBe(shape(discoverable));
      expect(discoverable.allowCredentials).toEqual([]);
      expect(new Set([...named, discoverable].map((o) => o.challenge)).size).toBe(5);
    });

    it('refuses a passkey whose AAGUID was blocked after registration', async () => {
      const w = await world();
      const e = await enrolled(w);
      await w.policy((c) => {
        c.passkeyProfiles[0]!.keyRestrictions = { isEnforced: true, enforcementType: 'block', aaGuids: [SOFT_AAGUID] };
      });
      const options = await beginPasskeySignIn(h.ctx, w.tenant, {});
      const assertion = await e.auth.authenticate(options, { origin: ORIGIN });
      await expectSignInRefused(w, e, () => finishPasskeySignIn(h.ctx, w.tenant, assertion), 'PASSKEY_AAGUID_BLOCKED');
    });

    it('refuses a passkey whose type the profile no longer allows, and a user the method no longer targets', async () => {
      const w = await world();
      const e = await enrolled(w, new SoftAuthenticator({ backupEligible: true }));
      await w.policy((c) => {
        c.passkeyProfiles[0]!.passkeyTypes = 'deviceBound';
      });
      let options = await beginPasskeySignIn(h.ctx, w.tenant, {});
      let assertion = await e.auth.authenticate(options, { origin: ORIGIN });
      await expectSignInRefused(
        w,
        e,
        () => finishPasskeySignIn(h.ctx, w.tenant, assertion),
        'PASSKEY_TYPE_NOT_ALLOWED',
      );

      await w.policy((c) => {
        c.passkeyProfiles[0]!.passkeyTypes = 'deviceBound,synced';
        c.excludeTargets = [{ id: e.user.id, targetType: 'user' }];
      });
      options = await beginPasskeySignIn(h.ctx, w.tenant, {});
      assertion = await e.auth.authenticate(options, { origin: ORIGIN });
      await expectSignInRefused(
        w,
        e,
        () => finishPasskeySignIn(h.ctx, w.tenant, assertion),
        'PASSKEY_METHOD_NOT_TARGETED',
      );
    });

    it.each([
      ['device-bound asserting BE=1', false, { be: true, bs: false }],
      ['device-bound asserting BE=1, BS=1', false, { be: true, bs: true }],
      ['synced asserting BE=0', true, { be: false, bs: false }],
    ])(
      'refuses a backup eligibility that changed at sign-in (%s), discoverable and username-first (WebAuthn §7.2)',
      async (_name, backupEligible, flags) => {
        const w = await world();
        const e = await enrolled(w, new SoftAuthenticator({ backupEligible }));
        for (const username of [undefined, e.user.userPrincipalName]) {
          const options = await beginPasskeySignIn(h.ctx, w.tenant, username ? { username } : {});
          const assertion = await e.auth.authenticate(options, { origin: ORIGIN, mutate: { flags } });
          await expectSignInRefused(
            w,
            e,
            () => finishPasskeySignIn(h.ctx, w.tenant, assertion),
            'SIGNIN_BACKUP_ELIGIBILITY_CHANGED',
          );
        }
        // The same passkey, with its flags as registered, still signs in: nothing was marked.
        const options = await beginPasskeySignIn(h.ctx, w.tenant, {});
        const ok = await finishPasskeySignIn(h.ctx, w.tenant, await e.auth.authenticate(options, { origin: ORIGIN }));
        expect(ok.user.id).toBe(e.user.id);
      },
    );

    it('refuses BS=1 with BE=0 as inconsistent flags, the older code (WebAuthn §6.1.3)', async () => {
      await expectAssertionRefused('WEBAUTHN_BACKUP_FLAGS_INVALID', { mutate: { flags: { be: false, bs: true } } });
      await expectAssertionRefused(
        'WEBAUTHN_BACKUP_FLAGS_INVALID',
        { mutate: { flags: { be: false, bs: true } } },
        new SoftAuthenticator({ backupEligible: true }),
      );
    });

    it('refuses malformed assertion bodies as malformed and logs them', async () => {
      const w = await world();
      const e = await enrolled(w);
      const options = await beginPasskeySignIn(h.ctx, w.tenant, {});
      const good = await e.auth.authenticate(options, { origin: ORIGIN });
      const bodies: unknown[] = [
        null,
        'assertion',
        {},
        { ...good, type: 'password' },
        { ...good, response: { ...good.response, authenticatorData: 'AAAA' } },
        { ...good, response: { ...good.response, userHandle: 'not base64url!' } },
      ];
      for (const body of bodies)
        expect(await refusal(finishPasskeySignIn(h.ctx, w.tenant, body))).toBe('WEBAUTHN_RESPONSE_MALFORMED');
      expect(await w.successes()).toBe(0);
      expect((await stored(w, e.credentialId)).lastUsedAt).toBeNull();
    });
  });
});
