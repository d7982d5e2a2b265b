// The page words (see messages.ts) of the password sign-in and lockout codes, where the catalogue's are written for an API client.
import type { ErrorCode } from '../core/errors.ts';

export const passwordPageWords: Partial<Record<ErrorCode, { text?: string; remediation?: string }>> = {
  PASSWORD_LOCKED_OUT: {
    text: 'Too many wrong passwords were tried for this account, so password sign-in is paused for a while.',
    remediation: 'Wait a few minutes and try again, sign in another way, or ask your administrator for help.',
  },
  SIGNIN_LOCKED_OUT: {
    text: 'Too many wrong codes were tried for this account, so this way of signing in is paused for a while.',
    remediation: 'Wait a few minutes and try again, sign in another way, or ask your administrator for help.',
  },
  RATE_LIMITED: {
    text: 'Too many sign-in attempts came from your network in a short time.',
    remediation: 'Wait a minute, then try again.',
  },
};
