// The list of common passwords that core/password-rules.ts refuses, read from src/core/common-passwords.txt once, on
// the first password judged (not at start: most processes never judge one), lower-cased for a letter-case-free match
// (9,999 entries, 9,915 once letter case is ignored). Lines starting with # are the list's source and licence.
import { readFileSync } from 'node:fs';

let list: ReadonlySet<string> | undefined;

export function commonPasswords(): ReadonlySet<string> {
  list ??= new Set(
    readFileSync(new URL('../core/common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((p) => p.toLowerCase()),
  );
  return list;
}
