// Attestation trust at registration (SPEC §2.2; security-tests.md §1.3 Resp-5, Resp-6, Resp-8; WA-20, WA-22).
// "Attestation enforced" means the statement chains to a trust root that metadata names for that AAGUID: a valid
// signature from an unknown root is not enough, and none/self attestation is refused. Broken statements are
// refused whatever the profile says, with a catalogue code, and nothing is stored.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorCode, SignetError } from '../../src/core/errors.ts';
import type { PasskeyMethodConfig, PasskeyProfile } from '../../src/core/passkey-method.ts';
import type { Ctx } from '../../src/flows/context.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { listOwnPasskeys } from '../../src/flows/manage-passkeys.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { listAudits } from '../../src/store/logs.ts';
import { listPasskeys, type Passkey } from '../../src/store/passkeys.ts';
import { loadPasskeyMethodConfig, savePasskeyMethodConfig } from '../../src/store/policies.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness, ORIGIN } from '../support/harness.ts';
import {
  type AttestationKind,
  getAttestationLeaf,
  getAttestationRoot,
  getU2FAttestation,
  type RegistrationMutation,
  SoftAuthenticator,
  ZERO_AAGUID,
} from '../support/soft-authenticator.ts';

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

const BROKEN_STATEMENT_CODES: readonly string[] = ['WEBAUTHN_ATTESTATION_INVALID', 'WEBAUTHN_RESPONSE_MALFORMED'];

/** Flips one bit in the middle of a signature (inside r for ECDSA), keeping its DER framing intact. */
function corrupt(sig: unknown): Uint8Array {
  const copy = Uint8Array.from(sig as Uint8Array);
  copy[Math.floor(copy.length / 2)]! ^= 0x01;
  return copy;
}

