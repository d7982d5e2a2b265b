// A sign-in log row as Graph's `signIn` resource, and the OData options `GET /auditLogs/signIns` allows.
// Graph's `status.errorCode` is an Int32 with 0 for success; Signet carries its catalogue code there instead
// (a string such as `TAP_INVALID`, 0 on success), so a help-desk engineer reads the same code the user was shown,
// with the catalogue's message as `failureReason` and its remediation as `additionalDetails`.
import { describeError, isErrorCode } from './errors.ts';
import type { CollectionQuery, ResourceSpec } from './odata.ts';

/** What the mapping needs of a stored sign-in (src/store/logs.ts `SignInRecord` satisfies it). */
export interface SignInFacts {
  id: string;
  /** Epoch milliseconds. */
  createdAt: number;
  userId: string | null;
  userPrincipalName: string | null;
  appId: string | null;
  method: string;
  result: 'success' | 'failure';
  errorCode: string | null;
  detail: Readonly<Record<string, string>>;
  ip: string | null;
  userAgent: string | null;
}

/** Names the log row only refers to, looked up by the edge (absent when the user or app is gone). */
export interface SignInNames {
  userDisplayName?: string;
  appDisplayName?: string;
}

export const SIGN_IN_PROPERTIES = [
  'id',
  'createdDateTime',
  'userId',
  'userPrincipalName',
  'userDisplayName',
  'appId',
  'appDisplayName',
  'ipAddress',
  'clientAppUsed',
  'userAgent',
  'isInteractive',
  'status',
  'authenticationDetails',
  'authenticationMethodsUsed',
  'authenticationRequirement',
] as const;

export const signInQuerySpec: ResourceSpec = {
  properties: {
    id: { type: 'string', filter: ['eq'] },
    // $orderby names it because scripts send `createdDateTime desc`; the log is read newest first only.
    createdDateTime: { type: 'datetime', filter: ['eq', 'ge', 'le', 'gt', 'lt'], orderBy: true },
    userId: { type: 'string', filter: ['eq', 'in'] },
    userPrincipalName: { type: 'string', filter: ['eq', 'startswith'] },
    appId: { type: 'string', filter: ['eq', 'in'] },
    // `eq 0` / `ne 0` as scripts write them for successes and failures, or a catalogue code.
    'status/errorCode': { type: 'errorCode', filter: ['eq', 'in'] },
  },
  selectable: SIGN_IN_PROPERTIES,
  advancedQueryRules: false,
  maxPageSize: 1000,
};

// Display strings of Entra's sign-in log where known (graph.md §6.1); passkeys are "FIDO2 security key" there and
// an authenticator app's code "Software OATH token". Graph documents no string for an emailed code: "Email OTP" is
// ours, in the same style.
const METHOD_NAMES: Record<string, string> = {
  passkey: 'FIDO2 security key',
  temporaryAccessPass: 'Temporary Access Pass',
  password: 'Password',
  softwareOath: 'Software OATH token',
  email: 'Email OTP',
};

/** How the step reads: the first factor, or the second one that made the sign-in multi-factor (flows/second-factor.ts). */
function stepOf(r: SignInFacts) {
  return r.detail.step === 'secondFactor'
    ? {
        requirement: 'Multifactor authentication',
        succeeded: 'MFA successfully completed',
        overall: 'multiFactorAuthentication',
      }
    : {
        requirement: 'Primary authentication',
        succeeded: 'Authentication succeeded',
        overall: 'singleFactorAuthentication',
      };
}

export function toGraphSignIn(
  r: SignInFacts,
  names: SignInNames = {},
  select?: readonly string[],
): Record<string, unknown> {
  const failed = r.result === 'failure';
  const code = r.errorCode ?? (failed ? 'INTERNAL_ERROR' : null);
  const entry = code && isErrorCode(code) ? describeError(code) : undefined;
  const methodName = METHOD_NAMES[r.method] ?? 'Other';
  const step = stepOf(r);
  const full: Record<string, unknown> = {
    id: r.id,
    createdDateTime: new Date(r.createdAt).toISOString(),
    userId: r.userId,
    userPrincipalName: r.userPrincipalName?.toLowerCase() ?? null,
    userDisplayName: names.userDisplayName ?? null,
    appId: r.appId,
    appDisplayName: names.appDisplayName ?? null,
    ipAddress: r.ip,
    clientAppUsed: 'Browser',
    userAgent: r.userAgent,
    isInteractive: true,
    status: failed
      ? {
          errorCode: code,
          failureReason: entry?.message ?? code,
          additionalDetails: withDetail(entry?.remediation ?? '', r.detail),
        }
      : { errorCode: 0, failureReason: null, additionalDetails: null },
    authenticationDetails: [
      {
        authenticationStepDateTime: new Date(r.createdAt).toISOString(),
        authenticationMethod: methodName,
        authenticationMethodDetail: methodDetail(r),
        succeeded: !failed,
        authenticationStepRequirement: step.requirement,
        authenticationStepResultDetail: failed ? (entry?.message ?? code) : step.succeeded,
      },
    ],
    authenticationMethodsUsed: failed ? [] : [methodName],
    // The highest requirement of the sign-in: a second-factor step is one of a multi-factor sign-in, passed or not.
    authenticationRequirement: step.overall,
  };
  if (!select) return full;
  return Object.fromEntries(select.filter((k) => k in full).map((k) => [k, full[k]]));
}

function methodDetail(r: SignInFacts): string | null {
  if (r.method === 'passkey') return r.detail.credentialId ? `credential ${r.detail.credentialId}` : null;
  if (r.method === 'temporaryAccessPass') return 'Temporary Access Pass';
  return null;
}

// The facts the failing check recorded (never secrets: the log stores none) follow the remediation.
function withDetail(remediation: string, detail: Readonly<Record<string, string>>): string {
  const facts = Object.entries(detail)
    // The credential is the method's detail and the step its requirement: not repeated here.
    .filter(([k]) => k !== 'credentialId' && k !== 'step')
    .map(([k, v]) => `${k}: ${v}`);
  return facts.length ? `${remediation} (${facts.join('; ')})` : remediation;
}

export const signInCollectionContext = (graphBase: string) => `${graphBase}/$metadata#auditLogs/signIns`;
export const signInEntityContext = (graphBase: string) => `${graphBase}/$metadata#auditLogs/signIns/$entity`;

export function graphSignInCollection(p: {
  graphBase: string;
  query: Pick<CollectionQuery, 'select'>;
  rows: readonly { record: SignInFacts; names: SignInNames }[];
  count?: number;
  nextLink?: string;
}): Record<string, unknown> {
  return {
    '@odata.context': signInCollectionContext(p.graphBase),
    ...(p.count === undefined ? {} : { '@odata.count': p.count }),
    value: p.rows.map((r) => toGraphSignIn(r.record, r.names, p.query.select)),
    ...(p.nextLink === undefined ? {} : { '@odata.nextLink': p.nextLink }),
  };
}
