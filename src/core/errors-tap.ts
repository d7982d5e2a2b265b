// Temporary Access Pass issuance and use as the TAP method configuration governs it, and the registration campaign
// that follows a sign-in (issue 8). Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const tapErrors = {
  TAP_METHOD_DISABLED: {
    status: 403,
    message:
      'The Temporary Access Pass method is turned off in the authentication methods policy, so no pass can be issued or used.',
    remediation:
      'An Authentication Policy Administrator can turn it on: set "state": "enabled" in the TemporaryAccessPass configuration (`npx signet policy set --method TemporaryAccessPass --file body.json`), then issue a new pass.',
    where: 'admin API, CLI (tap issue), sign-in, sign-in log',
  },
  TAP_METHOD_NOT_TARGETED: {
    status: 403,
    message:
      'The Temporary Access Pass method does not apply to this user: no include target covers them, or an exclude target does.',
    remediation:
      'An Authentication Policy Administrator can add the user (or a group of theirs) to includeTargets, or remove them from excludeTargets, of the TemporaryAccessPass configuration (`npx signet policy set --method TemporaryAccessPass --file body.json`).',
    where: 'admin API, CLI (tap issue), sign-in, sign-in log',
  },
  TAP_LIFETIME_OUT_OF_POLICY: {
    status: 400,
    message: "The pass's lifetime is outside the minimum and maximum the Temporary Access Pass policy allows.",
    remediation:
      "Ask for a lifetimeInMinutes from the policy's minimumLifetimeInMinutes to its maximumLifetimeInMinutes (the error detail gives both), or leave it out to get the policy's default.",
    where: 'admin API, CLI (tap issue)',
  },
  TAP_MULTI_USE_NOT_ALLOWED: {
    status: 400,
    message:
      'The Temporary Access Pass policy makes every pass one-time (isUsableOnce), so a multi-use pass cannot be issued.',
    remediation:
      'Issue a one-time pass ("isUsableOnce": true, or `npx signet tap issue --once`), or have an Authentication Policy Administrator set isUsableOnce to false in the TemporaryAccessPass configuration.',
    where: 'admin API, CLI (tap issue)',
  },
  CAMPAIGN_SNOOZES_USED: {
    status: 403,
    message:
      'The registration campaign allows no more "Not now": the user postponed setting up a passkey as often as the policy allows (3 times when enforceRegistrationAfterAllowedSnoozes is true).',
    remediation:
      'Set up a passkey to continue. An Authentication Policy Administrator can allow unlimited snoozes (enforceRegistrationAfterAllowedSnoozes false) or exclude the user in the campaign of the authentication methods policy.',
    where: 'registration campaign page (after sign-in), sign-in log',
  },
} satisfies Record<string, ErrorEntry>;
