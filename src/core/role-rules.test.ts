import { describe, expect, it } from 'vitest';
import { type Principal, ROLE_TEMPLATE_IDS } from './authorization.ts';
import { mayManageRole, mayReceiveRole, mayRemoveAssignment } from './role-rules.ts';

const user = (...roles: (keyof typeof ROLE_TEMPLATE_IDS)[]): Principal => ({
  kind: 'delegated',
  tenantId: 't',
  userId: 'u',
  scopes: ['RoleManagement.ReadWrite.Directory'],
  roleTemplateIds: roles.map((r) => ROLE_TEMPLATE_IDS[r]),
});
const app: Principal = {
  kind: 'application',
  tenantId: 't',
  appId: 'a',
  roles: ['RoleManagement.ReadWrite.Directory'],
};

describe('role rules', () => {
  it('lets a Global Administrator manage every role, an app all but the privileged ones', () => {
    expect(mayManageRole(user('Global Administrator'), 'Global Administrator').ok).toBe(true);
    expect(mayManageRole(app, 'Reports Reader').ok).toBe(true);
    expect(mayManageRole(app, 'Global Administrator')).toMatchObject({ ok: false, code: 'GRAPH_PERMISSION_DENIED' });
    expect(mayManageRole(app, 'Privileged Authentication Administrator').ok).toBe(false);
    for (const r of ['Privileged Authentication Administrator', 'Authentication Administrator'] as const)
      expect(mayManageRole(user(r), 'Reports Reader').ok).toBe(false);
  });

  it('never removes the last enabled Global Administrator', () => {
    expect(mayRemoveAssignment('Global Administrator', 0)).toMatchObject({
      ok: false,
      code: 'ROLE_LAST_GLOBAL_ADMINISTRATOR',
    });
    expect(mayRemoveAssignment('Global Administrator', 1).ok).toBe(true);
    expect(mayRemoveAssignment('Reports Reader', 0).ok).toBe(true);
  });

  it('gives roles to enabled users only', () => {
    expect(mayReceiveRole({ enabled: false })).toMatchObject({ ok: false, code: 'REQUEST_INVALID' });
    expect(mayReceiveRole({ enabled: true }).ok).toBe(true);
  });
});
