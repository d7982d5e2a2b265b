import { describe, expect, it } from 'vitest';
import { userQuerySpec } from './graph-user.ts';
import { ok, refused } from './odata.test-support.ts';
import {
  checkConsistencyLevel,
  nextLink,
  parseCollectionQuery,
  parseCountSegmentQuery,
  parseEntitySelect,
} from './odata.ts';

describe('parseCollectionQuery: defaults and simple options', () => {
  it('gives a page of 100 without options and ignores the route’s own parameters', () => {
    expect(ok({ tenant: 'contoso' })).toEqual({ top: 100, count: false, requiresEventualConsistency: false });
  });

  it('accepts $top from 1 to 999 and refuses 0, 1000, negatives, decimals and words', () => {
    expect(ok({ $top: '1' }).top).toBe(1);
    expect(ok({ $top: '999' }).top).toBe(999);
    for (const bad of ['0', '1000', '-1', '2.5', 'ten', '', '1e2', ' 0x10'])
      expect(refused({ $top: bad }).detail.parameter).toBe('$top');
  });

  it('reads $count=true as needing ConsistencyLevel: eventual', () => {
    const q = ok({ $count: 'true' });
    expect(q.count).toBe(true);
    expect(q.requiresEventualConsistency).toBe(true);
    expect(ok({ $count: 'false' }).requiresEventualConsistency).toBe(false);
    expect(refused({ $count: 'yes' }).detail.parameter).toBe('$count');
  });

  it('projects $select onto canonical property names, deduplicated', () => {
    expect(ok({ $select: 'displayName, ID,displayname' }).select).toEqual(['displayName', 'id']);
    expect(ok({ $select: 'mail,accountEnabled' }).select).toEqual(['mail', 'accountEnabled']);
  });

  it('refuses $select with unknown properties, naming them', () => {
    const r = refused({ $select: 'displayName,password,foo' });
    expect(r.code).toBe('GRAPH_QUERY_INVALID');
    expect(r.detail).toEqual({ parameter: '$select', reason: expect.stringContaining('password, foo') });
    expect(refused({ $select: 'displayName,,id' }).detail.reason).toMatch(/empty/);
  });

  it('accepts $orderby on displayName and userPrincipalName, asc or desc', () => {
    expect(ok({ $orderby: 'displayName' }).orderBy).toEqual({ property: 'displayName', direction: 'asc' });
    expect(ok({ $orderby: 'userPrincipalName desc' }).orderBy).toEqual({
      property: 'userPrincipalName',
      direction: 'desc',
    });
    expect(ok({ $orderby: ' DisplayName  DESC ' }).orderBy).toEqual({ property: 'displayName', direction: 'desc' });
  });

  it('refuses $orderby on other properties, on two properties and with other directions', () => {
    for (const bad of ['accountEnabled', 'id', 'displayName,id', 'displayName up', 'displayName; drop table users'])
      expect(refused({ $orderby: bad }).detail.parameter).toBe('$orderby');
  });

  it('refuses options Graph does not support on users, and repeated options', () => {
    expect(refused({ $skip: '10' }).detail).toEqual({
      parameter: '$skip',
      reason: expect.stringMatching(/not supported/),
    });
    expect(refused({ $expand: 'manager' }).detail.parameter).toBe('$expand');
    expect(refused({ $top: ['1', '2'] }).detail.reason).toMatch(/more than once/);
    expect(refused({ $top: '1', $TOP: '2' }).detail.reason).toMatch(/more than once/);
  });

  it('passes $skiptoken through and refuses one that is not of the issued shape', () => {
    expect(ok({ $skiptoken: 'eyJhIjoxfQ.c2ln' }).skiptoken).toBe('eyJhIjoxfQ.c2ln');
    const r = refused({ $skiptoken: "x' or 1=1" });
    expect(r.code).toBe('GRAPH_SKIPTOKEN_INVALID');
  });
});

