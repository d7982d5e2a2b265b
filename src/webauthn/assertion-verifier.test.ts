import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import { type AssertionMutation, type SoftAlg, SoftAuthenticator } from '../../test/support/soft-authenticator.ts';
import { keyObjectOf, verifyAssertionSignature } from './assertion-verifier.ts';
import { parseAssertionResponse } from './response-shape.ts';

const ORIGIN = 'http://localhost:3000';
const mutations: Record<string, AssertionMutation> = {
  none: {},
  'corrupted signature': { corruptSignature: true },
  'user presence absent': { flags: { up: false } },
  'user verification absent': { flags: { uv: false } },
  'another RP ID': { rpIdHashOf: 'example.com' },
  'trailing authenticator data': { trailingBytes: 4 },
  'backed up but not eligible': { flags: { be: false, bs: true } },
  'unsolicited extensions': { extensionData: { example: true } },
  'client data changed after signing': {},
};

// The fast path must reach the same verdict as the library on every input, for each algorithm we accept.
describe.each<SoftAlg>(['ES256', 'EdDSA', 'RS256'])(
  'fast assertion verification (%s) agrees with @simplewebauthn/server',
  (alg) => {
    it.each(Object.keys(mutations))('%s', async (name) => {
      const auth = new SoftAuthenticator({ alg });
      await auth.register(
        {
          challenge: isoBase64URL.fromBuffer(crypto.getRandomValues(new Uint8Array(32))),
          rp: { id: 'localhost', name: 'T' },
          user: { id: 'dXNlcg', name: 'u', displayName: 'u' },
        },
        { origin: ORIGIN },
      );
      const challenge = isoBase64URL.fromBuffer(crypto.getRandomValues(new Uint8Array(32)));
      const json = await auth.authenticate(
        { challenge, rpId: 'localhost' },
        { origin: ORIGIN, mutate: mutations[name] },
      );
      if (name === 'client data changed after signing') {
        const cd = JSON.parse(Buffer.from(json.response.clientDataJSON, 'base64url').toString('utf8'));
        json.response.clientDataJSON = Buffer.from(JSON.stringify({ ...cd, extra: 1 })).toString('base64url');
      }
      const credential = auth.credentials[0]!;
      const publicKey = isoBase64URL.fromBuffer(credential.publicKey as Uint8Array<ArrayBuffer>);
      const library = await verifyAuthenticationResponse({
        response: json,
        expectedChallenge: challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: 'localhost',
        credential: { id: credential.id, publicKey: credential.publicKey as Uint8Array<ArrayBuffer>, counter: 0 },
        requireUserVerification: true,
      }).then(
        (r) => r.verified,
        () => false,
      );
      let fast: boolean;
      try {
        verifyAssertionSignature({
          response: parseAssertionResponse(json),
          rpId: 'localhost',
          credential: { publicKey, alg: { ES256: -7, EdDSA: -8, RS256: -257 }[alg as 'ES256'] },
          requireUserVerification: true,
        });
        fast = true;
      } catch {
        fast = false;
      }
      expect(fast).toBe(library);
      if (name === 'none') expect(fast).toBe(true);
    });
  },
);

describe('credential public keys', () => {
  const cose = (m: Map<number, number | Uint8Array>) =>
    isoBase64URL.fromBuffer(isoCBOR.encode(m) as Uint8Array<ArrayBuffer>);
  it('refuses a P-256 point that is not on the curve', () => {
    const key = cose(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(32)],
        [-3, new Uint8Array(32).fill(1)],
      ]),
    );
    expect(() => keyObjectOf(key, -7)).toThrow(expect.objectContaining({ code: 'WEBAUTHN_PUBLIC_KEY_WEAK' }));
  });
  it('refuses an oversized key (a COSE map padded with fields no verifier needs)', () => {
    const key = cose(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(32)],
        [-3, new Uint8Array(32)],
        [-70, new Uint8Array(2000)],
      ]),
    );
    expect(() => keyObjectOf(key, -7, { cache: false })).toThrow(
      expect.objectContaining({ code: 'WEBAUTHN_RESPONSE_MALFORMED' }),
    );
  });
  it('refuses a key whose curve does not match its algorithm (WA-13)', () => {
    const key = cose(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 2],
        [-2, new Uint8Array(48)],
        [-3, new Uint8Array(48)],
      ]),
    );
    expect(() => keyObjectOf(key, -7)).toThrow(expect.objectContaining({ code: 'WEBAUTHN_ALGORITHM_NOT_ALLOWED' }));
  });
});
