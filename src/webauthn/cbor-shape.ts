import { decodePartialCBOR } from '@levischuck/tiny-cbor';
import { SignetError } from '../core/errors.ts';

/**
 * The library decodes only the first CBOR item of an attestation object and ignores what follows; a
 * well-formed one is exactly one item (FIDO Resp-3 F-12, go-webauthn 3017aaa). Deep nesting that exhausts
 * the decoder's stack is malformed too.
 */
export function assertSingleCborItem(bytes: Uint8Array, field: string): void {
  let read: number;
  try {
    [, read] = decodePartialCBOR(bytes, 0);
  } catch (err) {
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', { field, reason: 'not well-formed CBOR' }, { cause: err });
  }
  if (read !== bytes.length)
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', { field, reason: 'bytes after the CBOR item' });
}
