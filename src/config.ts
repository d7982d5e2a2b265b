import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { SignetError } from './core/errors.ts';
import { noTrustedProxies, parseTrustedProxies, type TrustedProxies } from './http/client-address.ts';
import { parseRateLimits, type RateLimits } from './http/plugins/rate-limit.ts';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface Config {
  publicUrl: URL;
  /** Exact origin the browser reports in clientDataJSON (scheme, host, port). */
  origin: string;
  rpId: string;
  databaseUrl: string;
  secret: Buffer;
  port: number;
  host: string;
  dataDir: string;
  secureCookies: boolean;
  /** Authenticator metadata statements (see src/webauthn/metadata-file.ts); none when unset. */
  metadataFile?: string;
  /** Where the FIDO MDS3 BLOB is fetched from (SIGNET_MDS_URL; src/flows/metadata-service.ts); none when unset. */
  mdsUrl?: string;
  /** PEM file of the root the BLOB's chain must lead to (SIGNET_MDS_ROOT); the shipped FIDO root when unset. */
  mdsRootFile?: string;
  /** Proxies whose X-Forwarded-For / Forwarded entries are believed (SIGNET_TRUSTED_PROXIES); none when unset. */
  trustedProxies?: TrustedProxies;
  /** The operations listener (/metrics, detailed /readyz); none when SIGNET_MANAGEMENT_PORT is unset. */
  managementPort?: number;
  managementHost?: string;
  /** Where email codes are sent through (SIGNET_SMTP_URL, smtp:// or smtps://); the log and dev outbox when unset. */
  smtpUrl?: string;
  /** The From of Signet's email (SIGNET_MAIL_FROM); `Signet <no-reply@{host}>` when unset. */
  mailFrom?: string;
  logLevel?: LogLevel;
  /**
   * Where the secret came from. `generated` means no SIGNET_SECRET and no secret file: a fresh secret that is
   * written to `secretFile` only once the database is known to be new (see src/store/instance.ts).
   */
  secretSource?: 'env' | 'file' | 'generated';
  secretFile?: string;
  /** Per-address limits on sign-in and ceremony posts (SIGNET_RATE_LIMIT_SIGNIN, _CEREMONY); the defaults when unset. */
  rateLimits?: RateLimits;
  /** The variable an operator fixes when the database cannot be opened. */
  databaseVariable?: 'SIGNET_DATABASE_URL' | 'SIGNET_DATA_DIR';
}

function bad(variable: string, why: string, remediation?: string): SignetError {
  return new SignetError('CONFIG_INVALID', {
    variable,
    reason: `${variable} ${why}`,
    ...(remediation ? { remediation } : {}),
  });
}

/** What to do about an unusable secret file: it is a file to restore, not an environment variable to fix. */
function secretFileRemediation(file: string): string {
  return `Restore ${file} from a backup of the data directory, or set SIGNET_SECRET to the secret this database was set up with; then restart.`;
}

export function parsePort(raw: string | undefined, variable = 'PORT'): number {
  if (raw === undefined || raw === '') return 3000;
  if (!/^\d+$/.test(raw)) throw bad(variable, `must be a number from 1 to 65535, got "${raw}"`);
  const port = Number(raw);
  if (port < 1 || port > 65535) throw bad(variable, `must be a number from 1 to 65535, got "${raw}"`);
  return port;
}

export function parseTrustedProxiesVariable(raw: string | undefined, headerRaw?: string): TrustedProxies {
  const header = headerRaw === undefined || headerRaw === '' ? 'x-forwarded-for' : headerRaw.toLowerCase();
  if (header !== 'x-forwarded-for' && header !== 'forwarded')
    throw bad(
      'SIGNET_PROXY_HEADER',
      `must be x-forwarded-for or forwarded (the one header your proxies write), got "${headerRaw}"`,
    );
  const r = parseTrustedProxies(raw, header);
  if (!r.ok)
    throw bad('SIGNET_TRUSTED_PROXIES', `entry "${r.entry}" ${r.reason} (give addresses or CIDRs, comma-separated)`);
  return r.value;
}

export function parseLogLevel(raw: string | undefined): LogLevel {
  if (raw === undefined || raw === '') return 'info';
  const level = raw.toLowerCase();
  if (!(logLevels as readonly string[]).includes(level))
    throw bad('SIGNET_LOG_LEVEL', `must be one of ${logLevels.join(', ')}, got "${raw}"`);
  return level as LogLevel;
}

function parseHost(raw: string | undefined, variable: string): string {
  const host = raw === undefined || raw === '' ? '127.0.0.1' : raw;
  if (isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(host))
    throw bad(variable, `must be an IP address or a host name, got "${host}"`);
  return host;
}

