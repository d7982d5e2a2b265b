// ECDSA signatures must be canonical DER (README security properties; WA-17, go-webauthn 5b35453): the
// attestation statement's signature at registration, on both ceremonies, and the assertion's signature in the
// FIDO binding, where the library verifies it (its DER reader ignores what follows the value, so without
// signature-encoding.ts these are accepted). The page sign-in's own case is in passkey-ceremonies.security.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignetError } from '../../src/core/errors.ts';
import {
  conformanceAssertionOptions,
  conformanceAssertionResult,
  conformanceAttestationOptions,
  conformanceAttestationResult,
} from '../../src/flows/conformance.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { listSignIns } from '../../src/store/logs.ts';
import { findPasskeyByCredentialId, listPasskeys } from '../../src/store/passkeys.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { findUserByName } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness, ORIGIN } from '../support/harness.ts';
import { type AttestationKind, SoftAuthenticator } from '../support/soft-authenticator.ts';

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return err instanceof SignetError ? err.code : `not a SignetError: ${String(err)}`;
  }
  return 'resolved (no refusal)';
}

/** Ways to write the same ECDSA-Sig-Value in DER that is not canonical, or to add to it. */
const nonCanonical: Array<[string, (sig: Buffer) => Buffer]> = [
  ['a zero byte appended', (sig) => Buffer.concat([sig, Buffer.of(0)])],
  ['a whole second copy appended', (sig) => Buffer.concat([sig, sig])],
  ['the SEQUENCE length in long form', (sig) => Buffer.concat([Buffer.of(0x30, 0x81, sig[1]!), sig.subarray(2)])],
];

describe.each(engines)('canonical DER signatures on %s', (engine) => {
  let h: Harness;
  let conf: Tenant;
  beforeAll(async () => {
    h = await harness(engine);
    conf = await createTenant(h.ctx, { slug: `der-${randomBytes(4).toString('hex')}`, conformance: true });
  });
  afterAll(() => h.close());

  const attStmtSig =
    (change: (sig: Buffer) => Buffer) =>
    (s: Record<string, unknown>): Record<string, unknown> => ({ ...s, sig: change(Buffer.from(s.sig as Uint8Array)) });

  describe.each(['packed-self', 'packed-x5c'] as const)('registration with %s attestation', (attestation) => {
    it.each(nonCanonical)('the page refuses an attestation signature with %s, storing nothing', async (_n, change) => {
      const tenant = await createTenant(h.ctx, { slug: `d-${randomBytes(5).toString('hex')}` });
      const user = await createUser(h.ctx, tenant, { userPrincipalName: `u@${randomBytes(4).toString('hex')}.test` });
      const { session } = await startSession(h.ctx, h.ctx.db, {
        tenantId: tenant.id,
        userId: user.id,
        method: 'temporaryAccessPass',
      });
      const options = await beginPasskeyRegistration(h.ctx, tenant, session);
      const credential = await new SoftAuthenticator().register(options, {
        origin: ORIGIN,
        attestation,
        mutate: { attStmt: attStmtSig(change) },
      });
      expect(await refusal(finishPasskeyRegistration(h.ctx, tenant, session, { credential }))).toBe(
        'WEBAUTHN_ATTESTATION_INVALID',
      );
      expect(await listPasskeys(h.ctx.db, tenant.id, user.id)).toHaveLength(0);
    });

    it.each(nonCanonical)('the FIDO binding refuses an attestation signature with %s', async (_n, change) => {
      const r = await fidoRegister(attestation, change);
      expect(r.outcome).toBe('WEBAUTHN_ATTESTATION_INVALID');
      expect(r.stored).toHaveLength(0);
    });

    it('both accept the same statement signed in canonical DER', async () => {
      const r = await fidoRegister(attestation, (sig) => sig);
      expect(r.outcome).toBe('resolved (no refusal)');
      expect(r.stored).toHaveLength(1);
    });
  });

  async function fidoRegister(attestation: AttestationKind, change: (sig: Buffer) => Buffer) {
    const binding = randomBytes(32).toString('base64url');
    const username = `f-${randomBytes(4).toString('hex')}@x.test`;
    const options = await conformanceAttestationOptions(h.ctx, conf, binding, {
      username,
      displayName: username,
      attestation: attestation === 'none' ? 'none' : 'direct',
    });
    const auth = new SoftAuthenticator();
    const credential = await auth.register(options, {
      origin: ORIGIN,
      attestation,
      mutate: attestation === 'none' ? {} : { attStmt: attStmtSig(change) },
    });
    const outcome = await refusal(conformanceAttestationResult(h.ctx, conf, binding, credential));
    const user = await findUserByName(h.ctx.db, conf.id, username);
    return { binding, username, auth, credential, outcome, stored: await listPasskeys(h.ctx.db, conf.id, user!.id) };
  }

  it.each(nonCanonical)(
    'the FIDO binding refuses an assertion signature with %s, writing nothing',
    async (_n, change) => {
      const r = await fidoRegister('none', (sig) => sig);
      expect(r.outcome).toBe('resolved (no refusal)');
      const options = await conformanceAssertionOptions(h.ctx, conf, r.binding, {
        username: r.username,
        userVerification: 'required',
      });
      const genuine = await r.auth.authenticate(options, { origin: ORIGIN });
      const signature = change(Buffer.from(genuine.response.signature, 'base64url')).toString('base64url');
      const tampered = { ...genuine, response: { ...genuine.response, signature } };
      expect(await refusal(conformanceAssertionResult(h.ctx, conf, r.binding, tampered))).toBe(
        'WEBAUTHN_SIGNATURE_INVALID',
      );
      const after = await findPasskeyByCredentialId(h.ctx.db, conf.id, r.credential.id);
      expect(after?.lastUsedAt).toBeNull();
      expect(after?.counter).toBe(0);
      const log = await listSignIns(h.ctx.db, conf.id, 1000);
      expect(log.filter((l) => l.detail.credentialId === r.credential.id).map((l) => l.errorCode)).toEqual([
        'WEBAUTHN_SIGNATURE_INVALID',
      ]);
    },
  );
});
