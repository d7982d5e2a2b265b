// The page words (see messages.ts) of the Temporary Access Pass codes, where the catalogue's are written for an API client.
import type { ErrorCode } from '../core/errors.ts';

export const tapPageWords: Partial<Record<ErrorCode, { text?: string; remediation?: string }>> = {
  TAP_METHOD_DISABLED: {
    text: 'Your organization has turned off signing in with a Temporary Access Pass.',
    remediation: 'Sign in with a passkey, or ask your help desk how to sign in now.',
  },
  TAP_METHOD_NOT_TARGETED: {
    text: 'Your organization does not allow your account to sign in with a Temporary Access Pass.',
    remediation: 'Sign in with a passkey, or ask your help desk how to sign in now.',
  },
  CAMPAIGN_SNOOZES_USED: {
    text: 'You have already postponed setting up a passkey as often as your organization allows.',
    remediation: 'Choose “Set up now” to add a passkey; then you can continue.',
  },
};
