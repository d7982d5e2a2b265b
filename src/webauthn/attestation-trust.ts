import { X509Certificate } from 'node:crypto';
// The library's PEM writer: a hand-written one that left a blank line before END when the base64 filled its last
// line exactly (1 certificate in 16) made such chains unreadable, so those models could never be verified.
import {
  convertCertBufferToPEM,
  decodeAttestationObject,
  validateCertificatePath,
} from '@simplewebauthn/server/helpers';
import { SignetError } from '../core/errors.ts';
import type { AttestationTrust } from '../core/passkey-profile.ts';
import type { MetadataRegistry } from './metadata.ts';

function isSelfSigned(der: Uint8Array): boolean {
  try {
    const cert = new X509Certificate(der);
    return cert.issuer === cert.subject && cert.verify(cert.publicKey);
  } catch {
    throw new SignetError('WEBAUTHN_ATTESTATION_INVALID', { reason: 'an x5c entry is not a certificate' });
  }
}

/**
 * What an attestation statement (already verified by the library) proves: `verified` only when its chain
 * leads to a trust root that metadata names for this AAGUID. A valid signature from an unknown root is
 * `unverified`; a statement signed by the credential key itself is `self`.
 */
export async function attestationTrustOf(
  attestationObject: Uint8Array<ArrayBuffer>,
  aaguid: string,
  metadata: MetadataRegistry,
): Promise<AttestationTrust> {
  const decoded = decodeAttestationObject(attestationObject);
  const fmt = decoded.get('fmt');
  if (fmt === 'none') return 'none';
  const x5c = decoded.get('attStmt').get('x5c');
  if (!x5c || x5c.length === 0) return 'self';
  // A packed chain ends below its root: an x5c that carries a root supplies its own trust (FIDO Resp-5 F-10,
  // WA-20), which is refused whatever the tenant's attestation policy.
  if (fmt === 'packed' && x5c.some((der) => isSelfSigned(der)))
    throw new SignetError('WEBAUTHN_ATTESTATION_INVALID', { reason: 'x5c includes a self-signed (root) certificate' });
  const roots = metadata.rootsFor(aaguid);
  if (roots.length === 0) return 'unverified';
  try {
    return (await validateCertificatePath(
      x5c.map((der) => convertCertBufferToPEM(der)),
      roots,
    ))
      ? 'verified'
      : 'unverified';
  } catch {
    return 'unverified';
  }
}
