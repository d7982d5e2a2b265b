import { describe, expect, it } from 'vitest';
import { decodeSkiptoken, keysetPage } from './skiptoken.ts';

const key = new Uint8Array(32).fill(7);
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `id-${i}`, name: `n${i}` }));
const cursorOf = (r: { id: string; name: string }) => ({ key: r.name, id: r.id });

describe('keysetPage', () => {
  it('answers the rows as they are, without a token, when the query read no more than a page', () => {
    expect(keysetPage(rows(3), 3, cursorOf, 'fp', key)).toEqual({ rows: rows(3) });
    expect(keysetPage([], 3, cursorOf, 'fp', key)).toEqual({ rows: [] });
  });

  it('drops the extra row and answers a token that continues after the last row of the page', () => {
    const page = keysetPage(rows(4), 3, cursorOf, 'fp', key);
    expect(page.rows).toEqual(rows(3));
    expect(decodeSkiptoken(page.skiptoken!, 'fp', key)).toEqual({ key: 'n2', id: 'id-2' });
    expect(decodeSkiptoken(page.skiptoken!, 'other query', key)).toBeUndefined();
  });
});
