import { createHash, X509Certificate } from 'node:crypto';
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
  const roots = metadata.rootsFor(aaguid);
  // A chain verified before (the same format, AAGUID and certificates, the same metadata) passed every check below.
  const key = chainKey(String(fmt), aaguid, x5c, metadata.generation);
  const now = Date.now();
  const verdicts = verdictsOf(metadata);
  const cached = verdicts.get(key);
  if (cached !== undefined && now < cached) return 'verified';
  // A packed chain ends below its root: an x5c that carries a root supplies its own trust (FIDO Resp-5 F-10,
  // WA-20), which is refused whatever the tenant's attestation policy.
  if (fmt === 'packed' && x5c.some((der) => isSelfSigned(der)))
    throw new SignetError('WEBAUTHN_ATTESTATION_INVALID', { reason: 'x5c includes a self-signed (root) certificate' });
  if (roots.length === 0) return 'unverified';
  let verified: boolean;
  try {
    verified = await validateCertificatePath(
      x5c.map((der) => convertCertBufferToPEM(der)),
      roots,
    );
  } catch {
    verified = false;
  }
  if (!verified) return 'unverified';
  remember(verdicts, key, Math.min(now + VERDICT_TTL_MS, earliestEnd(x5c, roots)));
  return 'verified';
}

/**
 * Verified chains, per registry, by format, AAGUID, x5c bytes and metadata generation: an attestation batch
 * certificate is shared by at least 100,000 authenticators (FIDO), so most registrations present a chain already
 * checked, and the path validation (X.509 parsing and signatures in JavaScript) is most of what attestation costs.
 * A verdict is kept 10 minutes at most and never past a certificate's end; a new metadata generation (another
 * BLOB, another statement) is a new key. Only successes are kept: a refusal is always decided afresh.
 */
const verifiedChains = new WeakMap<MetadataRegistry, Map<string, number>>();
const VERDICT_TTL_MS = 10 * 60_000;
const MAX_VERDICTS = 10_000;

function chainKey(fmt: string, aaguid: string, x5c: readonly Uint8Array[], generation: number): string {
  const h = createHash('sha256');
  // Each certificate's length too, so that no two different chains hash alike.
  for (const der of x5c) h.update(`${der.length}:`).update(der);
  return `${generation}|${fmt}|${aaguid.toLowerCase()}|${h.digest('base64url')}`;
}

/** The verdicts judged against one registry's roots (each process has one; tests make several). */
function verdictsOf(metadata: MetadataRegistry): Map<string, number> {
  let v = verifiedChains.get(metadata);
  if (!v) {
    v = new Map();
    verifiedChains.set(metadata, v);
  }
  return v;
}

function remember(verdicts: Map<string, number>, key: string, until: number): void {
  if (verdicts.size >= MAX_VERDICTS) verdicts.delete(verdicts.keys().next().value!);
  verdicts.set(key, until);
}

/** When the first certificate of the chain or of its roots ends. */
function earliestEnd(x5c: readonly Uint8Array[], roots: readonly string[]): number {
  const ends = [...x5c.map((der) => new X509Certificate(der)), ...roots.map((pem) => new X509Certificate(pem))].map(
    (c) => Date.parse(c.validTo),
  );
  return Math.min(...ends);
}
