import { decodeAttestationObject, validateCertificatePath } from '@simplewebauthn/server/helpers';
import type { AttestationTrust } from '../core/passkey-profile.ts';
import type { MetadataRegistry } from './metadata.ts';

function derToPem(der: Uint8Array): string {
  const body = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
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
  const roots = metadata.rootsFor(aaguid);
  if (roots.length === 0) return 'unverified';
  try {
    return (await validateCertificatePath(x5c.map(derToPem), roots)) ? 'verified' : 'unverified';
  } catch {
    return 'unverified';
  }
}
