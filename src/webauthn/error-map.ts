// The one boundary where @simplewebauthn/server's plain Errors become catalogue codes; the original is kept
// as the cause. Our own checks run first, so these are the library's remaining refusals.
import { type ErrorCode, SignetError } from '../core/errors.ts';

const rules: Array<[RegExp, ErrorCode]> = [
  [/RP ID/i, 'WEBAUTHN_RP_ID_MISMATCH'],
  [/user verification|could not be verified/i, 'WEBAUTHN_USER_VERIFICATION_REQUIRED'],
  [/not present|user presence/i, 'WEBAUTHN_USER_PRESENCE_REQUIRED'],
  [/backed up|backup/i, 'WEBAUTHN_BACKUP_FLAGS_INVALID'],
  [/origin/i, 'WEBAUTHN_ORIGIN_MISMATCH'],
  [/response type/i, 'WEBAUTHN_TYPE_MISMATCH'],
  [/challenge/i, 'WEBAUTHN_CHALLENGE_UNKNOWN'],
  [/tokenBinding|TokenBinding/, 'WEBAUTHN_TOKEN_BINDING_INVALID'],
  [/public key alg|Unsupported COSE|unsupported.*alg|algorithm/i, 'WEBAUTHN_ALGORITHM_NOT_ALLOWED'],
  [
    /attestation|certificate|x5c|signature|attStmt|Unsupported Attestation Format|AAGUID|leaf|root|chain/i,
    'WEBAUTHN_ATTESTATION_INVALID',
  ],
];

export function mapWebAuthnError(err: unknown, fallback: ErrorCode = 'WEBAUTHN_RESPONSE_MALFORMED'): SignetError {
  if (err instanceof SignetError) return err;
  // A TypeError or RangeError inside the library means it was handed a structure it could not read.
  if (err instanceof TypeError || err instanceof RangeError)
    return new SignetError('WEBAUTHN_RESPONSE_MALFORMED', {}, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  for (const [re, code] of rules) if (re.test(message)) return new SignetError(code, {}, { cause: err });
  return new SignetError(fallback, {}, { cause: err });
}
