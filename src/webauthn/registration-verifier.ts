// The registration hot path for the statements that security keys and platforms send at scale — `none`, `packed`
// self attestation, and `packed` with an ES256 batch certificate: the same checks as @simplewebauthn/server's
// verifyRegistrationResponse and verifyAttestationPacked, in the same order and with the codes the library's errors
// map to (error-map.ts), but with each attestation certificate read once and kept (a batch certificate is shared by
// 100,000 authenticators or more), and hashing and verification on synchronous node:crypto (no thread-pool hop per
// call). Parsing stays the library's: CBOR, authenticator data, COSE keys and the certificate's fields. Any other
// statement — another format, algorithm or key — is the library's to verify (`undefined`). A differential test
// (registration-verifier.test.ts) holds it to the library's verdicts.
import { createHash, createPublicKey, type KeyObject, verify, X509Certificate } from 'node:crypto';
import { AsnParser, AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import { SettingsService } from '@simplewebauthn/server';
import {
  convertAAGUIDToString,
  getCertificateInfo,
  isoBase64URL,
  parseAuthenticatorData,
} from '@simplewebauthn/server/helpers';
import { type ErrorCode, SignetError } from '../core/errors.ts';
import { FAST_ALGS } from './assertion-verifier.ts';

/** What a verified registration tells, as the library's `registrationInfo` has it. */
export interface RegistrationInfo {
  fmt: string;
  aaguid: string;
  credential: { id: string; publicKey: Uint8Array<ArrayBuffer>; counter: number };
  attestationObject: Uint8Array<ArrayBuffer>;
  userVerified: boolean;
  credentialDeviceType: 'singleDevice' | 'multiDevice';
  credentialBackedUp: boolean;
}

export interface DecodedAttestation {
  fmt: unknown;
  authData: unknown;
  attStmt: Map<string, unknown> | undefined;
  /** The authenticator data as the library parses it, when the caller has parsed it already. */
  parsedAuthData?: ReturnType<typeof parseAuthenticatorData>;
}

const ID_FIDO_GEN_CE_AAGUID = '1.3.6.1.4.1.45724.1.1.4';

/** An attestation certificate as the library reads it, with its key: deterministic in its bytes, so kept. */
interface LeafReading {
  subject: { OU?: string; CN?: string; O?: string; C?: string };
  basicConstraintsCA: boolean;
  version: number;
  notBefore: number;
  notAfter: number;
  /** The id-fido-gen-ce-aaguid extension's value, when the certificate has it. */
  aaguidExtension: Uint8Array | undefined;
  key: KeyObject;
}
const leaves = new Map<string, LeafReading | null>();
// Batch certificates: a few per authenticator model; a few hundred bytes each.
const MAX_LEAVES = 2_000;

/** The leaf as the library reads it, or null when it is not an ES256 key the fast path verifies (or unreadable). */
function leafReading(der: Uint8Array): LeafReading | null {
  // By digest: a certificate is up to a few kilobytes, and whoever registers chooses it.
  const id = createHash('sha256').update(der).digest('base64url');
  const kept = leaves.get(id);
  if (kept !== undefined) return kept;
  let reading: LeafReading | null = null;
  try {
    const info = getCertificateInfo(der as Uint8Array<ArrayBuffer>);
    const key = new X509Certificate(der).publicKey;
    const ext = info.parsedCertificate.tbsCertificate.extensions?.find((e) => e.extnID === ID_FIDO_GEN_CE_AAGUID);
    // Only a key written exactly as P-256 keys are (the named curve, an uncompressed point): the library reads no
    // other form (a compressed point, the curve spelled out), so those stay its to refuse.
    // (Through JWK: node:crypto keeps a compressed point compressed when it exports a key read from one.)
    const spki = AsnSerializer.serialize(info.parsedCertificate.tbsCertificate.subjectPublicKeyInfo);
    const canonical =
      key.asymmetricKeyType === 'ec'
        ? createPublicKey({ key: key.export({ format: 'jwk' }), format: 'jwk' }).export({ type: 'spki', format: 'der' })
        : undefined;
    if (
      key.asymmetricKeyType === 'ec' &&
      key.asymmetricKeyDetails?.namedCurve === 'prime256v1' &&
      canonical !== undefined &&
      Buffer.compare(Buffer.from(spki), canonical) === 0
    )
      reading = {
        subject: info.subject,
        basicConstraintsCA: info.basicConstraintsCA,
        version: info.version,
        notBefore: info.notBefore.getTime(),
        notAfter: info.notAfter.getTime(),
        aaguidExtension: ext && new Uint8Array(AsnParser.parse(ext.extnValue, OctetString).buffer),
        key,
      };
  } catch {
    reading = null; // the library reads it (and refuses it) in its own words
  }
  if (leaves.size >= MAX_LEAVES) leaves.delete(leaves.keys().next().value!);
  leaves.set(id, reading);
  return reading;
}

const refuse = (code: ErrorCode, reason: string): never => {
  throw new SignetError(code, { reason });
};

/**
 * The statement, when the fast path verifies it (with its batch certificate's reading for a full attestation);
 * undefined when it is the library's.
 */
function fastStatementOf(
  d: DecodedAttestation,
  credentialAlg: number,
): { attStmt: Map<string, unknown>; leaf?: LeafReading } | undefined {
  const attStmt = d.attStmt;
  if (!(attStmt instanceof Map) || !(d.authData instanceof Uint8Array)) return undefined;
  if (d.fmt === 'none') return { attStmt };
  if (d.fmt !== 'packed' || !(attStmt.get('sig') instanceof Uint8Array)) return undefined;
  const alg = attStmt.get('alg');
  const x5c = attStmt.get('x5c');
  // Self attestation: signed by the credential key, with its algorithm.
  if (x5c === undefined) return alg === credentialAlg && FAST_ALGS.has(credentialAlg) ? { attStmt } : undefined;
  // Full attestation: an ES256 batch certificate, and no root the library would check the path to (Signet sets
  // none: metadata's roots are checked in attestation-trust.ts).
  if (alg !== -7 || !Array.isArray(x5c) || x5c.length === 0 || !x5c.every((c) => c instanceof Uint8Array))
    return undefined;
  if (SettingsService.getRootCertificates({ identifier: 'packed' }).length > 0) return undefined;
  const leaf = leafReading(x5c[0] as Uint8Array);
  return leaf ? { attStmt, leaf } : undefined;
}

/**
 * Verifies a registration on the fast path, or returns undefined when its statement is the library's to verify.
 * The caller has decoded the attestation object (`decoded`) and checked the client data's type, origin and
 * token binding, the credential key's algorithm and strength, and the statement signature's encoding.
 */
export function verifyRegistrationFast(i: {
  response: { id: string; rawId: string; type: string; response: { clientDataJSON: string } };
  challenge: string;
  expectedChallenge: string;
  attestationObject: Uint8Array<ArrayBuffer>;
  decoded: DecodedAttestation;
  credentialAlg: number;
  /** The credential key, judged and imported by the caller (key-strength.ts). */
  credentialKey: KeyObject;
  rpIdHash: Buffer;
  requireUserVerification: boolean;
  now: number;
}): RegistrationInfo | undefined {
  const d = i.decoded;
  const statement = fastStatementOf(d, i.credentialAlg);
  if (!statement) return undefined;
  const { attStmt, leaf } = statement;
  if (i.response.id !== i.response.rawId) refuse('WEBAUTHN_RESPONSE_MALFORMED', 'id differs from rawId');
  if (i.challenge !== i.expectedChallenge) refuse('WEBAUTHN_CHALLENGE_UNKNOWN', 'unexpected challenge');
  const authData = d.authData as Uint8Array<ArrayBuffer>;
  let parsed: ReturnType<typeof parseAuthenticatorData>;
  try {
    parsed = d.parsedAuthData ?? parseAuthenticatorData(authData);
  } catch {
    return undefined; // unreadable: the library refuses it in its own words
  }
  const { aaguid, rpIdHash, flags, credentialID, counter, credentialPublicKey } = parsed;
  if (!i.rpIdHash.equals(rpIdHash)) refuse('WEBAUTHN_RP_ID_MISMATCH', 'unexpected RP ID hash');
  if (!flags.up) refuse('WEBAUTHN_USER_PRESENCE_REQUIRED', 'user was not present');
  if (i.requireUserVerification && !flags.uv) refuse('WEBAUTHN_USER_VERIFICATION_REQUIRED', 'user was not verified');
  if (!credentialID) return refuse('WEBAUTHN_RESPONSE_MALFORMED', 'no credential id');
  if (!credentialPublicKey) return refuse('WEBAUTHN_RESPONSE_MALFORMED', 'no public key');
  if (!aaguid) return refuse('WEBAUTHN_ATTESTATION_INVALID', 'no AAGUID');
  const clientDataHash = createHash('sha256')
    .update(isoBase64URL.toBuffer(i.response.response.clientDataJSON))
    .digest();

  if (d.fmt === 'none') {
    if (attStmt.size > 0) refuse('WEBAUTHN_ATTESTATION_INVALID', 'none attestation with a statement');
  } else {
    const signed = Buffer.concat([authData, clientDataHash]);
    const sig = attStmt.get('sig') as Uint8Array;
    if (leaf) checkLeaf(leaf, aaguid, i.now);
    let ok: boolean;
    try {
      // Full attestation: the batch certificate's ES256 key; self: the credential's own key and algorithm.
      ok = verify(leaf || i.credentialAlg !== -8 ? 'sha256' : null, signed, leaf?.key ?? i.credentialKey, sig);
    } catch {
      ok = false;
    }
    if (!ok) refuse('WEBAUTHN_ATTESTATION_INVALID', 'attestation signature does not verify');
  }
  if (flags.bs && !flags.be) refuse('WEBAUTHN_BACKUP_FLAGS_INVALID', 'single-device credential backed up');
  return {
    fmt: d.fmt as string,
    aaguid: convertAAGUIDToString(aaguid),
    credential: { id: isoBase64URL.fromBuffer(credentialID), publicKey: credentialPublicKey, counter },
    attestationObject: i.attestationObject,
    userVerified: flags.uv,
    credentialDeviceType: flags.be ? 'multiDevice' : 'singleDevice',
    credentialBackedUp: flags.bs,
  };
}

/** verifyAttestationPacked's checks of a full attestation's certificate, in its order (FIDO packed §8.2.1). */
function checkLeaf(leaf: LeafReading, aaguid: Uint8Array, now: number): void {
  const { OU, CN, O, C } = leaf.subject;
  if (OU !== 'Authenticator Attestation') refuse('WEBAUTHN_ATTESTATION_INVALID', 'certificate OU');
  if (!CN) refuse('WEBAUTHN_ATTESTATION_INVALID', 'certificate CN empty');
  if (!O) refuse('WEBAUTHN_ATTESTATION_INVALID', 'certificate O empty');
  if (C?.length !== 2) refuse('WEBAUTHN_ATTESTATION_INVALID', 'certificate C not a two-letter code');
  if (leaf.basicConstraintsCA) refuse('WEBAUTHN_ATTESTATION_INVALID', 'certificate is a CA');
  if (leaf.version !== 2) refuse('WEBAUTHN_ATTESTATION_INVALID', 'certificate is not version 3');
  if (leaf.notBefore > now) refuse('WEBAUTHN_ATTESTATION_INVALID', 'certificate not yet valid');
  if (leaf.notAfter < now) refuse('WEBAUTHN_ATTESTATION_INVALID', 'certificate expired');
  if (leaf.aaguidExtension && Buffer.compare(leaf.aaguidExtension, aaguid) !== 0)
    refuse('WEBAUTHN_ATTESTATION_INVALID', 'certificate AAGUID extension differs');
}
