// Entra's password rules for a password an administrator sets (passwordProfile on POST/PATCH /users): 8 to 256
// characters of the characters Entra allows, three of the four classes (lower case, upper case, digits,
// symbols), not one of the 10,000 most common passwords in any letter case (common-passwords.ts), and not
// containing the user's name. Pure. A refusal names the rule broken and never the password.
import { allow, type Decision, deny } from './errors.ts';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

/** Entra accepts printable ASCII and the space; other characters (Unicode, controls) are refused. */
const ALLOWED = /^[\x20-\x7e]*$/;
const CLASSES: readonly RegExp[] = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/];
/** A name shorter than this is too common a substring to refuse passwords over. */
const MIN_NAME_LENGTH = 3;

export interface PasswordOwner {
  userPrincipalName: string;
  displayName: string;
}

const FIELD = 'passwordProfile.password';

/** Whether the password is one of the most common ones (`common`: lower case, flows/common-passwords.ts), any case. */
export function isCommonPassword(password: string, common: ReadonlySet<string>): boolean {
  return common.has(password.toLowerCase());
}

export function checkPassword(password: string, owner: PasswordOwner, common: ReadonlySet<string>): Decision {
  // Length in code points, as a person counts characters.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH)
    return deny('PASSWORD_LENGTH_INVALID', {
      field: FIELD,
      rule: `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
    });
  if (!ALLOWED.test(password))
    return deny('PASSWORD_CHARACTER_NOT_ALLOWED', {
      field: FIELD,
      rule: 'letters A-Z and a-z, digits, the space and the symbols on a US keyboard only',
    });
  const classes = CLASSES.filter((c) => c.test(password)).length;
  if (classes < 3)
    return deny('PASSWORD_TOO_SIMPLE', {
      field: FIELD,
      rule: 'at least three of: lower-case letters, upper-case letters, digits, symbols',
    });
  // After the length and classes: a short or one-kind password is told what it lacks, not that it is common.
  if (isCommonPassword(password, common))
    return deny('PASSWORD_TOO_COMMON', { field: FIELD, rule: 'not one of the 10,000 most common passwords' });
  const lower = password.toLowerCase();
  const names = [owner.userPrincipalName, owner.userPrincipalName.split('@')[0] ?? '', owner.displayName]
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n.length >= MIN_NAME_LENGTH);
  if (names.some((n) => lower.includes(n)))
    return deny('PASSWORD_CONTAINS_USER_NAME', {
      field: FIELD,
      rule: "not containing the user's userPrincipalName or display name",
    });
  return allow;
}
