// What every subcommand shares: configuration validated once, the database opened and migrated, output as
// text or JSON, and refusals printed with their code, message and remediation.
import { parseArgs } from 'node:util';
import { type Config, type LogLevel, loadConfig } from '../config.ts';
import { describeError, SignetError } from '../core/errors.ts';
import { type Ctx, type Logger, systemCtx } from '../flows/context.ts';
import { migrate, openStore, type Store } from '../store/db.ts';
import { findTenant, listTenants, type Tenant } from '../store/tenants.ts';
import { MetadataRegistry } from '../webauthn/metadata.ts';
import { loadMetadataFile } from '../webauthn/metadata-file.ts';
import { checkInstanceSecret } from './instance-secret.ts';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  run(rt: Runtime, values: Record<string, string | boolean | string[] | undefined>): Promise<unknown>;
  /** Options that stand in for environment variables (`serve --port` for PORT), applied before validation. */
  environment?(values: Record<string, string | boolean | string[] | undefined>): Record<string, string>;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  multiple?: boolean;
  /** Refused before anything runs when absent or empty: `--user is required` (REQUEST_INVALID naming it). */
  required?: boolean;
}

export interface Runtime {
  config: Config;
  store: Store;
  ctx: Ctx;
  json: boolean;
  print(text: string): void;
}

const levelRank: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: 99,
};

/** JSON lines on stdout (errors on stderr), at SIGNET_LOG_LEVEL and above, in pino's shape. */
export function jsonLogger(level: LogLevel = 'info'): Logger {
  const on = (l: LogLevel) => levelRank[l] >= levelRank[level];
  const line = (l: 'info' | 'warn' | 'error', o: Record<string, unknown>, m?: string) =>
    `${JSON.stringify({ level: levelRank[l], time: Date.now(), msg: m, ...o })}\n`;
  return {
    info: (o, m) => on('info') && process.stdout.write(line('info', o, m)),
    warn: (o, m) => on('warn') && process.stdout.write(line('warn', o, m)),
    error: (o, m) => on('error') && process.stderr.write(line('error', o, m)),
  };
}

/**
 * One line for a system error, its code once: Node writes `EPERM: operation not permitted, chmod '/x'` and
 * SQLite `unable to open database file` with the code beside it; neither is repeated.
 */
export function errorReason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = String(e?.message ?? err).split('\n')[0]!;
  if (!code || message.includes(code)) return message;
  return `${code}: ${message}`;
}

/** Opens and migrates the database, turning an operator's mistake into one line that names the variable. */
async function openDatabase(config: Config, server: boolean): Promise<Store> {
  const variable = config.databaseVariable ?? 'SIGNET_DATABASE_URL';
  const postgres = !config.databaseUrl.startsWith('sqlite:');
  let store: Store | undefined;
  try {
    store = openStore(config.databaseUrl, { checkpointInWorker: server });
    await migrate(store.db);
    return store;
  } catch (err) {
    await store?.close().catch(() => undefined);
    const why = errorReason(err);
    if (postgres)
      throw new SignetError('DATABASE_UNREACHABLE', { variable, reason: `${variable}: ${why}` }, { cause: err });
    const path = config.databaseUrl.slice('sqlite:'.length);
    throw new SignetError(
      'CONFIG_INVALID',
      { variable, reason: `${variable}: the SQLite database ${path} cannot be created or opened (${why})` },
      { cause: err },
    );
  }
}

