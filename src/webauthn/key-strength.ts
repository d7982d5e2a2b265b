// Which credential public keys Signet will trust (issue item 2). A pure rule over the COSE key: no I/O, no
// clock; node:crypto parses and validates the key (curve membership, field lengths), we never do the math.
//
// The rule, per key type:
// - RSA (RS256 and, in the FIDO binding, RS384/512, PS256/384/512, RS1): a modulus of at least 2048 bits that
//   is odd, and a public exponent of exactly 65537. 2048 bits is NIST SP 800-57's floor (112-bit security);
//   65537 is what every FIDO authenticator, TPM and platform makes (a TPM's "default" exponent is 65537). With
//   e = 1 the "signature" is the padded hash itself, so anyone who knows the username signs in; even exponents
//   are not RSA; small odd ones (3, 17) are sound in theory but serve only lenient-verifier forgeries, and no
//   authenticator makes them, so one accepted exponent is the simplest rule that is never wrong. A modulus that
//   can be factored from itself (a small factor, a perfect power: rsa-modulus.ts) is refused too.
// - EC2 (ES256/384/512): the curve COSE names is the algorithm's curve (P-256/P-384/P-521), and the point is on
//   it, with coordinates of exactly the field's length.
// - OKP (EdDSA): Ed25519 with a 32-byte x that node:crypto accepts as a point.
// A key whose type or curve is not its algorithm's is WEBAUTHN_ALGORITHM_NOT_ALLOWED (WA-13); a key of the
// right kind that is too weak or not a valid key is WEBAUTHN_PUBLIC_KEY_WEAK.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import type { ErrorCode } from '../core/errors.ts';
import { rsaModulusWeakness } from './rsa-modulus.ts';

export const RSA_MIN_MODULUS_BITS = 2048;
export const RSA_PUBLIC_EXPONENT = 65537n;
/** An RSA-8192 COSE key is about 1,050 bytes; anything larger carries fields no verifier needs. */
export const MAX_COSE_KEY_BYTES = 1050;

const RSA_ALGS = new Set([-257, -258, -259, -37, -38, -39, -65535]);
const EC2_CURVE_OF_ALG = new Map<number, { crv: number; name: string; bytes: number }>([
  [-7, { crv: 1, name: 'P-256', bytes: 32 }],
  [-35, { crv: 2, name: 'P-384', bytes: 48 }],
  [-36, { crv: 3, name: 'P-521', bytes: 66 }],
]);
const OKP_CURVE_OF_ALG = new Map<number, { crv: number; name: string; bytes: number }>([
  [-8, { crv: 6, name: 'Ed25519', bytes: 32 }],
]);

export type KeyVerdict = { ok: true; key: KeyObject } | { ok: false; code: ErrorCode; detail: Record<string, string> };

const refuse = (code: ErrorCode, reason: string, extra: Record<string, string> = {}): KeyVerdict => ({
  ok: false,
  code,
  detail: { field: 'credentialPublicKey', reason, ...extra },
});

/** Judges a COSE credential public key for algorithm `alg`: the KeyObject to verify with, or the refusal. */
export function evaluateCredentialKey(cose: Uint8Array<ArrayBuffer>, alg: number): KeyVerdict {
  if (cose.length > MAX_COSE_KEY_BYTES) return refuse('WEBAUTHN_RESPONSE_MALFORMED', 'too large');
  let map: Map<number, unknown>;
  try {
    map = decodeCredentialPublicKey(cose) as unknown as Map<number, unknown>;
  } catch {
    return refuse('WEBAUTHN_RESPONSE_MALFORMED', 'not a COSE key');
  }
  if (!(map instanceof Map)) return refuse('WEBAUTHN_RESPONSE_MALFORMED', 'not a COSE key');
  const kty = map.get(1);
  const crv = map.get(-1);
  const bytes = (label: number): Buffer | undefined => {
    const v = map.get(label);
    return v instanceof Uint8Array ? Buffer.from(v) : undefined;
  };
  const notAllowed = refuse('WEBAUTHN_ALGORITHM_NOT_ALLOWED', 'key type or curve is not that of its algorithm', {
    alg: String(alg),
  });

  if (RSA_ALGS.has(alg)) {
    if (kty !== 3) return notAllowed;
    const n = bytes(-1);
    const e = bytes(-2);
    if (!n || !e || n.length === 0 || e.length === 0) return refuse('WEBAUTHN_PUBLIC_KEY_WEAK', 'missing n or e');
    // Even: not a product of two large primes.
    if ((n[n.length - 1]! & 1) === 0) return refuse('WEBAUTHN_PUBLIC_KEY_WEAK', 'even modulus');
    const key = imported({ kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') });
    if (!key) return refuse('WEBAUTHN_PUBLIC_KEY_WEAK', 'not a valid key');
    const { modulusLength, publicExponent } = key.asymmetricKeyDetails ?? {};
    if (modulusLength === undefined || modulusLength < RSA_MIN_MODULUS_BITS)
      return refuse('WEBAUTHN_PUBLIC_KEY_WEAK', 'modulus under 2048 bits', { bits: String(modulusLength ?? 0) });
    if (publicExponent !== RSA_PUBLIC_EXPONENT)
      return refuse('WEBAUTHN_PUBLIC_KEY_WEAK', 'public exponent is not 65537', {
        exponent: String(publicExponent ?? ''),
      });
    const weakness = rsaModulusWeakness(BigInt(`0x${n.toString('hex')}`));
    if (weakness) return refuse('WEBAUTHN_PUBLIC_KEY_WEAK', weakness);
    return { ok: true, key };
  }

  const ec = EC2_CURVE_OF_ALG.get(alg);
  if (ec) {
    if (kty !== 2 || crv !== ec.crv) return notAllowed;
    const x = bytes(-2);
    const y = bytes(-3);
    // COSE coordinates have exactly the field's length (RFC 9053 §7.1.1); node:crypto checks the point is on it.
    if (!x || !y || x.length !== ec.bytes || y.length !== ec.bytes)
      return refuse('WEBAUTHN_PUBLIC_KEY_WEAK', `x and y are not ${ec.bytes} bytes each`);
    const key = imported({ kty: 'EC', crv: ec.name, x: x.toString('base64url'), y: y.toString('base64url') });
    return key ? { ok: true, key } : refuse('WEBAUTHN_PUBLIC_KEY_WEAK', 'not a point on the curve');
  }

  const okp = OKP_CURVE_OF_ALG.get(alg);
  if (okp) {
    if (kty !== 1 || crv !== okp.crv) return notAllowed;
    const x = bytes(-2);
    if (!x || x.length !== okp.bytes) return refuse('WEBAUTHN_PUBLIC_KEY_WEAK', `x is not ${okp.bytes} bytes`);
    const key = imported({ kty: 'OKP', crv: okp.name, x: x.toString('base64url') });
    return key ? { ok: true, key } : refuse('WEBAUTHN_PUBLIC_KEY_WEAK', 'not a valid key');
  }

  return refuse('WEBAUTHN_ALGORITHM_NOT_ALLOWED', 'unsupported algorithm', { alg: String(alg) });
}

function imported(jwk: JsonWebKey): KeyObject | undefined {
  try {
    return createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return undefined;
  }
}
