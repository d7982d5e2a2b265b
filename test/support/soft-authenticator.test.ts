import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  SettingsService,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { decodeAttestationObject, isoBase64URL, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AssertionMutation,
  type AttestationKind,
  getAttestationRoot,
  getU2FAttestation,
  type RegistrationMutation,
  SOFT_AAGUID,
  type SoftAlg,
  SoftAuthenticator,
} from './soft-authenticator.ts';

const ORIGIN = 'http://localhost:3000';
const RP_ID = 'localhost';
const ALL_ALGS = [-8, -7, -257, -65535];

async function register(
  auth: SoftAuthenticator,
  attestation: AttestationKind,
  mutate?: RegistrationMutation,
  requireUserVerification = true,
) {
  const options = await generateRegistrationOptions({
    rpName: 'Signet',
    rpID: RP_ID,
    userName: 'alice',
    attestationType: 'direct',
  });
  const response = await auth.register(options, { origin: ORIGIN, attestation, mutate });
  const result = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification,
    supportedAlgorithmIDs: ALL_ALGS,
  });
  return { options, response, result };
}

async function assertion(
  auth: SoftAuthenticator,
  credential: { id: string; publicKey: Uint8Array<ArrayBuffer>; counter: number },
  mutate?: AssertionMutation,
  requireUserVerification = true,
) {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
  const response = await auth.authenticate(options, { origin: ORIGIN, mutate });
  const result = await verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    requireUserVerification,
  });
  return { response, result };
}

const matrix: [AttestationKind, SoftAlg[]][] = [
  ['none', ['ES256', 'EdDSA', 'RS256', 'RS1']],
  ['packed-self', ['ES256', 'EdDSA', 'RS256']],
  ['packed-x5c', ['ES256', 'EdDSA', 'RS256']],
  ['fido-u2f', ['ES256']],
];

afterEach(() => {
  SettingsService.setRootCertificates({ identifier: 'packed', certificates: [] });
});

describe('SoftAuthenticator round trips through @simplewebauthn/server', () => {
  for (const [kind, algs] of matrix) {
    for (const alg of algs) {
      it(`${kind} / ${alg}: registers and authenticates`, async () => {
        const u2f = kind === 'fido-u2f';
        if (kind === 'packed-x5c') {
          SettingsService.setRootCertificates({ identifier: 'packed', certificates: [await getAttestationRoot()] });
        }
        const auth = new SoftAuthenticator({ alg, userVerification: !u2f });
        const { options, response, result } = await register(auth, kind, undefined, !u2f);
        expect(result.verified).toBe(true);
        if (!result.verified) return;
        const info = result.registrationInfo;
        expect(info.fmt).toBe(kind === 'none' ? 'none' : kind === 'fido-u2f' ? 'fido-u2f' : 'packed');
        expect(info.aaguid).toBe(u2f ? '00000000-0000-0000-0000-000000000000' : SOFT_AAGUID);
        expect(info.credential.id).toBe(response.id);
        expect(response.response.transports).toEqual(['internal']);
        expect(auth.credentials[0]).toMatchObject({ id: response.id, userHandle: options.user.id, rpId: RP_ID, alg });

        const credential = { id: info.credential.id, publicKey: info.credential.publicKey, counter: 0 };
        const first = await assertion(auth, credential, undefined, !u2f);
        expect(first.result.verified).toBe(true);
        expect(first.result.authenticationInfo.newCounter).toBe(1);
        expect(first.response.response.userHandle).toBe(options.user.id);
        credential.counter = first.result.authenticationInfo.newCounter;
        const second = await assertion(auth, credential, undefined, !u2f);
        expect(second.result.authenticationInfo.newCounter).toBeGreaterThan(credential.counter);
      });
    }
  }
});

