import { describe, expect, it } from 'vitest';
import {
  authorize,
  canonicalDelegatedScope,
  declarationProblem,
  type Principal,
  ROLE_TEMPLATE_IDS,
  type RoutePermission,
  roleTemplateIdsOf,
} from './authorization.ts';

const readUsers: RoutePermission = {
  application: ['User.Read.All', 'User.ReadWrite.All'],
  delegated: {
    scopes: ['User.Read.All', 'User.ReadWrite.All'],
    roles: ['Global Reader', 'Authentication Administrator'],
  },
};
const app = (roles: string[], tenantId = 't1'): Principal => ({ kind: 'application', tenantId, appId: 'a', roles });
const user = (scopes: string[], roleTemplateIds: string[]): Principal => ({
  kind: 'delegated',
  tenantId: 't1',
  userId: 'u',
  scopes,
  roleTemplateIds,
});

describe('authorize', () => {
  it('allows an app holding one of the declared application permissions (case-insensitively)', () => {
    expect(authorize(app(['User.Read.All']), 't1', readUsers)).toEqual({ ok: true });
    expect(authorize(app(['user.readwrite.all']), 't1', readUsers)).toEqual({ ok: true });
  });
  it('refuses an app without one, naming the permissions that would allow it', () => {
    expect(authorize(app(['AuditLog.Read.All']), 't1', readUsers)).toEqual({
      ok: false,
      code: 'GRAPH_PERMISSION_DENIED',
      detail: { required: 'User.Read.All or User.ReadWrite.All' },
    });
    expect(authorize(app([]), 't1', readUsers).ok).toBe(false);
  });
  it("refuses another tenant's principal as an invalid token, whatever it holds", () => {
    expect(authorize(app(['User.Read.All'], 't2'), 't1', readUsers)).toMatchObject({
      ok: false,
      code: 'GRAPH_TOKEN_INVALID',
    });
  });
  it('allows a user only with both a declared scope and a declared role', () => {
    const reader = ROLE_TEMPLATE_IDS['Global Reader'];
    expect(authorize(user(['User.Read.All'], [reader]), 't1', readUsers)).toEqual({ ok: true });
    expect(authorize(user(['User.Read.All'], [ROLE_TEMPLATE_IDS['Reports Reader']]), 't1', readUsers)).toEqual({
      ok: false,
      code: 'GRAPH_PERMISSION_DENIED',
      detail: { requiredRole: 'Global Reader or Authentication Administrator' },
    });
    expect(authorize(user(['Policy.Read.All'], [reader]), 't1', readUsers)).toMatchObject({
      ok: false,
      code: 'GRAPH_PERMISSION_DENIED',
      detail: { required: 'User.Read.All or User.ReadWrite.All' },
    });
  });
  it('lets a Global Administrator stand for any role, never for a missing scope', () => {
    const ga = '62e90394-69f5-4237-9190-012177145e10';
    expect(ROLE_TEMPLATE_IDS['Global Administrator']).toBe(ga);
    expect(authorize(user(['User.Read.All'], [ga]), 't1', readUsers)).toEqual({ ok: true });
    expect(authorize(user([], [ga]), 't1', readUsers).ok).toBe(false);
  });
  it('lets a route open to any signed-in user skip the role check', () => {
    const org: RoutePermission = {
      application: ['Organization.Read.All'],
      delegated: { scopes: ['User.Read'], roles: 'anyUser' },
    };
    expect(authorize(user(['User.Read'], []), 't1', org)).toEqual({ ok: true });
    expect(authorize(app(['User.Read.All']), 't1', org).ok).toBe(false);
  });
});

describe('declarationProblem', () => {
  it('finds declarations that allow nobody', () => {
    expect(declarationProblem(readUsers)).toBeUndefined();
    expect(declarationProblem(undefined)).toBe('no permission declared');
    expect(declarationProblem({ application: [], delegated: { scopes: [], roles: 'anyUser' } })).toBe(
      'no permission allows it',
    );
    expect(declarationProblem({ application: [], delegated: { scopes: ['User.Read'], roles: [] } })).toBe(
      'delegated scopes without any role',
    );
    expect(
      declarationProblem({ application: ['Nope.All' as never], delegated: { scopes: [], roles: 'anyUser' } }),
    ).toBe('unknown application permission Nope.All');
    expect(declarationProblem({ application: [], delegated: { scopes: ['Directory.Nope'], roles: 'anyUser' } })).toBe(
      'unknown delegated scope Directory.Nope',
    );
  });
});

describe('delegated scopes and role template ids', () => {
  it('knows every Graph permission name, User.Read and our own UserAuthenticationMethod.ReadWrite', () => {
    expect(canonicalDelegatedScope('user.read')).toBe('User.Read');
    expect(canonicalDelegatedScope('USER.READ.ALL')).toBe('User.Read.All');
    expect(canonicalDelegatedScope('UserAuthenticationMethod.ReadWrite')).toBe('UserAuthenticationMethod.ReadWrite');
    expect(canonicalDelegatedScope('Mail.Send')).toBeUndefined();
  });
  it('turns role names into sorted template ids, leaving out names that are not a role', () => {
    expect(roleTemplateIdsOf(['Global Reader', 'Global Administrator', 'toString', 'Nope'])).toEqual([
      ROLE_TEMPLATE_IDS['Global Administrator'],
      ROLE_TEMPLATE_IDS['Global Reader'],
    ]);
    expect(roleTemplateIdsOf([])).toEqual([]);
  });
});
