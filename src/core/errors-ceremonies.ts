// Passkey registration and sign-in, WebAuthn verification, Temporary Access Passes. Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const ceremonyErrors = {
  PASSKEY_METHOD_DISABLED: {
    status: 403,
    message: 'Passkeys are turned off for this tenant.',
    remediation: 'An Authentication Policy Administrator can turn the passkey method on.',
    where: 'registration, sign-in, sign-in log',
  },
  PASSKEY_METHOD_NOT_TARGETED: {
    status: 403,
    message: 'The passkey method is not enabled for this user (not included, or excluded, by the policy).',
    remediation: 'Ask an administrator to include you (or a group you are in) in the passkey method policy.',
    where: 'registration, sign-in, sign-in log',
  },
  PASSKEY_SELF_SERVICE_DISABLED: {
    status: 403,
    message: 'Self-service passkey registration is not allowed in this tenant.',
    remediation: 'Ask an administrator to provision a passkey for you, or to allow self-service setup.',
    where: 'registration',
  },
  PASSKEY_STRONG_AUTH_REQUIRED: {
    status: 401,
    message: 'Adding a passkey needs a strong sign-in within the last 5 minutes.',
    remediation:
      'Sign in again with an existing passkey, a Temporary Access Pass or multi-factor authentication, then add the passkey.',
    where: 'registration',
  },
  PASSKEY_LIMIT_REACHED: {
    status: 409,
    message: 'This account already has the maximum number of passkeys.',
    remediation: 'Delete a passkey you no longer use, then add the new one.',
    where: 'registration',
  },
  PASSKEY_TYPE_NOT_ALLOWED: {
    status: 403,
    message: 'This kind of passkey (device-bound or synced) is not allowed by your passkey profile.',
    remediation: 'Use an authenticator of an allowed type (for example a security key for device-bound passkeys).',
    where: 'registration, sign-in, sign-in log',
  },
  PASSKEY_ATTESTATION_NONE: {
    status: 403,
    message:
      'Your passkey profile requires proof of the authenticator model (attestation), and this authenticator sent none (the detail names the profile, AAGUID and format).',
    remediation:
      'Register a security key or device-bound passkey that provides attestation (synced passkeys never do), or ask an administrator which models the profile accepts.',
    where: 'registration',
  },
  PASSKEY_ATTESTATION_SELF: {
    status: 403,
    message:
      'Your passkey profile requires proof of the authenticator model, and this authenticator only signed its attestation with its own new key (self attestation), which proves nothing about the model.',
    remediation:
      'Register a security key or device-bound passkey whose maker signs its attestation, or ask an administrator which models the profile accepts.',
    where: 'registration',
  },
  PASSKEY_ATTESTATION_UNTRUSTED: {
    status: 403,
    message:
      "Your passkey profile requires proof of the authenticator model, and this authenticator's attestation does not lead to a root that the authenticator metadata gives for its AAGUID (unknown maker, or no metadata for the model).",
    remediation:
      'Register a model listed in the authenticator metadata, or ask an administrator to load metadata for this model (`npx signet mds load FILE`, or SIGNET_METADATA_FILE).',
    where: 'registration',
  },
  PASSKEY_ATTESTATION_METADATA_STALE: {
    status: 503,
    message:
      'Your passkey profile requires proof of the authenticator model, and the authenticator metadata in force is past its next update date, so the attestation cannot be trusted now (registration fails closed; sign-ins go on).',
    remediation:
      'Try again later; an administrator refreshes the metadata (`npx signet mds load`, or SIGNET_MDS_URL) and checks `npx signet mds status`.',
    where: 'registration, /readyz',
  },
  PASSKEY_AAGUID_BLOCKED: {
    status: 403,
    message: 'This authenticator model is blocked by the key restrictions of your passkey profile.',
    remediation: 'Register an allowed authenticator, or ask an administrator to change the key restrictions.',
    where: 'registration, sign-in, sign-in log',
  },
  PASSKEY_AAGUID_NOT_ALLOWED: {
    status: 403,
    message: 'This authenticator model is not on the allow list of your passkey profile.',
    remediation: 'Register an authenticator from the allow list, or ask an administrator to allow this AAGUID.',
    where: 'registration, sign-in, sign-in log',
  },
  PASSKEY_AUTHENTICATOR_COMPROMISED: {
    status: 403,
    message:
      'This authenticator model is reported compromised or revoked in the authenticator metadata (the detail names the model and its status), so its passkeys can no longer register or sign in.',
    remediation:
      'Use another authenticator model (or a Temporary Access Pass, then register a new passkey); an administrator lists the affected passkeys with `npx signet mds affected`.',
    where: 'registration, sign-in, sign-in log, FIDO binding',
  },
  MDS_BLOB_MALFORMED: {
    status: 422,
    message: 'The metadata BLOB is not an MDS3 BLOB (a JWS with an x5c chain and an MDS3 payload); it was not loaded.',
    remediation:
      'Load the BLOB exactly as the metadata service serves it (https://mds3.fidoalliance.org/); the metadata in force is unchanged.',
    where: 'signet mds load, metadata refresh, /readyz',
  },
  MDS_BLOB_SIGNATURE_INVALID: {
    status: 422,
    message: "The metadata BLOB's signature does not verify: it was altered or damaged, and was not loaded.",
    remediation: 'Download the BLOB again from the metadata service; the metadata in force is unchanged.',
    where: 'signet mds load, metadata refresh, /readyz',
  },
  MDS_BLOB_CHAIN_UNTRUSTED: {
    status: 422,
    message: "The metadata BLOB's certificate chain does not lead to the configured MDS root; it was not loaded.",
    remediation:
      'Check SIGNET_MDS_ROOT (unset: the FIDO Alliance root shipped with Signet) and where the BLOB came from; the metadata in force is unchanged.',
    where: 'signet mds load, metadata refresh, /readyz',
  },
  MDS_BLOB_CERTIFICATE_EXPIRED: {
    status: 422,
    message: "A certificate in the metadata BLOB's chain is expired or not yet valid; the BLOB was not loaded.",
    remediation:
      "Fetch a current BLOB from the metadata service (and check this machine's clock); the metadata in force is unchanged.",
    where: 'signet mds load, metadata refresh, /readyz',
  },
  MDS_BLOB_CERTIFICATE_REVOKED: {
    status: 422,
    message: "A certificate in the metadata BLOB's chain is revoked by its CRL; the BLOB was not loaded.",
    remediation:
      'Do not use this BLOB; fetch one signed by a current certificate from the metadata service. The metadata in force is unchanged.',
    where: 'signet mds load, metadata refresh, /readyz',
  },
  MDS_BLOB_NOT_NEWER: {
    status: 409,
    message: "The metadata BLOB's serial number (no) is not above the one in force; an older BLOB is never loaded.",
    remediation:
      'Load a newer BLOB (`npx signet mds status` shows the no in force); a replayed old BLOB could hide a revocation.',
    where: 'signet mds load, metadata refresh, /readyz',
  },
  MDS_BLOB_UNREACHABLE: {
    status: 502,
    message: 'The metadata BLOB could not be downloaded from SIGNET_MDS_URL.',
    remediation:
      'Check SIGNET_MDS_URL and the network; the last good BLOB stays in force, and `npx signet mds load FILE` loads one by hand.',
    where: 'signet mds load, metadata refresh, /readyz',
  },
  PASSKEY_ALREADY_REGISTERED: {
    status: 409,
    message: 'This passkey is already registered.',
    remediation: 'Use the passkey you already have, or create a new one on another authenticator.',
    where: 'registration, FIDO binding',
  },
  PASSKEY_NOT_FOUND: {
    status: 404,
    message: 'No such passkey on this account.',
    remediation: 'Reload the list of passkeys; it may have been deleted.',
    where: 'account page, self-service API',
  },
  PASSKEY_NAME_INVALID: {
    status: 400,
    message: 'A passkey name must be 1 to 64 printable characters.',
    remediation: 'Choose a shorter name without control characters.',
    where: 'account page, self-service API',
  },
  WEBAUTHN_RESPONSE_MALFORMED: {
    status: 400,
    message: 'The authenticator response is malformed (bad base64url, CBOR, COSE key or missing field).',
    remediation: 'Retry with a standard browser; if it keeps failing, the authenticator may be faulty.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_CHALLENGE_UNKNOWN: {
    status: 400,
    message: 'This ceremony is unknown or was already completed.',
    remediation: 'Start again: each passkey prompt can be answered only once.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_CHALLENGE_EXPIRED: {
    status: 400,
    message: 'The passkey prompt expired before it was answered.',
    remediation: 'Start again and answer the prompt within 5 minutes.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_TYPE_MISMATCH: {
    status: 400,
    message: 'The response is for another kind of ceremony (registration versus sign-in).',
    remediation: 'Start the ceremony again from the page.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_ORIGIN_MISMATCH: {
    status: 400,
    message: 'The passkey was used on a site that is not this sign-in service.',
    remediation: 'Open the sign-in page at its real address; a look-alike site may be trying to phish you.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_CROSS_ORIGIN_REFUSED: {
    status: 400,
    message: 'The passkey prompt was shown inside a frame of another site.',
    remediation: 'Open the sign-in page directly, not embedded in another site.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_RP_ID_MISMATCH: {
    status: 400,
    message: 'The passkey belongs to another site (relying party id).',
    remediation: 'Use a passkey created for this sign-in service.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_TOKEN_BINDING_INVALID: {
    status: 400,
    message: 'The client data carries an invalid or unsupported token binding.',
    remediation: 'Retry with a current browser; Signet does not negotiate token binding.',
    where: 'registration, sign-in, FIDO binding',
  },
  WEBAUTHN_USER_PRESENCE_REQUIRED: {
    status: 400,
    message: 'The authenticator did not confirm that a person was present.',
    remediation: 'Touch or unlock your authenticator when asked.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_USER_VERIFICATION_REQUIRED: {
    status: 400,
    message: 'The authenticator did not verify you (PIN, fingerprint or face).',
    remediation: 'Use an authenticator with a PIN or biometric set up, and complete its check.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_BACKUP_FLAGS_INVALID: {
    status: 400,
    message: 'The authenticator reported inconsistent backup flags.',
    remediation: 'Retry; if it keeps failing, register the passkey again.',
    where: 'registration, sign-in, sign-in log',
  },
  WEBAUTHN_PUBLIC_KEY_WEAK: {
    status: 400,
    message: 'The passkey offered a public key that is too weak or malformed to be trusted.',
    remediation:
      'Use an authenticator that makes ES256 or EdDSA keys, or RSA keys of at least 2048 bits with exponent 65537.',
    where: 'registration, sign-in (a key stored before the rule), FIDO binding, sign-in log',
  },
  WEBAUTHN_ALGORITHM_NOT_ALLOWED: {
    status: 400,
    message: 'The passkey uses a signature algorithm this service does not accept.',
    remediation: 'Use an authenticator that supports ES256, EdDSA or RS256.',
    where: 'registration, FIDO binding',
  },
  WEBAUTHN_ATTESTATION_INVALID: {
    status: 400,
    message: 'The authenticator attestation did not verify.',
    remediation: 'Retry with another authenticator; this one may be counterfeit or faulty.',
    where: 'registration, FIDO binding',
  },
  WEBAUTHN_SIGNATURE_INVALID: {
    status: 401,
    message: 'The passkey signature did not verify.',
    remediation: 'Try again; if it keeps failing, remove this passkey and register a new one.',
    where: 'sign-in, FIDO binding, sign-in log',
  },
  SIGNIN_CREDENTIAL_UNKNOWN: {
    status: 401,
    message: 'This passkey is not registered for an account here.',
    remediation:
      'Choose another passkey, or sign in another way and register this device; it may have been removed by an administrator.',
    where: 'sign-in, FIDO binding, sign-in log',
  },
  SIGNIN_USER_HANDLE_MISMATCH: {
    status: 401,
    message: 'The passkey does not belong to the account that is signing in.',
    remediation: 'Choose the passkey of this account.',
    where: 'sign-in, sign-in log',
  },
  SIGNIN_PASSKEY_NOT_FOR_ACCOUNT: {
    status: 401,
    message: 'This passkey is not for the account you entered.',
    remediation:
      'Check the username you typed, or choose a passkey of that account; to sign in with whichever passkey your device offers, start the sign-in without a username.',
    where: 'sign-in (username first), sign-in log',
  },
  SIGNIN_USER_DISABLED: {
    status: 403,
    message: 'This account is disabled.',
    remediation: 'Contact your administrator.',
    where: 'sign-in, registration, sign-in log',
  },
  SIGNIN_COUNTER_REGRESSION: {
    status: 401,
    message: 'The passkey signature counter went backwards: the passkey may have been cloned.',
    remediation:
      'Sign in another way and remove this passkey; an administrator should review the sign-in log for this credential.',
    where: 'sign-in, FIDO binding, sign-in log',
  },
  SIGNIN_BACKUP_ELIGIBILITY_CHANGED: {
    status: 401,
    message:
      'This passkey now reports a different kind of storage (synced or device-bound) than when it was registered.',
    remediation:
      'The passkey provider changed how it stores this passkey: delete it on your security info page and register it again.',
    where: 'sign-in, FIDO binding, sign-in log, metrics',
  },
  TAP_INVALID: {
    status: 401,
    message: 'The Temporary Access Pass is not valid for this account.',
    remediation: 'Check the pass (it is case-sensitive) or ask your administrator for a new one.',
    where: 'sign-in, sign-in log',
  },
  TAP_EXPIRED: {
    status: 401,
    message: 'The Temporary Access Pass has expired.',
    remediation: 'Ask your administrator for a new pass.',
    where: 'sign-in, sign-in log',
  },
  TAP_ALREADY_USED: {
    status: 401,
    message: 'This one-time Temporary Access Pass was already used.',
    remediation: 'Ask your administrator for a new pass.',
    where: 'sign-in, sign-in log',
  },
  TAP_LOCKED_OUT: {
    status: 429,
    message:
      'Too many wrong Temporary Access Passes were tried for this account from this network address, so signing in with a pass from here is paused for a while.',
    remediation:
      'Wait and try again later: the first pause lasts 15 minutes, and each lockout in a row doubles it, up to 4 hours. Meanwhile sign in another way (a passkey), or ask your administrator for help.',
    where: 'sign-in, sign-in log',
  },
} satisfies Record<string, ErrorEntry>;
