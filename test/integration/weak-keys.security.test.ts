// Weak credential keys (hardening issue item 2; WA-13, WA-17): neither ceremony stores a key Signet would not
// trust, and a weak key stored before the rule existed cannot sign anyone in. With e = 1 the RSA "signature" is
// the padded hash itself, so the attacker here holds no private key at all.
import { createHash, generatePrimeSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorCode, SignetError } from '../../src/core/errors.ts';
import {
  conformanceAssertionOptions,
  conformanceAssertionResult,
  conformanceAttestationOptions,
  conformanceAttestationResult,
} from '../../src/flows/conformance.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { beginPasskeySignIn, finishPasskeySignIn } from '../../src/flows/sign-in-passkey.ts';
import { listSignIns } from '../../src/store/logs.ts';
import { findPasskeyByCredentialId, listPasskeys } from '../../src/store/passkeys.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { findUserByName } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness, ORIGIN } from '../support/harness.ts';
import {
  type AttestationKind,
  type RegistrationMutation,
  SoftAuthenticator,
  type SoftAuthenticatorOptions,
} from '../support/soft-authenticator.ts';

type Cose = Map<number, number | Uint8Array>;

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SignetError) return err.code;
    return `not a SignetError: ${String(err)}`;
  }
  return 'resolved (no refusal)';
}

const int = (n: bigint) => {
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
};
const withExponent = (e: bigint) => (m: Cose) => new Map(m).set(-2, int(e));
const evenModulus = (m: Cose) => {
  const n = Buffer.from(m.get(-1) as Uint8Array);
  n[n.length - 1]! &= 0xfe;
  return new Map(m).set(-1, n);
};
// Moduli anyone can factor from the public key (NIST SP 800-89): a small factor, or one prime squared. The
// primes are made once (generating them takes a second).
let primes: { p2047: bigint; p1024: bigint } | undefined;
const bigPrimes = () => {
  primes ??= {
    p2047: generatePrimeSync(2047, { bigint: true }) as bigint,
    p1024: generatePrimeSync(1024, { bigint: true }) as bigint,
  };
  return primes;
};
const smallFactor = (m: Cose) => new Map(m).set(-1, int(3n * bigPrimes().p2047));
const primeSquared = (m: Cose) => new Map(m).set(-1, int(bigPrimes().p1024 ** 2n));
const offCurve = (m: Cose) => {
  const y = Buffer.from(m.get(-3) as Uint8Array);
  y[9]! ^= 0x01;
  return new Map(m).set(-3, y);
};
const shortEd25519 = (m: Cose) => new Map(m).set(-2, (m.get(-2) as Uint8Array).subarray(1));
const wrongCurve = (m: Cose) => new Map(m).set(-1, 2); // names P-384 for an ES256 key

/**
 * The RSASSA-PKCS1-v1_5 (SHA-256) encoded message of `data` for a `k`-byte modulus: with e = 1 it is also the
 * signature (s^1 mod n = s), which anyone can compute.
 */
function e1Signature(data: Buffer, k: number): Buffer {
  const digestInfo = Buffer.concat([
    Buffer.from('3031300d060960864801650304020105000420', 'hex'),
    createHash('sha256').update(data).digest(),
  ]);
  return Buffer.concat([Buffer.of(0, 1), Buffer.alloc(k - digestInfo.length - 3, 0xff), Buffer.of(0), digestInfo]);
}

