// The impact preview agrees with what sign-in then actually does, user by user (issue 8), as a property: for
// generated passkey profiles, targets (all users, groups, exclusions of groups and users), users (enabled or not,
// in groups) and their passkeys (models, one of them reported revoked; device-bound or synced; some marked as
// cloned), a tenant is put under a generated policy A, every passkey signs in for real (the software authenticator
// and finishPasskeySignIn), a generated policy B is previewed, saved, and every passkey signs in again. The preview
// must name exactly the passkeys that worked under A and are refused under B, each with the code and detail of that
// refusal, and its counts must be the real ones.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttestationTrust } from '../../src/core/passkey-profile.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updateMethodConfiguration } from '../../src/flows/method-policy.ts';
import { impactAnswer, previewFido2Patch } from '../../src/flows/policy-impact.ts';
import { beginPasskeySignIn, finishPasskeySignIn } from '../../src/flows/sign-in-passkey.ts';
import { addGroupMember, insertGroup } from '../../src/store/groups.ts';
import { insertPasskey, markCloneSuspected } from '../../src/store/passkeys.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { setUserEnabled } from '../../src/store/users.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness, ORIGIN } from '../support/harness.ts';
import { PERMISSIVE, policyArbitrary, policyBody } from '../support/policy-arbitraries.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

/** Three models: one the metadata names, one it does not know, one it reports revoked. */
const AAGUIDS = [
  '0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6',
  '7d1351a6-e097-4852-b8bf-c9ac5c9ce4a3',
  'd41f5a69-b817-4144-a13c-9ebd6d9254d6',
] as const;
const RUNS = Number(process.env.SIGNET_PROPERTY_RUNS ?? 150);

const policyArb = policyArbitrary(AAGUIDS);

const passkeyArb = fc.record({
  model: fc.nat(2),
  synced: fc.boolean(),
  trust: fc.constantFrom<AttestationTrust>('none', 'self', 'unverified', 'verified'),
  cloned: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});
