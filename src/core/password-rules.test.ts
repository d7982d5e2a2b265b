import { describe, expect, it } from 'vitest';
import { commonPasswords } from '../flows/common-passwords.ts';
import { checkPassword, isCommonPassword } from './password-rules.ts';

const ada = { userPrincipalName: 'ada.l@contoso.com', displayName: 'Ada Lovelace' };
const codeOf = (password: string, owner = ada) => {
  const d = checkPassword(password, owner, commonPasswords());
  return d.ok ? 'ok' : d.code;
};

describe('checkPassword (Entra rules for an administrator-set password)', () => {
  it('accepts 8 to 256 characters with three of the four classes', () => {
    expect(codeOf('Abcdefg1')).toBe('ok');
    expect(codeOf('abcdef1!')).toBe('ok');
    expect(codeOf('ABCDEF1!')).toBe('ok');
    expect(codeOf('Abcdefg!')).toBe('ok');
    expect(codeOf(`Aa1${'x'.repeat(253)}`)).toBe('ok');
    expect(codeOf('correct Horse battery 9')).toBe('ok');
  });

  it('refuses fewer than 8 or more than 256 characters', () => {
    expect(codeOf('Abcde1!')).toBe('PASSWORD_LENGTH_INVALID');
    expect(codeOf('')).toBe('PASSWORD_LENGTH_INVALID');
    expect(codeOf(`Aa1${'x'.repeat(254)}`)).toBe('PASSWORD_LENGTH_INVALID');
  });

  it('refuses a password of fewer than three classes', () => {
    expect(codeOf('abcdefgh')).toBe('PASSWORD_TOO_SIMPLE');
    expect(codeOf('abcdefg1')).toBe('PASSWORD_TOO_SIMPLE');
    expect(codeOf('ABCDEFG!')).toBe('PASSWORD_TOO_SIMPLE');
    expect(codeOf('12345678!')).toBe('PASSWORD_TOO_SIMPLE');
  });

  it('refuses characters Entra does not allow (Unicode, control characters)', () => {
    expect(codeOf('Abcdéfg1')).toBe('PASSWORD_CHARACTER_NOT_ALLOWED');
    expect(codeOf('Abcdefg1\n')).toBe('PASSWORD_CHARACTER_NOT_ALLOWED');
    expect(codeOf('Abcdefg1🔑')).toBe('PASSWORD_CHARACTER_NOT_ALLOWED');
  });

  it("refuses a password containing the user's UPN, its name part or the display name, in any case", () => {
    expect(codeOf('ada.l@contoso.com1A')).toBe('PASSWORD_CONTAINS_USER_NAME');
    expect(codeOf('xxADA.L99!')).toBe('PASSWORD_CONTAINS_USER_NAME');
    expect(codeOf('1!ada lovelace')).toBe('PASSWORD_CONTAINS_USER_NAME');
    // A short name is not a reason to refuse: too many passwords contain two letters.
    expect(codeOf('Ab1!xyzzy', { userPrincipalName: 'ab@contoso.com', displayName: 'Ab' })).toBe('ok');
    expect(codeOf('Lovelace-2026')).toBe('ok');
  });

  it('never puts the password in the refusal', () => {
    for (const bad of ['Abc1!', 'abcdefghij', 'Abcdéfg1x', 'ada.l-Secret1']) {
      const d = checkPassword(bad, ada, commonPasswords());
      expect(d.ok).toBe(false);
      expect(JSON.stringify(d)).not.toContain(bad);
    }
  });
});

describe('common passwords', () => {
  it('refuses one of the 10,000 most common passwords in any letter case, after the length and classes', () => {
    expect(codeOf('Password1')).toBe('PASSWORD_TOO_COMMON');
    expect(codeOf('pa55W0rd')).toBe('PASSWORD_TOO_COMMON');
    expect(codeOf('Qwerty123')).toBe('PASSWORD_TOO_COMMON');
    expect(codeOf('1qaz2WSX')).toBe('PASSWORD_TOO_COMMON');
    // Common, but first too short or too simple: the rule a person can act on.
    expect(codeOf('baseball')).toBe('PASSWORD_TOO_SIMPLE');
    expect(codeOf('Abc123')).toBe('PASSWORD_LENGTH_INVALID');
  });

  it('knows the list without its blank line, and accepts what is merely near a common one', () => {
    expect(commonPasswords().size).toBe(9_915); // 9,999 passwords, 84 alike but for letter case; no header line
    expect(isCommonPassword('', commonPasswords())).toBe(false);
    expect(isCommonPassword('123456', commonPasswords())).toBe(true);
    expect(isCommonPassword('TRUSTNO1', commonPasswords())).toBe(true);
    expect(codeOf('Password1-for-Ada-2026')).toBe('ok');
  });
});