/**
 * The nearest existing path at or above `path` when it is not a directory: nothing can be created below it
 * (mkdir says EEXIST or ENOTDIR, which hides that a file is in the way). Undefined when the way is clear.
 */
function fileInTheWay(path: string): string | undefined {
  let p = resolve(path);
  for (;;) {
    try {
      return statSync(p).isDirectory() ? undefined : p;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
    }
    const up = dirname(p);
    if (up === p) return undefined;
    p = up;
  }
}

/** The data directory may not exist yet; when it does, it must be a directory. */
function checkDataDir(dataDir: string): void {
  const file = fileInTheWay(dataDir);
  if (file === dataDir) throw bad('SIGNET_DATA_DIR', `(${dataDir}) is a file, not a directory`);
  if (file) throw bad('SIGNET_DATA_DIR', `(${dataDir}) cannot be created: ${file} is a file, not a directory`);
  try {
    statSync(dataDir);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'ENOENT') throw bad('SIGNET_DATA_DIR', `(${dataDir}) cannot be read (${code})`);
  }
}

/** A SQLite database named by SIGNET_DATABASE_URL: its directory may be created, but not below a file. */
function checkSqlitePath(url: string): void {
  const path = url.slice('sqlite:'.length);
  if (path === '' || path === ':memory:' || path.startsWith('file:')) return;
  const full = resolve(path);
  let isDir = false;
  try {
    isDir = statSync(full).isDirectory();
  } catch {
    // absent (created at start) or unreadable (said when it is opened)
  }
  if (isDir) throw bad('SIGNET_DATABASE_URL', `(${url}) names a directory, not a database file`);
  const file = fileInTheWay(dirname(full));
  if (file) throw bad('SIGNET_DATABASE_URL', `(${url}) cannot be created: ${file} is a file, not a directory`);
}

export function parsePublicUrl(raw: string | undefined, port: number): URL {
  const value = raw && raw !== '' ? raw : `http://localhost:${port}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad('SIGNET_PUBLIC_URL', `must be an absolute URL such as https://id.example.com, got "${value}"`);
  }
  // WebAuthn RP IDs are domains: an IP address can never be one (WebAuthn §5.1.3, WA-08). Said first: over
  // http://127.0.0.1 the address, not the scheme, is what has to change (to http://localhost).
  if ((url.protocol === 'http:' || url.protocol === 'https:') && isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0)
    throw bad(
      'SIGNET_PUBLIC_URL',
      `must name a host, not an IP address (passkeys are bound to a domain): use a domain name, or http://localhost${url.port ? `:${url.port}` : ''} on this machine; got "${value}"`,
    );
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && url.hostname === 'localhost'))
    throw bad('SIGNET_PUBLIC_URL', 'must use https (http is allowed only for localhost)');
  if (url.pathname !== '/' || url.search || url.hash)
    throw bad('SIGNET_PUBLIC_URL', 'must be an origin without a path, query or fragment');
  return url;
}

export function parseDatabaseUrl(raw: string | undefined, dataDir: string): string {
  const value = raw && raw !== '' ? raw : `sqlite:${join(dataDir, 'signet.db')}`;
  if (value.startsWith('sqlite:') || value.startsWith('postgres://') || value.startsWith('postgresql://')) return value;
  throw bad('SIGNET_DATABASE_URL', 'must start with sqlite: or postgres://');
}

type LoadedSecret = { secret: Buffer; source: 'env' | 'file' | 'generated'; file: string };

/** Reads the secret; never writes it (a generated one is persisted only after the database is known to be new). */
function loadSecret(raw: string | undefined, dataDir: string, random: (n: number) => Buffer): LoadedSecret {
  const file = join(dataDir, 'secret');
  if (raw && raw !== '') {
    const secret = Buffer.from(raw, 'base64url');
    if (secret.length < 32) throw bad('SIGNET_SECRET', 'must be at least 32 bytes, base64url encoded');
    return { secret, source: 'env', file };
  }
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'ENOENT')
      throw bad(
        'SIGNET_SECRET',
        `is unset and the secret file ${file} cannot be read (${code === 'EISDIR' ? 'it is a directory' : code})`,
        secretFileRemediation(file),
      );
  }
  if (text !== undefined) {
    const secret = Buffer.from(text.trim(), 'base64url');
    if (secret.length < 32)
      throw bad(
        'SIGNET_SECRET',
        `is unset and the secret file ${file} does not hold a secret (at least 32 bytes, base64url encoded): it is damaged or not Signet's`,
        secretFileRemediation(file),
      );
    return { secret, source: 'file', file };
  }
  return { secret: random(32), source: 'generated', file };
}

