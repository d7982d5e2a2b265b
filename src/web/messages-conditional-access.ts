// The page words (see messages.ts) of the Conditional Access codes, where the catalogue's are written for an API client.
import type { ErrorCode } from '../core/errors.ts';

export const conditionalAccessPageWords: Partial<Record<ErrorCode, { text?: string; remediation?: string }>> = {
  CA_ACCESS_BLOCKED: {
    text: 'Your organization does not allow you to sign in to this app from here, or at all.',
    remediation: 'If you need this app, ask your help desk or administrator; tell them the code below.',
  },
  CA_STRENGTH_CANNOT_SATISFY: {
    text: 'This app needs a stronger way of signing in than any you have set up, such as a passkey or a security key.',
    remediation:
      'Ask your help desk for a Temporary Access Pass, sign in with it and add a passkey or security key on your security info page, then try again.',
  },
  CA_PASSKEY_MODEL_NOT_ALLOWED: {
    text: 'This app accepts only certain passkeys or security keys, and none of yours is one of them.',
    remediation:
      'Ask your help desk which security keys your organization accepts and for a Temporary Access Pass to add one, then try again.',
  },
  CA_METHOD_NOT_ACCEPTED: {
    text: 'This app needs you to sign in with a passkey or security key, not a password or pass.',
    remediation:
      'Use your passkey. If you have none, ask your help desk for a Temporary Access Pass, add a passkey on your security info page with it, then come back.',
  },
  CA_STEP_UP_REQUIRED: {
    text: 'This app needs you to confirm it is you once more.',
    remediation: 'Use one of the ways to sign in shown on this page.',
  },
  OIDC_ACR_UNSUPPORTED: {
    text: 'The app asked for a kind of sign-in this organization does not offer.',
    remediation: 'Go back to the app and try again; if it happens again, tell the app’s support the code below.',
  },
};
