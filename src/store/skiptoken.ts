// The $skiptoken of a Graph collection page: the last row's keyset cursor, bound to the tenant and the query and
// signed with the collection's key, so a client can neither forge it nor reuse it on another query.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { CollectionQuery } from '../core/odata.ts';

export type Cursor = { key: string | null; id: string };

/** Binds a token to the tenant and to the query's filter, search and order: it cannot page another query. */
export function queryFingerprint(tenantId: string, q: CollectionQuery): string {
  const canonical = JSON.stringify({ t: tenantId, f: q.filter ?? null, s: q.search ?? null, o: q.orderBy ?? null });
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

const TOKEN_LABEL = 'signet.graph.users.skiptoken.v1.';
const mac = (key: Uint8Array, payload: string) =>
  createHmac('sha256', key)
    .update(TOKEN_LABEL + payload)
    .digest();

export function encodeSkiptoken(c: Cursor, fingerprint: string, key: Uint8Array): string {
  const payload = Buffer.from(JSON.stringify({ q: fingerprint, k: c.key, i: c.id })).toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** The cursor of a token this server issued for this query, or undefined for anything else. */
export function decodeSkiptoken(token: string, fingerprint: string, key: Uint8Array): Cursor | undefined {
  const [payload, tag, extra] = token.split('.');
  if (!payload || !tag || extra !== undefined) return undefined;
  const expected = mac(key, payload);
  const given = Buffer.from(tag, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const v = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (v.q !== fingerprint || typeof v.i !== 'string' || (v.k !== null && typeof v.k !== 'string')) return undefined;
    return { key: v.k as string | null, id: v.i };
  } catch {
    return undefined;
  }
}

/**
 * The page of a keyset query read with limit top + 1: its first `top` rows and, when there were more, the token
 * that continues after the last of them (the cursor `cursorOf` reads from that row).
 */
export function keysetPage<R>(
  rows: R[],
  top: number,
  cursorOf: (last: R) => Cursor,
  fingerprint: string,
  key: Uint8Array,
): { rows: R[]; skiptoken?: string } {
  const page = rows.length > top ? rows.slice(0, top) : rows;
  const last = page[page.length - 1];
  return rows.length > top && last !== undefined
    ? { rows: page, skiptoken: encodeSkiptoken(cursorOf(last), fingerprint, key) }
    : { rows: page };
}
