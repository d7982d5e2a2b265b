import type { KeyObject } from 'node:crypto';
import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import {
  decodeAttestationObject,
  decodeCredentialPublicKey,
  isoBase64URL,
  parseAuthenticatorData,
} from '@simplewebauthn/server/helpers';
import { SignetError } from '../core/errors.ts';
import type { AttestationTrust } from '../core/passkey-profile.ts';
import { rpIdHashOf } from './assertion-verifier.ts';
import { attestationTrustOf } from './attestation-trust.ts';
import { assertSingleCborItem } from './cbor-shape.ts';
import { checkClientData, decodeClientData } from './client-data.ts';
import { mapWebAuthnError } from './error-map.ts';
import { evaluateCredentialKey } from './key-strength.ts';
import type { MetadataRegistry } from './metadata.ts';
import { type DecodedAttestation, type RegistrationInfo, verifyRegistrationFast } from './registration-verifier.ts';
import { libraryEnvelope, type RegistrationResponse } from './response-shape.ts';
import { isCanonicalSignature } from './signature-encoding.ts';

/** ES256, EdDSA, RS256 (SPEC §2.2). */
export const SUPPORTED_ALGS = [-7, -8, -257];
export const CEREMONY_TIMEOUT_MS = 5 * 60 * 1000;

export interface RegistrationOptionsInput {
  rpId: string;
  rpName: string;
  userHandle: string;
  userName: string;
  userDisplayName: string;
  challenge: Uint8Array<ArrayBuffer>;
  exclude: ReadonlyArray<{ credentialId: string; transports: string[] }>;
  attestation: 'direct' | 'none';
  algs?: number[];
  userVerification?: 'required' | 'preferred' | 'discouraged';
  residentKey?: 'required' | 'preferred' | 'discouraged';
  authenticatorAttachment?: 'platform' | 'cross-platform';
}

export async function buildRegistrationOptions(
  i: RegistrationOptionsInput,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: i.rpName,
    rpID: i.rpId,
    userName: i.userName,
    userDisplayName: i.userDisplayName,
    userID: isoBase64URL.toBuffer(i.userHandle),
    challenge: i.challenge,
    timeout: CEREMONY_TIMEOUT_MS,
    attestationType: i.attestation,
    excludeCredentials: i.exclude.map((c) => ({
      id: c.credentialId,
      transports: c.transports as AuthenticatorTransport[],
    })),
    authenticatorSelection: {
      residentKey: i.residentKey ?? 'required',
      userVerification: i.userVerification ?? 'required',
      ...(i.authenticatorAttachment ? { authenticatorAttachment: i.authenticatorAttachment } : {}),
    },
    supportedAlgorithmIDs: i.algs ?? SUPPORTED_ALGS,
  });
}

export interface VerifiedRegistration {
  credentialId: string;
  publicKey: string;
  alg: number;
  counter: number;
  aaguid: string;
  transports: string[];
  backupEligible: boolean;
  backupState: boolean;
  fmt: string;
  trust: AttestationTrust;
  userVerified: boolean;
}

export async function verifyRegistration(i: {
  response: RegistrationResponse;
  expectedChallenge: string;
  origins: string[];
  rpId: string;
  requireUserVerification: boolean;
  algs?: number[];
  metadata: MetadataRegistry;
}): Promise<VerifiedRegistration> {
  const algs = i.algs ?? SUPPORTED_ALGS;
  // WebAuthn §7.1 steps 5–12, each failure with its own code (client-data.ts): type, exact origin (one of
  // `origins`), no cross-origin embedding, token binding. The library repeats some; the fast path relies on them.
  const clientData = decodeClientData(i.response.response.clientDataJSON);
  const cd = checkClientData(clientData, { type: 'webauthn.create', origins: i.origins });
  if (!cd.ok) throw new SignetError(cd.code, cd.detail);
  const attestationObject = isoBase64URL.toBuffer(i.response.response.attestationObject);
  assertSingleCborItem(attestationObject, 'response.attestationObject');
  const parts = attestationParts(attestationObject);
  // WebAuthn §7.1: the credential key's algorithm is one that was offered, and the key is one Signet trusts
  // (key-strength.ts) — judged before the attestation statement, whose self-signature that key would check.
  const judged = parts?.credentialKey && { bytes: parts.credentialKey, ...acceptableKey(parts.credentialKey, algs) };
  if (parts) assertCanonicalAttestationSignature(parts);
  if (parts && judged) assertSelfAttestationAlg(parts, judged.alg);
  const info =
    (parts &&
      judged &&
      verifyRegistrationFast({
        response: { ...i.response, rawId: i.response.rawId ?? i.response.id },
        challenge: clientData.challenge,
        expectedChallenge: i.expectedChallenge,
        attestationObject,
        decoded: parts.decoded,
        credentialAlg: judged.alg,
        credentialKey: judged.key,
        rpIdHash: rpIdHashOf(i.rpId),
        requireUserVerification: i.requireUserVerification,
        now: Date.now(),
      })) ||
    (await verifiedByLibrary(i, algs));
  if (info.credential.id !== i.response.id)
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', {
      field: 'id',
      reason: 'differs from the attested credential id',
    });
  const publicKey = info.credential.publicKey;
  // The key read from the statement is the one judged above (the same bytes, unless authData was unreadable to
  // us): judged again only if it is not.
  const alg = judged && sameBytes(judged.bytes, publicKey) ? judged.alg : acceptableKey(publicKey, algs).alg;
  const trust = await attestationTrustOf(info.attestationObject, info.aaguid, i.metadata);
  return {
    credentialId: info.credential.id,
    publicKey: isoBase64URL.fromBuffer(publicKey),
    alg,
    counter: info.credential.counter,
    aaguid: info.aaguid,
    transports: i.response.response.transports ?? [],
    backupEligible: info.credentialDeviceType === 'multiDevice',
    backupState: info.credentialBackedUp,
    fmt: info.fmt,
    trust,
    userVerified: info.userVerified,
  };
}

