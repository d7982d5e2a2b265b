// `signet import FILE`: users (and their group memberships) in bulk from a .csv with a header row or a .jsonl
// file, streamed line by line (never read whole) and written in batches (src/flows/import-users.ts). Each row is
// judged on its own by the parser of Graph's POST /users; a refused row is reported with its line and reason and
// leaves nothing behind; users that exist are skipped (their missing memberships added), so a re-run picks up
// where a failed one stopped. Progress goes to stderr; the report and the summary to stdout.
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import { describeError, SignetError } from '../core/errors.ts';
import {
  csvRecordOpen,
  type ImportColumn,
  type ImportRow,
  importRowFromCsv,
  importRowFromJson,
  parseCsvHeader,
  parseCsvRecord,
} from '../core/import-row.ts';
import { type GroupCache, type ImportInput, type ImportOutcome, importUserBatch } from '../flows/import-users.ts';
import { localOperator } from '../flows/local-operator.ts';
import type { Db } from '../store/db.ts';
import type { PositionalCommand } from './positionals.ts';
import { Progress } from './progress.ts';
import { tenantOption } from './runtime.ts';

const DEFAULT_BATCH = 500;

const fileRefusal = (file: string, reason: string) => new SignetError('IMPORT_FILE_INVALID', { file, reason });

/** Newlines in the file, read in chunks: the total the progress line counts towards. */
async function countLines(path: string): Promise<number> {
  let n = 0;
  let last = 10;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let i = chunk.indexOf(10);
    while (i >= 0) {
      n++;
      i = chunk.indexOf(10, i + 1);
    }
    if (chunk.length) last = chunk[chunk.length - 1]!;
  }
  return last === 10 ? n : n + 1;
}

/** The file's rows as judged, with the line each starts on; a CSV record may span lines inside quotes. */
async function* rowsOf(path: string, csv: boolean, onLine: (n: number) => void): AsyncGenerator<ImportInput> {
  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNo = 0;
  let columns: ImportColumn[] | undefined;
  let record = '';
  let start = 0;
  for await (const raw of lines) {
    lineNo++;
    onLine(lineNo);
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (!csv) {
      if (line.trim() !== '') yield { line: lineNo, row: importRowFromJson(line) };
      continue;
    }
    if (record === '') {
      if (line.trim() === '') continue;
      start = lineNo;
      record = line;
    } else record += `\n${line}`;
    if (csvRecordOpen(record)) continue;
    const parsed = parseCsvRecord(record);
    record = '';
    if (!columns) {
      if (!parsed.ok) throw fileRefusal(path, `the header row: ${parsed.reason}`);
      const header = parseCsvHeader(parsed.fields);
      if (!header.ok) throw new SignetError(header.code, { file: path, ...header.detail });
      columns = header.columns;
      continue;
    }
    const row: ImportRow = parsed.ok
      ? importRowFromCsv(columns, parsed.fields)
      : { ok: false, code: 'IMPORT_ROW_INVALID', detail: { reason: parsed.reason } };
    yield { line: start, row };
  }
  if (csv && record !== '')
    yield {
      line: start,
      row: {
        ok: false,
        code: 'IMPORT_ROW_INVALID',
        detail: { reason: 'a quoted field is not closed before the end of the file' },
      },
    };
  if (csv && !columns) throw fileRefusal(path, 'the file is empty: a CSV import starts with a header row');
}

/**
 * Random ids put every batch's rows on random pages of five indexes; with SQLite's defaults (a 2 MiB page cache,
 * a checkpoint every 1,000 WAL pages) each batch rewrites thousands of pages into the database file. For this
 * connection only: a larger cache and rarer checkpoints (the WAL grows meanwhile; it is checkpointed at the end).
 * Measured on 100,000 users: 12 s of user inserts become 4.5 s.
 */
async function sqliteBulkMode(db: Db): Promise<void> {
  await sql`PRAGMA cache_size = -262144`.execute(db);
  await sql`PRAGMA wal_autocheckpoint = 100000`.execute(db);
}

async function sqliteCheckpoint(db: Db): Promise<void> {
  await sql`PRAGMA wal_autocheckpoint = 1000`.execute(db);
  await sql`PRAGMA wal_checkpoint(PASSIVE)`.execute(db);
}

type Reported = { line: number; userPrincipalName: string | null; status: 'skipped' | 'refused' } & Record<
  string,
  unknown
>;

function describe(o: Extract<ImportOutcome, { status: 'refused' }>): string {
  const { reason, ...rest } = o.detail;
  const facts = Object.entries(rest).map(([k, v]) => `${k}: ${v}`);
  return [reason ?? describeError(o.code).message, ...facts].join('; ');
}

