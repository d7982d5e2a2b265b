// The authentication methods policy (Graph's policies/authenticationMethodsPolicy and its method
// configurations): the rules a write must keep. Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const policyErrors = {
  POLICY_PASSKEY_PROFILES_TOO_MANY: {
    status: 400,
    message:
      'The passkey (Fido2) configuration has more passkey profiles than Signet allows (10; Microsoft Entra allows 3).',
    remediation:
      'Remove profiles until at most the number in the error detail (`innerError.limit`) remain; one profile can hold several AAGUIDs and both passkey types.',
    where: 'admin API (Graph), CLI (policy set)',
  },
  POLICY_TOO_LARGE: {
    status: 400,
    message: 'The passkey (Fido2) configuration is larger than 20 KB once serialized, the limit Entra sets too.',
    remediation:
      'Shorten it (fewer AAGUIDs in key restrictions, shorter profile names, fewer profiles); the error detail gives its size and the limit in bytes.',
    where: 'admin API (Graph), CLI (policy set)',
  },
  POLICY_PROFILE_SYNCED_WITH_ATTESTATION: {
    status: 400,
    message:
      'A passkey profile asks for synced passkeys and enforces attestation: synced passkeys do not attest, so none could ever register.',
    remediation:
      'In the profile named in the error detail, either drop `synced` from passkeyTypes (device-bound passkeys only) or set attestationEnforcement to `disabled`.',
    where: 'admin API (Graph), CLI (policy set)',
  },
  POLICY_PROFILE_IN_USE: {
    status: 409,
    message:
      'A passkey profile cannot be removed while a target (allowedPasskeyProfiles) or the defaultPasskeyProfile still names it.',
    remediation:
      'First remove the profile id from the targets named in the error detail (or choose another defaultPasskeyProfile), then remove the profile.',
    where: 'admin API (Graph), CLI (policy set)',
  },
  POLICY_PROFILE_UNKNOWN: {
    status: 400,
    message: 'A target or the defaultPasskeyProfile names a passkey profile the configuration does not have.',
    remediation:
      'Use the id of one of the passkeyProfiles (the error detail names the field and the id), or add that profile in the same request.',
    where: 'admin API (Graph), CLI (policy set)',
  },
  POLICY_PROFILE_DUPLICATE: {
    status: 400,
    message: 'Two passkey profiles, or two targets, have the same id.',
    remediation: 'Give each passkey profile its own id, and name each group at most once in a target list.',
    where: 'admin API (Graph), CLI (policy set)',
  },
  POLICY_TARGET_NOT_FOUND: {
    status: 400,
    message: 'A target of the policy names a group (or user) that does not exist in this tenant.',
    remediation:
      'Use the object id of a group of this tenant (`npx signet group list` lists them), or `all_users`; the error detail names the field and the id.',
    where: 'admin API (Graph), CLI (policy set)',
  },
  POLICY_AAGUID_INVALID: {
    status: 400,
    message: 'An AAGUID in key restrictions is not a well-formed GUID.',
    remediation:
      'Write each AAGUID as 32 hexadecimal digits in the 8-4-4-4-12 form, for example cb69481e-8ff7-4039-93ec-0a2729a154a8; the error detail names the field.',
    where: 'admin API (Graph), CLI (policy set)',
  },
  POLICY_TAP_LIFETIME_INCONSISTENT: {
    status: 400,
    message:
      'The Temporary Access Pass lifetimes do not fit together: the minimum must not exceed the default, nor the default the maximum.',
    remediation:
      'Choose minimumLifetimeInMinutes ≤ defaultLifetimeInMinutes ≤ maximumLifetimeInMinutes (each from 10 to 43200 minutes); the error detail names the fields and their values.',
    where: 'admin API (Graph), CLI (policy set)',
  },
  POLICY_METHOD_UNKNOWN: {
    status: 400,
    message: 'There is no authentication method configuration with this name.',
    remediation: 'Name one of Fido2, TemporaryAccessPass, Email, SoftwareOath or Password (in any letter case).',
    where: 'CLI (policy show, policy set)',
  },
  POLICY_FILE_INVALID: {
    status: 400,
    message: 'The policy file cannot be read as one JSON object.',
    remediation: 'Give a file holding one JSON object, the body of the PATCH you would send to the admin API.',
    where: 'CLI (policy set)',
  },
} satisfies Record<string, ErrorEntry>;
