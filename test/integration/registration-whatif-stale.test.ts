// The registration What If and the impact preview while the metadata BLOB in force is past its nextUpdate
// (security-tests.md REL-14): registration under a profile that enforces attestation fails closed
// (PASSKEY_ATTESTATION_METADATA_STALE), so the What If must say so too — with the very detail registration gives —
// under the policy in force and under a proposed body, and must still accept what registration accepts (a profile
// that does not enforce attestation). The preview judges sign-ins, which stale metadata does not stop: it must
// not count an attested passkey as lost, and sign-in then indeed goes on. Once a newer BLOB is in force, both
// accept again. The authenticator registers for real (software authenticator, packed with a chain to the root
// the BLOB gives); both engines.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignetError } from '../../src/core/errors.ts';
import { DEFAULT_PROFILE_ID } from '../../src/core/passkey-method.ts';
import type { AttestationTrust } from '../../src/core/passkey-profile.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { loadMdsBlob } from '../../src/flows/metadata-service.ts';
import { updateMethodConfiguration } from '../../src/flows/method-policy.ts';
import { previewFido2Patch, registrationWhatIf } from '../../src/flows/policy-impact.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { beginPasskeySignIn, finishPasskeySignIn } from '../../src/flows/sign-in-passkey.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { attestationTrustOf } from '../../src/webauthn/attestation-trust.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness, ORIGIN } from '../support/harness.ts';
import {
  futureDate,
  type MdsChain,
  makeMdsChain,
  makeMdsRoot,
  mdsPayload,
  signMdsBlob,
} from '../support/mds-fixtures.ts';
import { FIDO2_TYPE } from '../support/preview-fixtures.ts';
import { type AttestationKind, getAttestationRoot, SoftAuthenticator } from '../support/soft-authenticator.ts';

const ATTESTED = '7e57ab1e-0000-4e70-9a55-7357a0c0ffee';
const DAY = 86_400_000;
const MODEL = 'Signet Stale Key';

/** The Fido2 PATCH body of one profile enforcing attestation, for device-bound passkeys. */
const enforcingBody = {
  '@odata.type': FIDO2_TYPE,
  passkeyProfiles: [
    {
      id: DEFAULT_PROFILE_ID,
      name: 'Attested keys',
      passkeyTypes: 'deviceBound',
      attestationEnforcement: 'registrationOnly',
      keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
    },
  ],
};

type Outcome = { ok: true } | { ok: false; code: string; detail: Record<string, string> };

