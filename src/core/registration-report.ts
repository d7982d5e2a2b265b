// Graph's userRegistrationDetails report (graph.md §6.3) as Signet computes it: which methods a user has
// registered (in Graph's methodsRegistered names), and whether that makes them MFA- and passwordless-capable.
// Pure: src/store/report-query.ts loads the facts (and filters in SQL by the same rules), src/http/graph/reports.ts
// serves the result.
import { isoUtc } from './graph-user.ts';
import type { ResourceSpec } from './odata.ts';

/** A passkey as the report sees it. */
export interface ReportPasskey {
  backupEligible: boolean;
  /** The transports the authenticator reported at registration (`usb`, `nfc`, `ble`, `internal`, `hybrid`, …). */
  transports: readonly string[];
  createdAt: number;
}

export interface ReportTap {
  createdAt: number;
  expiresAt: number;
  oneTime: boolean;
  usedAt: number | null;
}

/** Everything the report says about one user, as loaded for a page of users in one batched query. */
export interface RegistrationFacts {
  id: string;
  userPrincipalName: string;
  displayName: string;
  createdAt: number;
  /** Directory roles held (any role makes the user an admin, as Entra counts it). */
  roles: readonly string[];
  passkeys: readonly ReportPasskey[];
  tap: ReportTap | null;
  /** When the user's password was last set; null for a passwordless user. */
  passwordSetAt: number | null;
}

/** The methodsRegistered values Signet can report, in the order it lists them. */
export const REPORTED_METHODS = [
  'passKeyDeviceBound',
  'passKeySynced',
  'fido2SecurityKey',
  'temporaryAccessPass',
] as const;
export type ReportedMethod = (typeof REPORTED_METHODS)[number];

/** Every methodsRegistered value Graph defines (graph.md §6.3): a $filter may name any of them. */
export const GRAPH_REGISTRATION_METHODS: readonly string[] = [
  'email',
  'mobilePhone',
  'alternateMobilePhone',
  'officePhone',
  'securityQuestion',
  'microsoftAuthenticatorPush',
  'microsoftAuthenticatorPasswordless',
  'softwareOneTimePasscode',
  'hardwareOneTimePasscode',
  'fido2SecurityKey',
  'windowsHelloForBusiness',
  'temporaryAccessPass',
  'macOsSecureEnclaveKey',
  'passKeyDeviceBound',
  'passKeyDeviceBoundAuthenticator',
  'passKeyDeviceBoundWindowsHello',
  'passKeySynced',
  'externalAuthMethod',
  'qrCode',
  'sms',
  'oneTimePasscode',
];

/** Transports only a roaming security key reports; a platform or phone authenticator adds internal or hybrid. */
export const SECURITY_KEY_TRANSPORTS: readonly string[] = ['usb', 'nfc', 'ble', 'smart-card'];
const PLATFORM_TRANSPORTS: readonly string[] = ['internal', 'hybrid'];

/**
 * A device-bound passkey on a roaming authenticator: it reported a security key's transport and no platform
 * one. Signet keeps no attachment from the metadata statement, so the transports recorded at registration
 * are what says "security key".
 */
export function isSecurityKey(p: ReportPasskey): boolean {
  return (
    !p.backupEligible &&
    p.transports.some((t) => SECURITY_KEY_TRANSPORTS.includes(t)) &&
    !p.transports.some((t) => PLATFORM_TRANSPORTS.includes(t))
  );
}

/** A pass counts as registered until it expires or, if single-use, is used; a pass not yet valid counts. */
export function isTapRegistered(t: ReportTap, now: number): boolean {
  return t.expiresAt > now && !(t.oneTime && t.usedAt !== null);
}

/**
 * The user's methods in Graph's names. A device-bound passkey is `passKeyDeviceBound`, and a security key
 * additionally `fido2SecurityKey` (so both of Graph's filters find it); a synced one is `passKeySynced`. A
 * password is not a methodsRegistered value in Graph, so it is not listed.
 */
export function registeredMethods(f: Pick<RegistrationFacts, 'passkeys' | 'tap'>, now: number): ReportedMethod[] {
  const held = new Set<ReportedMethod>();
  for (const p of f.passkeys) {
    held.add(p.backupEligible ? 'passKeySynced' : 'passKeyDeviceBound');
    if (isSecurityKey(p)) held.add('fido2SecurityKey');
  }
  if (f.tap && isTapRegistered(f.tap, now)) held.add('temporaryAccessPass');
  return REPORTED_METHODS.filter((m) => held.has(m));
}

// A passkey is phishing-resistant, multi-factor (possession plus the user verification the ceremony requires)
// and passwordless, so it makes a user both MFA- and passwordless-capable. A Temporary Access Pass alone makes a
// user neither: it is a time-limited onboarding credential for registering a real method, not a method to keep.
// A password is a single factor. Signet's authentication methods policy is applied at sign-in and registration;
// "capable" here means registered (Signet has no other MFA methods whose policy could disable them).
const MFA_METHODS: readonly ReportedMethod[] = ['passKeyDeviceBound', 'passKeySynced', 'fido2SecurityKey'];
const PASSWORDLESS_METHODS: readonly ReportedMethod[] = ['passKeyDeviceBound', 'passKeySynced', 'fido2SecurityKey'];

