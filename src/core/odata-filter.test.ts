import { describe, expect, it } from 'vitest';
import { ok, parse, refused } from './odata.test-support.ts';

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
