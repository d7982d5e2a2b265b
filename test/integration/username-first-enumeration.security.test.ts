// Username-first sign-in cannot tell accounts apart (SPEC §2.3, §8; WA-25, WA-26; hardening issue item 4).
// Signet's answer is to list no credentials at all in username-first options (every Signet passkey is
// discoverable), so the property holds by construction; these tests hold it over many account shapes: the
// options' JSON minus the challenge is byte-identical for every account and every unknown name, stable for the
// same name, and the verify call answers an unknown name exactly as it answers a known name given a foreign
// credential.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignetError } from '../../src/core/errors.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { beginPasskeySignIn, finishPasskeySignIn } from '../../src/flows/sign-in-passkey.ts';
import { listSignIns } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness, ORIGIN } from '../support/harness.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

interface Shape {
  passkeys: number;
  idBytes: number;
  transports: string[];
  synced: boolean;
}

const ID_LENGTHS = [16, 32, 64, 128];
const TRANSPORTS = [['usb'], ['internal'], ['hybrid', 'internal'], ['nfc', 'usb'], []];

/** Every combination of count, id length, transports and passkey type (0 passkeys once). */
function shapes(): Shape[] {
  const out: Shape[] = [{ passkeys: 0, idBytes: 32, transports: [], synced: false }];
  let i = 0;
  for (const passkeys of [1, 2, 5])
    for (const idBytes of ID_LENGTHS) {
      // Transports and type rotate, so each count meets each length, transport set and type across the table.
      const transports = TRANSPORTS[i % TRANSPORTS.length]!;
      out.push({ passkeys, idBytes, transports, synced: i % 2 === 0 });
      i++;
    }
  return out;
}

/** Names a caller may type that have no account: look-alikes of real ones, case and spacing variants, junk. */
function unknownNames(known: string[]): string[] {
  const k = known[0]!;
  return [
    'nobody@example.com',
    `x${k}`,
    `${k}.evil`,
    k.replace('@', '@@'),
    'a',
    'ü@example.com',
    'admin',
    `${'long'.repeat(60)}@example.com`,
    `${randomBytes(8).toString('hex')}@example.com`,
    ' ',
  ];
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; status: number }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SignetError) return { code: err.code, status: err.status };
    throw err;
  }
  return { code: 'resolved', status: 200 };
}

describe.each(engines)('username-first enumeration on %s', (engine) => {
  let h: Harness;
  let tenant: Tenant;
  const accounts: Array<{ user: User; shape: Shape; auth: SoftAuthenticator; credentialIds: string[] }> = [];

  beforeAll(async () => {
    h = await harness(engine);
    tenant = await createTenant(h.ctx, { slug: `e-${randomBytes(5).toString('hex')}` });
    for (const shape of shapes()) {
      const user = await createUser(h.ctx, tenant, {
        userPrincipalName: `u${accounts.length}-${randomBytes(3).toString('hex')}@example.com`,
      });
      const auth = new SoftAuthenticator({ backupEligible: shape.synced, transports: shape.transports });
      const credentialIds: string[] = [];
      for (let n = 0; n < shape.passkeys; n++) {
        const { session } = await startSession(h.ctx, h.ctx.db, {
          tenantId: tenant.id,
          userId: user.id,
          method: 'temporaryAccessPass',
        });
        const options = await beginPasskeyRegistration(h.ctx, tenant, session);
        const credential = await auth.register(options, {
          origin: ORIGIN,
          mutate: { credentialId: randomBytes(shape.idBytes) },
        });
        await finishPasskeyRegistration(h.ctx, tenant, session, { credential });
        credentialIds.push(credential.id);
      }
      accounts.push({ user, shape, auth, credentialIds });
    }
  });
  afterAll(() => h.close());

  const withoutChallenge = (o: { challenge: string }) => JSON.stringify({ ...o, challenge: '' });

  it('gives every account shape and every unknown name byte-identical options but for the challenge', async () => {
    const reference = withoutChallenge(await beginPasskeySignIn(h.ctx, tenant, { username: 'nobody@example.com' }));
    const names = [
      ...accounts.map((a) => a.user.userPrincipalName),
      ...unknownNames(accounts.map((a) => a.user.userPrincipalName)),
    ];
    const seen = new Set<string>();
    for (const username of names) {
      const o = await beginPasskeySignIn(h.ctx, tenant, { username });
      expect(withoutChallenge(o), username).toBe(reference);
      expect(Buffer.from(o.challenge, 'base64url'), username).toHaveLength(32);
      seen.add(o.challenge);
    }
    expect(seen.size).toBe(names.length);
    // Nothing in them names a credential, a transport or a count.
    expect(JSON.parse(reference).allowCredentials).toEqual([]);
    for (const a of accounts) for (const id of a.credentialIds) expect(reference).not.toContain(id);
  });

  it('gives the same name the same options on every call, known or not', async () => {
    for (const username of [accounts[3]!.user.userPrincipalName, 'ghost@example.com']) {
      const calls = await Promise.all([1, 2, 3].map(() => beginPasskeySignIn(h.ctx, tenant, { username })));
      expect(new Set(calls.map(withoutChallenge)).size).toBe(1);
    }
  });

  it('answers an unknown name and a known name given a foreign credential with the same status and code', async () => {
    const answers = new Set<string>();
    const attacker = accounts.find((a) => a.shape.passkeys === 2)!;
    const victims = accounts.filter((a) => a !== attacker);
    const targets = [
      ...victims.map((v) => v.user.userPrincipalName),
      ...unknownNames([attacker.user.userPrincipalName]),
    ];
    for (const username of targets) {
      const options = await beginPasskeySignIn(h.ctx, tenant, { username });
      // The attacker answers with their own genuine passkey, which is neither the victim's nor anyone named.
      const assertion = await attacker.auth.authenticate(options, {
        origin: ORIGIN,
        credentialId: attacker.credentialIds[0],
      });
      const r = await refusal(finishPasskeySignIn(h.ctx, tenant, assertion));
      answers.add(`${r.status} ${r.code}`);
    }
    // "Not for the account you entered", never "bad signature" (which would tell a person to remove a good passkey).
    expect([...answers]).toEqual(['401 SIGNIN_PASSKEY_NOT_FOR_ACCOUNT']);
    // Each attempt landed in the sign-in log with that code, naming no user, and none signed anyone in.
    const log = await listSignIns(h.ctx.db, tenant.id, 1000);
    expect(log.filter((l) => l.result === 'success')).toHaveLength(0);
    const refused = log.filter((l) => l.errorCode === 'SIGNIN_PASSKEY_NOT_FOR_ACCOUNT');
    expect(refused).toHaveLength(targets.length);
    expect(new Set(refused.map((l) => l.userId))).toEqual(new Set([null]));
  });

  it('still signs each account in by its name, with each of its passkeys', async () => {
    for (const a of accounts.filter((x) => x.shape.passkeys > 0).slice(0, 6))
      for (const credentialId of a.credentialIds) {
        const options = await beginPasskeySignIn(h.ctx, tenant, { username: a.user.userPrincipalName });
        const r = await finishPasskeySignIn(
          h.ctx,
          tenant,
          await a.auth.authenticate(options, { origin: ORIGIN, credentialId }),
        );
        expect(r.user.id).toBe(a.user.id);
      }
  });
});
