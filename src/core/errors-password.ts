// Password sign-in, smart lockout and per-address rate limits (issue 8). Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const passwordErrors = {
  PASSWORD_TOO_COMMON: {
    status: 400,
    message:
      'The password in passwordProfile is one of the most common passwords (or one of them in other letter case), which attackers try first.',
    remediation:
      'Choose a password that is not a common word or pattern: a passphrase of several unrelated words is long, easy to remember and rarely guessed.',
    where: 'admin API (Graph users)',
  },
  SIGNIN_PASSWORD_INVALID: {
    status: 401,
    message: 'The username or password is not right.',
    remediation:
      'Check the username and the password (passwords are case-sensitive) and try again. If you forgot your password, ask your administrator.',
    where: 'sign-in, sign-in log',
  },
  PASSWORD_SIGNIN_DISABLED: {
    status: 403,
    message: 'Signing in with a password is turned off for this organization.',
    remediation: 'Sign in another way, for example with a passkey or a Temporary Access Pass from your administrator.',
    where: 'sign-in, sign-in log',
  },
  PASSWORD_METHOD_NOT_TARGETED: {
    status: 403,
    message: 'Your organization does not allow you to sign in with a password.',
    remediation:
      'Sign in another way, for example with a passkey, or ask your administrator for a Temporary Access Pass.',
    where: 'sign-in, sign-in log',
  },
  PASSWORD_LOCKED_OUT: {
    status: 429,
    message: 'Too many wrong passwords were tried for this account, so password sign-in is paused for a while.',
    remediation:
      'Wait and try again later (the wait grows with each lockout; the time is in the detail as retryAfterSeconds), sign in another way, or ask your administrator for help.',
    where: 'sign-in, sign-in log',
  },
  SIGNIN_LOCKED_OUT: {
    status: 429,
    message: 'Too many wrong codes were tried for this account, so this way of signing in is paused for a while.',
    remediation:
      'Wait and try again later (the wait grows with each lockout; the time is in the detail as retryAfterSeconds), sign in another way, or ask your administrator for help.',
    where: 'sign-in, sign-in log',
  },
  RATE_LIMITED: {
    status: 429,
    message: 'Too many requests came from your network address in a short time.',
    remediation:
      'Wait the number of seconds the Retry-After header gives, then try again. An operator can raise the limits with SIGNET_RATE_LIMIT_SIGNIN and SIGNET_RATE_LIMIT_CEREMONY.',
    where: 'sign-in, token endpoint (every unauthenticated sign-in route)',
  },
} satisfies Record<string, ErrorEntry>;
