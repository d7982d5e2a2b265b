import { describe, expect, it } from 'vitest';
import {
  type AuditFacts,
  auditCategory,
  modifiedProperties,
  operationType,
  toGraphDirectoryAudit,
} from './graph-directory-audit.ts';

const update: AuditFacts = {
  id: 'a1',
  createdAt: Date.parse('2026-03-01T10:00:00Z'),
  actorType: 'user',
  actorId: 'admin',
  activity: 'Update user',
  targetType: 'user',
  targetId: 'u1',
  detail: {
    'displayName.oldValue': 'Dana',
    'displayName.newValue': 'Dana Scully',
    passwordProfile: 'given, not stored',
  },
};

describe('toGraphDirectoryAudit', () => {
  it('turns old/new pairs into modifiedProperties and other facts into additionalDetails', () => {
    const g = toGraphDirectoryAudit(update, {
      actor: { displayName: 'Admin', userPrincipalName: 'admin@contoso.com' },
      target: { displayName: 'Dana Scully', userPrincipalName: 'dana@contoso.com' },
    });
    expect(g).toMatchObject({
      id: 'a1',
      activityDateTime: '2026-03-01T10:00:00.000Z',
      activityDisplayName: 'Update user',
      category: 'UserManagement',
      operationType: 'Update',
      result: 'success',
      initiatedBy: { user: { id: 'admin', displayName: 'Admin', userPrincipalName: 'admin@contoso.com' }, app: null },
      additionalDetails: [{ key: 'passwordProfile', value: 'given, not stored' }],
    });
    expect(g.targetResources).toEqual([
      {
        id: 'u1',
        displayName: 'Dana Scully',
        type: 'User',
        userPrincipalName: 'dana@contoso.com',
        modifiedProperties: [{ displayName: 'displayName', oldValue: '["Dana"]', newValue: '["Dana Scully"]' }],
      },
    ]);
  });

  it('lists a creation’s facts as new values, and names an app or Signet itself as the initiator', () => {
    const g = toGraphDirectoryAudit({
      ...update,
      actorType: 'app',
      actorId: 'app-1',
      activity: 'Add user',
      detail: { displayName: 'Dana' },
    });
    expect(g.initiatedBy).toEqual({
      user: null,
      app: { appId: 'app-1', displayName: null, servicePrincipalId: 'app-1' },
    });
    expect((g.targetResources as { modifiedProperties: unknown }[])[0]!.modifiedProperties).toEqual([
      { displayName: 'displayName', oldValue: null, newValue: '["Dana"]' },
    ]);
    expect(g.additionalDetails).toEqual([]);
    const system = toGraphDirectoryAudit({ ...update, actorType: 'system', actorId: null });
    expect((system.initiatedBy as { app: { displayName: string } }).app.displayName).toBe('Signet');
  });

  it('reads category and operation from what changed and the verb', () => {
    expect(auditCategory('app')).toBe('ApplicationManagement');
    expect(auditCategory('group')).toBe('GroupManagement');
    expect(auditCategory('something-new')).toBe('Other');
    expect(operationType('Delete passkey')).toBe('Delete');
    expect(operationType('Register passkey')).toBe('Add');
    expect(operationType('Disable account')).toBe('Update');
    expect(modifiedProperties({ 'x.newValue': '1' }).modified).toEqual([
      { displayName: 'x', oldValue: null, newValue: '["1"]' },
    ]);
  });
});
