// The passkey (FIDO2) method configuration of a tenant, in Microsoft Graph's shape
// (fido2AuthenticationMethodConfiguration with passkey profiles).

export type PasskeyType = 'deviceBound' | 'synced';

export interface KeyRestrictions {
  isEnforced: boolean;
  enforcementType: 'allow' | 'block';
  aaGuids: string[];
}

export interface PasskeyProfile {
  id: string;
  name: string;
  /** Graph serializes the flags enum as a comma string: "deviceBound,synced". */
  passkeyTypes: string;
  attestationEnforcement: 'disabled' | 'registrationOnly';
  keyRestrictions: KeyRestrictions;
}

export interface PasskeyIncludeTarget {
  id: string; // a group id, or "all_users"
  targetType: 'group';
  isRegistrationRequired: boolean;
  allowedPasskeyProfiles: string[];
}

export interface ExcludeTarget {
  id: string;
  targetType: 'group' | 'user';
}

export interface PasskeyMethodConfig {
  state: 'enabled' | 'disabled';
  isSelfServiceRegistrationAllowed: boolean;
  includeTargets: PasskeyIncludeTarget[];
  excludeTargets: ExcludeTarget[];
  passkeyProfiles: PasskeyProfile[];
  defaultPasskeyProfile: string;
  /** Signet's own: how many passkeys one user may hold. */
  passkeysPerUserLimit: number;
}

export const DEFAULT_PROFILE_ID = '00000000-0000-0000-0000-000000000001';
export const ALL_USERS = 'all_users';

export function defaultPasskeyMethodConfig(): PasskeyMethodConfig {
  return {
    state: 'enabled',
    isSelfServiceRegistrationAllowed: true,
    includeTargets: [
      {
        id: ALL_USERS,
        targetType: 'group',
        isRegistrationRequired: false,
        allowedPasskeyProfiles: [DEFAULT_PROFILE_ID],
      },
    ],
    excludeTargets: [],
    passkeyProfiles: [
      {
        id: DEFAULT_PROFILE_ID,
        name: 'Default passkey profile',
        passkeyTypes: 'deviceBound,synced',
        attestationEnforcement: 'disabled',
        keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
      },
    ],
    defaultPasskeyProfile: DEFAULT_PROFILE_ID,
    passkeysPerUserLimit: 10,
  };
}

export interface UserScope {
  userId: string;
  groupIds: readonly string[];
}

function targets(t: { id: string; targetType: string }, who: UserScope): boolean {
  if (t.id === ALL_USERS) return true;
  if (t.targetType === 'user') return t.id === who.userId;
  return who.groupIds.includes(t.id);
}

/**
 * The profiles that apply to a user: those of every include target that covers them, unless an exclude
 * target covers them (exclusion wins). Empty when the method does not target the user at all.
 */
export function profilesForUser(config: PasskeyMethodConfig, who: UserScope): PasskeyProfile[] {
  if (config.excludeTargets.some((t) => targets(t, who))) return [];
  const ids = new Set<string>();
  for (const t of config.includeTargets) {
    if (!targets(t, who)) continue;
    const allowed = t.allowedPasskeyProfiles.length > 0 ? t.allowedPasskeyProfiles : [config.defaultPasskeyProfile];
    for (const id of allowed) ids.add(id);
  }
  return config.passkeyProfiles.filter((p) => ids.has(p.id));
}

/**
 * Whether a user's groups can change what this configuration says about them: only when a target names a group.
 * When none does (the default, all_users), the sign-in path need not read the user's memberships at all.
 */
export function targetsAnyGroup(config: PasskeyMethodConfig): boolean {
  return [...config.includeTargets, ...config.excludeTargets].some(
    (t) => t.id !== ALL_USERS && t.targetType !== 'user',
  );
}

export function isTargeted(config: PasskeyMethodConfig, who: UserScope): boolean {
  if (config.excludeTargets.some((t) => targets(t, who))) return false;
  return config.includeTargets.some((t) => targets(t, who));
}
