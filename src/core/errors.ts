// The one catalogue of errors. API responses, pages, the FIDO binding, the CLI and the sign-in log all
// carry these codes, so a help-desk engineer can read any of them and know what to do. The entries sit in parts by
// area (here the general ones; errors-ceremonies.ts, errors-admin-api.ts, errors-policy.ts, errors-password.ts,
// errors-one-time-codes.ts, errors-tap.ts, errors-preview.ts, errors-strengths.ts,
// errors-conditional-access.ts, errors-sign-in-decision.ts); this file gathers them
// and holds the mechanics. A code is unique across the parts (a test checks it).
import { adminApiErrors } from './errors-admin-api.ts';
import { ceremonyErrors } from './errors-ceremonies.ts';
import { conditionalAccessErrors } from './errors-conditional-access.ts';
import { oneTimeCodeErrors } from './errors-one-time-codes.ts';
import { passwordErrors } from './errors-password.ts';
import { policyErrors } from './errors-policy.ts';
import { previewErrors } from './errors-preview.ts';
import { signInDecisionErrors } from './errors-sign-in-decision.ts';
import { strengthErrors } from './errors-strengths.ts';
import { tapErrors } from './errors-tap.ts';

export interface ErrorEntry {
  status: number;
  message: string;
  remediation: string;
  /** Where the code can appear. */
  where: string;
}

/** Requests, tenants, users, sessions, apps, configuration: what every interface can answer. */
export const generalErrors = {
  REQUEST_MALFORMED: {
    status: 400,
    message: 'The request body could not be read: it is not valid JSON or form data.',
    remediation: 'Send a well-formed JSON object with Content-Type application/json.',
    where: 'every HTTP interface',
  },
  REQUEST_INVALID: {
    status: 400,
    message: 'The request is missing a field or a field has the wrong type or format.',
    remediation:
      'Correct the field named in the error detail (`innerError.field`; on the command line, the option named) and send the request again.',
    where: 'every HTTP interface, the CLI',
  },
  REQUEST_TOO_LARGE: {
    status: 413,
    message: 'The request body is larger than this endpoint accepts.',
    remediation: 'Send a smaller body; WebAuthn responses are a few kilobytes at most.',
    where: 'every HTTP interface',
  },
  REQUEST_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'The request body has a content type this endpoint does not accept.',
    remediation: 'Send application/json (or a form post where the page uses one).',
    where: 'every HTTP interface',
  },
  ROUTE_NOT_FOUND: {
    status: 404,
    message: 'There is nothing at this address.',
    remediation: 'Check the URL; tenant paths start with the tenant slug or id.',
    where: 'every HTTP interface',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    message: 'This address does not accept that HTTP method.',
    remediation:
      'Send the request with a method this address accepts: a page is opened with GET, and a change is sent with POST (or DELETE to remove something).',
    where: 'every HTTP interface',
  },
  TENANT_NOT_FOUND: {
    status: 404,
    message: 'No tenant has this id or slug.',
    remediation: 'Check the tenant part of the URL; `npx signet tenant list` shows the tenants of this instance.',
    where: 'every tenant-scoped interface',
  },
  TENANT_SLUG_TAKEN: {
    status: 409,
    message: 'Another tenant already uses this slug.',
    remediation: 'Choose another slug.',
    where: 'CLI, admin API',
  },
  TENANT_SLUG_RESERVED: {
    status: 400,
    message: 'This slug is reserved: Signet uses the address itself, or apps expect it to name no single tenant.',
    remediation: 'Choose another slug; the error detail names the reserved one.',
    where: 'CLI, admin API',
  },
  USER_NOT_FOUND: {
    status: 404,
    message: 'No user with this name exists in the tenant.',
    remediation: 'Check the user principal name; create the user first with `npx signet user create`.',
    where: 'CLI, admin API, FIDO binding',
  },
  USER_ALREADY_EXISTS: {
    status: 409,
    message: 'A user with this name already exists in the tenant.',
    remediation: 'Use the existing user or choose another user principal name.',
    where: 'CLI, admin API',
  },
  SESSION_REQUIRED: {
    status: 401,
    message: 'You need to sign in first.',
    remediation: 'Sign in at /{tenant}/signin and try again.',
    where: 'account page, self-service API',
  },
  CSRF_TOKEN_INVALID: {
    status: 403,
    message: 'The form or request could not be verified as coming from this site.',
    remediation: 'Reload the page and try again; do not submit Signet forms from other sites.',
    where: 'pages, self-service API',
  },
  APP_REDIRECT_URI_INVALID: {
    status: 400,
    message: 'A redirect URI must be an absolute https URL (http only for localhost) without a fragment.',
    remediation: 'Give the exact callback URL of your app, for example https://app.example.com/callback.',
    where: 'CLI, admin API',
  },
  OIDC_INTERACTION_NOT_FOUND: {
    status: 400,
    message: 'This sign-in request has expired, was already completed, or was started in another browser.',
    remediation: 'Go back to the app and start signing in again.',
    where: 'sign-in page',
  },
  CONFIG_INVALID: {
    status: 500,
    message: 'A configuration setting is invalid.',
    remediation: 'Fix the environment variable named in the error and restart.',
    where: 'start-up, CLI',
  },
  CONFIG_SECRET_MISMATCH: {
    status: 500,
    message: 'SIGNET_SECRET is not the secret this database was set up with.',
    remediation:
      "Start Signet with the SIGNET_SECRET (or the data directory's secret file) this database was created with; a new secret cannot read its passes, client secrets or signing keys.",
    where: 'start-up, CLI',
  },
  DATABASE_UNREACHABLE: {
    status: 503,
    message: 'Signet cannot reach its database.',
    remediation: 'Check that the database named by SIGNET_DATABASE_URL is running and reachable, then start again.',
    where: 'start-up, CLI, /readyz',
  },
  CLI_COMMAND_UNKNOWN: {
    status: 400,
    message: 'There is no signet command with this name.',
    remediation: 'Run `npx signet --help` for the list of commands.',
    where: 'CLI',
  },
  INTERNAL_ERROR: {
    status: 500,
    message: 'Something went wrong on our side.',
    remediation: 'Try again; if it persists, an operator can find the request id in the server log.',
    where: 'every interface',
  },
} satisfies Record<string, ErrorEntry>;

const entries = {
  ...generalErrors,
  ...ceremonyErrors,
  ...adminApiErrors,
  ...policyErrors,
  ...passwordErrors,
  ...oneTimeCodeErrors,
  ...tapErrors,
  ...previewErrors,
  ...strengthErrors,
  ...conditionalAccessErrors,
  ...signInDecisionErrors,
};

export type ErrorCode = keyof typeof entries;
export const errorCatalogue: Readonly<Record<ErrorCode, ErrorEntry>> = entries;

export function describeError(code: ErrorCode): ErrorEntry {
  return entries[code];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(entries, value);
}

/** A refusal carried through the flows to an edge, which renders it in its interface's shape. */
export class SignetError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: Record<string, string>;
  constructor(code: ErrorCode, detail: Record<string, string> = {}, options?: { cause?: unknown }) {
    super(entries[code].message, options);
    this.name = 'SignetError';
    this.code = code;
    this.status = entries[code].status;
    this.detail = detail;
  }
  get remediation(): string {
    return entries[this.code].remediation;
  }
}

export type Decision = { ok: true } | { ok: false; code: ErrorCode; detail: Record<string, string> };
export const allow: Decision = { ok: true };
export function deny(code: ErrorCode, detail: Record<string, string> = {}): Decision {
  return { ok: false, code, detail };
}