describe('parseCollectionQuery: $search', () => {
  it('parses a quoted clause into lower-case words and needs ConsistencyLevel: eventual', () => {
    const q = ok({ $search: '"displayName:Ada Love"' });
    expect(q.search).toEqual({ op: 'term', property: 'displayName', words: ['ada', 'love'] });
    expect(q.requiresEventualConsistency).toBe(true);
  });

  it('joins clauses with AND and OR', () => {
    expect(ok({ $search: '"displayName:ada" OR "displayName:grace"' }).search).toEqual({
      op: 'or',
      left: { op: 'term', property: 'displayName', words: ['ada'] },
      right: { op: 'term', property: 'displayName', words: ['grace'] },
    });
  });

  it('refuses unquoted, unknown-property, empty and unclosed searches', () => {
    for (const bad of [
      'displayName:ada',
      '"mail:ada"',
      '"displayName:"',
      '"displayName:ada',
      '"ada"',
      '"displayName:a" XOR "displayName:b"',
    ])
      expect(refused({ $search: bad }).detail.parameter).toBe('$search');
  });
});

describe('checkConsistencyLevel', () => {
  it('lets through queries that need nothing, and needs the header for advanced ones', () => {
    expect(checkConsistencyLevel(ok({}), undefined)).toEqual({ ok: true });
    const q = ok({ $count: 'true' });
    expect(checkConsistencyLevel(q, undefined)).toEqual({
      ok: false,
      code: 'GRAPH_CONSISTENCY_LEVEL_REQUIRED',
      detail: { header: 'ConsistencyLevel' },
    });
    expect(checkConsistencyLevel(q, 'session')).toMatchObject({ ok: false });
    expect(checkConsistencyLevel(q, 'Eventual')).toEqual({ ok: true });
  });
});

describe('nextLink', () => {
  it('keeps the other options and replaces the skiptoken', () => {
    expect(nextLink('https://x/graph/v1.0/users?$top=5&$skiptoken=old&$select=id', 'new.tok')).toBe(
      'https://x/graph/v1.0/users?$top=5&$select=id&$skiptoken=new.tok',
    );
    expect(nextLink('https://x/users', 'a.b')).toBe('https://x/users?$skiptoken=a.b');
  });
});

describe('parseCollectionQuery: ranges, dates and property paths (the logs)', () => {
  const logSpec = {
    properties: {
      createdDateTime: { type: 'datetime', filter: ['eq', 'ge', 'le', 'gt', 'lt'] },
      'status/errorCode': { type: 'string', filter: ['eq'] },
      userId: { type: 'guid', filter: ['eq'] },
    },
    selectable: ['id', 'createdDateTime'],
  } as const;
  const logs = (filter: string) => parseCollectionQuery({ $filter: filter }, logSpec);

  it('reads ge/le/gt/lt on a DateTimeOffset written unquoted, as epoch milliseconds', () => {
    const r = logs('createdDateTime ge 2026-01-31T10:00:00Z and createdDateTime lt 2026-02-01T00:00:00.5+01:00');
    expect(r.ok && r.query.filter).toEqual({
      op: 'and',
      left: { op: 'ge', property: 'createdDateTime', value: Date.parse('2026-01-31T10:00:00Z') },
      right: { op: 'lt', property: 'createdDateTime', value: Date.parse('2026-01-31T23:00:00.5Z') },
    });
    expect(r.ok && r.query.requiresEventualConsistency).toBe(false);
  });

  it('refuses a quoted date, a date without zone, an impossible date and a range on a property without one', () => {
    for (const bad of [
      "createdDateTime ge '2026-01-31T10:00:00Z'",
      'createdDateTime ge 2026-01-31T10:00:00',
      'createdDateTime ge 2026-13-45T99:00:00Z',
      "status/errorCode gt 'TAP_INVALID'",
      'createdDateTime ge 5',
    ]) {
      const r = logs(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.code).toBe('GRAPH_QUERY_INVALID');
    }
  });

  it('reads a property path the spec names, and refuses one it does not', () => {
    const r = logs("status/errorCode eq 'TAP_INVALID'");
    expect(r.ok && r.query.filter).toEqual({ op: 'eq', property: 'status/errorCode', value: 'TAP_INVALID' });
    const other = logs("status/failureReason eq 'x'");
    expect(!other.ok && other.detail.reason).toMatch(/not on status\/failureReason/);
  });

  it('keeps ranges off the users collection', () => {
    expect(refused({ $filter: "displayName ge 'a'" }).code).toBe('GRAPH_QUERY_INVALID');
  });
});

