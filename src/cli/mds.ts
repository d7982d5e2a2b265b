// `signet mds load | status | affected`: the FIDO Metadata Service BLOB (src/flows/metadata-service.ts) — load one
// from a file or SIGNET_MDS_URL into the database every process reads, say which is in force and what went wrong,
// and list the passkeys whose model the metadata reports compromised.
import { readFileSync } from 'node:fs';
import { SignetError } from '../core/errors.ts';
import { affectedPasskeys, loadMdsBlob, loadMdsFromUrl, mdsStatus } from '../flows/metadata-service.ts';
import { listTenants } from '../store/tenants.ts';
import type { PositionalCommand } from './positionals.ts';
import type { Command } from './runtime.ts';
import { tenantOption } from './runtime.ts';
import { fields, table } from './table.ts';

function readBlobFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new SignetError('REQUEST_INVALID', {
      field: 'FILE',
      reason: `${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`,
    });
  }
}

export const mdsLoadCommand: PositionalCommand = {
  name: 'mds load',
  summary: 'verify a FIDO MDS3 BLOB (a file, or SIGNET_MDS_URL) and put it in force for every process',
  usage: 'signet mds load [FILE] [--json]  (without FILE: download from SIGNET_MDS_URL)',
  positionals: ['file'],
  options: { file: { type: 'string', description: 'the BLOB as the metadata service serves it (a JWS)' } },
  run: async (rt, v) => {
    const file = typeof v.file === 'string' && v.file !== '' ? v.file : undefined;
    const loaded = file ? await loadMdsBlob(rt.ctx, readBlobFile(file), `file:${file}`) : await loadMdsFromUrl(rt.ctx);
    if (!rt.json)
      rt.print(
        loaded.outcome === 'loaded'
          ? `Loaded metadata BLOB no ${loaded.no} (${loaded.entries} entries, next update ${loaded.nextUpdate}) from ${loaded.source}; every process uses it within a second`
          : `Metadata BLOB no ${loaded.no} from ${loaded.source} is already in force; nothing changed`,
      );
    return loaded;
  },
};

export const mdsStatusCommand: Command = {
  name: 'mds status',
  summary: 'the metadata BLOB in force (source, no, nextUpdate, entries) and the last refusal',
  usage: 'signet mds status [--json]',
  options: {},
  run: async (rt) => {
    const s = await mdsStatus(rt.ctx);
    if (!rt.json)
      rt.print(
        fields([
          ['state', s.state],
          ['source', s.blob?.source],
          ['no', s.blob?.no],
          ['nextUpdate', s.blob?.nextUpdate],
          ['entries', s.blob?.entries],
          ['loaded', s.blob?.loadedAt],
          ['url', s.url],
          ['root', s.root],
          ['file statements', s.fileStatements],
          ['last error', s.lastError ? `${s.lastError.code}: ${s.lastError.reason} (${s.lastError.at})` : null],
        ]),
      );
    return s;
  },
};

export const mdsAffectedCommand: Command = {
  name: 'mds affected',
  summary: 'the passkeys whose model the metadata reports compromised or revoked (refused at sign-in)',
  usage: 'signet mds affected [--tenant T] [--json]  (every tenant without --tenant)',
  options: { tenant: { type: 'string', description: 'only this tenant (id or slug)' } },
  run: async (rt, v) => {
    const tenant = v.tenant === undefined ? undefined : await tenantOption(rt, v.tenant);
    const slugs = new Map((await listTenants(rt.ctx.db)).map((t) => [t.id, t.slug]));
    const rows = (await affectedPasskeys(rt.ctx, tenant?.id)).map((r) => ({
      tenant: slugs.get(r.tenantId) ?? r.tenantId,
      userId: r.userId,
      userPrincipalName: r.userPrincipalName,
      passkeyId: r.passkeyId,
      passkeyName: r.passkeyName,
      aaguid: r.aaguid,
      model: r.model,
      status: r.status,
      since: r.since,
    }));
    if (!rt.json)
      rt.print(
        table(
          ['TENANT', 'USER', 'PASSKEY', 'AAGUID', 'MODEL', 'STATUS', 'SINCE'],
          rows.map((r) => [r.tenant, r.userPrincipalName, r.passkeyId, r.aaguid, r.model, r.status, r.since]),
          'No passkey is of a model the metadata reports compromised.',
        ),
      );
    return { passkeys: rows };
  },
};