export function isMfaCapable(methods: readonly ReportedMethod[]): boolean {
  return methods.some((m) => MFA_METHODS.includes(m));
}

export function isPasswordlessCapable(methods: readonly ReportedMethod[]): boolean {
  return methods.some((m) => PASSWORDLESS_METHODS.includes(m));
}

/** The properties of Graph's userRegistrationDetails, in the order responses list them. */
export const REGISTRATION_DETAILS_PROPERTIES = [
  'id',
  'userPrincipalName',
  'userDisplayName',
  'userType',
  'isAdmin',
  'isSsprRegistered',
  'isSsprEnabled',
  'isSsprCapable',
  'isMfaRegistered',
  'isMfaCapable',
  'isPasswordlessCapable',
  'methodsRegistered',
  'isSystemPreferredAuthenticationMethodEnabled',
  'systemPreferredAuthenticationMethods',
  'userPreferredMethodForSecondaryAuthentication',
  'lastUpdatedDateTime',
] as const;

const BOOLEAN_EQ = { type: 'boolean', filter: ['eq'] } as const;
/** $filter as Graph allows it on this report (booleans eq, methodsRegistered any, names eq/startswith); $orderby on the names. */
export const registrationDetailsQuerySpec: ResourceSpec = {
  properties: {
    id: { type: 'guid', filter: ['eq', 'in'] },
    userPrincipalName: { type: 'string', filter: ['eq', 'in', 'startswith'], orderBy: true },
    userDisplayName: { type: 'string', filter: ['eq', 'in', 'startswith'], orderBy: true },
    userType: { type: 'string', filter: ['eq'] },
    methodsRegistered: { type: 'string', filter: ['any'] },
    isAdmin: BOOLEAN_EQ,
    isMfaCapable: BOOLEAN_EQ,
    isMfaRegistered: BOOLEAN_EQ,
    isPasswordlessCapable: BOOLEAN_EQ,
    isSsprCapable: BOOLEAN_EQ,
    isSsprEnabled: BOOLEAN_EQ,
    isSsprRegistered: BOOLEAN_EQ,
    isSystemPreferredAuthenticationMethodEnabled: BOOLEAN_EQ,
  },
  selectable: REGISTRATION_DETAILS_PROPERTIES,
};

/** One user's row of the report, projected on $select (every property when there is none). */
export function toUserRegistrationDetails(
  f: RegistrationFacts,
  now: number,
  select?: readonly string[],
): Record<string, unknown> {
  const methods = registeredMethods(f, now);
  const lastUpdated = Math.max(
    f.createdAt,
    ...f.passkeys.map((p) => p.createdAt),
    f.tap?.createdAt ?? 0,
    f.passwordSetAt ?? 0,
  );
  const all: Record<(typeof REGISTRATION_DETAILS_PROPERTIES)[number], unknown> = {
    id: f.id,
    userPrincipalName: f.userPrincipalName,
    userDisplayName: f.displayName,
    userType: 'member', // Signet has no guest users
    isAdmin: f.roles.length > 0,
    // Signet has no self-service password reset and no system-preferred MFA.
    isSsprRegistered: false,
    isSsprEnabled: false,
    isSsprCapable: false,
    isMfaRegistered: isMfaCapable(methods),
    isMfaCapable: isMfaCapable(methods),
    isPasswordlessCapable: isPasswordlessCapable(methods),
    methodsRegistered: methods,
    isSystemPreferredAuthenticationMethodEnabled: false,
    systemPreferredAuthenticationMethods: [],
    userPreferredMethodForSecondaryAuthentication: 'none',
    lastUpdatedDateTime: isoUtc(lastUpdated),
  };
  const out: Record<string, unknown> = {};
  for (const p of REGISTRATION_DETAILS_PROPERTIES) if (!select || select.includes(p)) out[p] = all[p];
  return out;
}

export function registrationDetailsContext(graphBase: string, select?: readonly string[], entity = false): string {
  return `${graphBase}/$metadata#reports/authenticationMethods/userRegistrationDetails${select ? `(${select.join(',')})` : ''}${entity ? '/$entity' : ''}`;
}

/** The counts of one group's members (or of the whole tenant) that the coverage report gives. */
export interface CoverageCounts {
  memberCount: number;
  membersWithPasskey: number;
  membersWithDeviceBoundPasskey: number;
  membersPasswordlessCapable: number;
}

/**
 * Signet's own report (Graph has none): how many members of each group hold a passkey, a device-bound one, and
 * are passwordless-capable (isPasswordlessCapable above; with today's rules, the members with a passkey).
 */
export function toGroupPasskeyCoverage(g: { id: string; displayName: string } & CoverageCounts) {
  return {
    groupId: g.id,
    displayName: g.displayName,
    memberCount: g.memberCount,
    membersWithPasskey: g.membersWithPasskey,
    membersWithDeviceBoundPasskey: g.membersWithDeviceBoundPasskey,
    membersPasswordlessCapable: g.membersPasswordlessCapable,
  };
}

/** $top and $skiptoken only: the report is in group id order, one row per group. */
export const groupPasskeyCoverageQuerySpec: ResourceSpec = { properties: {}, selectable: [] };
