import { describe, expect, it } from 'vitest';
import { type Principal, ROLE_TEMPLATE_IDS } from './authorization.ts';
import { mayChangeUser } from './privileged-target.ts';

const user = (...roles: (keyof typeof ROLE_TEMPLATE_IDS)[]): Principal => ({
  kind: 'delegated',
  tenantId: 't',
  userId: 'u',
  scopes: ['User.ReadWrite.All'],
  roleTemplateIds: roles.map((r) => ROLE_TEMPLATE_IDS[r]),
});
const app: Principal = { kind: 'application', tenantId: 't', appId: 'a', roles: ['User.ReadWrite.All'] };

describe('mayChangeUser', () => {
  it('lets anyone the route allows change an ordinary user', () => {
    expect(mayChangeUser(app, []).ok).toBe(true);
    expect(mayChangeUser(user('Authentication Administrator'), []).ok).toBe(true);
  });

  it('lets a Global Administrator or Privileged Authentication Administrator change a privileged user', () => {
    expect(mayChangeUser(user('Global Administrator'), ['Authentication Administrator']).ok).toBe(true);
    expect(mayChangeUser(user('Privileged Authentication Administrator'), ['Global Administrator']).ok).toBe(true);
  });

  it('refuses other roles and apps on a privileged user', () => {
    for (const actor of [app, user('Authentication Administrator'), user('Global Reader'), user()]) {
      const d = mayChangeUser(actor, ['Authentication Policy Administrator']);
      expect(d).toMatchObject({ ok: false, code: 'GRAPH_PERMISSION_DENIED' });
    }
  });

  it('compares role template ids without regard to case', () => {
    const upper: Principal = {
      kind: 'delegated',
      tenantId: 't',
      userId: 'u',
      scopes: ['User.ReadWrite.All'],
      roleTemplateIds: [ROLE_TEMPLATE_IDS['Global Administrator'].toUpperCase()],
    };
    expect(mayChangeUser(upper, ['Global Administrator']).ok).toBe(true);
  });
});