const userArb = fc.record({
  enabled: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  groups: fc.subarray([0, 1]),
  passkeys: fc.array(passkeyArb, { maxLength: 3 }),
});
const caseArb = fc.record({
  // Before the change, often the permissive default, so that much can stop working.
  a: fc.oneof(fc.constant(PERMISSIVE), policyArb),
  b: policyArb,
  users: fc.array(userArb, { minLength: 1, maxLength: 4 }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

type Outcome = { ok: true } | { ok: false; code: string; detail: Record<string, string> };

describe.each(engines)('the impact preview against real sign-ins on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    const metadata = new MetadataRegistry([
      { aaguid: AAGUIDS[0], description: 'Key Zero', attestationRootCertificates: [] },
      { aaguid: AAGUIDS[2], description: 'Revoked Key', attestationRootCertificates: [], status: 'REVOKED' },
    ]);
    h = await harness(engine, { metadata });
  });
  afterAll(() => h?.close());

  async function setUp(c: Case) {
    const ctx = h.ctx;
    const tenant = await createTenant(ctx, { slug: `p-${randomBytes(4).toString('hex')}` });
    const groups: string[] = [];
    for (const n of [0, 1]) {
      const id = ctx.newId();
      await insertGroup(ctx.db, { id, tenantId: tenant.id, displayName: `Group ${n}`, createdAt: ctx.now() });
      groups.push(id);
    }
    const keys: { userIndex: number; passkeyId: string; auth: SoftAuthenticator; credentialId: string }[] = [];
    const userIds: string[] = [];
    for (const [i, u] of c.users.entries()) {
      const user = await createUser(ctx, tenant, { userPrincipalName: `u${i}@${tenant.slug}.example` });
      userIds.push(user.id);
      for (const g of u.groups) await addGroupMember(ctx.db, tenant.id, groups[g]!, user.id);
      if (!u.enabled) await setUserEnabled(ctx.db, tenant.id, user.id, false);
      for (const p of u.passkeys) {
        const aaguid = AAGUIDS[p.model]!;
        const auth = new SoftAuthenticator({ aaguid, backupEligible: p.synced });
        await auth.register(
          {
            challenge: randomBytes(16).toString('base64url'),
            rp: { id: ctx.config.rpId, name: 'x' },
            user: { id: user.userHandle, name: user.userPrincipalName, displayName: user.userPrincipalName },
          },
          { origin: ORIGIN },
        );
        const cred = auth.credentials[0]!;
        const passkeyId = ctx.newId();
        await insertPasskey(ctx.db, {
          id: passkeyId,
          tenantId: tenant.id,
          userId: user.id,
          credentialId: cred.id,
          publicKey: Buffer.from(cred.publicKey).toString('base64url'),
          alg: -7,
          counter: 0,
          aaguid,
          transports: ['internal'],
          backupEligible: p.synced,
          backupState: p.synced,
          attestationFormat: p.trust === 'none' ? 'none' : 'packed',
          attestationTrust: p.trust,
          displayName: `key ${keys.length}`,
          createdAt: ctx.now(),
          lastUsedAt: null,
          cloneSuspectedAt: null,
        });
        if (p.cloned) await markCloneSuspected(ctx.db, tenant.id, passkeyId, ctx.now());
        keys.push({ userIndex: i, passkeyId, auth, credentialId: cred.id });
      }
    }
    return { tenant, groups, userIds, keys };
  }

  async function signIn(tenant: Tenant, k: { auth: SoftAuthenticator; credentialId: string }): Promise<Outcome> {
    const options = await beginPasskeySignIn(h.ctx, tenant, {});
    const response = await k.auth.authenticate(options, { origin: ORIGIN, credentialId: k.credentialId });
    try {
      await finishPasskeySignIn(h.ctx, tenant, response);
      return { ok: true };
    } catch (err) {
      const e = err as { code?: string; detail?: Record<string, string> };
      if (!e.code) throw err;
      return { ok: false, code: e.code, detail: e.detail ?? {} };
    }
  }

  it('names exactly the passkeys that stop working, with the refusal sign-in then gives, and counts what sign-in counts', {
    timeout: 180_000,
  }, async () => {
    const seen = { passkeys: 0, stopping: 0, starting: 0, codes: new Set<string>() };
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const { tenant, groups, userIds, keys } = await setUp(c);
        const operator = localOperator(tenant.id);
        await updateMethodConfiguration(h.ctx, tenant, operator, 'Fido2', policyBody(c.a, groups, userIds));
        const before: Outcome[] = [];
        for (const k of keys) before.push(await signIn(tenant, k));
        const bodyB = policyBody(c.b, groups, userIds);
        const answer = impactAnswer(await previewFido2Patch(h.ctx, tenant, bodyB));
        await updateMethodConfiguration(h.ctx, tenant, operator, 'Fido2', bodyB);
        const after: Outcome[] = [];
        for (const k of keys) after.push(await signIn(tenant, k));

        // Passkey by passkey: listed as stopping exactly when it worked under A and is refused under B, with B's refusal.
        const listed = new Map(answer.affectedUsers.flatMap((u) => u.passkeys.map((p) => [p.id, p] as const)));
        for (const [i, k] of keys.entries()) {
          const [was, is] = [before[i]!, after[i]!];
          const stops = was.ok && !is.ok;
          expect(
            listed.has(k.passkeyId),
            `passkey ${i}: before ${JSON.stringify(was)}, after ${JSON.stringify(is)}`,
          ).toBe(stops);
          if (stops && !is.ok) expect(listed.get(k.passkeyId)).toMatchObject({ code: is.code, detail: is.detail });
        }
        // User by user: who is affected, and who is left without a working passkey (and so needs a TAP).
        const perUser = userIds.map((id, u) => {
          const mine = keys.flatMap((k, i) => (k.userIndex === u ? [i] : []));
          const now = mine.filter((i) => before[i]!.ok).length;
          const later = mine.filter((i) => after[i]!.ok).length;
          const stopping = mine.filter((i) => before[i]!.ok && !after[i]!.ok).length;
          return { id, now, later, stopping, losesAll: now > 0 && later === 0 };
        });
        const shown = new Map(answer.affectedUsers.map((u) => [u.id, u]));
        for (const u of perUser) {
          if (u.stopping === 0) expect(shown.has(u.id)).toBe(false);
          else
            expect(shown.get(u.id)).toMatchObject({
              usablePasskeysNow: u.now,
              usablePasskeysAfter: u.later,
              needsTemporaryAccessPass: u.losesAll,
            });
        }
        const count = (f: (i: number) => boolean) => keys.filter((_, i) => f(i)).length;
        seen.passkeys += keys.length;
        seen.stopping += count((i) => before[i]!.ok && !after[i]!.ok);
        seen.starting += count((i) => !before[i]!.ok && after[i]!.ok);
        for (const o of after) if (!o.ok) seen.codes.add(o.code);
        expect(answer.summary).toMatchObject({
          users: userIds.length,
          passkeys: keys.length,
          passkeysUsableNow: count((i) => before[i]!.ok),
          passkeysUsableAfter: count((i) => after[i]!.ok),
          passkeysThatStopWorking: count((i) => before[i]!.ok && !after[i]!.ok),
          passkeysThatStartWorking: count((i) => !before[i]!.ok && after[i]!.ok),
          usersAffected: perUser.filter((u) => u.stopping > 0).length,
          usersLosingEveryPasskey: perUser.filter((u) => u.losesAll).length,
        });
      }),
      { numRuns: RUNS },
    );
    // Not vacuous: the generated cases have passkeys that sign in, and some that stop working.
    expect(seen.passkeys).toBeGreaterThan(RUNS);
    expect(seen.stopping).toBeGreaterThan(0);
    if (process.env.SIGNET_PROPERTY_STATS)
      process.stderr.write(`${JSON.stringify({ ...seen, codes: [...seen.codes] })}\n`);
  });
});
