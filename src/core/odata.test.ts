import { describe, expect, it } from 'vitest';
import { userQuerySpec } from './graph-user.ts';
import {
  type CollectionQuery,
  checkConsistencyLevel,
  nextLink,
  parseCollectionQuery,
  parseCountSegmentQuery,
  parseEntitySelect,
} from './odata.ts';

const parse = (params: Record<string, unknown>) => parseCollectionQuery(params, userQuerySpec);
function ok(params: Record<string, unknown>): CollectionQuery {
  const r = parse(params);
  if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.detail)}`);
  return r.query;
}
function refused(params: Record<string, unknown>) {
  const r = parse(params);
  if (r.ok) throw new Error(`accepted: ${JSON.stringify(r.query)}`);
  return r;
}

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

describe('parseCollectionQuery: $filter', () => {
  it('parses eq on each filterable property with its literal type', () => {
    expect(ok({ $filter: "userPrincipalName eq 'ada@contoso.com'" }).filter).toEqual({
      op: 'eq',
      property: 'userPrincipalName',
      value: 'ada@contoso.com',
    });
    expect(ok({ $filter: 'accountEnabled eq false' }).filter).toEqual({
      op: 'eq',
      property: 'accountEnabled',
      value: false,
    });
    expect(ok({ $filter: "id eq 'AAAAAAAA-0000-4000-8000-000000000001'" }).filter).toEqual({
      op: 'eq',
      property: 'id',
      value: 'aaaaaaaa-0000-4000-8000-000000000001',
    });
    expect(ok({ $filter: 'id eq aaaaaaaa-0000-4000-8000-000000000001' }).filter).toMatchObject({ op: 'eq' });
  });

  it('unescapes doubled quotes and keeps unicode as written', () => {
    expect(ok({ $filter: "displayName eq 'O''Brien ''x'''" }).filter).toEqual({
      op: 'eq',
      property: 'displayName',
      value: "O'Brien 'x'",
    });
    expect(ok({ $filter: "displayName eq 'Zoë 山田 🙂'" }).filter).toMatchObject({ value: 'Zoë 山田 🙂' });
  });

  it('parses startswith and in', () => {
    expect(ok({ $filter: "startswith(displayName,'Ad')" }).filter).toEqual({
      op: 'startswith',
      property: 'displayName',
      value: 'Ad',
    });
    expect(ok({ $filter: "userPrincipalName in ('a@x.io', 'b@x.io')" }).filter).toEqual({
      op: 'in',
      property: 'userPrincipalName',
      values: ['a@x.io', 'b@x.io'],
    });
  });

  it('binds and tighter than or, and honours parentheses', () => {
    expect(ok({ $filter: "displayName eq 'a' or displayName eq 'b' and accountEnabled eq true" }).filter).toEqual({
      op: 'or',
      left: { op: 'eq', property: 'displayName', value: 'a' },
      right: {
        op: 'and',
        left: { op: 'eq', property: 'displayName', value: 'b' },
        right: { op: 'eq', property: 'accountEnabled', value: true },
      },
    });
    expect(
      ok({ $filter: "(displayName eq 'a' or displayName eq 'b') and accountEnabled eq true" }).filter,
    ).toMatchObject({ op: 'and', left: { op: 'or' } });
  });

  it('allows ne and not only as advanced queries ($count=true, ConsistencyLevel: eventual), as Graph does', () => {
    expect(refused({ $filter: 'accountEnabled ne true' }).detail.reason).toMatch(/\$count=true/);
    expect(refused({ $filter: "not(startswith(displayName,'a'))" }).detail.reason).toMatch(/\$count=true/);
    const q = ok({ $filter: "not(startswith(displayName,'a'))", $count: 'true' });
    expect(q.filter).toEqual({ op: 'not', operand: { op: 'startswith', property: 'displayName', value: 'a' } });
    expect(q.requiresEventualConsistency).toBe(true);
  });

  it('needs an advanced query for $filter with $orderby, as Graph does', () => {
    expect(refused({ $filter: 'accountEnabled eq true', $orderby: 'displayName' }).detail.reason).toMatch(/\$orderby/);
    expect(
      ok({ $filter: 'accountEnabled eq true', $orderby: 'displayName', $count: 'true' }).requiresEventualConsistency,
    ).toBe(true);
  });

  it('refuses operators on properties that do not allow them, naming what does', () => {
    const r = refused({ $filter: "startswith(accountEnabled,'t')" });
    expect(r.detail.reason).toMatch(/startswith is supported on userPrincipalName, displayName; not on accountEnabled/);
    expect(refused({ $filter: "mail eq 'a@b.c'" }).detail.reason).toMatch(/not on mail/);
    expect(refused({ $filter: "createdDateTime eq '2020'" }).code).toBe('GRAPH_QUERY_INVALID');
    expect(refused({ $filter: "startswith(id,'aa')" }).code).toBe('GRAPH_QUERY_INVALID');
  });

  it('refuses literals of the wrong type', () => {
    expect(refused({ $filter: "accountEnabled eq 'true'" }).detail.reason).toMatch(/true or false/);
    expect(refused({ $filter: 'displayName eq true' }).detail.reason).toMatch(/quoted string/);
    expect(refused({ $filter: "id eq 'not-a-guid'" }).detail.reason).toMatch(/GUID/);
    expect(refused({ $filter: 'displayName eq 5' }).code).toBe('GRAPH_QUERY_INVALID');
    expect(refused({ $filter: 'displayName eq null' }).code).toBe('GRAPH_QUERY_INVALID');
  });

  it('refuses operators it does not know', () => {
    for (const bad of [
      "displayName gt 'a'",
      "endswith(displayName,'a')",
      "contains(displayName,'a')",
      "displayName eq 'a' xor displayName eq 'b'",
      "displayName == 'a'",
      "accountEnabled eq true; displayName eq 'a'",
    ])
      expect(refused({ $filter: bad }).detail.parameter).toBe('$filter');
  });

  it('refuses injection attempts as malformed filters, never a throw', () => {
    for (const bad of [
      "displayName eq 'a' or 1 eq 1",
      "' or 1 eq 1",
      "displayName eq 'a'' or ''1''=''1",
      "displayName eq 'x'--",
      "displayName eq 'x'); DROP TABLE users; --",
      'displayName eq "a"',
      "displayName eq 'unterminated",
      "displayName eq 'a' or",
      "(displayName eq 'a'",
      "displayName eq 'a')",
      'userPrincipalName in ()',
      "userPrincipalName in ('a',)",
      'accountEnabled eq true and',
      '',
      '   ',
      '\u0000',
      "displayName\u00a0eq 'a'",
      "displayName eq 'a' /* c */",
    ]) {
      const r = parse({ $filter: bad });
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.code).toBe('GRAPH_QUERY_INVALID');
    }
  });

  it('keeps an injection inside a string literal as data', () => {
    expect(ok({ $filter: "displayName eq ''' or 1 eq 1 --'" }).filter).toEqual({
      op: 'eq',
      property: 'displayName',
      value: "' or 1 eq 1 --",
    });
  });

  it('refuses deep nesting, long inputs, too many comparisons and long in-lists with a code', () => {
    const deep = `${'('.repeat(50)}accountEnabled eq true${')'.repeat(50)}`;
    expect(refused({ $filter: deep }).detail.reason).toMatch(/deeper/);
    const nots = `${'not '.repeat(30)}accountEnabled eq true`;
    expect(refused({ $filter: nots, $count: 'true' }).detail.reason).toMatch(/deeper/);
    expect(refused({ $filter: `displayName eq '${'a'.repeat(5000)}'` }).detail.reason).toMatch(/longer than/);
    const many = Array.from({ length: 51 }, () => 'accountEnabled eq true').join(' or ');
    expect(refused({ $filter: many }).detail.reason).toMatch(/more than 50 comparisons/);
    const list = Array.from({ length: 51 }, (_, i) => `'u${i}@x.io'`).join(',');
    expect(refused({ $filter: `userPrincipalName in (${list})` }).detail.reason).toMatch(/at most 50/);
  });

  it('survives random garbage without throwing', () => {
    const alphabet = "()',eqandornotin startswith displayName accountEnabled true 'x' \u00e9\\\"";
    let seed = 7;
    for (let n = 0; n < 500; n++) {
      let s = '';
      for (let k = 0; k < 40; k++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        s += alphabet[seed % alphabet.length];
      }
      expect(() => parse({ $filter: s, $search: s, $select: s, $orderby: s })).not.toThrow();
    }
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