describe('SoftAuthenticator options', () => {
  it('reports backup flags, counter "none" and the configured AAGUID', async () => {
    const aaguid = '11111111-2222-4333-8444-555555555555';
    const auth = new SoftAuthenticator({ backupEligible: true, signCount: 'none', aaguid, transports: ['hybrid'] });
    const { response, result } = await register(auth, 'packed-x5c');
    if (!result.verified) throw new Error('not verified');
    expect(result.registrationInfo.credentialDeviceType).toBe('multiDevice');
    expect(result.registrationInfo.credentialBackedUp).toBe(true);
    expect(result.registrationInfo.aaguid).toBe(aaguid);
    expect(response.authenticatorAttachment).toBe('cross-platform');
    const credential = { ...result.registrationInfo.credential, counter: 0 };
    const { result: a } = await assertion(auth, credential);
    expect(a.authenticationInfo.newCounter).toBe(0);
  });

  it('adds extension data and honours flag overrides', async () => {
    const auth = new SoftAuthenticator();
    const { response } = await register(auth, 'none', { extensionData: { credProtect: 2 } });
    const att = decodeAttestationObject(isoBase64URL.toBuffer(response.response.attestationObject));
    const parsed = parseAuthenticatorData(att.get('authData'));
    expect(parsed.flags.ed).toBe(true);
    expect(parsed.extensionsData).toEqual({ credProtect: 2 });
    await expect(register(auth, 'none', { flags: { up: false } })).rejects.toThrow(/not present/i);
  });
});

describe('SoftAuthenticator mutations are rejected by the library', () => {
  async function registered(alg: SoftAlg = 'ES256') {
    const auth = new SoftAuthenticator({ alg });
    const { result } = await register(auth, 'packed-self');
    if (!result.verified) throw new Error('not verified');
    return { auth, credential: { ...result.registrationInfo.credential, counter: 0 } };
  }

  it('corruptSignature', async () => {
    for (const alg of ['ES256', 'EdDSA', 'RS256'] as const) {
      const { auth, credential } = await registered(alg);
      const { result } = await assertion(auth, credential, { corruptSignature: true });
      expect(result.verified).toBe(false);
    }
  });

  it('wrong origin in clientData (assertion and registration)', async () => {
    const { auth, credential } = await registered();
    const evil = (cd: Record<string, unknown>) => ({ ...cd, origin: 'https://evil.example' });
    await expect(assertion(auth, credential, { clientData: evil })).rejects.toThrow(/origin/i);
    await expect(register(auth, 'none', { clientData: evil })).rejects.toThrow(/origin/i);
  });

  it('wrong RP ID hash, counter regression, id mismatch', async () => {
    const { auth, credential } = await registered();
    await expect(assertion(auth, credential, { rpIdHashOf: 'evil.example' })).rejects.toThrow(/RP ID/i);
    await expect(assertion(auth, credential, { idMismatch: true })).rejects.toThrow(/rawId|ID/);
    const ok = await assertion(auth, { ...credential, counter: 5 }, { counter: 6 });
    expect(ok.result.verified).toBe(true);
    await expect(assertion(auth, { ...credential, counter: 6 }, { counter: 6 })).rejects.toThrow(/counter/i);
  });

  it('packed-x5c: untrusted root, expired leaf, root in chain, credential-key signature', async () => {
    SettingsService.setRootCertificates({ identifier: 'packed', certificates: [await getAttestationRoot()] });
    const auth = new SoftAuthenticator();
    await expect(register(auth, 'packed-x5c', { expiredLeaf: true })).rejects.toThrow(/not good after/);
    await expect(register(auth, 'packed-x5c', { includeRootInX5c: true })).rejects.toThrow(/certificate path/);
    const { result } = await register(auth, 'packed-x5c', { signWithCredentialKey: true });
    expect(result.verified).toBe(false);
    SettingsService.setRootCertificates({ identifier: 'packed', certificates: [(await getU2FAttestation()).pem] });
    await expect(register(auth, 'packed-x5c')).rejects.toThrow(/trust anchor/);
  });
});
