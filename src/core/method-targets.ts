// Whether a method configuration's (or the registration campaign's) includeTargets and excludeTargets cover a
// user: all_users or a group of theirs, and no exclusion (exclusion wins). The same rule as the passkey method's
// (passkey-method.ts), for the documents without passkey profiles. Pure.
import { ALL_USERS, type UserScope } from './passkey-method.ts';

export interface Targets {
  includeTargets: readonly { id: string; targetType: string }[];
  excludeTargets: readonly { id: string; targetType: string }[];
}

function covers(t: { id: string; targetType: string }, who: UserScope): boolean {
  if (t.id === ALL_USERS) return true;
  const id = t.id.toLowerCase();
  if (t.targetType === 'user') return id === who.userId.toLowerCase();
  return who.groupIds.some((g) => g.toLowerCase() === id);
}

export function targetsUser(doc: Targets, who: UserScope): boolean {
  if (doc.excludeTargets.some((t) => covers(t, who))) return false;
  return doc.includeTargets.some((t) => covers(t, who));
}

/** Only a target naming a group makes the user's memberships matter: otherwise they need not be read. */
export function namesAnyGroup(doc: Targets): boolean {
  return [...doc.includeTargets, ...doc.excludeTargets].some((t) => t.id !== ALL_USERS && t.targetType !== 'user');
}
