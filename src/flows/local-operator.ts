// The `signet` command line acts as the instance's local operator: whoever can run it holds the database and the
// instance secret, so it has a Global Administrator's rights in the flows (the same rules as the admin API for
// one, such as a group the passkey policy targets not being deletable), and it is audited as the system
// (actorType `system`, no actor id), as `user create` and `tap issue` always were. Only an object made here is
// the operator: no token, whatever it carries, can become one.
import { type Principal, ROLE_TEMPLATE_IDS } from '../core/authorization.ts';

const operators = new WeakSet<Principal>();

export function localOperator(tenantId: string): Principal {
  const p: Principal = {
    kind: 'delegated',
    tenantId,
    userId: '',
    scopes: [],
    roleTemplateIds: [ROLE_TEMPLATE_IDS['Global Administrator']],
  };
  operators.add(p);
  return p;
}

export function isLocalOperator(p: Principal): boolean {
  return operators.has(p);
}
