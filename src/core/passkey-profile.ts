import { allow, type Decision, deny } from './errors.ts';
import type { PasskeyProfile, PasskeyType } from './passkey-method.ts';

/** What attestation proved about a credential at registration. */
export type AttestationTrust = 'none' | 'self' | 'unverified' | 'verified';

export interface CredentialFacts {
  aaguid: string;
  backupEligible: boolean;
  attestationTrust: AttestationTrust;
}

export type Phase = 'registration' | 'signIn';

export function passkeyTypeOf(c: { backupEligible: boolean }): PasskeyType {
  return c.backupEligible ? 'synced' : 'deviceBound';
}

function allowedTypes(p: PasskeyProfile): PasskeyType[] {
  return p.passkeyTypes
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is PasskeyType => s === 'deviceBound' || s === 'synced');
}

/**
 * Does a credential satisfy one passkey profile? Attestation is checked at registration only; passkey type
 * and key restrictions at registration and at every sign-in (a passkey blocked later can no longer sign in).
 */
export function evaluatePasskeyProfile(c: CredentialFacts, p: PasskeyProfile, phase: Phase): Decision {
  const type = passkeyTypeOf(c);
  if (!allowedTypes(p).includes(type)) return deny('PASSKEY_TYPE_NOT_ALLOWED', { profile: p.name, type });
  if (phase === 'registration' && p.attestationEnforcement === 'registrationOnly' && c.attestationTrust !== 'verified')
    return deny('PASSKEY_ATTESTATION_REQUIRED', { profile: p.name, aaguid: c.aaguid, trust: c.attestationTrust });
  const r = p.keyRestrictions;
  if (r.isEnforced) {
    const listed = r.aaGuids.some((a) => a.toLowerCase() === c.aaguid.toLowerCase());
    if (r.enforcementType === 'block' && listed)
      return deny('PASSKEY_AAGUID_BLOCKED', { profile: p.name, aaguid: c.aaguid });
    if (r.enforcementType === 'allow' && !listed)
      return deny('PASSKEY_AAGUID_NOT_ALLOWED', { profile: p.name, aaguid: c.aaguid });
  }
  return allow;
}

/** A credential is allowed when it fully satisfies at least one of the user's profiles (no ordering). */
export function evaluatePasskeyProfiles(
  c: CredentialFacts,
  profiles: readonly PasskeyProfile[],
  phase: Phase,
): Decision {
  if (profiles.length === 0) return deny('PASSKEY_METHOD_NOT_TARGETED');
  let first: Decision | undefined;
  for (const p of profiles) {
    const d = evaluatePasskeyProfile(c, p, phase);
    if (d.ok) return d;
    first ??= d;
  }
  return first as Decision;
}

/** Attestation is requested (`direct`) only when a profile of the user enforces it. */
export function attestationPreference(profiles: readonly PasskeyProfile[]): 'direct' | 'none' {
  return profiles.some((p) => p.attestationEnforcement === 'registrationOnly') ? 'direct' : 'none';
}