/** Writes a generated secret to the data directory (owner-only); called once the database is known to be new. */
export function writeGeneratedSecret(config: Config): void {
  if (config.secretSource !== 'generated' || !config.secretFile) return;
  try {
    mkdirSync(dirname(config.secretFile), { recursive: true, mode: 0o700 });
    // `wx`: never overwrite a secret file another process wrote meanwhile.
    writeFileSync(config.secretFile, `${config.secret.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw bad(
      'SIGNET_DATA_DIR',
      `(${config.dataDir}): the secret file cannot be written (${(err as { code?: string }).code})`,
    );
  }
  config.secretSource = 'file';
}

/** SIGNET_MDS_URL: an http(s) URL (the FIDO service is https://mds3.fidoalliance.org/). */
export function parseMdsUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('SIGNET_MDS_URL', `must be a URL such as https://mds3.fidoalliance.org/, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw bad('SIGNET_MDS_URL', `must be an http or https URL, got "${raw}"`);
  return url.href;
}

/** SIGNET_MDS_ROOT: a readable file holding at least one PEM certificate. */
export function parseMdsRoot(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let text: string;
  try {
    text = readFileSync(raw, 'utf8');
  } catch (err) {
    throw bad('SIGNET_MDS_ROOT', `(${raw}) cannot be read (${(err as { code?: string }).code})`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw bad('SIGNET_MDS_ROOT', `(${raw}) holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return resolve(raw);
}

/** SIGNET_SMTP_URL: smtp://[user:pass@]host[:port] or smtps://… (nodemailer's connection URL). */
export function parseSmtpUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('SIGNET_SMTP_URL', 'must be a URL such as smtp://user:password@mail.example.com:587, got something else');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw bad('SIGNET_SMTP_URL', `must start with smtp:// or smtps://, got "${url.protocol}"`);
  if (!url.hostname) throw bad('SIGNET_SMTP_URL', 'must name the mail server (smtp://host:port)');
  return url.href;
}

/** SIGNET_MAIL_FROM: an address, or a name and an address in angle brackets. */
export function parseMailFrom(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const address = /<([^<>]+)>\s*$/.exec(raw)?.[1] ?? raw;
  if (!/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(address.trim()) || raw.length > 320)
    throw bad('SIGNET_MAIL_FROM', `must be an address such as "Signet <no-reply@example.com>", got "${raw}"`);
  return raw.trim();
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, random = randomBytes): Config {
  const dataDir = resolve(env.SIGNET_DATA_DIR || './data');
  checkDataDir(dataDir);
  const port = parsePort(env.PORT);
  const host = parseHost(env.HOST, 'HOST');
  const publicUrl = parsePublicUrl(env.SIGNET_PUBLIC_URL, port);
  const databaseUrl = parseDatabaseUrl(env.SIGNET_DATABASE_URL, dataDir);
  if (env.SIGNET_DATABASE_URL && databaseUrl.startsWith('sqlite:')) checkSqlitePath(databaseUrl);
  const managementPort =
    env.SIGNET_MANAGEMENT_PORT === undefined || env.SIGNET_MANAGEMENT_PORT === ''
      ? undefined
      : parsePort(env.SIGNET_MANAGEMENT_PORT, 'SIGNET_MANAGEMENT_PORT');
  const managementHost = parseHost(env.SIGNET_MANAGEMENT_HOST, 'SIGNET_MANAGEMENT_HOST');
  if (managementPort === port)
    throw bad('SIGNET_MANAGEMENT_PORT', `must differ from PORT (${port}): operations are served apart from sign-in`);
  const trustedProxies = parseTrustedProxiesVariable(env.SIGNET_TRUSTED_PROXIES, env.SIGNET_PROXY_HEADER);
  const logLevel = parseLogLevel(env.SIGNET_LOG_LEVEL);
  const secret = loadSecret(env.SIGNET_SECRET, dataDir, random);
  return {
    publicUrl,
    origin: publicUrl.origin,
    rpId: publicUrl.hostname,
    databaseUrl,
    secret: secret.secret,
    secretSource: secret.source,
    secretFile: secret.file,
    port,
    host,
    dataDir,
    secureCookies: publicUrl.protocol === 'https:',
    metadataFile: env.SIGNET_METADATA_FILE || undefined,
    mdsUrl: parseMdsUrl(env.SIGNET_MDS_URL),
    mdsRootFile: parseMdsRoot(env.SIGNET_MDS_ROOT),
    trustedProxies: trustedProxies.entries.length ? trustedProxies : noTrustedProxies,
    managementPort,
    managementHost,
    logLevel,
    smtpUrl: parseSmtpUrl(env.SIGNET_SMTP_URL),
    mailFrom: parseMailFrom(env.SIGNET_MAIL_FROM),
    databaseVariable: env.SIGNET_DATABASE_URL ? 'SIGNET_DATABASE_URL' : 'SIGNET_DATA_DIR',
    rateLimits: parseRateLimits(env),
  };
}