describe('what scripts written for Microsoft Graph send', () => {
  it('names an OData function other than startswith instead of an unexpected parenthesis', () => {
    for (const fn of ['endswith', 'endsWith', 'contains', 'tolower']) {
      const r = refused({ $filter: `${fn}(displayName,'a')` });
      expect(r.detail.parameter).toBe('$filter');
      expect(r.detail.reason).toContain(`function ${fn} is not supported`);
    }
  });

  it('reads $select=* (PowerShell -Property *) as every selectable property', () => {
    expect(ok({ $select: '*' }).select).toEqual([...userQuerySpec.selectable]);
    expect(refused({ $select: '*,id' }).detail.parameter).toBe('$select');
  });

  it('takes a number as a number: refused where a string is compared, by what it is', () => {
    expect(refused({ $filter: 'displayName eq 123' }).detail.reason).toContain('not the number 123');
  });

  it('refuses $orderby on a collection that sorts on nothing, saying so', () => {
    const r = parseCollectionQuery({ $orderby: 'displayName' }, { properties: {}, selectable: [] });
    expect(r.ok ? undefined : r.detail.reason).toBe('$orderby is not supported on this collection');
  });

  it("follows a resource's own page size and advanced-query rules", () => {
    const log = {
      properties: { createdDateTime: { type: 'datetime', filter: ['ge'], orderBy: true } },
      selectable: ['id'],
      advancedQueryRules: false,
      maxPageSize: 1000,
    } as const;
    const q = parseCollectionQuery(
      { $top: '1000', $filter: 'createdDateTime ge 2026-11-30T00:00:00Z', $orderby: 'createdDateTime desc' },
      log,
    );
    expect(q.ok && { top: q.query.top, eventual: q.query.requiresEventualConsistency }).toEqual({
      top: 1000,
      eventual: false,
    });
    expect(parseCollectionQuery({ $top: '1001' }, log).ok).toBe(false);
  });
});

describe('parseCountSegmentQuery (/users/$count)', () => {
  it('takes $filter and $search, always needs ConsistencyLevel: eventual, and counts', () => {
    const r = parseCountSegmentQuery({ $filter: "startswith(displayName,'a')", id: '$count' }, userQuerySpec);
    if (!r.ok) throw new Error(JSON.stringify(r.detail));
    expect(r.query).toMatchObject({ count: true, requiresEventualConsistency: true, top: 1 });
    expect(checkConsistencyLevel(r.query, undefined).ok).toBe(false);
    expect(checkConsistencyLevel(r.query, 'eventual').ok).toBe(true);
    const ne = parseCountSegmentQuery({ $filter: "displayName ne 'a'" }, userQuerySpec);
    expect(ne.ok).toBe(true);
  });

  it('refuses $top, $select and the other options by name', () => {
    for (const p of ['$top', '$select', '$orderby', '$skiptoken', '$count']) {
      const r = parseCountSegmentQuery({ [p]: '1' }, userQuerySpec);
      expect(r.ok ? undefined : [r.code, r.detail.parameter]).toEqual(['GRAPH_QUERY_INVALID', p]);
    }
  });
});

describe('parseEntitySelect (/users/{id})', () => {
  it('takes $select in any case and refuses $expand and the collection options by name', () => {
    expect(parseEntitySelect({ $select: 'id,displayName', id: 'x' }, userQuerySpec)).toEqual({
      ok: true,
      select: ['id', 'displayName'],
    });
    expect(parseEntitySelect({ $SELECT: 'id' }, userQuerySpec)).toEqual({ ok: true, select: ['id'] });
    expect(parseEntitySelect({}, userQuerySpec)).toEqual({ ok: true });
    for (const p of ['$expand', '$filter', '$top'])
      expect(parseEntitySelect({ [p]: 'memberOf' }, userQuerySpec)).toMatchObject({
        ok: false,
        code: 'GRAPH_QUERY_INVALID',
        detail: { parameter: p },
      });
  });
});
