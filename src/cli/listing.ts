// What the list commands share: `--top N` / `--all`, reading as many pages of a store query as they ask for
// (the same keyset paging the Graph routes use, its $skiptoken keyed for this process only: it never leaves it),
// and the refusals of a lookup worded for the command line rather than for a URL.
import { randomBytes } from 'node:crypto';
import { type ErrorCode, SignetError } from '../core/errors.ts';
import { MAX_PAGE_SIZE } from '../core/odata.ts';
import type { OptionSpec } from './runtime.ts';

export const DEFAULT_LIST_SIZE = 100;

export const pagingOptions: Record<string, OptionSpec> = {
  top: { type: 'string', description: `at most N rows (default ${DEFAULT_LIST_SIZE})` },
  all: { type: 'boolean', description: 'every row, however many' },
};

/** How many rows `--top` / `--all` ask for; a --top that is not a positive whole number is refused. */
export function rowLimit(v: Record<string, unknown>): number {
  if (v.all === true) return Number.POSITIVE_INFINITY;
  if (v.top === undefined) return DEFAULT_LIST_SIZE;
  const n = Number(v.top);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new SignetError('REQUEST_INVALID', { field: '--top', reason: 'must be a whole number of 1 or more' });
  return n;
}

/** A page key for this process only. */
export const pageKey: Uint8Array = new Uint8Array(randomBytes(32));

export type Page<T> =
  | { ok: true; items: T[]; skiptoken?: string }
  | { ok: false; code: ErrorCode; detail: Record<string, string> };

/** Reads pages until `limit` rows or the last page; `more` says whether rows were left. */
export async function collect<T>(
  limit: number,
  fetch: (top: number, skiptoken?: string) => Promise<Page<T>>,
): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let skiptoken: string | undefined;
  for (;;) {
    const want = Math.min(MAX_PAGE_SIZE, limit - items.length);
    const page = await fetch(want, skiptoken);
    if (!page.ok) throw new SignetError(page.code, page.detail);
    items.push(...page.items);
    skiptoken = page.skiptoken;
    if (skiptoken === undefined) return { items, more: false };
    if (items.length >= limit) return { items, more: true };
  }
}

/** `--since 2026-01-01T00:00:00Z` as epoch milliseconds; anything Date cannot read is refused by name. */
export function instantOption(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(String(value));
  if (Number.isNaN(ms))
    throw new SignetError('REQUEST_INVALID', {
      field: `--${name}`,
      reason: 'must be an ISO 8601 date or time, such as 2026-12-01 or 2026-12-01T09:30:00Z',
    });
  return ms;
}

/** A flow's "not found" (worded for a Graph URL) as the command line says it, with what to run instead. */
export async function orNotFound<T>(what: Promise<T>, code: ErrorCode, detail: Record<string, string>): Promise<T> {
  try {
    return await what;
  } catch (err) {
    if (err instanceof SignetError && err.code === 'GRAPH_RESOURCE_NOT_FOUND') throw new SignetError(code, detail);
    throw err;
  }
}
