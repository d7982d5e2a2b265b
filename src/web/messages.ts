// What a person reads when something goes wrong. The catalogue (core/errors.ts) is the source; where its words
// are written for a developer or an operator, or a form field needs its own sentence, the page's words are
// derived here, in one place. Pages render `personMessage`; /static/messages.js serves `browserMessageTable()`
// to the browser scripts, which also need sentences for the browser's own passkey errors.
import { describeError, type ErrorCode, errorCatalogue, isErrorCode } from '../core/errors.ts';
import { codePageWords } from './messages-codes.ts';
import { conditionalAccessPageWords } from './messages-conditional-access.ts';
import { passwordPageWords } from './messages-password.ts';
import { tapPageWords } from './messages-tap.ts';

export interface PersonMessage {
  /** What happened, in plain words. */
  text: string;
  /** What to do about it; empty when the text already says. */
  remediation: string;
  /** The catalogue code, shown in small print for the help desk; absent for the browser's own events. */
  code?: string;
}

/** How a field was wrong (src/http/parse.ts sets `detail.problem`). */
export type FieldProblem = 'missing' | 'tooLong' | 'invalid';
type FieldSentences = Partial<Record<FieldProblem, string>> & { any?: string };

/** Catalogue entries whose words suit an API client or an operator better than a person at a page. */
const pageWords: Partial<Record<ErrorCode, { text?: string; remediation?: string }>> = {
  REQUEST_MALFORMED: { text: 'The form could not be read.', remediation: 'Reload the page and try again.' },
  REQUEST_INVALID: {
    text: 'Something in the form is missing or not in the expected form.',
    remediation: 'Check what you entered and try again.',
  },
  REQUEST_TOO_LARGE: { text: 'What you sent is too long.', remediation: 'Shorten what you entered and try again.' },
  REQUEST_UNSUPPORTED_MEDIA_TYPE: {
    text: 'The form was sent in a way this page does not accept.',
    remediation: 'Reload the page and try again.',
  },
  ROUTE_NOT_FOUND: {
    text: 'There is no page at this address.',
    remediation: 'Check the address, or go back and follow the link again.',
  },
  METHOD_NOT_ALLOWED: {
    text: 'This page cannot be used that way.',
    remediation: 'Go back, reload the page and try again.',
  },
  TENANT_NOT_FOUND: {
    text: 'No organization on this server has this address.',
    remediation:
      'Check the sign-in address your administrator gave you: the part after the server name names your organization.',
  },
  SESSION_REQUIRED: { remediation: 'Sign in, then try again.' },
  PASSKEY_STRONG_AUTH_REQUIRED: {
    text: 'For your security, changing your passkeys needs a sign-in from the last 5 minutes.',
    remediation: 'Sign in again, then try again.',
  },
  // The sign-in page asks for a username before "Sign in with a passkey"; its passkey-without-a-name is a button.
  SIGNIN_PASSKEY_NOT_FOR_ACCOUNT: {
    remediation:
      'Check the username you typed, or choose a passkey of that account. To sign in with whichever passkey your device offers, use "Use a passkey from another device or a security key" instead.',
  },
  PASSKEY_AUTHENTICATOR_COMPROMISED: {
    text: 'This kind of security key or passkey has been reported as no longer safe, so it cannot be used to sign in or be added.',
    remediation:
      'Sign in another way, or ask your help desk for a Temporary Access Pass; then add a passkey on a different device or security key.',
  },
  // A profile that forbids synced passkeys, or asks for proof of the model: what to use instead, in plain words
  // that fit both the account page (adding one) and the sign-in page (a passkey the policy no longer allows).
  PASSKEY_TYPE_NOT_ALLOWED: {
    text: 'Your organization does not allow this kind of passkey for your account (for example, passkeys synced between your devices).',
    remediation:
      'Use a security key, or a passkey kept only on one device (not synced), or ask your administrator which passkeys you may use.',
  },
  PASSKEY_AAGUID_BLOCKED: {
    text: 'Your organization does not allow this model of security key or passkey for your account.',
    remediation:
      'Use another passkey or security key, or ask your administrator which ones you may use (a Temporary Access Pass lets you sign in to add one).',
  },
  PASSKEY_AAGUID_NOT_ALLOWED: {
    text: 'This model of security key or passkey is not one your organization allows for your account.',
    remediation:
      'Use another passkey or security key, or ask your administrator which ones you may use (a Temporary Access Pass lets you sign in to add one).',
  },
  PASSKEY_ATTESTATION_NONE: {
    text: 'Your organization accepts only security keys and devices that can prove which model they are, and this one did not.',
    remediation:
      'Add a passkey with a security key your organization supports (passkeys synced between devices cannot prove this), or ask your administrator which ones you may use.',
  },
  PASSKEY_ATTESTATION_SELF: {
    text: 'Your organization accepts only security keys and devices that can prove which model they are, and this one could not.',
    remediation:
      'Add a passkey with a security key your organization supports, or ask your administrator which ones you may use.',
  },
  PASSKEY_ATTESTATION_UNTRUSTED: {
    text: 'Your organization does not recognize the maker of this security key or device, so it cannot be added.',
    remediation:
      'Add a passkey with a security key your organization supports, or ask your administrator to allow this model.',
  },
  PASSKEY_ATTESTATION_METADATA_STALE: {
    text: 'Passkeys that must prove their model cannot be added right now, because the list of trusted models is out of date.',
    remediation: 'Try again later. If it keeps happening, tell your administrator or help desk.',
  },
  PASSKEY_ALREADY_REGISTERED: {
    text: 'This passkey is already registered to an account.',
    remediation: 'Sign in with it, or add a passkey from another device or security key.',
  },
  INTERNAL_ERROR: {
    text: 'Something went wrong on our side.',
    remediation: 'Try again in a moment; if it keeps happening, tell your help desk the request id below.',
  },
};

