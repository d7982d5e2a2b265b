// The admin API (Graph-shaped): tokens, permissions, queries, resources. Part of the one error catalogue (errors.ts gathers the parts).
import type { ErrorEntry } from './errors.ts';

export const adminApiErrors = {
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
  GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED: {
    status: 400,
    message:
      "The passkey was created on a web origin that may not register passkeys through this API: it is neither this sign-in service's own origin nor the origin of a redirect URI registered to the calling app.",
    remediation:
      "Run the passkey ceremony on a page whose origin (scheme, host and port, as in `innerError.origin`) is that of one of the redirect URIs of the app that holds the token, on a host under the tenant's RP ID — or register that redirect URI to the app.",
    where: 'admin API (Graph: provisioning a passkey, /me)',
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
  GRAPH_BATCH_MALFORMED: {
    status: 400,
    message:
      'The $batch body is not a batch: it must be {"requests": [...]}, each request with a string id, a method (GET, POST, PATCH, PUT, DELETE) and a url, and a Content-Type header when it has a body.',
    remediation:
      'Correct the request and property named in the error detail (`innerError.field`, such as requests[2].method); the detail says what is wrong.',
    where: 'admin API (Graph $batch)',
  },
  GRAPH_BATCH_LIMIT_EXCEEDED: {
    status: 400,
    message: 'A $batch may hold at most 20 requests.',
    remediation: 'Split the requests into batches of 20 or fewer and send them one after another.',
    where: 'admin API (Graph $batch)',
  },
  GRAPH_BATCH_DUPLICATE_ID: {
    status: 400,
    message: 'Two requests of the $batch have the same id.',
    remediation:
      'Give every request of the batch its own id (the detail names the one used twice); answers are matched to requests by id.',
    where: 'admin API (Graph $batch)',
  },
  GRAPH_BATCH_URL_INVALID: {
    status: 400,
    message:
      "A request of the $batch has a url that is not a path of this version of this server's Graph API: another host or version, a nested $batch, or dot segments.",
    remediation:
      'Write each url relative to the version root the batch was posted to (for example users?$top=5), without another $batch inside.',
    where: 'admin API (Graph $batch)',
  },
  GRAPH_BATCH_DEPENDENCY_INVALID: {
    status: 400,
    message:
      'A dependsOn of the $batch names a request that is not in the batch, the request itself, or forms a cycle.',
    remediation:
      'Make each dependsOn list ids of other requests of the same batch, with no request waiting (directly or not) on itself.',
    where: 'admin API (Graph $batch)',
  },
  GRAPH_BATCH_FAILED_DEPENDENCY: {
    status: 424,
    message: 'This request of the $batch was not run, because a request it depends on did not succeed.',
    remediation:
      'Read the answer of the request named in the error detail (`innerError.dependsOn`), correct it, and send the batch again.',
    where: 'admin API (Graph $batch)',
  },
  GROUP_IN_USE: {
    status: 409,
    message: 'The group is still named by a policy, so deleting it would change who the policy applies to.',
    remediation:
      'Remove the group from the policy named in the error detail (`innerError.usedBy`), then delete the group.',
    where: 'admin API (Graph)',
  },
  PASSWORD_LENGTH_INVALID: {
    status: 400,
    message: 'The password in passwordProfile must be 8 to 256 characters long.',
    remediation: 'Choose a password of 8 to 256 characters (a long passphrase is best) and send the request again.',
    where: 'admin API (Graph users)',
  },
  PASSWORD_CHARACTER_NOT_ALLOWED: {
    status: 400,
    message: 'The password in passwordProfile has characters that are not allowed.',
    remediation:
      'Use only the letters A-Z and a-z, digits, the space and the symbols of a US keyboard (no accented letters, emoji or control characters), as Microsoft Entra requires.',
    where: 'admin API (Graph users)',
  },
  PASSWORD_TOO_SIMPLE: {
    status: 400,
    message: 'The password in passwordProfile does not mix enough kinds of characters.',
    remediation:
      'Use at least three of the four kinds: lower-case letters, upper-case letters, digits and symbols; or a longer passphrase with them.',
    where: 'admin API (Graph users)',
  },
  PASSWORD_CONTAINS_USER_NAME: {
    status: 400,
    message: "The password in passwordProfile contains the user's userPrincipalName or display name.",
    remediation: "Choose a password that does not contain the user's sign-in name (the part before @) or display name.",
    where: 'admin API (Graph users)',
  },
  ROLE_LAST_GLOBAL_ADMINISTRATOR: {
    status: 409,
    message:
      'This is the last enabled Global Administrator of the tenant; removing the role, disabling or deleting them would leave nobody able to manage it.',
    remediation:
      'Make another enabled user a Global Administrator first (a role assignment of the admin API, or `npx signet user create --upn NAME@DOMAIN --role "Global Administrator"`), then try again.',
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
  APP_SECRET_LIMIT_REACHED: {
    status: 400,
    message: 'This app already holds as many client secrets as Signet allows (5 that are not removed or expired).',
    remediation:
      'Remove a secret the app no longer uses (removePassword with its keyId, listed in passwordCredentials), then add the new one.',
    where: 'admin API (Graph)',
  },
  APP_SECRET_INVALID: {
    status: 401,
    message: 'The client secret presented is not one of the secrets of this app.',
    remediation:
      'Use a secret shown by addPassword (or `signet app create`) for this client id; if it is lost, add a new one and remove the old one.',
    where: 'token endpoint: client authentication (in auditLogs/signIns)',
  },
  APP_SECRET_EXPIRED: {
    status: 401,
    message: 'The client secret presented has expired (its endDateTime has passed).',
    remediation:
      'Add a new secret to the app (addPassword), configure the client with it, and remove the expired one (its keyId is in the log detail).',
    where: 'token endpoint: client authentication (in auditLogs/signIns)',
  },
  APP_SECRET_REMOVED: {
    status: 401,
    message: 'The client secret presented was removed from the app.',
    remediation:
      'Configure the client with one of the current secrets of the app, or add a new one (addPassword); the removed keyId is in the log detail.',
    where: 'token endpoint: client authentication (in auditLogs/signIns)',
  },
  APP_SECRET_NOT_YET_VALID: {
    status: 401,
    message: 'The client secret presented is not valid yet (its startDateTime is in the future).',
    remediation: 'Wait until the startDateTime of the secret, or use another current secret of the app.',
    where: 'token endpoint: client authentication (in auditLogs/signIns)',
  },
  GROUP_NOT_FOUND: {
    status: 404,
    message: 'No group with this id or display name exists in the tenant.',
    remediation: 'Check the group id or display name; `npx signet group list` lists the groups of the tenant.',
    where: 'CLI, import',
  },
  GROUP_NAME_AMBIGUOUS: {
    status: 409,
    message: 'More than one group of the tenant has this display name, so the name does not say which one is meant.',
    remediation: 'Name the group by its id (the error detail lists the ids of the groups with this name).',
    where: 'CLI, import',
  },
  GROUP_MEMBER_NOT_FOUND: {
    status: 404,
    message: 'The user is not a member of the group.',
    remediation: '`npx signet group members GROUP` lists the members of the group; nothing needs removing.',
    where: 'CLI',
  },
  IMPORT_FILE_INVALID: {
    status: 400,
    message:
      'The import file cannot be read as users: it is missing, of another kind, or its header is not one Signet reads.',
    remediation:
      'Give a .csv file whose first row names the columns (userPrincipalName, displayName, accountEnabled, groups, mailNickname) or a .jsonl file of one JSON object a line; the error detail says what is wrong.',
    where: 'CLI (import)',
  },
  IMPORT_ROW_INVALID: {
    status: 400,
    message:
      'A row of the import file is not one record: malformed CSV (quotes, column count) or a line that is not a JSON object.',
    remediation:
      'Correct the line named in the report (the detail says what is wrong) and run the import again; rows already imported are skipped.',
    where: 'CLI (import)',
  },
} satisfies Record<string, ErrorEntry>;
