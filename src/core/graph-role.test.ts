import { describe, expect, it } from 'vitest';
import { ROLE_TEMPLATE_IDS } from './authorization.ts';
import {
  directoryRoleId,
  parseRoleAssignmentCreate,
  parseRoleAssignmentFilter,
  parseRoleAssignmentId,
  roleAssignmentId,
  roleOfDirectoryRoleId,
  toGraphDirectoryRole,
  toGraphRoleAssignment,
} from './graph-role.ts';

const GA = ROLE_TEMPLATE_IDS['Global Administrator'];

describe('directory roles', () => {
  it('has a GUID id per tenant, found again only in that tenant', () => {
    const id = directoryRoleId('t1', 'Global Administrator');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(directoryRoleId('t2', 'Global Administrator')).not.toBe(id);
    expect(roleOfDirectoryRoleId('t1', id.toUpperCase())).toBe('Global Administrator');
    expect(roleOfDirectoryRoleId('t2', id)).toBeUndefined();
    expect(toGraphDirectoryRole('t1', 'Reports Reader')).toMatchObject({
      displayName: 'Reports Reader',
      roleTemplateId: ROLE_TEMPLATE_IDS['Reports Reader'],
    });
  });
});

describe('role assignments', () => {
  it('round-trips the assignment id and refuses others', () => {
    const a = { userId: 'u-1', role: 'Global Reader' as const };
    expect(parseRoleAssignmentId(roleAssignmentId(a))).toEqual(a);
    for (const bad of ['', 'not an id!', crypto.randomUUID(), Buffer.from('x:u').toString('base64url')])
      expect(parseRoleAssignmentId(bad)).toBeUndefined();
    expect(toGraphRoleAssignment(a)).toEqual({
      id: roleAssignmentId(a),
      principalId: 'u-1',
      roleDefinitionId: ROLE_TEMPLATE_IDS['Global Reader'],
      directoryScopeId: '/',
    });
    expect(toGraphRoleAssignment(a, ['principalId', 'roleDefinitionId'])).toEqual({
      principalId: 'u-1',
      roleDefinitionId: ROLE_TEMPLATE_IDS['Global Reader'],
    });
  });

  it('parses a create body, refusing by field', () => {
    expect(
      parseRoleAssignmentCreate({ principalId: 'u', roleDefinitionId: GA.toUpperCase(), directoryScopeId: '/' }),
    ).toEqual({ ok: true, value: { userId: 'u', role: 'Global Administrator' } });
    const field = (b: unknown) => {
      const r = parseRoleAssignmentCreate(b);
      return r.ok ? undefined : r.detail.field;
    };
    expect(field(null)).toBe('body');
    expect(field({ roleDefinitionId: GA })).toBe('principalId');
    expect(field({ principalId: 'u', roleDefinitionId: crypto.randomUUID() })).toBe('roleDefinitionId');
    expect(field({ principalId: 'u', roleDefinitionId: GA, directoryScopeId: '/administrativeUnits/x' })).toBe(
      'directoryScopeId',
    );
    expect(field({ principalId: 'u', roleDefinitionId: GA, extra: 1 })).toBe('extra');
  });

  it('parses $filter on principalId and roleDefinitionId', () => {
    expect(parseRoleAssignmentFilter(undefined)).toEqual({ ok: true, value: {} });
    expect(parseRoleAssignmentFilter(`principalId eq 'u1' and roleDefinitionId eq '${GA}'`)).toEqual({
      ok: true,
      value: { principalId: 'u1', role: 'Global Administrator' },
    });
    expect(parseRoleAssignmentFilter(`roleDefinitionId eq '${crypto.randomUUID()}'`)).toEqual({
      ok: true,
      value: { none: true },
    });
    const r = parseRoleAssignmentFilter("startswith(principalId,'u')");
    expect(r.ok ? undefined : r.code).toBe('GRAPH_QUERY_INVALID');
    expect(parseRoleAssignmentFilter(['a', 'b']).ok).toBe(false);
  });
});