/** Every statement the fast path does not take: the library's verifyRegistrationResponse, its errors mapped. */
async function verifiedByLibrary(
  i: Parameters<typeof verifyRegistration>[0],
  algs: number[],
): Promise<RegistrationInfo> {
  let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    result = await verifyRegistrationResponse({
      response: {
        ...i.response,
        ...libraryEnvelope(i.response),
        response: {
          ...i.response.response,
          transports: i.response.response.transports as AuthenticatorTransport[] | undefined,
        },
      },
      expectedChallenge: i.expectedChallenge,
      expectedOrigin: i.origins,
      expectedRPID: i.rpId,
      requireUserVerification: i.requireUserVerification,
      requireUserPresence: true,
      supportedAlgorithmIDs: algs,
    });
  } catch (err) {
    throw mapWebAuthnError(err);
  }
  if (!result.verified) throw new SignetError('WEBAUTHN_ATTESTATION_INVALID');
  return result.registrationInfo;
}

interface AttestationParts {
  fmt: unknown;
  sig: unknown;
  alg: unknown;
  credentialKey: Uint8Array<ArrayBuffer> | undefined;
  decoded: DecodedAttestation;
}

/** What our own checks need from the attestation object; undefined when the library will refuse it anyway. */
function attestationParts(attestationObject: Uint8Array<ArrayBuffer>): AttestationParts | undefined {
  try {
    const decoded = decodeAttestationObject(attestationObject);
    const authData = decoded.get('authData');
    let parsedAuthData: ReturnType<typeof parseAuthenticatorData> | undefined;
    try {
      parsedAuthData = authData instanceof Uint8Array ? parseAuthenticatorData(authData) : undefined;
    } catch {
      parsedAuthData = undefined; // the library refuses unreadable authenticator data, with its own message
    }
    const credentialKey = parsedAuthData?.credentialPublicKey;
    const attStmt = decoded.get('attStmt') as unknown;
    return {
      fmt: decoded.get('fmt'),
      sig: decoded.get('attStmt')?.get('sig'),
      alg: decoded.get('attStmt')?.get('alg'),
      credentialKey,
      decoded: {
        fmt: decoded.get('fmt'),
        authData,
        attStmt: attStmt instanceof Map ? (attStmt as Map<string, unknown>) : undefined,
        ...(parsedAuthData ? { parsedAuthData } : {}),
      },
    };
  } catch {
    return undefined; // the library refuses what cannot be decoded, with its own message
  }
}

/** The key's COSE algorithm was offered, and the key-strength rule accepts it: the algorithm and the key. */
function acceptableKey(credentialKey: Uint8Array<ArrayBuffer>, offered: number[]): { alg: number; key: KeyObject } {
  const alg = coseAlgOf(credentialKey);
  if (!offered.includes(alg)) throw new SignetError('WEBAUTHN_ALGORITHM_NOT_ALLOWED', { alg: String(alg) });
  const verdict = evaluateCredentialKey(credentialKey, alg);
  if (!verdict.ok) throw new SignetError(verdict.code, verdict.detail);
  return { alg, key: verdict.key };
}

/**
 * Packed self attestation is signed by the credential key with the credential's own algorithm (WebAuthn §8.2:
 * "validate that alg matches the algorithm of the credentialPublicKey"); the library checks the signature under
 * whichever hash the statement names, so a mismatch is refused here.
 */
function assertSelfAttestationAlg({ fmt, alg, decoded }: AttestationParts, credentialAlg: number): void {
  if (fmt !== 'packed' || decoded.attStmt?.has('x5c') || typeof alg !== 'number' || alg === credentialAlg) return;
  throw new SignetError('WEBAUTHN_ATTESTATION_INVALID', {
    reason: 'self attestation names another algorithm than the credential key',
  });
}

/** The statement's ECDSA signature must be canonical DER too (WA-17): the library's parser ignores trailing bytes. */
function assertCanonicalAttestationSignature({ fmt, sig, alg }: AttestationParts): void {
  if (!(sig instanceof Uint8Array)) return;
  const sigAlg = fmt === 'fido-u2f' ? -7 : typeof alg === 'number' ? alg : undefined;
  if (sigAlg !== undefined && !isCanonicalSignature(sigAlg, sig))
    throw new SignetError('WEBAUTHN_ATTESTATION_INVALID', { reason: 'attestation signature is not canonical DER' });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function coseAlgOf(publicKey: Uint8Array<ArrayBuffer>): number {
  let alg: unknown;
  try {
    alg = decodeCredentialPublicKey(publicKey).get(3);
  } catch (err) {
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', { field: 'credentialPublicKey' }, { cause: err });
  }
  if (typeof alg !== 'number') throw new SignetError('WEBAUTHN_ALGORITHM_NOT_ALLOWED');
  return alg;
}
