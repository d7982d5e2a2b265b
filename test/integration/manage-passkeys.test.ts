import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignetError } from '../../src/core/errors.ts';
import { deleteOwnPasskey, listOwnPasskeys, renameOwnPasskey } from '../../src/flows/manage-passkeys.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { sessionFromToken, startSession } from '../../src/flows/sessions.ts';
import { beginPasskeySignIn, finishPasskeySignIn } from '../../src/flows/sign-in-passkey.ts';
import { listAudits } from '../../src/store/logs.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness, ORIGIN } from '../support/harness.ts';
import { SOFT_AAGUID, SoftAuthenticator } from '../support/soft-authenticator.ts';

describe.each(engines)('managing one’s own passkeys on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(engine);
  });
  afterAll(() => h.close());

  async function withPasskey() {
    const user = await h.user();
    const session = await h.strongSession(user);
    const auth = new SoftAuthenticator({ backupEligible: true });
    const credential = await auth.register(await beginPasskeyRegistration(h.ctx, h.tenant, session), {
      origin: ORIGIN,
    });
    const passkey = await finishPasskeyRegistration(h.ctx, h.tenant, session, { credential, name: 'Laptop' });
    return { user, session, passkey };
  }

  it('lists a passkey with its name, type and times, and renames it', async () => {
    const { user, passkey } = await withPasskey();
    const [view] = await listOwnPasskeys(h.ctx, h.tenant, user.id);
    expect(view).toMatchObject({
      id: passkey.id,
      displayName: 'Laptop',
      passkeyType: 'synced',
      lastUsedDateTime: null,
    });
    await renameOwnPasskey(h.ctx, h.tenant, user.id, passkey.id, '  Work laptop\n');
    expect((await listOwnPasskeys(h.ctx, h.tenant, user.id))[0]?.displayName).toBe('Work laptop');
  });

  it('refuses an empty or over-long name, and another user’s passkey', async () => {
    const { user, passkey } = await withPasskey();
    const other = await h.user();
    await expect(renameOwnPasskey(h.ctx, h.tenant, user.id, passkey.id, '\u0007')).rejects.toMatchObject({
      code: 'PASSKEY_NAME_INVALID',
    });
    await expect(renameOwnPasskey(h.ctx, h.tenant, user.id, passkey.id, 'x'.repeat(65))).rejects.toMatchObject({
      code: 'PASSKEY_NAME_INVALID',
    });
    await expect(renameOwnPasskey(h.ctx, h.tenant, other.id, passkey.id, 'mine')).rejects.toMatchObject({
      code: 'PASSKEY_NOT_FOUND',
    });
    const otherSession = await h.strongSession(other);
    await expect(deleteOwnPasskey(h.ctx, h.tenant, otherSession, passkey.id)).rejects.toBeInstanceOf(SignetError);
    expect(await listOwnPasskeys(h.ctx, h.tenant, user.id)).toHaveLength(1);
  });

  it('asks for a fresh strong sign-in before deleting a passkey (a stolen old session cannot)', async () => {
    const { user, session, passkey } = await withPasskey();
    h.clock.now += 5 * 60 * 1000 + 1;
    await expect(deleteOwnPasskey(h.ctx, h.tenant, session, passkey.id)).rejects.toMatchObject({
      code: 'PASSKEY_STRONG_AUTH_REQUIRED',
    });
    expect(await listOwnPasskeys(h.ctx, h.tenant, user.id)).toHaveLength(1);
  });

  it('marks a passkey whose counter went backwards as possibly cloned, and refuses it from then on', async () => {
    const user = await h.user();
    const session = await h.strongSession(user);
    const auth = new SoftAuthenticator();
    const credential = await auth.register(await beginPasskeyRegistration(h.ctx, h.tenant, session), {
      origin: ORIGIN,
    });
    await finishPasskeyRegistration(h.ctx, h.tenant, session, { credential });
    const signIn = async (counter: number) =>
      finishPasskeySignIn(
        h.ctx,
        h.tenant,
        await auth.authenticate(await beginPasskeySignIn(h.ctx, h.tenant, {}), { origin: ORIGIN, mutate: { counter } }),
      );
    await signIn(5);
    await expect(signIn(3)).rejects.toMatchObject({ code: 'SIGNIN_COUNTER_REGRESSION' });
    // The copy with the higher counter is refused too: which one is genuine cannot be known.
    await expect(signIn(9)).rejects.toMatchObject({ code: 'SIGNIN_COUNTER_REGRESSION' });
    expect((await listOwnPasskeys(h.ctx, h.tenant, user.id))[0]?.suspectedClone).toBe(true);
  });

  it('signs the user out of every other session when a passkey is deleted, and audits it', async () => {
    const { user, session, passkey } = await withPasskey();
    const elsewhere = await startSession(h.ctx, h.ctx.db, {
      tenantId: h.tenant.id,
      userId: user.id,
      method: 'passkey',
    });
    await deleteOwnPasskey(h.ctx, h.tenant, session, passkey.id);
    expect(await listOwnPasskeys(h.ctx, h.tenant, user.id)).toEqual([]);
    expect(await sessionFromToken(h.ctx, h.tenant.id, elsewhere.token)).toBeUndefined();
    const audit = (await listAudits(h.ctx.db, h.tenant.id)).find(
      (a) => a.activity === 'Delete passkey' && a.targetId === passkey.id,
    );
    expect(audit?.detail.otherSessionsRevoked).toBe('1');
  });
});

describe.each(engines)('authenticator metadata at registration on %s', (engine) => {
  it('refuses a model that the metadata reports compromised, and stores nothing', async () => {
    const metadata = new MetadataRegistry([
      {
        aaguid: SOFT_AAGUID,
        description: 'Soft key',
        attestationRootCertificates: [],
        status: 'USER_KEY_REMOTE_COMPROMISE',
      },
    ]);
    const h = await harness(engine, { metadata });
    try {
      const user = await h.user();
      const session = await h.strongSession(user);
      const credential = await new SoftAuthenticator().register(
        await beginPasskeyRegistration(h.ctx, h.tenant, session),
        { origin: ORIGIN },
      );
      await expect(finishPasskeyRegistration(h.ctx, h.tenant, session, { credential })).rejects.toMatchObject({
        code: 'PASSKEY_AUTHENTICATOR_COMPROMISED',
      });
      expect(await listOwnPasskeys(h.ctx, h.tenant, user.id)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
