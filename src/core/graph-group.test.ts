import { describe, expect, it } from 'vitest';
import {
  graphMemberCollection,
  groupQuerySpec,
  parseGroupCreate,
  parseGroupUpdate,
  parseMemberReference,
  toGraphGroup,
} from './graph-group.ts';
import { parseCollectionQuery } from './odata.ts';

const own = 'https://id.example.com/graph';
const uid = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
const create = { displayName: 'Pilots', mailNickname: 'pilots', mailEnabled: false, securityEnabled: true };

describe('the Graph group shape', () => {
  it('answers every stored property, with the constants of a security group, and projects on $select', () => {
    const g = { id: uid, displayName: 'Pilots', createdAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678) };
    expect(toGraphGroup(g)).toEqual({
      id: uid,
      displayName: 'Pilots',
      createdDateTime: '2026-01-02T03:04:05Z',
      groupTypes: [],
      mailEnabled: false,
      securityEnabled: true,
    });
    expect(toGraphGroup(g, ['displayName', 'description'])).toEqual({ displayName: 'Pilots' });
  });

  it('marks each member as a user directory object', () => {
    const page = graphMemberCollection({
      graphBase: `${own}/v1.0`,
      query: {},
      items: [{ id: uid, displayName: 'A', userPrincipalName: 'a@x.com', enabled: true, createdAt: 0 }],
      nextLink: 'next',
    });
    expect(page).toEqual({
      '@odata.context': `${own}/v1.0/$metadata#directoryObjects`,
      value: [{ '@odata.type': '#microsoft.graph.user', id: uid, displayName: 'A', userPrincipalName: 'a@x.com' }],
      '@odata.nextLink': 'next',
    });
  });
});

describe('group bodies', () => {
  it('accepts a security group create, with @odata.type and empty groupTypes', () => {
    const r = parseGroupCreate({ '@odata.type': '#microsoft.graph.group', ...create, groupTypes: [] });
    expect(r).toEqual({ ok: true, value: { ...create, groupTypes: [] } });
  });

  it('requires mailNickname, and refuses mail-enabled, non-security and Unified groups', () => {
    const { mailNickname: _, ...noNickname } = create;
    expect(parseGroupCreate(noNickname)).toMatchObject({
      ok: false,
      code: 'REQUEST_INVALID',
      detail: { field: 'mailNickname' },
    });
    expect(parseGroupCreate({ ...create, mailEnabled: true })).toMatchObject({ detail: { field: 'mailEnabled' } });
    expect(parseGroupCreate({ ...create, securityEnabled: false })).toMatchObject({
      detail: { field: 'securityEnabled' },
    });
    expect(parseGroupCreate({ ...create, groupTypes: ['Unified'] })).toMatchObject({ detail: { field: 'groupTypes' } });
    expect(parseGroupCreate({ ...create, mailNickname: 'a b' })).toMatchObject({ detail: { field: 'mailNickname' } });
  });

  it('refuses unknown and read-only properties by name', () => {
    expect(parseGroupCreate({ ...create, description: 'x', colour: 'red' })).toMatchObject({
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: 'description, colour' },
    });
    expect(parseGroupUpdate({ id: uid })).toMatchObject({
      code: 'GRAPH_PROPERTY_READ_ONLY',
      detail: { properties: 'id' },
    });
    expect(parseGroupUpdate([])).toMatchObject({ code: 'REQUEST_INVALID' });
    expect(parseGroupUpdate({ displayName: '  ' })).toMatchObject({
      code: 'REQUEST_INVALID',
      detail: { field: 'displayName' },
    });
    expect(parseGroupUpdate({ displayName: 'New' })).toEqual({ ok: true, value: { displayName: 'New' } });
  });
});

describe('member references', () => {
  it.each([
    `https://graph.microsoft.com/v1.0/directoryObjects/${uid}`,
    `https://graph.microsoft.com/v1.0/users/${uid}`,
    `https://graph.microsoft.com/beta/directoryObjects/${uid}`,
    `${own}/v1.0/directoryObjects/${uid}`,
    `${own}/v1.0/users/${uid.toUpperCase()}`,
  ])('reads the object id of %s', (ref) => {
    expect(parseMemberReference({ '@odata.id': ref }, own)).toEqual({ ok: true, value: { id: uid } });
  });

  it.each([
    [{}],
    [{ '@odata.id': 42 }],
    [{ '@odata.id': `https://evil.example.com/v1.0/directoryObjects/${uid}` }],
    [{ '@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/' }],
    [{ '@odata.id': `https://graph.microsoft.com/v1.0/groups/${uid}` }],
    [{ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${uid}/../x` }],
    ['text'],
  ])('refuses %j as GRAPH_REFERENCE_INVALID', (body) => {
    expect(parseMemberReference(body, own)).toMatchObject({ ok: false, code: 'GRAPH_REFERENCE_INVALID' });
  });

  it('refuses other properties beside @odata.id by name', () => {
    const r = parseMemberReference({ '@odata.id': `${own}/v1.0/users/${uid}`, extra: 1 }, own);
    expect(r).toMatchObject({ ok: false, code: 'GRAPH_PROPERTY_UNKNOWN', detail: { properties: 'extra' } });
  });
});

describe('groupQuerySpec: the constants scripts filter security groups by', () => {
  it("takes mailEnabled and securityEnabled eq, and groupTypes/any(c:c eq 'Unified')", () => {
    for (const f of ['mailEnabled eq false and securityEnabled eq true', "groupTypes/any(c:c eq 'Unified')"])
      expect(parseCollectionQuery({ $filter: f }, groupQuerySpec).ok, f).toBe(true);
    expect(parseCollectionQuery({ $filter: "securityEnabled eq 'yes'" }, groupQuerySpec).ok).toBe(false);
  });
});

describe('parseGroupUpdate and mailNickname', () => {
  it('refuses mailNickname by name: required on create, not stored, so a change would be answered and not made', () => {
    expect(parseGroupUpdate({ mailNickname: 'pilots2' })).toMatchObject({
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: 'mailNickname', reason: expect.stringContaining('Signet does not store mailNickname') },
    });
    expect(parseGroupUpdate({ displayName: 'Pilots 2', securityEnabled: true })).toMatchObject({ ok: true });
  });
});
