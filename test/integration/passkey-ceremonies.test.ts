import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { beginPasskeySignIn, finishPasskeySignIn } from '../../src/flows/sign-in-passkey.ts';
import { listSignIns } from '../../src/store/logs.ts';
import { engines } from '../support/engines.ts';
import { type Harness, harness, ORIGIN } from '../support/harness.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

describe.each(engines)('passkey ceremonies on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(engine);
  });
  afterAll(() => h.close());

  it('registers a passkey after a strong sign-in and signs in with it, username-first and discoverable', async () => {
    const user = await h.user();
    const session = await h.strongSession(user);
    const auth = new SoftAuthenticator();
    const options = await beginPasskeyRegistration(h.ctx, h.tenant, session);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(options.user.id).toBe(user.userHandle);
    const credential = await auth.register(options, { origin: ORIGIN });
    const passkey = await finishPasskeyRegistration(h.ctx, h.tenant, session, { credential });
    expect(passkey.credentialId).toBe(credential.id);

    const named = await beginPasskeySignIn(h.ctx, h.tenant, { username: user.userPrincipalName });
    // Username-first options list no credentials (every Signet passkey is discoverable; WA-25/26).
    expect(named.allowCredentials).toEqual([]);
    const first = await finishPasskeySignIn(h.ctx, h.tenant, await auth.authenticate(named, { origin: ORIGIN }));
    expect(first.user.id).toBe(user.id);
    // A device-bound passkey (the soft authenticator is not backup-eligible): a hardware-bound key, multi-factor.
    expect(first.session.amr).toEqual(['pop', 'hwk', 'user', 'fido', 'mfa']);
    expect(first.session.steps).toEqual([
      {
        method: 'passkey',
        at: h.clock.now,
        passkey: { aaguid: passkey.aaguid, type: 'deviceBound', attestation: passkey.attestationTrust },
      },
    ]);

    const discoverable = await beginPasskeySignIn(h.ctx, h.tenant, {});
    expect(discoverable.allowCredentials).toEqual([]);
    const second = await finishPasskeySignIn(
      h.ctx,
      h.tenant,
      await auth.authenticate(discoverable, { origin: ORIGIN }),
    );
    expect(second.user.id).toBe(user.id);
    expect(second.token).not.toBe(first.token);

    const log = await listSignIns(h.ctx.db, h.tenant.id);
    expect(log.filter((r) => r.userId === user.id && r.result === 'success')).toHaveLength(2);
  });
});
