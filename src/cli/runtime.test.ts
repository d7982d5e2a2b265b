import { describe, expect, it } from 'vitest';
import { SignetError } from '../core/errors.ts';
import { columns, errorReason, helpText, refusalJson, refusalText } from './runtime.ts';

describe('operator messages of the CLI', () => {
  it('gives a system error its code once (Node already writes it into the message)', () => {
    const eperm = Object.assign(new Error("EPERM: operation not permitted, chmod '/ro/x.db'"), { code: 'EPERM' });
    expect(errorReason(eperm)).toBe("EPERM: operation not permitted, chmod '/ro/x.db'");
    const sqlite = Object.assign(new Error('unable to open database file'), { code: 'SQLITE_CANTOPEN' });
    expect(errorReason(sqlite)).toBe('SQLITE_CANTOPEN: unable to open database file');
    expect(errorReason(new Error('first line\nsecond'))).toBe('first line');
  });

  it('keeps two spaces between the columns, however long the first one is', () => {
    const rows = columns([
      ['--name <value>', 'a'],
      ['--post-logout-redirect-uri <value>', 'b'],
    ]);
    expect(rows[1]).toBe('  --post-logout-redirect-uri <value>  b');
    expect(rows[0]!.lastIndexOf(' ') + 1).toBe(rows[1]!.lastIndexOf(' ') + 1);
    const help = helpText({
      name: 'x y',
      summary: 's',
      usage: 'signet x y',
      options: { 'a-very-long-option-name-indeed': { type: 'string', description: 'desc', required: true } },
      run: async () => undefined,
    });
    expect(help).toMatch(/--a-very-long-option-name-indeed <value> {2}desc \(required\)/);
  });

  it('prints an instance remediation in place of the catalogue one, in text and JSON, and the variable when unsaid', () => {
    const err = new SignetError('CONFIG_INVALID', { variable: 'V', reason: 'something', remediation: 'Restore /x.' });
    const text = refusalText(err);
    expect(text).toContain('Restore /x.');
    expect(text).not.toContain('Fix the environment variable');
    expect(text).toContain('variable: V');
    const json = JSON.parse(refusalJson(err)) as { error: { remediation: string; detail: Record<string, string> } };
    expect(json.error.remediation).toBe('Restore /x.');
    expect(json.error.detail).toEqual({ variable: 'V', reason: 'something' });
    expect(refusalText(new SignetError('CONFIG_INVALID', { variable: 'V', reason: 'V is bad' }))).not.toContain(
      'variable:',
    );
  });
});
