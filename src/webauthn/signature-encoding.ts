import { ECDSASigValue } from '@peculiar/asn1-ecc';
import { AsnParser, AsnSerializer } from '@peculiar/asn1-schema';

const ECDSA_ALGS = new Set([-7, -35, -36, -47]);

/**
 * ECDSA signatures must be canonical DER: exactly one ECDSA-Sig-Value, minimal integers, nothing after it
 * (WA-17, go-webauthn 5b35453). Re-encoding the parsed value must give back the very same bytes.
 */
export function isCanonicalSignature(alg: number, signature: Uint8Array): boolean {
  if (!ECDSA_ALGS.has(alg)) return true;
  try {
    const parsed = AsnParser.parse(signature, ECDSASigValue);
    const again = new Uint8Array(AsnSerializer.serialize(parsed));
    return again.length === signature.length && again.every((b, i) => b === signature[i]);
  } catch {
    return false;
  }
}
