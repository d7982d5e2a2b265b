import { describe, expect, it } from 'vitest';
import { namesAnyGroup, targetsUser } from './method-targets.ts';

const GROUP = '11111111-2222-3333-4444-555555555555';
const OTHER = '66666666-7777-8888-9999-000000000000';
const USER = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const me = { userId: USER, groupIds: [GROUP] };
const all = [{ id: 'all_users', targetType: 'group' }];

describe('targetsUser: include and exclude targets of a method configuration', () => {
  it('covers everyone through all_users, and a member through their group', () => {
    expect(targetsUser({ includeTargets: all, excludeTargets: [] }, me)).toBe(true);
    expect(targetsUser({ includeTargets: [{ id: GROUP, targetType: 'group' }], excludeTargets: [] }, me)).toBe(true);
    expect(targetsUser({ includeTargets: [{ id: OTHER, targetType: 'group' }], excludeTargets: [] }, me)).toBe(false);
    expect(targetsUser({ includeTargets: [], excludeTargets: [] }, me)).toBe(false);
  });

  it('lets an exclusion win over any inclusion, by group or by user', () => {
    for (const exclude of [
      { id: GROUP, targetType: 'group' },
      { id: USER, targetType: 'user' },
    ])
      expect(targetsUser({ includeTargets: all, excludeTargets: [exclude] }, me)).toBe(false);
    expect(targetsUser({ includeTargets: all, excludeTargets: [{ id: OTHER, targetType: 'group' }] }, me)).toBe(true);
  });

  it('compares ids in any letter case (stored documents keep them lower case, directories may not)', () => {
    const upper = { userId: USER.toUpperCase(), groupIds: [GROUP.toUpperCase()] };
    expect(targetsUser({ includeTargets: [{ id: GROUP, targetType: 'group' }], excludeTargets: [] }, upper)).toBe(true);
    expect(targetsUser({ includeTargets: all, excludeTargets: [{ id: USER, targetType: 'user' }] }, upper)).toBe(false);
  });

  it('does not take a user id for a group id, nor the other way round', () => {
    const asGroup = { userId: GROUP, groupIds: [] };
    expect(targetsUser({ includeTargets: all, excludeTargets: [{ id: GROUP, targetType: 'group' }] }, asGroup)).toBe(
      true,
    );
  });
});

describe('namesAnyGroup', () => {
  it('is false for all_users and user exclusions only: memberships need not be read', () => {
    expect(namesAnyGroup({ includeTargets: all, excludeTargets: [{ id: USER, targetType: 'user' }] })).toBe(false);
    expect(namesAnyGroup({ includeTargets: all, excludeTargets: [{ id: GROUP, targetType: 'group' }] })).toBe(true);
    expect(namesAnyGroup({ includeTargets: [{ id: GROUP, targetType: 'group' }], excludeTargets: [] })).toBe(true);
  });
});
