// The registration What If (issue 8): would this user's registration of this authenticator be accepted, under the
// configuration in force or a proposed one, and if not, by which rule. The same functions as the live path, in its
// order (flows/register-passkey.ts): the registration gate (registration-gate.ts), then the metadata's compromise
// report, then the user's passkey profiles (passkey-profile.ts). Pure.
import { allow, type Decision, deny } from './errors.ts';
import { type PasskeyMethodConfig, type PasskeyType, profilesForUser, type UserScope } from './passkey-method.ts';
import { type AttestationTrust, evaluatePasskeyProfile, evaluatePasskeyProfiles } from './passkey-profile.ts';
import { evaluateRegistrationGate } from './registration-gate.ts';

export const ATTESTATION_FORMATS = [
  'none',
  'packed',
  'tpm',
  'android-key',
  'android-safetynet',
  'apple',
  'fido-u2f',
] as const;
export type AttestationFormat = (typeof ATTESTATION_FORMATS)[number];
export const ATTESTATION_TRUSTS: readonly AttestationTrust[] = ['none', 'self', 'unverified', 'verified'];

export interface WhatIfAuthenticator {
  aaguid: string;
  passkeyType: PasskeyType;
  attestationFormat: AttestationFormat;
  attestationTrust: AttestationTrust;
}

/**
 * The authenticator's attestation as the verifier would see it (webauthn/attestation-trust.ts): `none` proves
 * nothing, so its trust is `none`; a format given without a trust is taken as a valid signature from a root the
 * metadata does not give (`unverified`), the cautious reading. Format `none` with another trust cannot happen.
 */
export function whatIfAttestation(
  format: AttestationFormat | undefined,
  trust: AttestationTrust | undefined,
): { ok: true; format: AttestationFormat; trust: AttestationTrust } | { ok: false; detail: Record<string, string> } {
  const f = format ?? (trust === undefined || trust === 'none' ? 'none' : 'packed');
  const t = trust ?? (f === 'none' ? 'none' : 'unverified');
  if (f === 'none' && t !== 'none')
    return {
      ok: false,
      detail: {
        field: 'attestationTrust',
        reason: `an attestation of format none proves nothing: its trust is none, not ${t}`,
      },
    };
  return { ok: true, format: f, trust: t };
}

export interface RegistrationWhatIfInput {
  config: PasskeyMethodConfig;
  user: UserScope & { enabled: boolean };
  passkeyCount: number;
  authenticator: WhatIfAuthenticator;
  /** The metadata's refusal detail when the model is reported compromised (the one registration gives). */
  compromised: Record<string, string> | undefined;
  /** The model's name, when metadata or the built-in list knows it (named in refusals, as at registration). */
  model: string | null;
  /** Whether attestation would be judged against metadata past its nextUpdate (isMetadataStale, REL-14). */
  metadataStale: boolean;
  now: number;
}

export interface RegistrationWhatIf {
  decision: Decision;
  /** Which step decided: the gate, the metadata, or the profiles (`accepted` when all passed). */
  step: 'gate' | 'metadata' | 'profiles' | 'accepted';
  /** The user's profiles under the configuration, each with its own verdict for this authenticator. */
  profiles: { id: string; name: string; decision: Decision }[];
  /** What the What If cannot know and takes as given. */
  assumptions: string[];
}

export const WHATIF_ASSUMPTIONS = [
  'the user proved a strong factor (a passkey, a Temporary Access Pass or multi-factor sign-in) within the last 5 minutes',
  'the ceremony itself is valid (origin, challenge, signature, key strength, attestation statement)',
];

export function evaluateRegistrationWhatIf(i: RegistrationWhatIfInput): RegistrationWhatIf {
  // The facts registration judges a verified credential on (flows/register-passkey.ts step 6).
  const facts = {
    aaguid: i.authenticator.aaguid.toLowerCase(),
    backupEligible: i.authenticator.passkeyType === 'synced',
    attestationTrust: i.authenticator.attestationTrust,
    format: i.authenticator.attestationFormat,
    ...(i.model ? { model: i.model } : {}),
    metadataStale: i.metadataStale,
  };
  const profiles = profilesForUser(i.config, i.user);
  const each = profiles.map((p) => ({
    id: p.id,
    name: p.name,
    decision: evaluatePasskeyProfile(facts, p, 'registration'),
  }));
  const out = (decision: Decision, step: RegistrationWhatIf['step']): RegistrationWhatIf => ({
    decision,
    step,
    profiles: each,
    assumptions: WHATIF_ASSUMPTIONS,
  });
  // The strong-auth freshness is the session's, not the policy's: taken as met (strongAuthAt = now).
  const gate = evaluateRegistrationGate({
    config: i.config,
    user: i.user,
    strongAuthAt: i.now,
    passkeyCount: i.passkeyCount,
    now: i.now,
  });
  if (!gate.ok) return out(gate, 'gate');
  if (i.compromised) return out(deny('PASSKEY_AUTHENTICATOR_COMPROMISED', i.compromised), 'metadata');
  const profile = evaluatePasskeyProfiles(facts, profiles, 'registration');
  return profile.ok ? out(allow, 'accepted') : out(profile, 'profiles');
}
