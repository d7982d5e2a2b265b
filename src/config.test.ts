import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'signet-config-'));

describe('configuration', () => {
  it('derives origin and RP ID from SIGNET_PUBLIC_URL and generates a secret on first run', () => {
    const d = dir();
    const c = loadConfig({ SIGNET_DATA_DIR: d, SIGNET_PUBLIC_URL: 'https://id.example.com' });
    expect([c.origin, c.rpId, c.secureCookies, c.secret.length]).toEqual([
      'https://id.example.com',
      'id.example.com',
      true,
      32,
    ]);
    expect(loadConfig({ SIGNET_DATA_DIR: d }).secret.equals(c.secret)).toBe(true);
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
});