/** Sentences for one field of a form, by catalogue code and `detail.field`. */
const fieldWords: Record<string, FieldSentences> = {
  'REQUEST_INVALID:username': {
    missing: 'Enter your username.',
    tooLong: 'That username is too long. Check it and try again.',
    invalid: 'Enter your username.',
  },
  'REQUEST_INVALID:pass': {
    missing: 'Enter your Temporary Access Pass.',
    tooLong: 'That is too long for a Temporary Access Pass. Check it and try again.',
    invalid: 'Enter your Temporary Access Pass.',
  },
  'REQUEST_INVALID:password': {
    missing: 'Enter your password.',
    tooLong: 'That is too long for a password. Check it and try again.',
    invalid: 'Enter your password.',
  },
  'REQUEST_INVALID:displayName': {
    missing: 'The name is empty. Enter a name for the passkey.',
    tooLong: 'The name is too long: use at most 64 characters.',
    invalid: 'Enter a name for the passkey.',
  },
  'PASSKEY_NAME_INVALID:displayName': {
    missing: 'The name is empty. Enter a name for the passkey.',
    tooLong: 'The name is too long: use at most 64 characters.',
  },
  'REQUEST_INVALID:name': {
    tooLong: 'The name is too long: use at most 64 characters.',
  },
  'REQUEST_INVALID:uid': {
    any: 'This sign-in request is not valid. Go back to the app and start signing in again.',
  },
  // The account page's link back to the app's sign-in ("Set up now" on the registration campaign).
  'REQUEST_INVALID:continue': {
    any: 'This sign-in request is not valid. Go back to the app and start signing in again.',
  },
  'REQUEST_INVALID:return': {
    any: 'The address to return to after signing in is not valid. Open the sign-in page again.',
  },
  'REQUEST_INVALID:id': { any: 'This passkey is not on your account any more. Reload the page.' },
};

/** The browser's own passkey outcomes (DOMException names and @simplewebauthn/browser codes), in plain words. */
const browserWords: Record<string, PersonMessage> = {
  NotAllowedError: {
    text: 'The passkey request was closed or timed out, so nothing changed.',
    remediation: 'When you are ready, try again.',
  },
  AbortError: { text: 'The passkey request was stopped.', remediation: 'Try again when you are ready.' },
  ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED: {
    text: 'This device already has a passkey for your account.',
    remediation: 'Use that passkey to sign in, or add a passkey on another device or security key.',
    code: 'PASSKEY_ALREADY_REGISTERED',
  },
  ERROR_AUTHENTICATOR_MISSING_DISCOVERABLE_CREDENTIAL_SUPPORT: {
    text: 'This authenticator cannot store a passkey.',
    remediation: 'Use another device, or a newer security key.',
  },
  ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT: {
    text: 'This authenticator cannot check a PIN, fingerprint or face.',
    remediation: 'Set up a PIN or biometric on it, or use another device or security key.',
  },
  ERROR_AUTHENTICATOR_NO_SUPPORTED_PUBKEYCREDPARAMS_ALG: {
    text: 'This authenticator does not support the kinds of keys this service accepts.',
    remediation: 'Use another device or security key.',
  },
  ERROR_INVALID_DOMAIN: {
    text: 'Passkeys for this service work only at its real address.',
    remediation: 'Open the sign-in page at the address your administrator gave you.',
  },
  ERROR_AUTHENTICATOR_GENERAL_ERROR: {
    text: 'Your authenticator could not complete the request.',
    remediation: 'Try again; if it keeps failing, sign in another way.',
  },
  network: {
    text: 'Signet could not be reached.',
    remediation: 'Check your connection, then try again.',
  },
  scriptFailed: {
    text: 'Part of this page did not load, so passkeys cannot be used right now.',
    remediation: 'Reload the page. You can still sign in with a Temporary Access Pass.',
  },
  unknown: {
    text: 'Something went wrong on this page.',
    remediation: 'Reload the page and try again.',
  },
};
browserWords.InvalidStateError = browserWords.ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED!;
browserWords.ERROR_CEREMONY_ABORTED = browserWords.AbortError!;
browserWords.ERROR_INVALID_RP_ID = browserWords.ERROR_INVALID_DOMAIN!;
browserWords.SecurityError = browserWords.ERROR_INVALID_DOMAIN!;
browserWords.UnknownError = browserWords.ERROR_AUTHENTICATOR_GENERAL_ERROR!;
browserWords.ConstraintError = browserWords.ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT!;
browserWords.NotSupportedError = browserWords.ERROR_AUTHENTICATOR_NO_SUPPORTED_PUBKEYCREDPARAMS_ALG!;

