import { describe, expect, it } from 'vitest';
import { apiResourceOf, apiScopesOf } from './api-scopes.ts';

const ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const OTHER = '6ba7b810-9dad-41d1-80b4-00c04fd430c8';

describe('apiScopesOf', () => {
  it('names the API and its scope names; .default adds no name', () => {
    expect(apiScopesOf(['openid', `api://${ID}/orders.read`, `api://${ID.toUpperCase()}/.default`])).toEqual({
      kind: 'api',
      resource: `api://${ID}`,
      appId: ID,
      names: ['orders.read'],
      raw: [`api://${ID}/orders.read`, `api://${ID.toUpperCase()}/.default`],
    });
  });

  it('is none for OpenID and Graph scopes', () => {
    expect(apiScopesOf(['openid', 'profile', 'User.Read', 'https://graph.microsoft.com/.default'])).toEqual({
      kind: 'none',
    });
  });

  it('refuses two APIs in one request, a name that is not a client id, and a malformed scope name', () => {
    expect(apiScopesOf([`api://${ID}/a`, `api://${OTHER}/b`])).toMatchObject({
      kind: 'invalid',
      reason: 'one API per request',
    });
    expect(apiScopesOf(['api://orders/read'])).toMatchObject({ kind: 'invalid', scope: 'api://orders/read' });
    expect(apiScopesOf([`api://${ID}/has space`])).toMatchObject({ kind: 'invalid' });
    expect(apiScopesOf([`api://${ID}`])).toMatchObject({ kind: 'invalid' });
  });
});

describe('apiResourceOf', () => {
  it('reads api://{client id} with or without a trailing slash, in any case', () => {
    expect(apiResourceOf(`api://${ID.toUpperCase()}/`)).toEqual({ resource: `api://${ID}`, appId: ID });
    expect(apiResourceOf('https://example.com')).toBeUndefined();
  });
});