export async function openRuntime(
  json: boolean,
  logger?: Logger,
  server = false,
  environment: Record<string, string> = {},
): Promise<Runtime> {
  const config = loadConfig({ ...process.env, ...environment });
  const store = await openDatabase(config, server);
  try {
    const metadata = new MetadataRegistry(loadMetadataFile(config.metadataFile));
    const ctx = systemCtx({ db: store.db, config, metadata, log: logger ?? jsonLogger(config.logLevel) });
    await checkInstanceSecret(ctx);
    return { config, store, ctx, json, print: (t) => process.stdout.write(`${t}\n`) };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** The tenant named by --tenant (id or slug), or the only ordinary tenant when there is just one. */
export async function tenantOption(rt: Runtime, value: unknown): Promise<Tenant> {
  if (typeof value === 'string') {
    const t = await findTenant(rt.ctx.db, value);
    if (!t) throw new SignetError('TENANT_NOT_FOUND', { tenant: value });
    return t;
  }
  const all = (await listTenants(rt.ctx.db)).filter((t) => !t.conformance);
  if (all.length === 1) return all[0]!;
  throw new SignetError('REQUEST_INVALID', { field: '--tenant', reason: 'name the tenant (id or slug)' });
}

/**
 * What to do about a refusal: the catalogue's remediation, unless the error carries one for this instance
 * (`detail.remediation`, e.g. naming the secret file to restore).
 */
function remediationOf(err: SignetError): string {
  return err.detail.remediation ?? describeError(err.code).remediation;
}

/** A refusal for a person: one line with the code and what is wrong (naming the variable), then what to do. */
export function refusalText(err: SignetError): string {
  const { reason, remediation: _, ...rest } = err.detail;
  // The reason names the variable already.
  if (reason && rest.variable && reason.includes(rest.variable)) delete rest.variable;
  return `error ${err.code}: ${reason ?? err.message}\n${Object.entries(rest)
    .map(([k, v]) => `  ${k}: ${v}\n`)
    .join('')}${remediationOf(err)}\n`;
}

/** A refusal for a script: one JSON line `{error:{code,message,remediation,detail}}`. */
export function refusalJson(err: SignetError): string {
  const { remediation: _, ...detail } = err.detail;
  return `${JSON.stringify({ error: { code: err.code, message: describeError(err.code).message, remediation: remediationOf(err), detail } })}\n`;
}

/** Two columns, the second starting where the longest first one ends plus two spaces (never run together). */
export function columns(rows: ReadonlyArray<readonly [string, string]>, indent = '  ', min = 0): string[] {
  const width = Math.max(min, ...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}${right}`);
}

export function helpText(c: Command): string {
  const options: Record<string, OptionSpec> = {
    ...c.options,
    json: { type: 'boolean', description: 'print one JSON object' },
    help: { type: 'boolean', description: 'show this help' },
  };
  const rows = Object.entries(options).map(
    ([name, o]) =>
      [
        `--${name}${o.type === 'string' ? ' <value>' : ''}`,
        `${o.description}${o.required ? ' (required)' : ''}`,
      ] as const,
  );
  return [`signet ${c.name}: ${c.summary}`, '', `Usage: ${c.usage}`, '', 'Options:', ...columns(rows, '  ', 26)].join(
    '\n',
  );
}

/** The first required option that is absent or empty, as the refusal an operator sees. */
export function missingOption(
  c: Command,
  values: Record<string, string | boolean | string[] | undefined>,
): SignetError | undefined {
  for (const [name, o] of Object.entries(c.options)) {
    if (!o.required) continue;
    const v = values[name];
    const empty = v === undefined || v === '' || (Array.isArray(v) && (v.length === 0 || v.includes('')));
    if (empty)
      return new SignetError('REQUEST_INVALID', {
        field: `--${name}`,
        reason: v === undefined ? `--${name} is required` : `--${name} is required and may not be empty`,
        remediation: `Run the command again with --${name}; npx signet ${c.name} --help lists its options.`,
      });
  }
  return undefined;
}

export async function runCommand(c: Command, argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    const declared = Object.fromEntries(
      Object.entries(c.options).map(([name, o]) => [
        name,
        { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
      ]),
    );
    values = parseArgs({
      args: argv,
      options: { ...declared, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
      strict: true,
    }).values as typeof values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${helpText(c)}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${helpText(c)}\n`);
    return 0;
  }
  const json = values.json === true;
  let rt: Runtime | undefined;
  try {
    // A missing option is the operator's mistake whatever the database holds: said before it is opened.
    const missing = missingOption(c, values);
    if (missing) throw missing;
    rt = await openRuntime(json, undefined, c.name === 'serve', c.environment?.(values));
    const out = await c.run(rt, values);
    // serve shares stdout with its JSON log lines: its object is one line too.
    if (json && out !== undefined)
      process.stdout.write(`${c.name === 'serve' ? JSON.stringify(out) : JSON.stringify(out, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof SignetError)) throw err;
    if (json) process.stdout.write(refusalJson(err));
    else process.stderr.write(refusalText(err));
    return 1;
  } finally {
    if (c.name !== 'serve') await rt?.store.close();
  }
}
