import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { SignetError } from './core/errors.ts';

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
}

function bad(variable: string, why: string): SignetError {
  return new SignetError('CONFIG_INVALID', { variable, reason: `${variable} ${why}` });
}

export function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 3000;
  if (!/^\d+$/.test(raw)) throw bad('PORT', `must be a number from 1 to 65535, got "${raw}"`);
  const port = Number(raw);
  if (port < 1 || port > 65535) throw bad('PORT', `must be a number from 1 to 65535, got "${raw}"`);
  return port;
}

export function parsePublicUrl(raw: string | undefined, port: number): URL {
  const value = raw && raw !== '' ? raw : `http://localhost:${port}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad('SIGNET_PUBLIC_URL', `must be an absolute URL such as https://id.example.com, got "${value}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && url.hostname === 'localhost'))
    throw bad('SIGNET_PUBLIC_URL', 'must use https (http is allowed only for localhost)');
  // WebAuthn RP IDs are domains: an IP address can never be one (WebAuthn §5.1.3, WA-08).
  if (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0)
    throw bad('SIGNET_PUBLIC_URL', 'must name a host, not an IP address (passkeys are bound to a domain)');
  if (url.pathname !== '/' || url.search || url.hash)
    throw bad('SIGNET_PUBLIC_URL', 'must be an origin without a path, query or fragment');
  return url;
}

export function parseDatabaseUrl(raw: string | undefined, dataDir: string): string {
  const value = raw && raw !== '' ? raw : `sqlite:${join(dataDir, 'signet.db')}`;
  if (value.startsWith('sqlite:') || value.startsWith('postgres://') || value.startsWith('postgresql://')) return value;
  throw bad('SIGNET_DATABASE_URL', 'must start with sqlite: or postgres://');
}

function loadSecret(raw: string | undefined, dataDir: string): Buffer {
  if (raw && raw !== '') {
    const secret = Buffer.from(raw, 'base64url');
    if (secret.length < 32) throw bad('SIGNET_SECRET', 'must be at least 32 bytes, base64url encoded');
    return secret;
  }
  const file = join(dataDir, 'secret');
  if (existsSync(file)) {
    const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
    if (secret.length < 32) throw bad('SIGNET_SECRET', `(from ${file}) must be at least 32 bytes, base64url encoded`);
    return secret;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32);
  writeFileSync(file, `${secret.toString('base64url')}\n`, { mode: 0o600 });
  return secret;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = resolve(env.SIGNET_DATA_DIR || './data');
  const port = parsePort(env.PORT);
  const publicUrl = parsePublicUrl(env.SIGNET_PUBLIC_URL, port);
  const databaseUrl = parseDatabaseUrl(env.SIGNET_DATABASE_URL, dataDir);
  return {
    publicUrl,
    origin: publicUrl.origin,
    rpId: publicUrl.hostname,
    databaseUrl,
    secret: loadSecret(env.SIGNET_SECRET, dataDir),
    port,
    host: env.HOST || '127.0.0.1',
    dataDir,
    secureCookies: publicUrl.protocol === 'https:',
    metadataFile: env.SIGNET_METADATA_FILE || undefined,
  };
}
