import { type PublicKeyCredentialRequestOptionsJSON, verifyAuthenticationResponse } from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { SignetError } from '../core/errors.ts';
import { FAST_ALGS, verifyAssertionSignature } from './assertion-verifier.ts';
import { mapWebAuthnError } from './error-map.ts';
import { evaluateCredentialKey } from './key-strength.ts';
import { CEREMONY_TIMEOUT_MS } from './registration.ts';
import { type AssertionResponse, libraryEnvelope } from './response-shape.ts';
import { isCanonicalSignature } from './signature-encoding.ts';

export function buildAuthenticationOptions(i: {
  rpId: string;
  challenge: string;
  allow: ReadonlyArray<{ credentialId: string; transports: string[] }>;
  userVerification?: 'required' | 'preferred' | 'discouraged';
}): PublicKeyCredentialRequestOptionsJSON {
  return {
    challenge: i.challenge,
    timeout: CEREMONY_TIMEOUT_MS,
    rpId: i.rpId,
    allowCredentials: i.allow.map((c) => ({
      id: c.credentialId,
      type: 'public-key',
      // Only the FIDO binding lists credentials (its tests require it); sign-in options list none (WA-25/26).
      transports: c.transports as AuthenticatorTransport[],
    })),
    userVerification: i.userVerification ?? 'required',
  };
}

export interface VerifiedAssertion {
  counter: number;
  userVerified: boolean;
  backupEligible: boolean;
  backupState: boolean;
}

/**
 * The library's checks (challenge, origin, RP ID hash, UP/UV flags, signature). The sign counter is
 * judged by our own rule after the signature has verified, so only a genuine assertion can flag a clone.
 */
export async function verifyAssertion(i: {
  response: AssertionResponse;
  expectedChallenge: string;
  origins: string[];
  rpId: string;
  credential: { credentialId: string; publicKey: string; alg: number };
  requireUserVerification: boolean;
  /** Conformance tenants only: FIDO's rules for UP/UV flags (FC-Q1). */
  fidoUserVerification?: 'required' | 'preferred' | 'discouraged';
}): Promise<VerifiedAssertion> {
  // The hot path: the algorithms Signet registers, under WebAuthn's own flag rules. The caller has checked the
  // client data; its challenge, origin and type are checked once more here, cheaply, so this function is whole.
  if (FAST_ALGS.has(i.credential.alg) && !i.fidoUserVerification) {
    const cd = JSON.parse(Buffer.from(i.response.response.clientDataJSON, 'base64url').toString('utf8')) as {
      challenge?: unknown;
      origin?: unknown;
      type?: unknown;
    };
    if (cd.challenge !== i.expectedChallenge) throw new SignetError('WEBAUTHN_CHALLENGE_UNKNOWN');
    if (typeof cd.origin !== 'string' || !i.origins.includes(cd.origin))
      throw new SignetError('WEBAUTHN_ORIGIN_MISMATCH');
    if (cd.type !== 'webauthn.get') throw new SignetError('WEBAUTHN_TYPE_MISMATCH');
    return verifyAssertionSignature(i);
  }
  // The library imports the stored key as it is: it must pass the key-strength rule first (a key stored before
  // the rule existed is refused here as it would be at registration). Only the FIDO binding comes this way.
  const key = evaluateCredentialKey(isoBase64URL.toBuffer(i.credential.publicKey), i.credential.alg);
  if (!key.ok) throw new SignetError(key.code, key.detail);
  if (!isCanonicalSignature(i.credential.alg, isoBase64URL.toBuffer(i.response.response.signature)))
    throw new SignetError('WEBAUTHN_SIGNATURE_INVALID', { reason: 'signature is not canonical DER' });
  let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    result = await verifyAuthenticationResponse({
      response: {
        ...i.response,
        ...libraryEnvelope(i.response),
        response: { ...i.response.response, userHandle: i.response.response.userHandle ?? undefined },
      },
      expectedChallenge: i.expectedChallenge,
      expectedOrigin: i.origins,
      expectedRPID: i.rpId,
      credential: {
        id: i.credential.credentialId,
        publicKey: isoBase64URL.toBuffer(i.credential.publicKey),
        counter: 0,
      },
      requireUserVerification: i.requireUserVerification,
      ...(i.fidoUserVerification ? { advancedFIDOConfig: { userVerification: i.fidoUserVerification } } : {}),
    });
  } catch (err) {
    throw mapWebAuthnError(err);
  }
  if (!result.verified) throw new SignetError('WEBAUTHN_SIGNATURE_INVALID');
  const a = result.authenticationInfo;
  return {
    counter: a.newCounter,
    userVerified: a.userVerified,
    backupEligible: a.credentialDeviceType === 'multiDevice',
    backupState: a.credentialBackedUp,
  };
}
