import { describe, expect, it } from 'vitest';
import { APPLICATION_PERMISSIONS } from './authorization.ts';
import {
  isGraphResource,
  parseGraphScope,
  requestsGraph,
  resolveApplicationScopes,
  resolveDelegatedScopes,
} from './graph-scopes.ts';

const origin = 'https://id.example.com';

describe('parseGraphScope', () => {
  it.each([
    ['https://graph.microsoft.com/.default', { kind: 'default' }],
    ['https://graph.microsoft.com/User.Read.All', { kind: 'permission', name: 'User.Read.All' }],
    ['https://id.example.com/graph/.default', { kind: 'default' }],
    ['https://id.example.com/graph/User.Read.All', { kind: 'permission', name: 'User.Read.All' }],
    ['User.Read.All', { kind: 'permission', name: 'User.Read.All' }],
    ['.default', { kind: 'default' }],
    ['openid', { kind: 'other' }],
    ['offline_access', { kind: 'other' }],
    ['https://other.example.com/.default', { kind: 'other' }],
    ['https://id.example.com/graphx/.default', { kind: 'other' }],
  ])('%s', (raw, want) => expect(parseGraphScope(raw, origin)).toEqual(want));
});

describe('isGraphResource', () => {
  it('answers to its own URL and to Microsoft Graph names only', () => {
    expect(isGraphResource('https://id.example.com/graph', origin)).toBe(true);
    expect(isGraphResource('https://graph.microsoft.com/', origin)).toBe(true);
    expect(isGraphResource('https://id.example.com', origin)).toBe(false);
  });
});

describe('resolveApplicationScopes', () => {
  const granted = ['User.Read.All', 'AuditLog.Read.All'];
  it('gives every granted permission for each form of .default', () => {
    for (const s of ['https://graph.microsoft.com/.default', `${origin}/graph/.default`])
      expect(resolveApplicationScopes([s], granted, origin)).toEqual({
        ok: true,
        roles: ['AuditLog.Read.All', 'User.Read.All'],
        graphScopes: [s],
      });
  });
  it('gives a named permission only itself, in its canonical spelling', () => {
    for (const s of ['User.Read.All', 'https://graph.microsoft.com/user.read.all', `${origin}/graph/User.Read.All`])
      expect(resolveApplicationScopes([s], granted, origin)).toMatchObject({ ok: true, roles: ['User.Read.All'] });
  });
  it('refuses a permission not granted, an unknown one, no Graph scope, or an app granted nothing', () => {
    expect(resolveApplicationScopes(['User.ReadWrite.All'], granted, origin)).toMatchObject({
      ok: false,
      scope: 'User.ReadWrite.All',
      reason: 'not granted to this app',
    });
    expect(resolveApplicationScopes(['Foo.Bar'], granted, origin)).toMatchObject({ ok: false, scope: 'Foo.Bar' });
    expect(resolveApplicationScopes(['openid'], granted, origin)).toMatchObject({ ok: false });
    expect(resolveApplicationScopes([], granted, origin)).toMatchObject({ ok: false });
    expect(resolveApplicationScopes(['.default'], [], origin)).toMatchObject({ ok: false });
  });
});

describe('resolveDelegatedScopes', () => {
  const forms = ['https://graph.microsoft.com/.default', `${origin}/graph/.default`, '.default'];
  it('reads .default as User.Read only for an app granted nothing, never every scope Signet knows', () => {
    for (const s of forms)
      expect(resolveDelegatedScopes(['openid', s], [], origin)).toEqual({
        ok: true,
        scopes: ['User.Read'],
        graphScopes: [s],
      });
  });
  it('adds to .default what an administrator granted the app', () => {
    expect(resolveDelegatedScopes([forms[0]!], ['user.read.all', 'Nope'], origin)).toMatchObject({
      ok: true,
      scopes: ['User.Read', 'User.Read.All'],
    });
  });
  it('never reads .default as the self-service UserAuthenticationMethod.ReadWrite: an app asks for it by name', () => {
    // An administrator grants apps application permissions; the user's own passkey scope is not one of them, so
    // .default cannot carry it even for an app granted every permission there is.
    for (const s of forms) {
      const r = resolveDelegatedScopes([s], [...APPLICATION_PERMISSIONS], origin);
      expect(r.ok && r.scopes).not.toContain('UserAuthenticationMethod.ReadWrite');
      expect(r.ok && r.scopes).toContain('UserAuthenticationMethod.ReadWrite.All');
    }
    expect(resolveDelegatedScopes([forms[0]!, 'UserAuthenticationMethod.ReadWrite'], [], origin)).toMatchObject({
      ok: true,
      scopes: ['User.Read', 'UserAuthenticationMethod.ReadWrite'],
    });
  });
  it('gives a named scope in its canonical spelling, in each form, whatever the app was granted', () => {
    for (const s of ['User.Read.All', 'https://graph.microsoft.com/user.read.all', `${origin}/graph/User.Read.All`])
      expect(resolveDelegatedScopes(['openid', 'profile', s], [], origin)).toEqual({
        ok: true,
        scopes: ['User.Read.All'],
        graphScopes: [s],
      });
    expect(resolveDelegatedScopes(['UserAuthenticationMethod.ReadWrite'], [], origin)).toMatchObject({
      scopes: ['UserAuthenticationMethod.ReadWrite'],
    });
  });
  it('refuses an unknown scope and a request without a Graph scope', () => {
    expect(resolveDelegatedScopes(['Mail.Send'], [], origin)).toMatchObject({ ok: false, scope: 'Mail.Send' });
    expect(resolveDelegatedScopes(['openid', 'profile'], [], origin)).toMatchObject({ ok: false });
  });
  it('tells a Graph request from an ID-token-only one', () => {
    expect(requestsGraph(['openid', 'profile', 'offline_access', 'email'], origin)).toBe(false);
    expect(requestsGraph(['openid', 'https://other.example.com/x'], origin)).toBe(false);
    expect(requestsGraph(['openid', 'User.Read'], origin)).toBe(true);
  });
});