/**
 * The OIDC provider's protocol errors (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6) that reach a person's browser, in
 * plain words; `{org}` is the organization's name. These are oidc-provider's codes, not our catalogue's.
 */
const oauthWords: Record<string, PersonMessage> = {
  invalid_client: {
    text: 'The app that sent you here is not registered with {org}, so you cannot sign in to it here.',
    remediation:
      'Check that you opened the right app. If you did, tell the app’s developer or your administrator; trying again will not help until the app is registered.',
  },
  invalid_redirect_uri: {
    text: 'The app asked to send you back to an address it has not registered with {org}, so Signet stopped here to keep your sign-in safe.',
    remediation: 'Tell the app’s developer: the return address the app uses must be registered for it.',
  },
  invalid_request: {
    text: 'The app’s sign-in request is incomplete or not valid, or it has expired.',
    remediation: 'Go back to the app and start signing in again. If it happens again, tell the app’s developer.',
  },
  unsupported_response_type: {
    text: 'The app asked to sign you in in a way this service does not support.',
    remediation: 'Tell the app’s developer; signing in again will not help.',
  },
  unauthorized_client: {
    text: 'The app is not allowed to sign you in this way.',
    remediation: 'Tell the app’s developer or your administrator; signing in again will not help.',
  },
  invalid_scope: {
    text: 'The app asked for access that {org} does not offer.',
    remediation: 'Tell the app’s developer; signing in again will not help.',
  },
  login_required: {
    text: 'The app needs you to sign in, but asked not to show you a sign-in page.',
    remediation: 'Go back to the app and choose to sign in.',
  },
  access_denied: {
    text: 'The sign-in was cancelled or not allowed.',
    remediation: 'Go back to the app and start again. If you think you should have access, ask your administrator.',
  },
  server_error: {
    text: 'Something went wrong on our side.',
    remediation: 'Try again in a moment; if it keeps happening, tell your help desk the request id below.',
  },
};
oauthWords.interaction_required = oauthWords.login_required!;
oauthWords.consent_required = oauthWords.login_required!;
oauthWords.temporarily_unavailable = oauthWords.server_error!;
const oauthFallback: PersonMessage = {
  text: 'The sign-in request from the app could not be completed.',
  remediation:
    'Go back to the app and start signing in again. If it keeps happening, tell the app’s developer the error code below.',
};

/** The words for an OAuth/OIDC error the provider shows a person, for the organization named. */
export function oauthErrorMessage(error: string, organization: string): PersonMessage {
  const m = Object.hasOwn(oauthWords, error) ? oauthWords[error]! : oauthFallback;
  return {
    text: m.text.replaceAll('{org}', organization),
    remediation: m.remediation.replaceAll('{org}', organization),
  };
}

/** The sentence a page shows for a refusal: a field's own words, else the page's words, else the catalogue's. */
export function personMessage(code: ErrorCode, detail: Record<string, string> = {}): PersonMessage {
  const field = detail.field ? fieldWords[`${code}:${detail.field}`] : undefined;
  const problem = (detail.problem as FieldProblem | undefined) ?? 'invalid';
  const sentence = field && (field[problem] ?? field.any);
  if (sentence) return { text: sentence, remediation: '', code };
  const entry = describeError(code);
  const words =
    pageWords[code] ??
    passwordPageWords[code] ??
    codePageWords[code] ??
    tapPageWords[code] ??
    conditionalAccessPageWords[code];
  return { text: words?.text ?? entry.message, remediation: words?.remediation ?? entry.remediation, code };
}

/** A message for anything a page catches: a catalogue code when there is one, a plain sentence otherwise. */
export function personMessageOf(code: unknown, detail?: Record<string, string>): PersonMessage {
  return isErrorCode(code) ? personMessage(code, detail) : browserWords.unknown!;
}

/** The data /static/messages.js gives the browser scripts: the same words, resolved per code. */
export function browserMessageTable() {
  const codes: Record<string, PersonMessage> = {};
  for (const code of Object.keys(errorCatalogue) as ErrorCode[]) codes[code] = personMessage(code);
  return { codes, fields: fieldWords, browser: browserWords };
}
