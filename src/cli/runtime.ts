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
  options: Record<string, { type: 'string' | 'boolean'; short?: string; description: string; multiple?: boolean }>;
  run(rt: Runtime, values: Record<string, string | boolean | string[] | undefined>): Promise<unknown>;
  /** Options that stand in for environment variables (`serve --port` for PORT), applied before validation. */
  environment?(values: Record<string, string | boolean | string[] | undefined>): Record<string, string>;
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
    const e = err as { code?: string; message?: string };
    const why = `${e.code ? `${e.code}: ` : ''}${String(e.message ?? err).split('\n')[0]}`;
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

/** A refusal for a person: one line with the code and what is wrong (naming the variable), then what to do. */
export function refusalText(err: SignetError): string {
  const { reason, ...rest } = err.detail;
  // The reason names the variable already.
  if (reason) delete rest.variable;
  return `error ${err.code}: ${reason ?? err.message}\n${Object.entries(rest)
    .map(([k, v]) => `  ${k}: ${v}\n`)
    .join('')}${describeError(err.code).remediation}\n`;
}

export function helpText(c: Command): string {
  const lines = [`signet ${c.name}: ${c.summary}`, '', `Usage: ${c.usage}`, '', 'Options:'];
  for (const [name, o] of Object.entries({
    ...c.options,
    json: { type: 'boolean', description: 'print one JSON object' },
    help: { type: 'boolean', description: 'show this help' },
  }))
    lines.push(`  --${name}${o.type === 'string' ? ' <value>' : ''}`.padEnd(30) + o.description);
  return lines.join('\n');
}

export async function runCommand(c: Command, argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: { ...c.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
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
    rt = await openRuntime(json, undefined, c.name === 'serve', c.environment?.(values));
    const out = await c.run(rt, values);
    // serve shares stdout with its JSON log lines: its object is one line too.
    if (json && out !== undefined)
      process.stdout.write(`${c.name === 'serve' ? JSON.stringify(out) : JSON.stringify(out, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof SignetError)) throw err;
    const e = describeError(err.code);
    if (json)
      process.stdout.write(
        `${JSON.stringify({ error: { code: err.code, message: e.message, remediation: e.remediation, detail: err.detail } })}\n`,
      );
    else process.stderr.write(refusalText(err));
    return 1;
  } finally {
    if (c.name !== 'serve') await rt?.store.close();
  }
}
