// Who may assign and remove directory roles, and the one removal nobody may make. Pure decisions over the caller,
// the role and the tenant's Global Administrators; src/flows/roles.ts asks them inside the write's transaction.
import { type Principal, ROLE_TEMPLATE_IDS, type RoleName } from './authorization.ts';
import { allow, type Decision, deny } from './errors.ts';

/** Roles that let their holder take over the tenant or its administrators' credentials. */
export const PRIVILEGED_ASSIGNABLE: readonly RoleName[] = [
  'Global Administrator',
  'Privileged Authentication Administrator',
];

const isGlobalAdministrator = (p: Principal) =>
  p.kind === 'delegated' &&
  p.roleTemplateIds.some((w) => w.toLowerCase() === ROLE_TEMPLATE_IDS['Global Administrator']);

/**
 * May `actor` assign or remove `role`? A Global Administrator may any role; an app holding
 * RoleManagement.ReadWrite.Directory (the route checked it) may every role but Global Administrator and
 * Privileged Authentication Administrator, which need a Global Administrator (Signet has no Privileged Role
 * Administrator). Stricter than Entra, where the app permission alone can assign any role.
 */
export function mayManageRole(actor: Principal, role: RoleName): Decision {
  if (isGlobalAdministrator(actor)) return allow;
  if (actor.kind === 'application' && !PRIVILEGED_ASSIGNABLE.includes(role)) return allow;
  return deny('GRAPH_PERMISSION_DENIED', {
    requiredRole: 'Global Administrator',
    reason: PRIVILEGED_ASSIGNABLE.includes(role) ? `only a Global Administrator manages ${role}` : 'role management',
  });
}

/**
 * May this assignment be removed, given how many other enabled users hold Global Administrator? A disabled
 * Global Administrator cannot sign in, so does not count as the one left to manage the tenant.
 */
export function mayRemoveAssignment(role: RoleName, otherGlobalAdministrators: number): Decision {
  if (role === 'Global Administrator' && otherGlobalAdministrators < 1)
    return deny('ROLE_LAST_GLOBAL_ADMINISTRATOR', { role });
  return allow;
}

/** May this user receive a role: enabled (a foreign or missing user is not found before this). */
export function mayReceiveRole(user: { enabled: boolean }): Decision {
  if (!user.enabled) return deny('REQUEST_INVALID', { field: 'principalId', reason: 'the user is disabled' });
  return allow;
}
