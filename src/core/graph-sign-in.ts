// A sign-in log row as Graph's `signIn` resource, and the OData options `GET /auditLogs/signIns` allows.
// Graph's `status.errorCode` is an Int32 with 0 for success; Signet carries its catalogue code there instead
// (a string such as `TAP_INVALID`, 0 on success), so a help-desk engineer reads the same code the user was shown,
// with the catalogue's message as `failureReason` and its remediation as `additionalDetails`.
// How the sign-in was decided comes from the facts the interaction decision recorded (core/sign-in-facts.ts):
// `authenticationDetails` one per step, `appliedConditionalAccessPolicies` with each policy's result (report-only
// ones included), `conditionalAccessStatus`, `authenticationContextClassReferences`,
// `authenticationRequirementPolicies`. An entry written without facts (before issue 9, or by a path that has none:
// a client secret, a refused first step) reads as one step built from its method and 'notApplied'.
// Beyond Graph, two fields of Signet's own, named so no Graph client mistakes them for Graph's:
// `signetStrengthsRequired` (the authentication strengths the sign-in had to meet) and `signetStrengthsSatisfied`
// (those its session met), each a list of `{ id, displayName }`, [] when none.
import { type Decision, deny, describeError, isErrorCode } from './errors.ts';
import type { CollectionQuery, FilterNode, ResourceSpec } from './odata.ts';
import type { AuthenticationStepFact, SignInConditionalAccessFacts } from './sign-in-facts.ts';

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
  /** The authorization request the entry belongs to; absent on older entries (each is then its own). */
  correlationId?: string | null;
  sessionId?: string | null;
  conditionalAccess?: SignInConditionalAccessFacts | null;
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
  'authenticationRequirementPolicies',
  'correlationId',
  'sessionId',
  'appliedConditionalAccessPolicies',
  'conditionalAccessStatus',
  'authenticationContextClassReferences',
  'signetStrengthsRequired',
  'signetStrengthsSatisfied',
] as const;

/** Graph's conditionalAccessStatus members; `unknownFutureValue` is accepted in $filter and matches no entry. */
export const CONDITIONAL_ACCESS_STATUSES = ['success', 'failure', 'notApplied', 'unknownFutureValue'] as const;

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
    // Its values are checked by checkSignInFilter (the parser knows strings, not this enumeration).
    conditionalAccessStatus: { type: 'string', filter: ['eq', 'in'] },
    correlationId: { type: 'string', filter: ['eq', 'in'] },
  },
  selectable: SIGN_IN_PROPERTIES,
  advancedQueryRules: false,
  maxPageSize: 1000,
};

/** A $filter's conditionalAccessStatus values must be Graph's members: a misspelt one is refused, not an empty page. */
export function checkSignInFilter(filter: FilterNode | undefined): Decision {
  const bad = filter && badStatus(filter);
  return bad === undefined
    ? { ok: true }
    : deny('GRAPH_QUERY_INVALID', {
        parameter: '$filter',
        reason: `conditionalAccessStatus is one of ${CONDITIONAL_ACCESS_STATUSES.join(', ')}; not '${String(bad).slice(0, 40)}'`,
      });
}

function badStatus(f: FilterNode): unknown {
  switch (f.op) {
    case 'and':
    case 'or':
      return badStatus(f.left) ?? badStatus(f.right);
    case 'not':
      return badStatus(f.operand);
    case 'in':
      return f.property === 'conditionalAccessStatus' ? f.values.find((v) => !isStatus(v)) : undefined;
    default:
      return f.property === 'conditionalAccessStatus' && !isStatus(f.value) ? f.value : undefined;
  }
}
const isStatus = (v: unknown) => (CONDITIONAL_ACCESS_STATUSES as readonly unknown[]).includes(v);

// Display strings of Entra's sign-in log where known (graph.md §6.1): "Password", "Software OATH token",
// "Temporary Access Pass". Entra's older logs call every passkey "FIDO2 security key"; Signet says "Passkey
// (device-bound)" or "Passkey (synced)" instead, the words of Entra's passkey profiles and of its own policies and
// pages, because the difference is what a phishing-resistant policy turns on and "security key" would call a
// passkey synced between phones a hardware key. A passkey whose type was not recorded (an entry from before the
// facts) is plain "Passkey". Graph documents no string for an emailed code: "Email OTP" is ours, in the same style.
const METHOD_NAMES: Record<string, string> = {
  passkey: 'Passkey',
  temporaryAccessPass: 'Temporary Access Pass',
  password: 'Password',
  softwareOath: 'Software OATH token',
  email: 'Email OTP',
};

/** How the step reads: the first factor, or the second one that made the sign-in multi-factor (flows/second-factor.ts). */
function stepOf(r: SignInFacts) {
  return r.detail.step === 'secondFactor'
    ? { requirement: 'Multifactor authentication', succeeded: 'MFA successfully completed' }
    : { requirement: 'Primary authentication', succeeded: 'Authentication succeeded' };
}

