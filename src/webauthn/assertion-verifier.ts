// The sign-in hot path for the algorithms Signet accepts (ES256, EdDSA, RS256): the same checks as
// @simplewebauthn/server's verifyAuthenticationResponse, in the same order, but with each credential's public
// key imported once and kept, and hashing and verification on synchronous node:crypto (no thread-pool hop per
// call). A differential test holds it to the library's verdicts. Parsing stays the library's.
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { decodeCredentialPublicKey, isoBase64URL, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import { SignetError } from '../core/errors.ts';
import type { AssertionResponse } from './response-shape.ts';
import { isCanonicalSignature } from './signature-encoding.ts';

export const FAST_ALGS = new Set([-7, -8, -257]);

const keys = new Map<string, KeyObject>();
// Keys of credentials that signed in; a few hundred bytes each.
const MAX_KEYS = 20_000;

/** COSE key → KeyObject, checking that the key type and curve match the algorithm (WA-13). */
export function keyObjectOf(publicKey: string, alg: number, opts: { cache: boolean } = { cache: true }): KeyObject {
  const cached = keys.get(publicKey);
  if (cached) return cached;
  // An RSA-4096 COSE key is about 550 bytes; anything far larger carries fields no verifier needs.
  if (publicKey.length > 1400)
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', { field: 'credentialPublicKey', reason: 'too large' });
  const cose = decodeCredentialPublicKey(isoBase64URL.toBuffer(publicKey));
  const b64 = (label: number) => {
    const v = cose.get(label as never) as unknown;
    if (!(v instanceof Uint8Array)) throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', { field: 'publicKey' });
    return Buffer.from(v).toString('base64url');
  };
  const kty = cose.get(1 as never) as unknown;
  const crv = cose.get(-1 as never) as unknown;
  let jwk: JsonWebKey;
  if (alg === -7 && kty === 2 && crv === 1) jwk = { kty: 'EC', crv: 'P-256', x: b64(-2), y: b64(-3) };
  else if (alg === -8 && kty === 1 && crv === 6) jwk = { kty: 'OKP', crv: 'Ed25519', x: b64(-2) };
  else if (alg === -257 && kty === 3) jwk = { kty: 'RSA', n: b64(-1), e: b64(-2) };
  else throw new SignetError('WEBAUTHN_ALGORITHM_NOT_ALLOWED', { alg: String(alg) });
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch (err) {
    // A point off the curve, or a key of the wrong size: no signature could ever verify with it.
    throw new SignetError(
      'WEBAUTHN_RESPONSE_MALFORMED',
      { field: 'credentialPublicKey', reason: 'not a valid key' },
      { cause: err },
    );
  }
  if (!opts.cache) return key;
  if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value!);
  keys.set(publicKey, key);
  return key;
}

const rpIdHashes = new Map<string, Buffer>();
function rpIdHashOf(rpId: string): Buffer {
  let h = rpIdHashes.get(rpId);
  if (!h) {
    h = createHash('sha256').update(rpId).digest();
    rpIdHashes.set(rpId, h);
  }
  return h;
}

/**
 * The authenticator data's own checks (WebAuthn §7.2 steps 15–18): RP ID hash, user presence, user
 * verification, backup flags. They need no stored credential, so a sign-in runs them before any lookup.
 */
export function checkAuthenticatorData(i: {
  response: AssertionResponse;
  rpId: string;
  requireUserVerification: boolean;
}) {
  let parsed: ReturnType<typeof parseAuthenticatorData>;
  try {
    parsed = parseAuthenticatorData(isoBase64URL.toBuffer(i.response.response.authenticatorData));
  } catch (err) {
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', { field: 'response.authenticatorData' }, { cause: err });
  }
  if (!rpIdHashOf(i.rpId).equals(parsed.rpIdHash)) throw new SignetError('WEBAUTHN_RP_ID_MISMATCH');
  if (!parsed.flags.up) throw new SignetError('WEBAUTHN_USER_PRESENCE_REQUIRED');
  if (i.requireUserVerification && !parsed.flags.uv) throw new SignetError('WEBAUTHN_USER_VERIFICATION_REQUIRED');
  if (parsed.flags.bs && !parsed.flags.be) throw new SignetError('WEBAUTHN_BACKUP_FLAGS_INVALID');
  return parsed;
}

export interface FastVerified {
  counter: number;
  userVerified: boolean;
  backupEligible: boolean;
  backupState: boolean;
}

/** Client data (type, challenge, origin) has been checked by the caller; this checks authenticator data and signature. */
export function verifyAssertionSignature(i: {
  response: AssertionResponse;
  rpId: string;
  credential: { publicKey: string; alg: number };
  requireUserVerification: boolean;
}): FastVerified {
  const authData = isoBase64URL.toBuffer(i.response.response.authenticatorData);
  const parsed = checkAuthenticatorData(i);
  const signature = isoBase64URL.toBuffer(i.response.response.signature);
  if (!isCanonicalSignature(i.credential.alg, signature))
    throw new SignetError('WEBAUTHN_SIGNATURE_INVALID', { reason: 'signature is not canonical DER' });
  const clientDataHash = createHash('sha256')
    .update(isoBase64URL.toBuffer(i.response.response.clientDataJSON))
    .digest();
  const signed = Buffer.concat([authData, clientDataHash]);
  const key = keyObjectOf(i.credential.publicKey, i.credential.alg);
  let ok: boolean;
  try {
    ok = verify(i.credential.alg === -8 ? null : 'sha256', signed, key, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new SignetError('WEBAUTHN_SIGNATURE_INVALID');
  return {
    counter: parsed.counter,
    userVerified: parsed.flags.uv,
    backupEligible: parsed.flags.be,
    backupState: parsed.flags.bs,
  };
}
