// TOTP (software OATH) and email one-time codes (issue 8). Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const oneTimeCodeErrors = {
  OTP_CODE_INVALID: {
    status: 401,
    message: 'That code is not right.',
    remediation:
      'Check the code and type it again: use the code your authenticator app shows now, or the newest code we emailed you.',
    where: 'second-factor sign-in, authenticator app setup page, sign-in log',
  },
  OTP_CODE_ALREADY_USED: {
    status: 401,
    message: 'That code has already been used, and a code works only once.',
    remediation: 'Wait for your authenticator app to show a new code and type that one, or ask for a new email code.',
    where: 'second-factor sign-in, sign-in log',
  },
  OTP_CODE_EXPIRED: {
    status: 401,
    message: 'That email code has expired: a code works for 10 minutes.',
    remediation: 'Ask for a new code and type it within 10 minutes.',
    where: 'second-factor sign-in, sign-in log',
  },
  OTP_CODE_NOT_SENT: {
    status: 400,
    message: 'No email code has been sent to you yet.',
    remediation: 'Choose "Email me a code" first, then type the code from the email.',
    where: 'second-factor sign-in, sign-in log',
  },
  OTP_CODE_ATTEMPTS_EXCEEDED: {
    status: 429,
    message: 'That email code was typed wrongly too many times, so it no longer works.',
    remediation: 'Ask for a new code and type it carefully.',
    where: 'second-factor sign-in, sign-in log',
  },
  OTP_RESEND_TOO_SOON: {
    status: 429,
    message: 'A code was emailed to you less than a minute ago.',
    remediation: 'Check your inbox (and spam folder) for it; you can ask for another one after a minute.',
    where: 'second-factor sign-in',
  },
  OTP_TOTP_NOT_ALLOWED: {
    status: 403,
    message: 'Your organization does not allow authenticator apps for your account.',
    remediation: 'Use another way to sign in, or ask your administrator to allow authenticator apps for you.',
    where: 'authenticator app setup page, second-factor sign-in, admin API, sign-in log',
  },
  OTP_EMAIL_NOT_ALLOWED: {
    status: 403,
    message: 'Your organization does not allow email codes for your account.',
    remediation: 'Use another way to sign in, or ask your administrator to allow email codes for you.',
    where: 'second-factor sign-in, admin API, sign-in log',
  },
  OTP_TOTP_NOT_REGISTERED: {
    status: 404,
    message: 'No authenticator app is set up for your account.',
    remediation: 'Use another way to sign in, or ask your help desk for a Temporary Access Pass.',
    where: 'second-factor sign-in, sign-in log',
  },
  OTP_EMAIL_NOT_REGISTERED: {
    status: 404,
    message: 'No email address for codes is set up for your account.',
    remediation: 'Use another way to sign in, or ask your administrator to add an email address for codes.',
    where: 'second-factor sign-in, sign-in log',
  },
  OTP_STRONG_AUTH_REQUIRED: {
    status: 401,
    message: 'Setting up or removing an authenticator app needs a strong sign-in from the last 5 minutes.',
    remediation:
      'Sign in again with a passkey, a Temporary Access Pass, or your password and a code, then try again within 5 minutes.',
    where: 'authenticator app setup page, admin API (/me)',
  },
  OTP_TOTP_SETUP_EXPIRED: {
    status: 400,
    message: 'Setting up the authenticator app took too long (more than 10 minutes), so it was stopped.',
    remediation: 'Open the authenticator app page again and add the new key it shows to your app.',
    where: 'authenticator app setup page',
  },
  OTP_TOTP_LIMIT_REACHED: {
    status: 409,
    message: 'Your account already has the most authenticator apps it may have (5).',
    remediation: 'Ask your administrator to remove one you no longer use, then add the new one.',
    where: 'authenticator app setup page',
  },
  OTP_SECOND_FACTOR_NOT_PENDING: {
    status: 400,
    message: 'This sign-in does not need a second step.',
    remediation: 'Sign in again from the start.',
    where: 'second-factor sign-in',
  },
  OTP_EMAIL_NOT_SENT: {
    status: 503,
    message: 'The email with your code could not be sent just now.',
    remediation: 'Try again in a few minutes; if it keeps failing, tell your help desk (the mail server may be down).',
    where: 'second-factor sign-in, sign-in log',
  },
  OTP_EMAIL_ADDRESS_INVALID: {
    status: 400,
    message: 'The email address is not valid.',
    remediation: 'Send emailAddress as a single address such as name@example.com (at most 254 characters).',
    where: 'admin API',
  },
  OTP_EMAIL_METHOD_EXISTS: {
    status: 409,
    message: 'This user already has an email method.',
    remediation: 'Change its address with PATCH on the method, or delete it first.',
    where: 'admin API',
  },
} satisfies Record<string, ErrorEntry>;