describe.each(engines)('the registration What If and the preview under stale metadata on %s', (engine) => {
  let h: Harness;
  let chain: MdsChain;
  let strict: Tenant;
  let loose: Tenant;
  /** A passkey of the loose tenant registered while the metadata was current, to sign in with later. */
  let earlier: Awaited<ReturnType<typeof both>>;

  const blob = async (no: number, nextUpdateDays: number) =>
    signMdsBlob(
      chain,
      mdsPayload(
        no,
        [{ aaguid: ATTESTED, description: MODEL, roots: [await getAttestationRoot()] }],
        futureDate(nextUpdateDays),
      ),
    );

  beforeAll(async () => {
    h = await harness(engine);
    h.clock.now = Date.now();
    const root = await makeMdsRoot();
    chain = await makeMdsChain({ root });
    const dir = mkdtempSync(join(tmpdir(), 'signet-whatif-stale-'));
    const mdsRootFile = join(dir, 'root.pem');
    writeFileSync(mdsRootFile, root.pem);
    h.ctx.config = { ...h.ctx.config, mdsRootFile };
    expect((await loadMdsBlob(h.ctx, await blob(1, 3), 'test')).outcome).toBe('loaded');
    strict = await createTenant(h.ctx, { slug: `s-${randomBytes(4).toString('hex')}` });
    loose = await createTenant(h.ctx, { slug: `l-${randomBytes(4).toString('hex')}` });
    await updateMethodConfiguration(h.ctx, strict, localOperator(strict.id), 'Fido2', enforcingBody);
  });
  afterAll(() => h?.close());

  const newUser = (tenant: Tenant) =>
    createUser(h.ctx, tenant, { userPrincipalName: `u-${randomBytes(4).toString('hex')}@x.example` });

  /** The authenticator's attestation and the trust the verifier finds in it now (against throwaway options). */
  async function trustNow(user: User, kind: AttestationKind): Promise<AttestationTrust> {
    const probe = await new SoftAuthenticator({ aaguid: ATTESTED, transports: ['usb'] }).register(
      {
        challenge: randomBytes(16).toString('base64url'),
        rp: { id: h.ctx.config.rpId, name: 'x' },
        user: { id: user.userHandle, name: 'u', displayName: 'u' },
      },
      { origin: ORIGIN, attestation: kind },
    );
    return attestationTrustOf(
      new Uint8Array(Buffer.from(probe.response.attestationObject, 'base64url')),
      ATTESTED,
      h.ctx.metadata,
    );
  }

  /** What the What If says, then what registration does, for the same user and authenticator. */
  async function both(tenant: Tenant, kind: AttestationKind, proposed?: unknown) {
    const user = await newUser(tenant);
    const whatIf = await registrationWhatIf(h.ctx, tenant, {
      user,
      authenticator: {
        aaguid: ATTESTED,
        passkeyType: 'deviceBound',
        attestationFormat: kind === 'none' ? 'none' : 'packed',
        attestationTrust: await trustNow(user, kind),
      },
      ...(proposed === undefined ? {} : { proposed }),
    });
    if (proposed !== undefined)
      await updateMethodConfiguration(h.ctx, tenant, localOperator(tenant.id), 'Fido2', proposed);
    const { session } = await startSession(h.ctx, h.ctx.db, {
      tenantId: tenant.id,
      userId: user.id,
      method: 'temporaryAccessPass',
    });
    const auth = new SoftAuthenticator({ aaguid: ATTESTED, transports: ['usb'] });
    const credential = await auth.register(await beginPasskeyRegistration(h.ctx, tenant, session), {
      origin: ORIGIN,
      attestation: kind,
    });
    let registration: Outcome = { ok: true };
    try {
      await finishPasskeyRegistration(h.ctx, tenant, session, { credential });
    } catch (err) {
      if (!(err instanceof SignetError)) throw err;
      registration = { ok: false, code: err.code, detail: err.detail };
    }
    const said: Outcome = whatIf.decision.ok
      ? { ok: true }
      : { ok: false, code: whatIf.decision.code, detail: whatIf.decision.detail };
    return { whatIf, said, registration, auth };
  }

  async function signIn(tenant: Tenant, auth: SoftAuthenticator): Promise<string> {
    const credential = await auth.authenticate(await beginPasskeySignIn(h.ctx, tenant, {}), { origin: ORIGIN });
    try {
      await finishPasskeySignIn(h.ctx, tenant, credential);
      return 'ok';
    } catch (err) {
      if (err instanceof SignetError) return err.code;
      throw err;
    }
  }

  it('with the metadata current, both accept the attested key under the profile enforcing attestation', async () => {
    const r = await both(strict, 'packed-x5c');
    expect(r.said).toEqual({ ok: true });
    expect(r.registration).toEqual({ ok: true });
    expect(r.whatIf.step).toBe('accepted');
    earlier = await both(loose, 'packed-x5c');
    expect(earlier.registration).toEqual({ ok: true });
  });

  it('past nextUpdate: the What If refuses as stale exactly as registration does, and accepts what it accepts', async () => {
    h.clock.now += 4 * DAY;
    const strictCase = await both(strict, 'packed-x5c');
    expect(strictCase.registration).toMatchObject({ ok: false, code: 'PASSKEY_ATTESTATION_METADATA_STALE' });
    expect(strictCase.said).toEqual(strictCase.registration);
    expect(strictCase.said).toMatchObject({
      detail: { profile: 'Attested keys', aaguid: ATTESTED, model: MODEL, format: 'packed' },
    });
    expect(strictCase.whatIf.step).toBe('profiles');
    expect(strictCase.whatIf.profiles).toEqual([
      { id: DEFAULT_PROFILE_ID, name: 'Attested keys', decision: expect.objectContaining({ ok: false }) },
    ]);
    // `none` proves nothing whatever the metadata: its own code, before staleness, in both.
    const none = await both(strict, 'none');
    expect(none.registration).toMatchObject({ ok: false, code: 'PASSKEY_ATTESTATION_NONE' });
    expect(none.said).toEqual(none.registration);
    // A profile that does not enforce attestation is not concerned: both accept.
    const looseCase = await both(loose, 'packed-x5c');
    expect(looseCase.registration).toEqual({ ok: true });
    expect(looseCase.said).toEqual({ ok: true });
  });

  it('past nextUpdate, under a proposed body that enforces attestation: the What If says stale, and so does registration once it is saved', async () => {
    const tenant = await createTenant(h.ctx, { slug: `p-${randomBytes(4).toString('hex')}` });
    const r = await both(tenant, 'packed-x5c', enforcingBody);
    expect(r.registration).toMatchObject({ ok: false, code: 'PASSKEY_ATTESTATION_METADATA_STALE' });
    expect(r.said).toEqual(r.registration);
    expect(r.whatIf.configuration).toBe('proposed');
  });

  it('past nextUpdate, the preview loses no attested passkey to attestation (sign-in only), and sign-in goes on', async () => {
    const preview = await previewFido2Patch(h.ctx, loose, enforcingBody);
    expect(preview.summary).toMatchObject({ passkeysThatStopWorking: 0, usersAffected: 0, usersLosingEveryPasskey: 0 });
    expect(preview.summary.passkeys).toBeGreaterThanOrEqual(1);
    expect(preview.summary.passkeysUsableAfter).toBe(preview.summary.passkeys);
    await updateMethodConfiguration(h.ctx, loose, localOperator(loose.id), 'Fido2', enforcingBody);
    expect(await signIn(loose, earlier.auth)).toBe('ok');
  });

  it('once a newer BLOB is in force: both accept under the profile enforcing attestation again', async () => {
    expect((await loadMdsBlob(h.ctx, await blob(2, 30), 'test')).outcome).toBe('loaded');
    const r = await both(strict, 'packed-x5c');
    expect(r.registration).toEqual({ ok: true });
    expect(r.said).toEqual({ ok: true });
  });
});
