// What every subcommand shares: configuration validated once, the database opened and migrated, output as
// text or JSON, and refusals printed with their code, message and remediation.
import { parseArgs } from 'node:util';
import { type Config, loadConfig } from '../config.ts';
import { describeError, SignetError } from '../core/errors.ts';
import { type Ctx, type Logger, systemCtx } from '../flows/context.ts';
import { migrate, openStore, type Store } from '../store/db.ts';
import { findTenant, listTenants, type Tenant } from '../store/tenants.ts';
import { MetadataRegistry } from '../webauthn/metadata.ts';
import { loadMetadataFile } from '../webauthn/metadata-file.ts';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string; description: string; multiple?: boolean }>;
  run(rt: Runtime, values: Record<string, string | boolean | string[] | undefined>): Promise<unknown>;
}

export interface Runtime {
  config: Config;
  store: Store;
  ctx: Ctx;
  json: boolean;
  print(text: string): void;
}

export const jsonLogger: Logger = {
  info: (o, m) => process.stdout.write(`${JSON.stringify({ level: 'info', time: Date.now(), msg: m, ...o })}\n`),
  warn: (o, m) => process.stdout.write(`${JSON.stringify({ level: 'warn', time: Date.now(), msg: m, ...o })}\n`),
  error: (o, m) => process.stderr.write(`${JSON.stringify({ level: 'error', time: Date.now(), msg: m, ...o })}\n`),
};

export async function openRuntime(json: boolean, logger: Logger = jsonLogger, server = false): Promise<Runtime> {
  const config = loadConfig();
  const store = openStore(config.databaseUrl, { checkpointInWorker: server });
  await migrate(store.db);
  const metadata = new MetadataRegistry(loadMetadataFile(config.metadataFile));
  const ctx = systemCtx({ db: store.db, config, metadata, log: logger });
  return { config, store, ctx, json, print: (t) => process.stdout.write(`${t}\n`) };
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
    rt = await openRuntime(json, jsonLogger, c.name === 'serve');
    const out = await c.run(rt, values);
    if (json && out !== undefined) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof SignetError)) throw err;
    const e = describeError(err.code);
    if (json)
      process.stdout.write(
        `${JSON.stringify({ error: { code: err.code, message: e.message, remediation: e.remediation, detail: err.detail } })}\n`,
      );
    else
      process.stderr.write(
        `error ${err.code}: ${e.message}\n${Object.entries(err.detail)
          .map(([k, v]) => `  ${k}: ${v}\n`)
          .join('')}${e.remediation}\n`,
      );
    return 1;
  } finally {
    if (c.name !== 'serve') await rt?.store.close();
  }
}