const methodName = (method: string, passkeyType?: string) =>
  method === 'passkey' && passkeyType
    ? passkeyType === 'deviceBound'
      ? 'Passkey (device-bound)'
      : 'Passkey (synced)'
    : (METHOD_NAMES[method] ?? 'Other');

// Without facts, the requirement follows from the method: a passkey or a pass is multi-factor by itself (Entra
// counts both as MFA), a second-factor step belongs to a multi-factor sign-in, a password alone is single-factor.
const requirementOf = (r: SignInFacts) =>
  r.method === 'passkey' || r.method === 'temporaryAccessPass' || r.detail.step === 'secondFactor'
    ? 'multiFactorAuthentication'
    : 'singleFactorAuthentication';

const iso = (ms: number) => new Date(ms).toISOString();

function detailOf(s: AuthenticationStepFact) {
  return {
    authenticationStepDateTime: iso(s.at),
    authenticationMethod: methodName(s.method, s.passkeyType),
    authenticationMethodDetail: s.detail,
    succeeded: s.succeeded,
    authenticationStepRequirement: s.requirement,
    authenticationStepResultDetail: s.resultDetail,
  };
}

// Graph's authenticationRequirementPolicy: what asked for more than the first factor. A policy that applied and was
// enforced (result success or failure) required its grant; a report-only one (reportOnly…) or one that did not
// apply (notApplied, notEnabled) required nothing. A required strength is named as Entra names it too.
function requirementPolicies(f: SignInConditionalAccessFacts | null) {
  if (!f) return [];
  const enforced = f.appliedConditionalAccessPolicies.some((p) => p.result === 'success' || p.result === 'failure');
  return [
    ...(enforced || f.strengthsRequired.length
      ? [{ requirementProvider: 'multiConditionalAccess', detail: 'Conditional Access' }]
      : []),
    ...(f.strengthsRequired.length
      ? [{ requirementProvider: 'authenticationStrengths', detail: 'Authentication Strength(s)' }]
      : []),
  ];
}

export function toGraphSignIn(
  r: SignInFacts,
  names: SignInNames = {},
  select?: readonly string[],
): Record<string, unknown> {
  const failed = r.result === 'failure';
  const code = r.errorCode ?? (failed ? 'INTERNAL_ERROR' : null);
  const entry = code && isErrorCode(code) ? describeError(code) : undefined;
  const facts = r.conditionalAccess ?? null;
  const step = stepOf(r);
  const details = facts?.steps.length
    ? facts.steps.map(detailOf)
    : [
        {
          authenticationStepDateTime: iso(r.createdAt),
          authenticationMethod: methodName(r.method),
          authenticationMethodDetail: methodDetail(r),
          succeeded: !failed,
          authenticationStepRequirement: step.requirement,
          authenticationStepResultDetail: failed ? (entry?.message ?? code) : step.succeeded,
        },
      ];
  const full: Record<string, unknown> = {
    id: r.id,
    createdDateTime: iso(r.createdAt),
    userId: r.userId,
    userPrincipalName: r.userPrincipalName?.toLowerCase() ?? null,
    userDisplayName: names.userDisplayName ?? null,
    appId: r.appId,
    appDisplayName: names.appDisplayName ?? null,
    ipAddress: r.ip,
    clientAppUsed: 'Browser',
    userAgent: r.userAgent,
    // A refresh is a non-interactive sign-in (Graph's signInEventTypes nonInteractiveUser).
    isInteractive: r.method !== 'refresh',
    // The steps of one authorization request share it; an entry that belongs to none is its own.
    correlationId: r.correlationId ?? r.id,
    sessionId: r.sessionId ?? null,
    status: failed
      ? {
          errorCode: code,
          failureReason: entry?.message ?? code,
          additionalDetails: withDetail(entry?.remediation ?? '', r.detail),
        }
      : { errorCode: 0, failureReason: null, additionalDetails: null },
    authenticationDetails: details,
    // The methods that succeeded, each once (a session's earlier password and this step-up's passkey both count).
    authenticationMethodsUsed: [...new Set(details.filter((d) => d.succeeded).map((d) => d.authenticationMethod))],
    // The highest requirement of the sign-in: a second-factor step is one of a multi-factor sign-in, passed or not.
    authenticationRequirement: facts?.authenticationRequirement ?? requirementOf(r),
    authenticationRequirementPolicies: requirementPolicies(facts),
    appliedConditionalAccessPolicies: facts?.appliedConditionalAccessPolicies ?? [],
    conditionalAccessStatus: facts?.conditionalAccessStatus ?? 'notApplied',
    authenticationContextClassReferences: facts?.authenticationContextClassReferences ?? [],
    signetStrengthsRequired: facts?.strengthsRequired ?? [],
    signetStrengthsSatisfied: facts?.strengthsSatisfied ?? [],
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
