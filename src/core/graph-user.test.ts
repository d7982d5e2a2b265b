import { describe, expect, it } from 'vitest';
import {
  graphUserCollection,
  graphUserEntity,
  isoUtc,
  parseUserCreate,
  parseUserUpdate,
  toGraphUser,
  type UserFacts,
  userCollectionContext,
} from './graph-user.ts';

const base = 'https://id.example/contoso/graph/v1.0';
const ada: UserFacts = {
  id: '6f1c7d5e-0000-4000-8000-000000000001',
  userPrincipalName: 'Ada@contoso.com',
  displayName: 'Ada Lovelace',
  enabled: false,
  createdAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
};

describe('toGraphUser', () => {
  it('gives Graph’s default projection, restricted to what Signet stores', () => {
    expect(toGraphUser(ada)).toEqual({
      id: ada.id,
      displayName: 'Ada Lovelace',
      userPrincipalName: 'Ada@contoso.com',
    });
  });

  it('projects $select, with accountEnabled and createdDateTime in ISO 8601 UTC', () => {
    expect(toGraphUser(ada, ['accountEnabled', 'createdDateTime'])).toEqual({
      accountEnabled: false,
      createdDateTime: '2026-01-02T03:04:05Z',
    });
  });

  it('omits selected Graph properties that Signet does not store', () => {
    expect(toGraphUser(ada, ['mail', 'givenName', 'id'])).toEqual({ id: ada.id });
  });

  it('writes UTC whatever the epoch', () => {
    expect(isoUtc(0)).toBe('1970-01-01T00:00:00Z');
  });
});

describe('annotations', () => {
  it('names the entity and collection contexts as Graph does', () => {
    expect(graphUserEntity(base, ada)['@odata.context']).toBe(`${base}/$metadata#users/$entity`);
    expect(userCollectionContext(base)).toBe(`${base}/$metadata#users`);
    expect(userCollectionContext(base, ['displayName', 'id'])).toBe(`${base}/$metadata#users(displayName,id)`);
  });

  it('builds a page with count and nextLink only when they apply', () => {
    expect(graphUserCollection({ graphBase: base, query: {}, users: [ada] })).toEqual({
      '@odata.context': `${base}/$metadata#users`,
      value: [toGraphUser(ada)],
    });
    const page = graphUserCollection({
      graphBase: base,
      query: { select: ['id'] },
      users: [ada],
      count: 7,
      nextLink: `${base}/users?$skiptoken=a.b`,
    });
    expect(Object.keys(page)).toEqual(['@odata.context', '@odata.count', 'value', '@odata.nextLink']);
    expect(page.value).toEqual([{ id: ada.id }]);
  });
});

describe('parseUserCreate', () => {
  const valid = { accountEnabled: true, displayName: 'Ada', userPrincipalName: 'ada@contoso.com' };

  it('accepts the required properties, passwordless', () => {
    expect(parseUserCreate(valid)).toEqual({ ok: true, value: valid });
  });

  it('accepts mailNickname, a passwordProfile and the user @odata.type', () => {
    const body = {
      '@odata.type': '#microsoft.graph.user',
      ...valid,
      mailNickname: 'ada',
      passwordProfile: { password: 'x!2Ab', forceChangePasswordNextSignIn: true },
    };
    expect(parseUserCreate(body)).toEqual({
      ok: true,
      value: {
        ...valid,
        mailNickname: 'ada',
        passwordProfile: { password: 'x!2Ab', forceChangePasswordNextSignIn: true },
      },
    });
  });

  it('requires accountEnabled, displayName and userPrincipalName, naming the missing field', () => {
    for (const field of ['accountEnabled', 'displayName', 'userPrincipalName']) {
      const body: Record<string, unknown> = { ...valid };
      delete body[field];
      expect(parseUserCreate(body)).toEqual({
        ok: false,
        code: 'REQUEST_INVALID',
        detail: { field, reason: expect.any(String) },
      });
    }
  });

  it('refuses wrong types and shapes', () => {
    expect(parseUserCreate({ ...valid, accountEnabled: 'true' })).toMatchObject({
      detail: { field: 'accountEnabled' },
    });
    expect(parseUserCreate({ ...valid, userPrincipalName: 'no-at-sign' })).toMatchObject({
      detail: { field: 'userPrincipalName' },
    });
    expect(parseUserCreate({ ...valid, displayName: '   ' })).toMatchObject({ detail: { field: 'displayName' } });
    expect(parseUserCreate({ ...valid, passwordProfile: { password: 'a', extra: 1 } })).toMatchObject({
      code: 'REQUEST_INVALID',
      detail: { field: 'passwordProfile' },
    });
    expect(parseUserCreate({ ...valid, '@odata.type': '#microsoft.graph.group' })).toMatchObject({
      detail: { field: '@odata.type' },
    });
    for (const notObject of [null, [], 'x', 3])
      expect(parseUserCreate(notObject)).toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('refuses unknown properties, naming them, and says which Graph ones Signet does not store', () => {
    expect(parseUserCreate({ ...valid, foo: 1, givenName: 'Ada' })).toEqual({
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: 'foo, givenName', reason: expect.stringContaining('does not store givenName') },
    });
  });

  it('refuses read-only properties, naming them', () => {
    expect(parseUserCreate({ ...valid, id: 'x', createdDateTime: '2020-01-01T00:00:00Z' })).toEqual({
      ok: false,
      code: 'GRAPH_PROPERTY_READ_ONLY',
      detail: { properties: 'id, createdDateTime' },
    });
  });

  it('is not fooled by a __proto__ key', () => {
    expect(parseUserCreate(JSON.parse('{"__proto__":{"accountEnabled":true},"displayName":"a"}'))).toMatchObject({
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: '__proto__' },
    });
  });
});

describe('parseUserUpdate', () => {
  it('accepts any subset, including none', () => {
    expect(parseUserUpdate({})).toEqual({ ok: true, value: {} });
    expect(parseUserUpdate({ accountEnabled: false })).toEqual({ ok: true, value: { accountEnabled: false } });
    expect(parseUserUpdate({ displayName: ' Grace ' })).toEqual({ ok: true, value: { displayName: 'Grace' } });
  });

  it('refuses read-only and unknown properties by name', () => {
    expect(parseUserUpdate({ id: 'x' })).toMatchObject({
      code: 'GRAPH_PROPERTY_READ_ONLY',
      detail: { properties: 'id' },
    });
    expect(parseUserUpdate({ enabled: false })).toMatchObject({
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: 'enabled' },
    });
  });

  it('refuses mailNickname by name: taken on create, not stored, so a change would be answered and not made', () => {
    expect(parseUserUpdate({ mailNickname: 'grace', displayName: 'Grace' })).toMatchObject({
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: 'mailNickname', reason: expect.stringContaining('Signet does not store mailNickname') },
    });
  });

  it('refuses null for a property that cannot be cleared', () => {
    expect(parseUserUpdate({ displayName: null })).toMatchObject({
      code: 'REQUEST_INVALID',
      detail: { field: 'displayName' },
    });
  });
});
