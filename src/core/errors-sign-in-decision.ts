// What an app's sign-in request is told when Conditional Access or the app itself asks for more than the session
// holds (issue 9): a block, a strength the user cannot meet, a step-up. Part of the one error catalogue (errors.ts
// gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const signInDecisionErrors = {
  CA_ACCESS_BLOCKED: {
    status: 403,
    message: 'A Conditional Access policy blocks this sign-in to this app.',
    remediation:
      'Sign in from where and to what your organization allows; if you need this app, ask your administrator. An administrator can see which policy blocked it in the sign-in log (appliedConditionalAccessPolicies) and test a change with What If before saving it.',
    where: 'sign-in, OIDC, sign-in log',
  },
  CA_STRENGTH_CANNOT_SATISFY: {
    status: 403,
    message:
      'This app asks for a sign-in method the account does not have: the authentication strength it requires cannot be met with the methods set up.',
    remediation:
      'Ask your help desk for a Temporary Access Pass, sign in with it and register a passkey or security key on your security info page, then try again. An administrator can see the strength required in the sign-in log.',
    where: 'sign-in, OIDC, sign-in log',
  },
  CA_PASSKEY_MODEL_NOT_ALLOWED: {
    status: 403,
    message:
      'This app accepts only some passkey models or kinds (its authentication strength lists them), and none of the passkeys set up on the account is one of them.',
    remediation:
      'Register a passkey of an allowed model (ask your help desk which security keys your organization accepts; a Temporary Access Pass lets you sign in to add one), then try again.',
    where: 'sign-in, OIDC, sign-in log',
  },
  CA_METHOD_NOT_ACCEPTED: {
    status: 403,
    message:
      'This app requires a sign-in that a password or a Temporary Access Pass cannot give (a passkey), so it was not checked.',
    remediation:
      'Sign in with a passkey or security key. Without one, ask your help desk for a Temporary Access Pass, use it on your security info page to register a passkey, then sign in to the app with the passkey.',
    where: 'sign-in, sign-in log',
  },
  CA_STEP_UP_REQUIRED: {
    status: 401,
    message: 'This app needs one more sign-in step than the session holds (the step the sign-in page asks for).',
    remediation: 'Complete the step the sign-in page asks for, with one of the methods it offers.',
    where: 'sign-in, sign-in log',
  },
  CA_REFRESH_SIGN_IN_REQUIRED: {
    status: 400,
    message:
      'A Conditional Access policy in force now asks more of this sign-in than its refresh token holds (a new or tightened policy, a block, or a sign-in frequency that has run out), so the refresh token no longer works.',
    remediation:
      'The app sends the user to sign in again (an interactive authorization request); Signet then asks for exactly the missing step. An administrator can read the policy in the sign-in log entry of the refresh.',
    where: 'OIDC (token endpoint), sign-in log',
  },
  OIDC_ACR_UNSUPPORTED: {
    status: 400,
    message:
      'The app asked for an authentication context class (acr) as essential that Signet does not know: none of its values names an authentication strength.',
    remediation:
      "Ask for `phr`, `phrh` or the id of one of the tenant's authentication strengths; the discovery document's acr_values_supported lists the values Signet knows.",
    where: 'OIDC, sign-in log',
  },
} satisfies Record<string, ErrorEntry>;