export const importCommand: PositionalCommand = {
  name: 'import',
  summary: 'create users and their group memberships in bulk from a .csv or .jsonl file',
  usage: 'signet import FILE.csv|FILE.jsonl [--batch N] [--tenant T] [--json]',
  positionals: ['file'],
  options: {
    file: {
      type: 'string',
      required: true,
      description:
        'a .csv with a header row (userPrincipalName, displayName, accountEnabled, groups as "A;B", mailNickname) or a .jsonl of one object a line (groups as an array); groups are display names or ids of existing groups: a row naming one that does not exist is refused (create it first with signet group create); users that exist are skipped, their missing memberships added; exits 1 when a row was refused',
    },
    batch: { type: 'string', description: `rows written per transaction (default ${DEFAULT_BATCH})` },
    tenant: { type: 'string', description: 'tenant id or slug (default: the only tenant)' },
  },
  run: async (rt, v) => {
    const file = String(v.file ?? '');
    const kind = /\.csv$/i.test(file) ? 'csv' : /\.jsonl$/i.test(file) ? 'jsonl' : undefined;
    if (!kind) throw fileRefusal(file, 'the file name must end in .csv or .jsonl');
    try {
      if (!statSync(file).isFile()) throw fileRefusal(file, 'this is not a file');
    } catch (err) {
      if (err instanceof SignetError) throw err;
      throw fileRefusal(file, `the file cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    const batchSize = v.batch === undefined ? DEFAULT_BATCH : Number(v.batch);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
      throw new SignetError('REQUEST_INVALID', { field: '--batch', reason: 'must be a whole number from 1 to 10000' });
    const tenant = await tenantOption(rt, v.tenant);
    const by = localOperator(tenant.id);
    if (rt.config.databaseUrl.startsWith('sqlite:')) await sqliteBulkMode(rt.ctx.db);
    const started = Date.now();
    const total = await countLines(file);
    const progress = new Progress(process.stderr, total, 'import', Date.now, 'lines');
    const groups: GroupCache = new Map();
    const counts = { created: 0, skipped: 0, refused: 0, membershipsAdded: 0 };
    const reported: Reported[] = [];
    const report = (outcomes: ImportOutcome[]) => {
      for (const o of outcomes) {
        counts[o.status]++;
        if (o.status !== 'refused') counts.membershipsAdded += o.membershipsAdded;
        // A re-run of a large file skips every row: only those that changed something are listed, the rest counted.
        if (o.status === 'created' || (o.status === 'skipped' && o.membershipsAdded === 0)) continue;
        const entry: Reported =
          o.status === 'refused'
            ? {
                line: o.line,
                userPrincipalName: o.userPrincipalName ?? null,
                status: 'refused',
                code: o.code,
                reason: describe(o),
              }
            : {
                line: o.line,
                userPrincipalName: o.userPrincipalName,
                status: 'skipped',
                membershipsAdded: o.membershipsAdded,
              };
        reported.push(entry);
        if (!rt.json)
          progress.log(() =>
            rt.print(
              o.status === 'refused'
                ? `line ${o.line}: refused${o.userPrincipalName ? ` ${o.userPrincipalName}` : ''}: ${o.code}: ${describe(o)}`
                : `line ${o.line}: skipped ${o.userPrincipalName} (exists; ${o.membershipsAdded} membership${o.membershipsAdded === 1 ? '' : 's'} added)`,
            ),
          );
      }
    };
    let batch: ImportInput[] = [];
    let linesRead = 0;
    for await (const input of rowsOf(file, kind === 'csv', (n) => {
      linesRead = n;
    })) {
      batch.push(input);
      if (batch.length >= batchSize) {
        report(await importUserBatch(rt.ctx, tenant, by, batch, groups));
        batch = [];
        progress.update(linesRead);
      }
    }
    if (batch.length) report(await importUserBatch(rt.ctx, tenant, by, batch, groups));
    if (rt.config.databaseUrl.startsWith('sqlite:')) await sqliteCheckpoint(rt.ctx.db);
    progress.update(linesRead);
    progress.finish();
    const seconds = (Date.now() - started) / 1000;
    const rows = counts.created + counts.skipped + counts.refused;
    if (!rt.json)
      rt.print(
        `Imported ${file} into ${tenant.slug}: ${counts.created} created, ${counts.skipped} skipped, ${counts.refused} refused (${counts.membershipsAdded} memberships added) in ${seconds.toFixed(1)} s`,
      );
    // A refused row is a failure a script must notice; the summary is still the one JSON object on stdout.
    if (counts.refused > 0) process.exitCode = 1;
    return {
      file,
      tenant: tenant.slug,
      rows,
      ...counts,
      seconds,
      rowsPerSecond: Math.round(rows / Math.max(seconds, 0.001)),
      report: reported,
    };
  },
};