describe.each(engines)('attestation trust at registration on %s', (engine) => {
  /** Shared by every test on this engine; each test registers roots only under fresh AAGUIDs of its own. */
  const metadata = new MetadataRegistry();
  let h: Harness;
  beforeAll(async () => {
    h = await harness(engine, { metadata });
  });
  afterAll(() => h.close());

  interface World {
    tenant: Tenant;
    user: User;
    passkeysOf(): Promise<Passkey[]>;
  }

  /** A tenant of its own with one user; `profile` edits the default passkey profile. */
  async function world(profile: (p: PasskeyProfile) => void = () => {}): Promise<World> {
    const tenant = await createTenant(h.ctx, { slug: `a-${randomBytes(5).toString('hex')}` });
    const c: PasskeyMethodConfig = await loadPasskeyMethodConfig(h.ctx.db, tenant.id);
    profile(c.passkeyProfiles[0]!);
    await savePasskeyMethodConfig(h.ctx.db, tenant.id, c, h.clock.now);
    const user = await createUser(h.ctx, tenant, {
      userPrincipalName: `u-${randomBytes(4).toString('hex')}@example.com`,
    });
    return { tenant, user, passkeysOf: () => listPasskeys(h.ctx.db, tenant.id, user.id) };
  }

  const enforced = (p: PasskeyProfile) => {
    p.attestationEnforcement = 'registrationOnly';
  };

  /** A fresh AAGUID whose trust root (the soft authenticator's attestation CA) metadata lists. */
  async function trustedAaguid(): Promise<string> {
    const aaguid = randomUUID();
    metadata.add({ aaguid, description: 'Signet Test Key', attestationRootCertificates: [await getAttestationRoot()] });
    return aaguid;
  }

  /** One full ceremony through the flows; resolves with the stored passkey or rejects as finish does. */
  async function attempt(
    w: World,
    o: { aaguid?: string; attestation?: AttestationKind; mutate?: RegistrationMutation | undefined; ctx?: Ctx } = {},
  ): Promise<Passkey> {
    const ctx = o.ctx ?? h.ctx;
    const session = (
      await startSession(ctx, ctx.db, { tenantId: w.tenant.id, userId: w.user.id, method: 'temporaryAccessPass' })
    ).session;
    const options = await beginPasskeyRegistration(ctx, w.tenant, session);
    const auth = new SoftAuthenticator(o.aaguid === undefined ? {} : { aaguid: o.aaguid });
    const credential = await auth.register(options, {
      origin: ORIGIN,
      attestation: o.attestation ?? 'none',
      ...(o.mutate ? { mutate: o.mutate } : {}),
    });
    return finishPasskeyRegistration(ctx, w.tenant, session, { credential });
  }

  /** Nothing of a refused attempt was kept: no passkey, no "Register passkey" audit entry. */
  async function expectNothingRegistered(w: World) {
    expect(await w.passkeysOf()).toHaveLength(0);
    const audits = await listAudits(h.ctx.db, w.tenant.id);
    expect(audits.filter((a) => a.activity === 'Register passkey')).toHaveLength(0);
  }

  describe('with attestation enforced in the user profile', () => {
    it('asks for direct attestation and accepts packed-x5c chaining to the AAGUID root: verified, attested', async () => {
      const w = await world(enforced);
      const aaguid = await trustedAaguid();
      const session = (
        await startSession(h.ctx, h.ctx.db, { tenantId: w.tenant.id, userId: w.user.id, method: 'temporaryAccessPass' })
      ).session;
      const options = await beginPasskeyRegistration(h.ctx, w.tenant, session);
      expect(options.attestation).toBe('direct');
      const credential = await new SoftAuthenticator({ aaguid }).register(options, {
        origin: ORIGIN,
        attestation: 'packed-x5c',
      });
      const passkey = await finishPasskeyRegistration(h.ctx, w.tenant, session, { credential });
      expect(passkey.attestationTrust).toBe('verified');
      expect(passkey.attestationFormat).toBe('packed');
      expect(passkey.aaguid).toBe(aaguid);

      const stored = await w.passkeysOf();
      expect(stored).toHaveLength(1);
      expect(stored[0]!.attestationTrust).toBe('verified');
      const views = await listOwnPasskeys(h.ctx, w.tenant, w.user.id);
      expect(views).toHaveLength(1);
      expect(views[0]!.attestationLevel).toBe('attested');
      expect(views[0]!.aaGuid).toBe(aaguid);
      expect(views[0]!.model).toBe('Signet Test Key');
    });

    it('refuses packed-x5c from a root metadata does not list (metadata empty)', async () => {
      const w = await world(enforced);
      const empty: Ctx = { ...h.ctx, metadata: new MetadataRegistry() };
      expect(await refusal(attempt(w, { attestation: 'packed-x5c', ctx: empty }))).toBe(
        'PASSKEY_ATTESTATION_UNTRUSTED',
      );
      await expectNothingRegistered(w);
    });

    it('refuses packed-x5c whose root metadata lists only under another AAGUID', async () => {
      const w = await world(enforced);
      await trustedAaguid(); // the soft CA is trusted, but for a different model
      expect(await refusal(attempt(w, { aaguid: randomUUID(), attestation: 'packed-x5c' }))).toBe(
        'PASSKEY_ATTESTATION_UNTRUSTED',
      );
      await expectNothingRegistered(w);
    });

    it('refuses packed-x5c when metadata names a different root for this AAGUID', async () => {
      const w = await world(enforced);
      const aaguid = randomUUID();
      metadata.add({
        aaguid,
        description: 'Other vendor key',
        attestationRootCertificates: [(await getU2FAttestation()).pem],
      });
      expect(await refusal(attempt(w, { aaguid, attestation: 'packed-x5c' }))).toBe('PASSKEY_ATTESTATION_UNTRUSTED');
      await expectNothingRegistered(w);
    });

    it.each([
      ['none', 'PASSKEY_ATTESTATION_NONE'],
      ['packed-self', 'PASSKEY_ATTESTATION_SELF'],
    ] as const)(
      'refuses %s attestation even for an AAGUID whose root metadata lists (%s)',
      async (attestation, expected) => {
        const w = await world(enforced);
        const aaguid = await trustedAaguid();
        expect(await refusal(attempt(w, { aaguid, attestation }))).toBe(expected);
        await expectNothingRegistered(w);
      },
    );

    it('refuses fido-u2f (zero AAGUID): metadata has no root for it', async () => {
      const w = await world(enforced);
      expect(await refusal(attempt(w, { aaguid: ZERO_AAGUID, attestation: 'fido-u2f' }))).toBe(
        'PASSKEY_ATTESTATION_UNTRUSTED',
      );
      await expectNothingRegistered(w);
    });
  });

  describe('broken statements are refused whatever the profile (Resp-5/6/8 F cases)', () => {
    interface BrokenCase {
      attestation: AttestationKind;
      /** The defect; a function when it depends on the claimed AAGUID. */
      mutate?: RegistrationMutation | ((aaguid: string) => Promise<RegistrationMutation>);
      /** The AAGUID the authenticator claims; defaults to a fresh one whose root metadata lists. */
      aaguid?: () => Promise<string>;
    }

    const cases: Array<[string, BrokenCase]> = [
      ['Resp-5 F-1: unknown fmt', { attestation: 'packed-x5c', mutate: { fmt: 'signet-unknown' } }],
      [
        'Resp-5 F-2: a signature that does not verify',
        { attestation: 'packed-x5c', mutate: { attStmt: (s) => ({ ...s, sig: corrupt(s.sig) }) } },
      ],
      [
        'Resp-5 F-3: x5c missing (the batch signature is then checked as self)',
        {
          attestation: 'packed-x5c',
          mutate: {
            attStmt: ({ x5c: _x5c, ...rest }) => rest,
          },
        },
      ],
      [
        'Resp-5 F-4: x5c not an array (one bare certificate)',
        { attestation: 'packed-x5c', mutate: { attStmt: (s) => ({ ...s, x5c: (s.x5c as Uint8Array[])[0] }) } },
      ],
      [
        'Resp-5 F-4: x5c not an array (a text string)',
        { attestation: 'packed-x5c', mutate: { attStmt: (s) => ({ ...s, x5c: 'MIIB' }) } },
      ],
      [
        'Resp-5 F-4: x5c not an array (a map)',
        { attestation: 'packed-x5c', mutate: { attStmt: (s) => ({ ...s, x5c: { 0: 'x' } }) } },
      ],
      ['Resp-5 F-5: x5c empty', { attestation: 'packed-x5c', mutate: { attStmt: (s) => ({ ...s, x5c: [] }) } }],
      ['Resp-5 F-6: leaf certificate expired', { attestation: 'packed-x5c', mutate: { expiredLeaf: true } }],
      [
        'Resp-5 F-10 / WA-20: x5c carries its own (trusted) root',
        { attestation: 'packed-x5c', mutate: { includeRootInX5c: true } },
      ],
      [
        'Resp-5 F-14: signed with the credential key instead of the attestation key',
        { attestation: 'packed-x5c', mutate: { signWithCredentialKey: true } },
      ],
      [
        'Resp-6 F-1: self attestation with an invalid signature',
        { attestation: 'packed-self', mutate: { attStmt: (s) => ({ ...s, sig: corrupt(s.sig) }) } },
      ],
      [
        'Resp-6 F-2: a self statement that also carries a full-attestation x5c',
        {
          attestation: 'packed-self',
          mutate: async (aaguid) => {
            const leaf = await getAttestationLeaf(aaguid);
            return { attStmt: (s) => ({ ...s, x5c: [leaf.der] }) };
          },
        },
      ],
      ['Resp-6 F-3: self attestation under an unknown fmt', { attestation: 'packed-self', mutate: { fmt: 'packed2' } }],
      ['Resp-8 F-1: fido-u2f with a non-zero AAGUID', { attestation: 'fido-u2f', aaguid: async () => randomUUID() }],
      [
        'Resp-8 F-2: fido-u2f with an invalid signature',
        {
          attestation: 'fido-u2f',
          aaguid: async () => ZERO_AAGUID,
          mutate: { attStmt: (s) => ({ ...s, sig: corrupt(s.sig) }) },
        },
      ],
    ];

    for (const enforcement of ['registrationOnly', 'disabled'] as const) {
      it.each(cases)(`refuses %s (attestation enforcement ${enforcement})`, async (_name, c) => {
        const w = await world((p) => {
          p.attestationEnforcement = enforcement;
        });
        const aaguid = await (c.aaguid ?? trustedAaguid)();
        const mutate = typeof c.mutate === 'function' ? await c.mutate(aaguid) : c.mutate;
        const code = await refusal(attempt(w, { aaguid, attestation: c.attestation, mutate }));
        expect(BROKEN_STATEMENT_CODES).toContain(code);
        await expectNothingRegistered(w);
      });
    }

    it('the unbroken statements of the same kinds register (the F cases fail for their defect only)', async () => {
      const w = await world();
      const trusted = await trustedAaguid();
      expect((await attempt(w, { aaguid: trusted, attestation: 'packed-x5c' })).attestationTrust).toBe('verified');
      expect((await attempt(w, { aaguid: trusted, attestation: 'packed-self' })).attestationTrust).toBe('self');
      expect((await attempt(w, { aaguid: ZERO_AAGUID, attestation: 'fido-u2f' })).attestationTrust).toBe('unverified');
      expect(await w.passkeysOf()).toHaveLength(3);
    });
  });

  describe('with attestation enforcement off (WA-22)', () => {
    it('registers an unknown-root packed-x5c as unverified, shown as not attested', async () => {
      const w = await world();
      const aaguid = randomUUID();
      const passkey = await attempt(w, { aaguid, attestation: 'packed-x5c' });
      expect(passkey.attestationTrust).toBe('unverified');
      const views = await listOwnPasskeys(h.ctx, w.tenant, w.user.id);
      expect(views).toHaveLength(1);
      expect(views[0]!.attestationLevel).toBe('notAttested');
    });

    it('labels a none credential claiming an allow-listed, trusted AAGUID as not attested', async () => {
      const aaguid = await trustedAaguid();
      const w = await world((p) => {
        p.keyRestrictions = { isEnforced: true, enforcementType: 'allow', aaGuids: [aaguid] };
      });
      const passkey = await attempt(w, { aaguid, attestation: 'none' });
      expect(passkey.attestationTrust).toBe('none');
      const views = await listOwnPasskeys(h.ctx, w.tenant, w.user.id);
      expect(views[0]!.attestationLevel).toBe('notAttested');
    });
  });

  describe('key restrictions with attestation enforced', () => {
    it('allows an allow-listed AAGUID proven by a verified chain', async () => {
      const aaguid = await trustedAaguid();
      const w = await world((p) => {
        enforced(p);
        p.keyRestrictions = { isEnforced: true, enforcementType: 'allow', aaGuids: [aaguid.toUpperCase()] };
      });
      const passkey = await attempt(w, { aaguid, attestation: 'packed-x5c' });
      expect(passkey.attestationTrust).toBe('verified');
      expect(await w.passkeysOf()).toHaveLength(1);
    });

    it('refuses the same allow-listed AAGUID merely claimed by a none attestation', async () => {
      const aaguid = await trustedAaguid();
      const w = await world((p) => {
        enforced(p);
        p.keyRestrictions = { isEnforced: true, enforcementType: 'allow', aaGuids: [aaguid] };
      });
      expect(await refusal(attempt(w, { aaguid, attestation: 'none' }))).toBe('PASSKEY_ATTESTATION_NONE');
      expect(await refusal(attempt(w, { aaguid, attestation: 'packed-self' }))).toBe('PASSKEY_ATTESTATION_SELF');
      await expectNothingRegistered(w);
    });
  });
});
