import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, writeGeneratedSecret } from './config.ts';
import { resolveClientAddress } from './http/client-address.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'signet-config-'));

describe('configuration', () => {
  it('derives origin and RP ID from SIGNET_PUBLIC_URL; a generated secret is written only when asked', () => {
    const d = dir();
    const c = loadConfig({ SIGNET_DATA_DIR: d, SIGNET_PUBLIC_URL: 'https://id.example.com' });
    expect([c.origin, c.rpId, c.secureCookies, c.secret.length]).toEqual([
      'https://id.example.com',
      'id.example.com',
      true,
      32,
    ]);
    // Loading the configuration writes nothing: the database decides whether a new secret may exist.
    expect(c.secretSource).toBe('generated');
    expect(existsSync(join(d, 'secret'))).toBe(false);
    writeGeneratedSecret(c);
    const again = loadConfig({ SIGNET_DATA_DIR: d });
    expect(again.secretSource).toBe('file');
    expect(again.secret.equals(c.secret)).toBe(true);
  });

  it('has no trusted proxies, no management listener and log level info by default', () => {
    const c = loadConfig({ SIGNET_DATA_DIR: dir() });
    expect(c.trustedProxies?.entries).toEqual([]);
    expect(c.managementPort).toBeUndefined();
    expect(c.managementHost).toBe('127.0.0.1');
    expect(c.logLevel).toBe('info');
    expect(resolveClientAddress('10.0.0.1', { 'x-forwarded-for': '1.2.3.4' }, c.trustedProxies!)).toBe('10.0.0.1');
  });

  it('reads SIGNET_TRUSTED_PROXIES, SIGNET_MANAGEMENT_PORT/HOST and SIGNET_LOG_LEVEL', () => {
    const c = loadConfig({
      SIGNET_DATA_DIR: dir(),
      SIGNET_TRUSTED_PROXIES: '10.0.0.0/8, 2001:db8::/32',
      SIGNET_MANAGEMENT_PORT: '9000',
      SIGNET_MANAGEMENT_HOST: '0.0.0.0',
      SIGNET_LOG_LEVEL: 'WARN',
    });
    expect(c.trustedProxies?.entries).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect(resolveClientAddress('10.1.2.3', { 'x-forwarded-for': '1.2.3.4' }, c.trustedProxies!)).toBe('1.2.3.4');
    expect([c.managementPort, c.managementHost, c.logLevel]).toEqual([9000, '0.0.0.0', 'warn']);
  });

  it('reads SIGNET_PROXY_HEADER: only the header the proxies write names the client', () => {
    const env = { SIGNET_DATA_DIR: dir(), SIGNET_TRUSTED_PROXIES: '10.0.0.0/8' };
    const both = { 'x-forwarded-for': '1.2.3.4', forwarded: 'for=5.6.7.8' };
    const xff = loadConfig(env).trustedProxies!;
    const fwd = loadConfig({ ...env, SIGNET_PROXY_HEADER: 'Forwarded' }).trustedProxies!;
    expect(resolveClientAddress('10.1.2.3', both, xff)).toBe('1.2.3.4');
    expect(resolveClientAddress('10.1.2.3', both, fwd)).toBe('5.6.7.8');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ SIGNET_PUBLIC_URL: 'ftp://x.example' }, 'SIGNET_PUBLIC_URL'],
    [{ SIGNET_PUBLIC_URL: 'http://id.example.com' }, 'SIGNET_PUBLIC_URL'],
    [{ SIGNET_PUBLIC_URL: 'https://127.0.0.1' }, 'SIGNET_PUBLIC_URL'],
    [{ SIGNET_PUBLIC_URL: 'https://id.example.com/path' }, 'SIGNET_PUBLIC_URL'],
    [{ SIGNET_DATABASE_URL: 'mysql://x' }, 'SIGNET_DATABASE_URL'],
    [{ SIGNET_SECRET: 'c2hvcnQ' }, 'SIGNET_SECRET'],
    [{ SIGNET_TRUSTED_PROXIES: '10.0.0.1, proxy.internal' }, 'SIGNET_TRUSTED_PROXIES'],
    [{ SIGNET_TRUSTED_PROXIES: '10.0.0.0/40' }, 'SIGNET_TRUSTED_PROXIES'],
    [{ SIGNET_MANAGEMENT_PORT: 'x' }, 'SIGNET_MANAGEMENT_PORT'],
    [{ SIGNET_MANAGEMENT_PORT: '3000' }, 'SIGNET_MANAGEMENT_PORT'],
    [{ SIGNET_MANAGEMENT_HOST: 'not a host' }, 'SIGNET_MANAGEMENT_HOST'],
    [{ SIGNET_LOG_LEVEL: 'loud' }, 'SIGNET_LOG_LEVEL'],
    [{ SIGNET_PROXY_HEADER: 'x-real-ip' }, 'SIGNET_PROXY_HEADER'],
    [{ HOST: 'a b' }, 'HOST'],
  ])('refuses %o, naming %s', (env, variable) => {
    expect(() => loadConfig({ SIGNET_DATA_DIR: dir(), ...env })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', detail: expect.objectContaining({ variable }) }),
    );
  });

  it('refuses a secret file shorter than 32 bytes instead of using a weak key', () => {
    const d = dir();
    writeFileSync(join(d, 'secret'), 'c2hvcnQ\n');
    expect(() => loadConfig({ SIGNET_DATA_DIR: d })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('refuses a SIGNET_DATA_DIR that is a file, naming it', () => {
    const file = join(dir(), 'plain-file');
    writeFileSync(file, 'x');
    for (const d of [file, join(file, 'below')])
      expect(() => loadConfig({ SIGNET_DATA_DIR: d })).toThrow(
        expect.objectContaining({
          code: 'CONFIG_INVALID',
          detail: expect.objectContaining({ variable: 'SIGNET_DATA_DIR' }),
        }),
      );
  });

  it('refuses a secret file that is a directory, naming SIGNET_SECRET', () => {
    const d = dir();
    mkdirSync(join(d, 'secret'));
    expect(() => loadConfig({ SIGNET_DATA_DIR: d })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        detail: expect.objectContaining({ variable: 'SIGNET_SECRET' }),
      }),
    );
  });

  it('says an IP address is the problem before the scheme (http://127.0.0.1 is not fixed by https)', () => {
    for (const url of ['http://127.0.0.1:3461', 'https://127.0.0.1', 'http://[::1]:3000'])
      expect(() => loadConfig({ SIGNET_DATA_DIR: dir(), SIGNET_PUBLIC_URL: url })).toThrow(
        expect.objectContaining({
          code: 'CONFIG_INVALID',
          detail: expect.objectContaining({
            variable: 'SIGNET_PUBLIC_URL',
            reason: expect.stringMatching(/IP address/),
          }),
        }),
      );
  });

  it('names the file that stands where a directory must be created, for SIGNET_DATABASE_URL and SIGNET_DATA_DIR', () => {
    const file = join(dir(), 'afile');
    writeFileSync(file, 'x');
    for (const [variable, env] of [
      ['SIGNET_DATABASE_URL', { SIGNET_DATA_DIR: dir(), SIGNET_DATABASE_URL: `sqlite:${file}/deeper/x.db` }],
      ['SIGNET_DATA_DIR', { SIGNET_DATA_DIR: join(file, 'below') }],
    ] as const)
      expect(() => loadConfig(env)).toThrow(
        expect.objectContaining({
          code: 'CONFIG_INVALID',
          detail: expect.objectContaining({
            variable,
            reason: expect.stringContaining(`${file} is a file, not a directory`),
          }),
        }),
      );
    // A database file that is a directory is named too.
    const d = dir();
    expect(() => loadConfig({ SIGNET_DATA_DIR: dir(), SIGNET_DATABASE_URL: `sqlite:${d}` })).toThrow(
      expect.objectContaining({ detail: expect.objectContaining({ variable: 'SIGNET_DATABASE_URL' }) }),
    );
  });

  it('tells what to do with a damaged secret file: restore that file (named), not fix an environment variable', () => {
    const d = dir();
    writeFileSync(join(d, 'secret'), 'c2hvcnQ\n');
    expect(() => loadConfig({ SIGNET_DATA_DIR: d })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        detail: expect.objectContaining({
          variable: 'SIGNET_SECRET',
          reason: expect.stringContaining(join(d, 'secret')),
          remediation: expect.stringContaining(join(d, 'secret')),
        }),
      }),
    );
  });
});
