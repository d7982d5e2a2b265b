// The one catalogue of errors. API responses, pages, the FIDO binding, the CLI and the sign-in log all
// carry these codes, so a help-desk engineer can read any of them and know what to do.

export interface ErrorEntry {
  status: number;
  message: string;
  remediation: string;
  /** Where the code can appear. */
  where: string;
}

const entries = {
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
  GRAPH_QUERY_INVALID: {
    status: 400,
    message: 'A query option ($filter, $select, $top, $orderby, $count, $search) is malformed or not supported here.',
    remediation:
      'Correct the query option named in the error detail (`innerError.parameter`); the detail says what is wrong and which properties and operators this collection supports.',
    where: 'admin API (Graph)',
  },
  GRAPH_CONSISTENCY_LEVEL_REQUIRED: {
    status: 400,
    message: 'This query ($count, $search, ne or not) needs the header ConsistencyLevel: eventual.',
    remediation:
      'Send the request again with the header `ConsistencyLevel: eventual` (and `$count=true` for ne or not), as Microsoft Graph requires for advanced queries.',
    where: 'admin API (Graph)',
  },
  GRAPH_SKIPTOKEN_INVALID: {
    status: 400,
    message: 'The $skiptoken is not one this server issued for this query.',
    remediation:
      'Follow the @odata.nextLink exactly as returned, without changing its other query options; start again from the first page if it was altered.',
    where: 'admin API (Graph)',
  },
  GRAPH_PROPERTY_UNKNOWN: {
    status: 400,
    message: 'The request body has properties this resource does not have, or that Signet does not support.',
    remediation:
      'Remove the properties named in the error detail (`innerError.properties`) and send the request again.',
    where: 'admin API (Graph)',
  },
  GRAPH_PROPERTY_READ_ONLY: {
    status: 400,
    message: 'The request body sets properties that are read-only.',
    remediation:
      'Remove the read-only properties named in the error detail (`innerError.properties`, such as id or createdDateTime); the server sets them.',
    where: 'admin API (Graph)',
  },
  GRAPH_TOKEN_MISSING: {
    status: 401,
    message: 'The admin API needs a bearer access token for the Graph resource.',
    remediation:
      "Send `Authorization: Bearer <token>`, a token from the tenant's token endpoint (client credentials with scope `https://graph.microsoft.com/.default`); the session cookie is not accepted here.",
    where: 'admin API (Graph)',
  },
  GRAPH_TOKEN_INVALID: {
    status: 401,
    message:
      'The access token is not valid for this API: wrong issuer, audience, type, algorithm or signature, expired, or its tenant is unknown.',
    remediation:
      "Request a new token from the tenant's token endpoint for the Graph resource (scope `https://graph.microsoft.com/.default`) and send it unchanged, before it expires.",
    where: 'admin API (Graph)',
  },
  GRAPH_USER_DISABLED: {
    status: 401,
    message: 'The signed-in user of this access token is disabled or no longer exists.',
    remediation:
      'An administrator can enable the account again (`accountEnabled: true`); until then no token of this user is accepted.',
    where: 'admin API (Graph)',
  },
  GRAPH_PERMISSION_DENIED: {
    status: 403,
    message:
      'The access token does not carry a permission (or, for a signed-in user, a role) that allows this request.',
    remediation:
      'Grant the app one of the permissions named in the error detail (`innerError.required`) with `npx signet app grant --app ID --permission P`, then request a new token.',
    where: 'admin API (Graph)',
  },
  GRAPH_RESOURCE_NOT_FOUND: {
    status: 404,
    message: 'The resource does not exist in this tenant.',
    remediation: 'Check the id or userPrincipalName in the URL; objects are found only in the tenant of the token.',
    where: 'admin API (Graph)',
  },
  GRAPH_MEMBER_ALREADY_EXISTS: {
    status: 400,
    message: 'One or more added object references already exist for the following modified properties: members.',
    remediation:
      'The user named in the error detail (`innerError.member`) is already a member of the group; nothing needs adding.',
    where: 'admin API (Graph)',
  },
  GRAPH_REFERENCE_INVALID: {
    status: 400,
    message: 'The body must be {"@odata.id": "<Graph base>/directoryObjects/{id}"} naming one directory object.',
    remediation:
      "Send only `@odata.id`, as https://graph.microsoft.com/v1.0/directoryObjects/{id} or users/{id}, or the same path on this server's public URL.",
    where: 'admin API (Graph)',
  },
  GROUP_IN_USE: {
    status: 409,
    message: 'The group is still named by a policy, so deleting it would change who the policy applies to.',
    remediation:
      'Remove the group from the policy named in the error detail (`innerError.usedBy`), then delete the group.',
    where: 'admin API (Graph)',
  },
  ROLE_LAST_GLOBAL_ADMINISTRATOR: {
    status: 409,
    message: 'This is the last Global Administrator of the tenant; removing it would leave nobody able to manage it.',
    remediation:
      'Assign Global Administrator to another enabled user first (a role assignment of the admin API), then remove this assignment.',
    where: 'admin API (Graph)',
  },
  ROLE_ASSIGNMENT_EXISTS: {
    status: 400,
    message: 'A conflicting object with one or more of the specified property values is present in the directory.',
    remediation: 'The user already holds this role; nothing needs assigning.',
    where: 'admin API (Graph)',
  },
  APP_PERMISSION_UNKNOWN: {
    status: 400,
    message: 'This is not an application permission Signet grants.',
    remediation:
      'Use one of the permissions listed in the error detail (`innerError.known`), spelled as Microsoft Graph spells them, for example User.Read.All.',
    where: 'CLI, admin API',
  },
  APP_NOT_FOUND: {
    status: 404,
    message: 'No app with this client id exists in the tenant.',
    remediation: 'Check the client id printed by `npx signet app create`.',
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
  PASSKEY_METHOD_DISABLED: {
    status: 403,
    message: 'Passkeys are turned off for this tenant.',
    remediation: 'An Authentication Policy Administrator can turn the passkey method on.',
    where: 'registration, sign-in, sign-in log',
  },
  PASSKEY_METHOD_NOT_TARGETED: {
    status: 403,
    message: 'The passkey method is not enabled for this user (not included, or excluded, by the policy).',
    remediation: 'Ask an administrator to include you (or a group you are in) in the passkey method policy.',
    where: 'registration, sign-in, sign-in log',
  },
  PASSKEY_SELF_SERVICE_DISABLED: {
    status: 403,
    message: 'Self-service passkey registration is not allowed in this tenant.',
    remediation: 'Ask an administrator to provision a passkey for you, or to allow self-service setup.',
    where: 'registration',
  },
  PASSKEY_STRONG_AUTH_REQUIRED: {
    status: 401,
    message: 'Adding a passkey needs a strong sign-in within the last 5 minutes.',
    remediation:
      'Sign in again with an existing passkey, a Temporary Access Pass or multi-factor authentication, then add the passkey.',
    where: 'registration',
  },
  PASSKEY_LIMIT_REACHED: {
    status: 409,
    message: 'This account already has the maximum number of passkeys.',
    remediation: 'Delete a passkey you no longer use, then add the new one.',
    where: 'registration',
  },
  PASSKEY_TYPE_NOT_ALLOWED: {
    status: 403,
    message: 'This kind of passkey (device-bound or synced) is not allowed by your passkey profile.',
    remediation: 'Use an authenticator of an allowed type (for example a security key for device-bound passkeys).',
    where: 'registration, sign-in, sign-in log',
  },
  PASSKEY_ATTESTATION_REQUIRED: {
    status: 403,
    message: 'Your passkey profile requires a verified attestation and this authenticator did not provide one.',
    remediation: 'Use an authenticator model whose attestation is trusted by the tenant (see its metadata).',
    where: 'registration',
  },
  PASSKEY_AAGUID_BLOCKED: {
    status: 403,
    message: 'This authenticator model is blocked by the key restrictions of your passkey profile.',
    remediation: 'Register an allowed authenticator, or ask an administrator to change the key restrictions.',
    where: 'registration, sign-in, sign-in log',
  },
  PASSKEY_AAGUID_NOT_ALLOWED: {
    status: 403,
    message: 'This authenticator model is not on the allow list of your passkey profile.',
    remediation: 'Register an authenticator from the allow list, or ask an administrator to allow this AAGUID.',
    where: 'registration, sign-in, sign-in log',
  },
  PASSKEY_AUTHENTICATOR_COMPROMISED: {
    status: 403,
    message: 'This authenticator model is reported compromised or revoked in the authenticator metadata.',
    remediation: 'Use another authenticator model; an administrator can see the status report in the metadata.',
    where: 'registration, FIDO binding',
  },
  PASSKEY_ALREADY_REGISTERED: {
    status: 409,
    message: 'This passkey is already registered.',
    remediation: 'Use the passkey you already have, or create a new one on another authenticator.',
    where: 'registration, FIDO binding',
  },
  PASSKEY_NOT_FOUND: {
    status: 404,
    message: 'No such passkey on this account.',
    remediation: 'Reload the list of passkeys; it may have been deleted.',
    where: 'account page, self-service API',
  },
  PASSKEY_NAME_INVALID: {
    status: 400,
    message: 'A passkey name must be 1 to 64 printable characters.',
    remediation: 'Choose a shorter name without control characters.',
    where: 'account page, self-service API',
  },
  WEBAUTHN_RESPONSE_MALFORMED: {
    status: 400,
    message: 'The authenticator response is malformed (bad base64url, CBOR, COSE key or missing field).',
    remediation: 'Retry with a standard browser; if it keeps failing, the authenticator may be faulty.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_CHALLENGE_UNKNOWN: {
    status: 400,
    message: 'This ceremony is unknown or was already completed.',
    remediation: 'Start again: each passkey prompt can be answered only once.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_CHALLENGE_EXPIRED: {
    status: 400,
    message: 'The passkey prompt expired before it was answered.',
    remediation: 'Start again and answer the prompt within 5 minutes.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_TYPE_MISMATCH: {
    status: 400,
    message: 'The response is for another kind of ceremony (registration versus sign-in).',
    remediation: 'Start the ceremony again from the page.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_ORIGIN_MISMATCH: {
    status: 400,
    message: 'The passkey was used on a site that is not this sign-in service.',
    remediation: 'Open the sign-in page at its real address; a look-alike site may be trying to phish you.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_CROSS_ORIGIN_REFUSED: {
    status: 400,
    message: 'The passkey prompt was shown inside a frame of another site.',
    remediation: 'Open the sign-in page directly, not embedded in another site.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_RP_ID_MISMATCH: {
    status: 400,
    message: 'The passkey belongs to another site (relying party id).',
    remediation: 'Use a passkey created for this sign-in service.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_TOKEN_BINDING_INVALID: {
    status: 400,
    message: 'The client data carries an invalid or unsupported token binding.',
    remediation: 'Retry with a current browser; Signet does not negotiate token binding.',
    where: 'registration, sign-in, FIDO binding',
  },
  WEBAUTHN_USER_PRESENCE_REQUIRED: {
    status: 400,
    message: 'The authenticator did not confirm that a person was present.',
    remediation: 'Touch or unlock your authenticator when asked.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_USER_VERIFICATION_REQUIRED: {
    status: 400,
    message: 'The authenticator did not verify you (PIN, fingerprint or face).',
    remediation: 'Use an authenticator with a PIN or biometric set up, and complete its check.',
    where: 'registration, sign-in, FIDO binding, sign-in log',
  },
  WEBAUTHN_BACKUP_FLAGS_INVALID: {
    status: 400,
    message: 'The authenticator reported inconsistent backup flags.',
    remediation: 'Retry; if it keeps failing, register the passkey again.',
    where: 'registration, sign-in, sign-in log',
  },
  WEBAUTHN_PUBLIC_KEY_WEAK: {
    status: 400,
    message: 'The passkey offered a public key that is too weak or malformed to be trusted.',
    remediation:
      'Use an authenticator that makes ES256 or EdDSA keys, or RSA keys of at least 2048 bits with exponent 65537.',
    where: 'registration, sign-in (a key stored before the rule), FIDO binding, sign-in log',
  },
  WEBAUTHN_ALGORITHM_NOT_ALLOWED: {
    status: 400,
    message: 'The passkey uses a signature algorithm this service does not accept.',
    remediation: 'Use an authenticator that supports ES256, EdDSA or RS256.',
    where: 'registration, FIDO binding',
  },
  WEBAUTHN_ATTESTATION_INVALID: {
    status: 400,
    message: 'The authenticator attestation did not verify.',
    remediation: 'Retry with another authenticator; this one may be counterfeit or faulty.',
    where: 'registration, FIDO binding',
  },
  WEBAUTHN_SIGNATURE_INVALID: {
    status: 401,
    message: 'The passkey signature did not verify.',
    remediation: 'Try again; if it keeps failing, remove this passkey and register a new one.',
    where: 'sign-in, FIDO binding, sign-in log',
  },
  SIGNIN_CREDENTIAL_UNKNOWN: {
    status: 401,
    message: 'This passkey is not registered for an account here.',
    remediation:
      'Choose another passkey, or sign in another way and register this device; it may have been removed by an administrator.',
    where: 'sign-in, FIDO binding, sign-in log',
  },
  SIGNIN_USER_HANDLE_MISMATCH: {
    status: 401,
    message: 'The passkey does not belong to the account that is signing in.',
    remediation: 'Choose the passkey of this account.',
    where: 'sign-in, sign-in log',
  },
  SIGNIN_PASSKEY_NOT_FOR_ACCOUNT: {
    status: 401,
    message: 'This passkey is not for the account you entered.',
    remediation:
      'Check the username you typed, or choose a passkey of that account; to sign in with whichever passkey your device offers, start the sign-in without a username.',
    where: 'sign-in (username first), sign-in log',
  },
  SIGNIN_USER_DISABLED: {
    status: 403,
    message: 'This account is disabled.',
    remediation: 'Contact your administrator.',
    where: 'sign-in, registration, sign-in log',
  },
  SIGNIN_COUNTER_REGRESSION: {
    status: 401,
    message: 'The passkey signature counter went backwards: the passkey may have been cloned.',
    remediation:
      'Sign in another way and remove this passkey; an administrator should review the sign-in log for this credential.',
    where: 'sign-in, FIDO binding, sign-in log',
  },
  SIGNIN_BACKUP_ELIGIBILITY_CHANGED: {
    status: 401,
    message:
      'This passkey now reports a different kind of storage (synced or device-bound) than when it was registered.',
    remediation:
      'The passkey provider changed how it stores this passkey: delete it on your security info page and register it again.',
    where: 'sign-in, FIDO binding, sign-in log, metrics',
  },
  TAP_INVALID: {
    status: 401,
    message: 'The Temporary Access Pass is not valid for this account.',
    remediation: 'Check the pass (it is case-sensitive) or ask your administrator for a new one.',
    where: 'sign-in, sign-in log',
  },
  TAP_EXPIRED: {
    status: 401,
    message: 'The Temporary Access Pass has expired.',
    remediation: 'Ask your administrator for a new pass.',
    where: 'sign-in, sign-in log',
  },
  TAP_ALREADY_USED: {
    status: 401,
    message: 'This one-time Temporary Access Pass was already used.',
    remediation: 'Ask your administrator for a new pass.',
    where: 'sign-in, sign-in log',
  },
  TAP_LOCKED_OUT: {
    status: 429,
    message: 'Too many wrong Temporary Access Passes were tried for this account.',
    remediation: 'Wait 15 minutes, or ask your administrator for help.',
    where: 'sign-in, sign-in log',
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
