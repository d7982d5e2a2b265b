import { allow, type Decision, deny, type ErrorCode } from './errors.ts';
import type { PasskeyProfile, PasskeyType } from './passkey-method.ts';

/** What attestation proved about a credential at registration. */
export type AttestationTrust = 'none' | 'self' | 'unverified' | 'verified';

export interface CredentialFacts {
  aaguid: string;
  backupEligible: boolean;
  attestationTrust: AttestationTrust;
  /** The attestation statement's format (`packed`, `none`, `fido-u2f`, ...), named in refusals when known. */
  format?: string;
  /** The authenticator model's name (metadata, else the built-in list), named in refusals when known. */
  model?: string | null;
  /**
   * Registration only: the metadata that judged this attestation is a BLOB past its nextUpdate (security-tests.md
   * REL-14). A profile that enforces attestation then fails closed; other profiles are not concerned.
   */
  metadataStale?: boolean;
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

/** What every refusal of a credential by a profile names: the profile, the AAGUID and, when known, the model. */
function facts(c: CredentialFacts, p: PasskeyProfile): Record<string, string> {
  return { profile: p.name, aaguid: c.aaguid, ...(c.model ? { model: c.model } : {}) };
}

/** Each attestation short of a verified chain has its own code: what the user or admin must change differs. */
const ATTESTATION_CODES: Record<Exclude<AttestationTrust, 'verified'>, ErrorCode> = {
  none: 'PASSKEY_ATTESTATION_NONE',
  self: 'PASSKEY_ATTESTATION_SELF',
  unverified: 'PASSKEY_ATTESTATION_UNTRUSTED',
};

/**
 * A profile that enforces attestation admits only a statement chaining to a root that current metadata gives for
 * the AAGUID. `none` and self attestation prove nothing whatever metadata says; a chain judged against metadata
 * past its nextUpdate is refused as stale (fail closed), since a root or status may have changed since.
 */
export function evaluateAttestation(c: CredentialFacts, p: PasskeyProfile): Decision {
  if (p.attestationEnforcement !== 'registrationOnly') return allow;
  const detail = { ...facts(c, p), format: c.format ?? 'unknown', trust: c.attestationTrust };
  if (c.attestationTrust === 'none' || c.attestationTrust === 'self')
    return deny(ATTESTATION_CODES[c.attestationTrust], detail);
  if (c.metadataStale) return deny('PASSKEY_ATTESTATION_METADATA_STALE', detail);
  if (c.attestationTrust === 'unverified') return deny(ATTESTATION_CODES.unverified, detail);
  return allow;
}

/**
 * Does a credential satisfy one passkey profile? Attestation is checked at registration only; passkey type
 * and key restrictions at registration and at every sign-in (a passkey blocked later can no longer sign in).
 */
export function evaluatePasskeyProfile(c: CredentialFacts, p: PasskeyProfile, phase: Phase): Decision {
  const type = passkeyTypeOf(c);
  if (!allowedTypes(p).includes(type))
    return deny('PASSKEY_TYPE_NOT_ALLOWED', { ...facts(c, p), type, allowed: allowedTypes(p).join(',') });
  if (phase === 'registration') {
    const attestation = evaluateAttestation(c, p);
    if (!attestation.ok) return attestation;
  }
  const r = p.keyRestrictions;
  if (r.isEnforced) {
    const listed = r.aaGuids.some((a) => a.toLowerCase() === c.aaguid.toLowerCase());
    if (r.enforcementType === 'block' && listed) return deny('PASSKEY_AAGUID_BLOCKED', facts(c, p));
    if (r.enforcementType === 'allow' && !listed) return deny('PASSKEY_AAGUID_NOT_ALLOWED', facts(c, p));
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

/**
 * REL-14's staleness for one registration: the BLOB in force is past its nextUpdate at `now` and this AAGUID's
 * roots would come from it (an administrator's own statement for the AAGUID does not go stale).
 */
export function isMetadataStale(p: {
  blobNextUpdate: string | undefined;
  fromAdministratorFile: boolean;
  now: number;
}): boolean {
  if (p.blobNextUpdate === undefined || p.fromAdministratorFile) return false;
  return p.now >= Date.parse(`${p.blobNextUpdate}T00:00:00Z`);
}
