// The registration What If agrees with what registration then actually does, as a property (issue 8): for generated
// policies (profiles with type, attestation and AAGUID rules; targets; the method on or off; self-service; the
// per-user limit), users (enabled or not, in groups, holding passkeys already) and authenticators (a model whose
// metadata gives the test attestation root, one unknown to metadata, one reported revoked; device-bound or synced;
// attestation none, self, packed with a chain, or U2F), the What If is asked — under the policy in force, or under a
// proposed body that is saved afterwards — and then the software authenticator registers for real
// (beginPasskeyRegistration, finishPasskeyRegistration). Accepted exactly when it is, refused with the same code and
// detail. The What If is told the attestation's format and the trust the verifier finds in it.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updateMethodConfiguration } from '../../src/flows/method-policy.ts';
import { type RegistrationWhatIfReport, registrationWhatIf } from '../../src/flows/policy-impact.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { addGroupMember, insertGroup } from '../../src/store/groups.ts';
import { findUserById, setUserEnabled } from '../../src/store/users.ts';
import { attestationTrustOf } from '../../src/webauthn/attestation-trust.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness, ORIGIN } from '../support/harness.ts';
import { PERMISSIVE, policyArbitrary, policyBody } from '../support/policy-arbitraries.ts';
import { storePasskey } from '../support/preview-fixtures.ts';
import {
  type AttestationKind,
  getAttestationRoot,
  SoftAuthenticator,
  ZERO_AAGUID,
} from '../support/soft-authenticator.ts';

/** A model with the test root in metadata, one metadata does not know, one reported revoked (with the root). */
const AAGUIDS = [
  '5b0e46ba-db02-44ac-b979-ca9b84f5e335',
  '8836336a-f590-4921-8a4e-8d6b9ae2f5e5',
  'b93fd961-f2e6-462f-b122-82002247de78',
] as const;
const RUNS = Number(process.env.SIGNET_PROPERTY_RUNS ?? 150);
const FORMATS: Record<AttestationKind, 'none' | 'packed' | 'fido-u2f'> = {
  none: 'none',
  'packed-self': 'packed',
  'packed-x5c': 'packed',
  'fido-u2f': 'fido-u2f',
};

const policyArb = policyArbitrary([...AAGUIDS, ZERO_AAGUID]);
/** Policies whose gate lets every enabled user through, so the profiles decide (attestation, AAGUID lists, type). */
const profilesArb = policyArb.map((p) => ({
  ...p,
  enabled: true,
  selfService: true,
  limit: 10,
  include: [{ target: 'all' as const, allowed: p.include[0]?.allowed ?? [] }],
  excludeGroups: [],
  excludeUser: null,
}));
const caseArb = fc.record({
  current: fc.oneof(fc.constant(PERMISSIVE), policyArb, profilesArb),
  proposed: fc.option(fc.oneof(policyArb, profilesArb), { freq: 2 }),
  user: fc.record({
    enabled: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    groups: fc.subarray([0, 1]),
    // Mostly none, so that most cases reach the profiles; sometimes up to the limit.
    passkeys: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(3) }),
  }),
  authenticator: fc.record({
    model: fc.nat(2),
    synced: fc.boolean(),
    attestation: fc.constantFrom<AttestationKind>('none', 'packed-self', 'packed-x5c', 'packed-x5c', 'fido-u2f'),
  }),
});

type Outcome = { ok: true } | { ok: false; code: string; detail: Record<string, string> };

