// verifyRegistration's own checks, made before either path (the fast path, registration-verifier.ts, or the
// library's): the client data, and canonical ECDSA statement signatures.
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import { type AttestationKind, SoftAuthenticator } from '../../test/support/soft-authenticator.ts';
import { MetadataRegistry } from './metadata.ts';
import { verifyRegistration } from './registration.ts';
import { parseRegistrationResponse } from './response-shape.ts';

const ORIGIN = 'http://localhost:3000';

/** verifyRegistration as the account page's ceremony calls it, for this origin and challenge. */
const verified = (json: unknown, challenge: string) =>
  verifyRegistration({
    response: parseRegistrationResponse(json),
    expectedChallenge: challenge,
    origins: [ORIGIN],
    rpId: 'localhost',
    requireUserVerification: true,
    metadata: new MetadataRegistry(),
  });

// The fast path relies on the client data being checked: verifyRegistration checks it itself, whoever calls.
describe('verifyRegistration checks the client data before either path', () => {
  it.each<[string, AttestationKind]>([
    ['none (the fast path)', 'none'],
    ['fido-u2f (the library)', 'fido-u2f'],
  ])('refuses a look-alike origin for %s', async (_, kind) => {
    const challenge = isoBase64URL.fromBuffer(crypto.getRandomValues(new Uint8Array(32)));
    const json = await new SoftAuthenticator().register(
      { challenge, rp: { id: 'localhost', name: 'T' }, user: { id: 'dXNlcg', name: 'u', displayName: 'u' } },
      { origin: 'http://localhost:3001', rpId: 'localhost', attestation: kind },
    );
    await expect(verified(json, challenge)).rejects.toMatchObject({ code: 'WEBAUTHN_ORIGIN_MISMATCH' });
  });
});

/** The same ECDSA signature with r (or s) written without the zero that keeps a large value positive; undefined if neither needs it. */
function withoutZeroPad(sig: Uint8Array): Uint8Array | undefined {
  const der = Buffer.from(sig);
  const rLen = der[3]!;
  const r = der.subarray(4, 4 + rLen);
  const s = der.subarray(6 + rLen, 6 + rLen + der[5 + rLen]!);
  const strip = (v: Buffer) => (v.length > 1 && v[0] === 0 && (v[1]! & 0x80) !== 0 ? v.subarray(1) : v);
  const [r2, s2] = [strip(r), strip(s)];
  if (r2.length === r.length && s2.length === s.length) return undefined;
  const body = Buffer.concat([Buffer.from([0x02, r2.length]), r2, Buffer.from([0x02, s2.length]), s2]);
  return new Uint8Array(Buffer.concat([Buffer.from([0x30, body.length]), body]));
}

// An INTEGER whose first byte has its high bit set is negative in DER: OpenSSL refuses such a signature (the fast
// path would), a lenient reader takes it as positive (the library does). Signet refuses it on every path, one code.
describe('verifyRegistration refuses an ECDSA statement signature whose r or s is written negative', () => {
  it.each<[string, AttestationKind]>([
    ['packed x5c (the fast path)', 'packed-x5c'],
    ['fido-u2f (the library)', 'fido-u2f'],
  ])('%s', async (_, kind) => {
    for (;;) {
      const challenge = isoBase64URL.fromBuffer(crypto.getRandomValues(new Uint8Array(32)));
      let negative: Uint8Array | undefined;
      const json = await new SoftAuthenticator().register(
        { challenge, rp: { id: 'localhost', name: 'T' }, user: { id: 'dXNlcg', name: 'u', displayName: 'u' } },
        {
          origin: ORIGIN,
          attestation: kind,
          mutate: {
            attStmt: (st) => {
              negative = withoutZeroPad(st.sig as Uint8Array);
              return negative ? { ...st, sig: negative } : st;
            },
          },
        },
      );
      if (!negative) continue; // neither value needed the pad this time: sign again
      await expect(verified(json, challenge)).rejects.toMatchObject({ code: 'WEBAUTHN_ATTESTATION_INVALID' });
      return;
    }
  });
});