const weakShapes: Array<[string, SoftAuthenticatorOptions, RegistrationMutation, ErrorCode]> = [
  ['RSA-512', { alg: 'RS256', rsaBits: 512 }, {}, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
  ['RSA-1024', { alg: 'RS256', rsaBits: 1024 }, {}, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
  ['RSA-2047', { alg: 'RS256', rsaBits: 2047 }, {}, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
  ['RSA-2048 with e = 3', { alg: 'RS256', rsaExponent: 3 }, {}, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
  ['RSA-2048 with e = 1', { alg: 'RS256' }, { credentialKey: withExponent(1n) }, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
  ['RSA-2048 with e = 2', { alg: 'RS256' }, { credentialKey: withExponent(2n) }, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
  ['RSA-2048 with e = 65536', { alg: 'RS256' }, { credentialKey: withExponent(65536n) }, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
  ['RSA-2048 with an even modulus', { alg: 'RS256' }, { credentialKey: evenModulus }, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
  ['RSA with a modulus of 3 × a prime', { alg: 'RS256' }, { credentialKey: smallFactor }, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
  ['RSA with a modulus p × p', { alg: 'RS256' }, { credentialKey: primeSquared }, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
  ['a P-256 point off the curve', { alg: 'ES256' }, { credentialKey: offCurve }, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
  ['an Ed25519 key of 31 bytes', { alg: 'EdDSA' }, { credentialKey: shortEd25519 }, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
  ['an ES256 key naming P-384', { alg: 'ES256' }, { credentialKey: wrongCurve }, 'WEBAUTHN_ALGORITHM_NOT_ALLOWED'],
];

describe.each(engines)('weak credential keys on %s', (engine) => {
  let h: Harness;
  let conf: Tenant;
  beforeAll(async () => {
    h = await harness(engine);
    conf = await createTenant(h.ctx, { slug: `conf-${randomBytes(4).toString('hex')}`, conformance: true });
  });
  afterAll(() => h.close());

  async function pageRegistration(auth: SoftAuthenticator, attestation: AttestationKind, mutate: RegistrationMutation) {
    const tenant = await createTenant(h.ctx, { slug: `w-${randomBytes(5).toString('hex')}` });
    const user = await createUser(h.ctx, tenant, { userPrincipalName: `u-${randomBytes(4).toString('hex')}@x.test` });
    const { session } = await startSession(h.ctx, h.ctx.db, {
      tenantId: tenant.id,
      userId: user.id,
      method: 'temporaryAccessPass',
    });
    const options = await beginPasskeyRegistration(h.ctx, tenant, session);
    const credential = await auth.register(options, { origin: ORIGIN, attestation, mutate });
    const outcome = await refusal(finishPasskeyRegistration(h.ctx, tenant, session, { credential }));
    return { tenant, user, credential, outcome, stored: await listPasskeys(h.ctx.db, tenant.id, user.id) };
  }

  async function fidoRegistration(auth: SoftAuthenticator, attestation: AttestationKind, mutate: RegistrationMutation) {
    const binding = randomBytes(32).toString('base64url');
    const username = `f-${randomBytes(4).toString('hex')}@x.test`;
    const options = await conformanceAttestationOptions(h.ctx, conf, binding, {
      username,
      displayName: username,
      attestation: attestation === 'none' ? 'none' : 'direct',
    });
    const credential = await auth.register(options, { origin: ORIGIN, attestation, mutate });
    const outcome = await refusal(conformanceAttestationResult(h.ctx, conf, binding, credential));
    const user = await findUserByName(h.ctx.db, conf.id, username);
    return { binding, username, credential, outcome, stored: await listPasskeys(h.ctx.db, conf.id, user!.id) };
  }

  describe.each([
    ['page (self-service) registration', pageRegistration],
    ['the FIDO binding', fidoRegistration],
  ] as const)('%s', (_name, register) => {
    it.each(weakShapes)('refuses %s and stores nothing', async (_shape, opts, mutate, code) => {
      for (const attestation of ['none', 'packed-self'] as const) {
        const r = await register(new SoftAuthenticator(opts), attestation, mutate);
        expect(r.outcome, attestation).toBe(code);
        expect(r.stored, attestation).toHaveLength(0);
      }
    });

    it('stores RSA-2048 and RSA-4096 keys with e = 65537, and ES256 and EdDSA keys', async () => {
      for (const opts of [
        { alg: 'RS256', rsaBits: 4096 },
        { alg: 'RS256' },
        { alg: 'ES256' },
        { alg: 'EdDSA' },
      ] as const)
        for (const attestation of ['none', 'packed-self'] as const) {
          const r = await register(new SoftAuthenticator(opts), attestation, {});
          expect(r.outcome, `${opts.alg} ${attestation}`).toBe('resolved (no refusal)');
          expect(r.stored).toHaveLength(1);
        }
    });
  });

  it('the FIDO binding refuses an RS1 key of 1024 bits too', async () => {
    const r = await fidoRegistration(new SoftAuthenticator({ alg: 'RS1', rsaBits: 1024 }), 'packed-self', {});
    expect(r.outcome).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
    expect(r.stored).toHaveLength(0);
  });

  /** An RSA passkey whose stored key is then given e = 1, as a weak key registered before the rule would be. */
  async function legacyE1(tenantId: string, credentialId: string): Promise<number> {
    const p = await findPasskeyByCredentialId(h.ctx.db, tenantId, credentialId);
    const { decodeCredentialPublicKey, isoBase64URL, isoCBOR } = await import('@simplewebauthn/server/helpers');
    const cose = decodeCredentialPublicKey(isoBase64URL.toBuffer(p!.publicKey)) as unknown as Cose;
    const weak = withExponent(1n)(cose);
    await h.ctx.db
      .updateTable('passkeys')
      .set({ public_key: isoBase64URL.fromBuffer(isoCBOR.encode(weak) as Uint8Array<ArrayBuffer>) })
      .where('id', '=', p!.id)
      .execute();
    return (cose.get(-1) as Uint8Array).length;
  }

  /** The stranger's assertion: the authenticator data and client data as sent, the e = 1 "signature" over them. */
  function forged<T extends { response: { authenticatorData: string; clientDataJSON: string; signature: string } }>(
    a: T,
    k: number,
  ): T {
    const signed = Buffer.concat([
      Buffer.from(a.response.authenticatorData, 'base64url'),
      createHash('sha256').update(Buffer.from(a.response.clientDataJSON, 'base64url')).digest(),
    ]);
    return { ...a, response: { ...a.response, signature: e1Signature(signed, k).toString('base64url') } };
  }

  it('refuses a sign-in with a stored e = 1 key, on every sign-in path, and writes nothing', async () => {
    const r = await pageRegistration(new SoftAuthenticator({ alg: 'RS256' }), 'none', {});
    expect(r.outcome).toBe('resolved (no refusal)');
    const k = await legacyE1(r.tenant.id, r.credential.id);
    const auth = new SoftAuthenticator({ alg: 'RS256' });
    // The attacker's own authenticator answers, then the signature is replaced by the forgery.
    for (const username of [undefined, r.user.userPrincipalName]) {
      const options = await beginPasskeySignIn(h.ctx, r.tenant, username ? { username } : {});
      const template = await registeredStandIn(auth, r.credential.id, r.user.userHandle, options);
      expect(await refusal(finishPasskeySignIn(h.ctx, r.tenant, forged(template, k)))).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
    }
    const after = await findPasskeyByCredentialId(h.ctx.db, r.tenant.id, r.credential.id);
    expect(after?.lastUsedAt).toBeNull();
    const log = await listSignIns(h.ctx.db, r.tenant.id);
    expect(log.filter((l) => l.result === 'success')).toHaveLength(0);
    expect(log.filter((l) => l.errorCode === 'WEBAUTHN_PUBLIC_KEY_WEAK')).toHaveLength(2);
  });

  it('refuses a FIDO binding assertion with a stored e = 1 key', async () => {
    const r = await fidoRegistration(new SoftAuthenticator({ alg: 'RS256' }), 'none', {});
    expect(r.outcome).toBe('resolved (no refusal)');
    const k = await legacyE1(conf.id, r.credential.id);
    const options = await conformanceAssertionOptions(h.ctx, conf, r.binding, { username: r.username });
    const user = await findUserByName(h.ctx.db, conf.id, r.username);
    const template = await registeredStandIn(
      new SoftAuthenticator({ alg: 'RS256' }),
      r.credential.id,
      user!.userHandle,
      options,
    );
    expect(await refusal(conformanceAssertionResult(h.ctx, conf, r.binding, forged(template, k)))).toBe(
      'WEBAUTHN_PUBLIC_KEY_WEAK',
    );
    expect((await findPasskeyByCredentialId(h.ctx.db, conf.id, r.credential.id))?.lastUsedAt).toBeNull();
  });

  /**
   * An assertion for credential `id` shaped as a browser sends it, made by a stand-in authenticator that holds
   * some other key: only its signature is wrong, and the forgery replaces it.
   */
  async function registeredStandIn(
    auth: SoftAuthenticator,
    id: string,
    userHandle: string,
    options: { challenge: string; rpId?: string },
  ) {
    if (!auth.credentials.some((c) => c.id === id))
      await auth.register(
        {
          challenge: 'AAAA',
          rp: { id: 'localhost', name: 'x' },
          user: { id: userHandle, name: 'x', displayName: 'x' },
        },
        { origin: ORIGIN, mutate: { credentialId: Buffer.from(id, 'base64url') } },
      );
    return auth.authenticate(options, { origin: ORIGIN, credentialId: id });
  }
});
