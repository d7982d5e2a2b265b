// Authenticator metadata from a file an administrator provides (SIGNET_METADATA_FILE): either a JSON array of
// FIDO metadata statements, or the payload of an MDS3 BLOB (`{"entries": [...]}`) that their tooling fetched
// and verified. Signet reaches no network to fetch or check it.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SignetError } from '../core/errors.ts';
import type { MetadataStatement } from './metadata.ts';

const statement = z.object({
  aaguid: z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/),
  description: z.string().max(500),
  attestationRootCertificates: z.array(z.string().max(20_000)).max(50),
  // MDS3 gives a data: URL (metadata.ts shows only bounded image ones); a malformed icon drops, not the statement.
  icon: z.string().optional().catch(undefined),
});
export const metadataEntry = z.object({
  aaguid: z.string().optional(),
  metadataStatement: statement.optional(),
  statusReports: z.array(z.object({ status: z.string(), effectiveDate: z.string().optional() })).default([]),
});
const file = z.union([z.array(statement), z.object({ entries: z.array(metadataEntry) })]);

/** Parses the file's JSON text; entries without an AAGUID (U2F and UAF authenticators) are skipped. */
export function parseMetadata(text: string, source: string): MetadataStatement[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SignetError('CONFIG_INVALID', {
      variable: 'SIGNET_METADATA_FILE',
      reason: `SIGNET_METADATA_FILE (${source}) is not JSON: ${(err as Error).message}`,
    });
  }
  const r = file.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new SignetError('CONFIG_INVALID', {
      variable: 'SIGNET_METADATA_FILE',
      reason: `SIGNET_METADATA_FILE (${source}) is not FIDO metadata: ${issue?.path.join('.') || '(file)'} ${issue?.message ?? 'is invalid'}`,
    });
  }
  if (Array.isArray(r.data)) return r.data;
  return statementsFromEntries(r.data.entries);
}

/** MDS3 entries as statements (a file's payload, or a verified BLOB's: src/webauthn/mds-blob.ts). */
export function statementsFromEntries(entries: readonly z.infer<typeof metadataEntry>[]): MetadataStatement[] {
  const out: MetadataStatement[] = [];
  for (const e of entries) {
    if (!e.metadataStatement) continue;
    // The newest report is the one in force.
    const newest = [...e.statusReports].sort((a, b) => (b.effectiveDate ?? '').localeCompare(a.effectiveDate ?? ''))[0];
    out.push({
      ...e.metadataStatement,
      ...(newest ? { status: newest.status } : {}),
      ...(newest?.effectiveDate ? { statusSince: newest.effectiveDate } : {}),
    });
  }
  return out;
}

export function loadMetadataFile(path: string | undefined): MetadataStatement[] {
  if (!path) return [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`;
    throw new SignetError('CONFIG_INVALID', {
      variable: 'SIGNET_METADATA_FILE',
      reason: `SIGNET_METADATA_FILE (${path}) ${why}`,
    });
  }
  return parseMetadata(text, path);
}
