import { ECDSASigValue } from '@peculiar/asn1-ecc';
import { AsnParser, AsnSerializer } from '@peculiar/asn1-schema';

const ECDSA_ALGS = new Set([-7, -35, -36, -47]);

/**
 * ECDSA signatures must be canonical DER: exactly one ECDSA-Sig-Value, minimal integers, nothing after it
 * (WA-17, go-webauthn 5b35453). Re-encoding the parsed value must give back the very same bytes, and r and s must
 * be positive: an INTEGER whose first byte has its high bit set is negative in DER (a positive one that large
 * needs a leading zero), which OpenSSL refuses; a lenient reader would take it as positive.
 */
export function isCanonicalSignature(alg: number, signature: Uint8Array): boolean {
  if (!ECDSA_ALGS.has(alg)) return true;
  try {
    const parsed = AsnParser.parse(signature, ECDSASigValue);
    const again = new Uint8Array(AsnSerializer.serialize(parsed));
    const positive = (v: ArrayBuffer) => v.byteLength > 0 && (new Uint8Array(v)[0]! & 0x80) === 0;
    return (
      positive(parsed.r) &&
      positive(parsed.s) &&
      again.length === signature.length &&
      again.every((b, i) => b === signature[i])
    );
  } catch {
    return false;
  }
}
