// The sign-in hot path for the algorithms Signet accepts (ES256, EdDSA, RS256): the same checks as
// @simplewebauthn/server's verifyAuthenticationResponse, in the same order, but with each credential's public
// key imported once and kept, and hashing and verification on synchronous node:crypto (no thread-pool hop per
// call). A differential test holds it to the library's verdicts. Parsing stays the library's.
import { createHash, type KeyObject, verify } from 'node:crypto';
import { isoBase64URL, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import { SignetError } from '../core/errors.ts';
import { evaluateCredentialKey } from './key-strength.ts';
import type { AssertionResponse } from './response-shape.ts';
import { isCanonicalSignature } from './signature-encoding.ts';

export const FAST_ALGS = new Set([-7, -8, -257]);

const keys = new Map<string, KeyObject>();
// Keys of credentials that signed in; a few hundred bytes each.
const MAX_KEYS = 20_000;

/**
 * COSE key → KeyObject, judged by the key-strength rule (type and curve match the algorithm, WA-13; no weak RSA,
 * no point off the curve). Kept once imported, so a sign-in pays for the judgement only on a key's first use,
 * and a key stored before the rule existed is refused at sign-in as it would be at registration.
 */
export function keyObjectOf(publicKey: string, alg: number, opts: { cache: boolean } = { cache: true }): KeyObject {
  const cached = keys.get(publicKey);
  if (cached) return cached;
  const verdict = evaluateCredentialKey(isoBase64URL.toBuffer(publicKey), alg);
  if (!verdict.ok) throw new SignetError(verdict.code, verdict.detail);
  if (!opts.cache) return verdict.key;
  if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value!);
  keys.set(publicKey, verdict.key);
  return verdict.key;
}

const rpIdHashes = new Map<string, Buffer>();
export function rpIdHashOf(rpId: string): Buffer {
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
