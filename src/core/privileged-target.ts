// Who may disable, delete or otherwise change a privileged user (one holding any directory role): as Entra has it
// for their authentication methods, only a Global Administrator or a Privileged Authentication Administrator.
// An app's permission alone (User.ReadWrite.All) is not enough, as in Entra without a role of its own.
import { type Principal, ROLE_TEMPLATE_IDS } from './authorization.ts';
import { allow, type Decision, deny } from './errors.ts';

const MAY_CHANGE_PRIVILEGED = [
  ROLE_TEMPLATE_IDS['Global Administrator'],
  ROLE_TEMPLATE_IDS['Privileged Authentication Administrator'],
];

/** May `actor` change a user holding `targetRoles` (role names; none means an ordinary user)? */
export function mayChangeUser(actor: Principal, targetRoles: readonly string[]): Decision {
  if (targetRoles.length === 0) return allow;
  if (actor.kind === 'delegated') {
    const wids = new Set(actor.roleTemplateIds.map((w) => w.toLowerCase()));
    if (MAY_CHANGE_PRIVILEGED.some((id) => wids.has(id))) return allow;
  }
  return deny('GRAPH_PERMISSION_DENIED', {
    requiredRole: 'Global Administrator or Privileged Authentication Administrator',
    reason: 'the user holds a directory role',
  });
}