describe.each(engines)('the registration What If against real registrations on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    const root = await getAttestationRoot();
    const metadata = new MetadataRegistry([
      { aaguid: AAGUIDS[0], description: 'Rooted Key', attestationRootCertificates: [root] },
      { aaguid: AAGUIDS[2], description: 'Revoked Key', attestationRootCertificates: [root], status: 'REVOKED' },
    ]);
    h = await harness(engine, { metadata });
  });
  afterAll(() => h?.close());

  it('accepts exactly what registration accepts, and names the very refusal it gives', {
    timeout: 180_000,
  }, async () => {
    const seen = { cases: 0, accepted: 0, codes: new Set<string>() };
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const ctx = h.ctx;
        const tenant = await createTenant(ctx, { slug: `w-${randomBytes(4).toString('hex')}` });
        const groups: string[] = [];
        for (const n of [0, 1]) {
          const id = ctx.newId();
          await insertGroup(ctx.db, { id, tenantId: tenant.id, displayName: `Group ${n}`, createdAt: ctx.now() });
          groups.push(id);
        }
        const made = await createUser(ctx, tenant, { userPrincipalName: `u@${tenant.slug}.example` });
        for (const g of c.user.groups) await addGroupMember(ctx.db, tenant.id, groups[g]!, made.id);
        if (!c.user.enabled) await setUserEnabled(ctx.db, tenant.id, made.id, false);
        // As the route and the CLI find the user: read from the store.
        const user = (await findUserById(ctx.db, tenant.id, made.id))!;
        for (let i = 0; i < c.user.passkeys; i++) await storePasskey(ctx, tenant, user.id);
        const operator = localOperator(tenant.id);
        await updateMethodConfiguration(ctx, tenant, operator, 'Fido2', policyBody(c.current, groups, [user.id]));

        // The authenticator's answer is made first (against throwaway options) to learn the trust the verifier
        // finds in it; the real ceremony below makes a new one against the real options.
        const kind = c.authenticator.attestation;
        const aaguid = kind === 'fido-u2f' ? ZERO_AAGUID : AAGUIDS[c.authenticator.model]!;
        const auth = () => new SoftAuthenticator({ aaguid, backupEligible: c.authenticator.synced });
        const probe = await auth().register(
          {
            challenge: randomBytes(16).toString('base64url'),
            rp: { id: ctx.config.rpId, name: 'x' },
            user: { id: user.userHandle, name: 'u', displayName: 'u' },
          },
          { origin: ORIGIN, attestation: kind },
        );
        const trust = await attestationTrustOf(
          new Uint8Array(Buffer.from(probe.response.attestationObject, 'base64url')),
          aaguid,
          ctx.metadata,
        );
        const proposed = c.proposed === null ? undefined : policyBody(c.proposed, groups, [user.id]);
        const whatIf: RegistrationWhatIfReport = await registrationWhatIf(ctx, tenant, {
          user,
          authenticator: {
            aaguid,
            passkeyType: c.authenticator.synced ? 'synced' : 'deviceBound',
            attestationFormat: FORMATS[kind],
            attestationTrust: trust,
          },
          ...(proposed ? { proposed } : {}),
        });
        if (proposed) await updateMethodConfiguration(ctx, tenant, operator, 'Fido2', proposed);

        const { session } = await startSession(ctx, ctx.db, {
          tenantId: tenant.id,
          userId: user.id,
          method: 'temporaryAccessPass',
        });
        let real: Outcome;
        try {
          const options = await beginPasskeyRegistration(ctx, tenant, session);
          const credential = await auth().register(options, { origin: ORIGIN, attestation: kind });
          await finishPasskeyRegistration(ctx, tenant, session, { credential });
          real = { ok: true };
        } catch (err) {
          const e = err as { code?: string; detail?: Record<string, string> };
          if (!e.code) throw err;
          real = { ok: false, code: e.code, detail: e.detail ?? {} };
        }
        const said = whatIf.decision;
        expect(said.ok, `What If ${JSON.stringify(said)}, registration ${JSON.stringify(real)}`).toBe(real.ok);
        if (!said.ok && !real.ok)
          expect({ code: said.code, detail: said.detail }).toEqual({ code: real.code, detail: real.detail });
        seen.cases++;
        if (real.ok) seen.accepted++;
        else seen.codes.add(real.code);
      }),
      { numRuns: RUNS },
    );
    // Not vacuous: some registrations succeed, and several rules refuse others.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.codes.size).toBeGreaterThan(4);
    if (process.env.SIGNET_PROPERTY_STATS)
      process.stderr.write(`${JSON.stringify({ ...seen, codes: [...seen.codes] })}\n`);
  });
});
