// OData query options of a Graph collection ($filter, $select, $top, $orderby, $count, $search, $skiptoken)
// parsed into a typed query against a per-resource whitelist. The result is an AST that the store turns into
// parameterized expressions: no part of a query option ever becomes SQL text. Every refusal is a catalogue code
// naming the parameter and the problem; nothing here throws on bad input.
import type { Decision, ErrorCode } from './errors.ts';
import { canonicalName, MAX_COMPARISONS, parseFilter, Refusal, refuse } from './odata-filter.ts';

/** `any`: a lambda over a string collection, `methodsRegistered/any(m: m eq 'passKeySynced')`. */
export type FilterOperator = 'eq' | 'ne' | 'in' | 'startswith' | 'any' | RangeOperator;
export type RangeOperator = 'ge' | 'le' | 'gt' | 'lt';
/**
 * `datetime`: a DateTimeOffset, written unquoted (`2026-01-01T00:00:00Z`), parsed to epoch milliseconds.
 * `errorCode`: a sign-in's `status/errorCode`, Graph's Int32 where 0 is success: the number 0, or a quoted
 * catalogue code (Signet's codes are names, not numbers).
 */
export type PropertyType = 'string' | 'boolean' | 'guid' | 'datetime' | 'errorCode';

export interface PropertySpec {
  type: PropertyType;
  /** Operators $filter allows on the property (ne also needs `eq` here: Graph offers ne where it offers eq). */
  filter?: readonly Exclude<FilterOperator, 'ne'>[];
  orderBy?: boolean;
  search?: boolean;
}

export interface ResourceSpec {
  /** Properties the store can filter, sort or search on, by their Graph name. */
  properties: Readonly<Record<string, PropertySpec>>;
  /** Every name $select accepts (Graph properties; some may be ones Signet does not store). */
  selectable: readonly string[];
  /**
   * Whether Graph's advanced-query rules apply (default true): directory objects run ne, not, and $filter with
   * $orderby only with `ConsistencyLevel: eventual` and `$count=true`; the sign-in log runs them as plain queries.
   */
  advancedQueryRules?: boolean;
  /** The largest $top (default MAX_PAGE_SIZE, Graph's 999 for directory objects; its sign-in log takes 1,000). */
  maxPageSize?: number;
}

export type Literal = string | boolean | number;
export type FilterNode =
  | { op: 'eq' | 'ne'; property: string; value: Literal }
  | { op: RangeOperator; property: string; value: Literal }
  | { op: 'in'; property: string; values: Literal[] }
  | { op: 'startswith'; property: string; value: string }
  /** Some element of the collection property equals `value`. */
  | { op: 'any'; property: string; value: Literal }
  | { op: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { op: 'not'; operand: FilterNode };

export type SearchNode =
  | { op: 'term'; property: string; words: string[] }
  | { op: 'and' | 'or'; left: SearchNode; right: SearchNode };

export interface OrderBy {
  property: string;
  direction: 'asc' | 'desc';
}

export interface CollectionQuery {
  filter?: FilterNode;
  search?: SearchNode;
  select?: string[];
  orderBy?: OrderBy;
  top: number;
  count: boolean;
  skiptoken?: string;
  /** Graph's advanced queries ($count, $search, ne, not, $filter with $orderby) need `ConsistencyLevel: eventual`. */
  requiresEventualConsistency: boolean;
}

export type ParseResult =
  | { ok: true; query: CollectionQuery }
  | { ok: false; code: ErrorCode; detail: { parameter: string; reason: string } };

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 999;
const MAX_OPTION_LENGTH = 2048;
const SUPPORTED = new Set(['$filter', '$select', '$top', '$orderby', '$count', '$search', '$skiptoken']);

/** Parses a collection's query options (as Fastify hands them over) against the resource's whitelist. */
export function parseCollectionQuery(params: Readonly<Record<string, unknown>>, spec: ResourceSpec): ParseResult {
  try {
    return { ok: true, query: parseOptions(params, spec) };
  } catch (e) {
    if (e instanceof Refusal) {
      const code = e.parameter === '$skiptoken' ? 'GRAPH_SKIPTOKEN_INVALID' : 'GRAPH_QUERY_INVALID';
      return { ok: false, code, detail: { parameter: e.parameter, reason: e.reason } };
    }
    throw e;
  }
}

/**
 * The query of a `/{collection}/$count` path segment: $filter and $search only (what would $top or $select mean
 * for one number?), always an advanced query, as Graph has it (`ConsistencyLevel: eventual` required).
 */
export function parseCountSegmentQuery(params: Readonly<Record<string, unknown>>, spec: ResourceSpec): ParseResult {
  const other = Object.keys(params).find((k) => k.startsWith('$') && !['$filter', '$search'].includes(k.toLowerCase()));
  if (other !== undefined)
    return {
      ok: false,
      code: 'GRAPH_QUERY_INVALID',
      detail: { parameter: other, reason: `${other} is not supported on /$count; only $filter and $search are` },
    };
  const parsed = parseCollectionQuery(params, { ...spec, advancedQueryRules: false });
  if (!parsed.ok) return parsed;
  return { ok: true, query: { ...parsed.query, top: 1, count: true, requiresEventualConsistency: true } };
}

/**
 * The query of a single entity (`/users/{id}`): $select only, as Signet serves it; $expand and the collection
 * options are refused by name rather than ignored (an ignored $expand=memberOf would read as "no groups").
 */
export function parseEntitySelect(
  params: Readonly<Record<string, unknown>>,
  spec: ResourceSpec,
): { ok: true; select?: string[] } | { ok: false; code: ErrorCode; detail: { parameter: string; reason: string } } {
  const other = Object.keys(params).find((k) => k.startsWith('$') && k.toLowerCase() !== '$select');
  if (other !== undefined)
    return {
      ok: false,
      code: 'GRAPH_QUERY_INVALID',
      detail: { parameter: other, reason: `${other} is not supported on a single object; only $select is` },
    };
  const select = Object.entries(params).find(([k]) => k.toLowerCase() === '$select')?.[1];
  if (select === undefined) return { ok: true };
  const parsed = parseCollectionQuery({ $select: select }, spec);
  return parsed.ok ? { ok: true, select: parsed.query.select } : parsed;
}

/** The edge's check of the ConsistencyLevel header against what the parsed query needs. */
export function checkConsistencyLevel(query: CollectionQuery, header: string | string[] | undefined): Decision {
  if (!query.requiresEventualConsistency) return { ok: true };
  const value = Array.isArray(header) ? header[0] : header;
  if (value?.trim().toLowerCase() === 'eventual') return { ok: true };
  return { ok: false, code: 'GRAPH_CONSISTENCY_LEVEL_REQUIRED', detail: { header: 'ConsistencyLevel' } };
}

function parseOptions(params: Readonly<Record<string, unknown>>, spec: ResourceSpec): CollectionQuery {
  const options = new Map<string, string>();
  for (const [rawName, rawValue] of Object.entries(params)) {
    if (!rawName.startsWith('$')) continue; // the route's own parameters are not ours to judge
    const name = rawName.toLowerCase();
    if (!SUPPORTED.has(name)) refuse(rawName, `${rawName} is not supported on this collection`);
    if (options.has(name) || Array.isArray(rawValue)) refuse(rawName, `${rawName} is given more than once`);
    if (typeof rawValue !== 'string') refuse(rawName, `${rawName} must be a string`);
    const value = rawValue as string;
    if (value.length > MAX_OPTION_LENGTH) refuse(rawName, `${rawName} is longer than ${MAX_OPTION_LENGTH} characters`);
    options.set(name, value);
  }

  const query: CollectionQuery = { top: DEFAULT_PAGE_SIZE, count: false, requiresEventualConsistency: false };
  let advancedOperator = false;

  const top = options.get('$top');
  if (top !== undefined) {
    const n = /^\d{1,4}$/.test(top.trim()) ? Number(top.trim()) : Number.NaN;
    const max = spec.maxPageSize ?? MAX_PAGE_SIZE;
    if (!(n >= 1 && n <= max)) refuse('$top', `$top must be a whole number from 1 to ${max}`);
    query.top = n;
  }

  const count = options.get('$count');
  if (count !== undefined) {
    const v = count.trim().toLowerCase();
    if (v !== 'true' && v !== 'false') refuse('$count', '$count must be true or false');
    query.count = v === 'true';
    if (query.count) query.requiresEventualConsistency = true;
  }

  const select = options.get('$select');
  if (select !== undefined) query.select = parseSelect(select, spec);

  const orderby = options.get('$orderby');
  if (orderby !== undefined) query.orderBy = parseOrderBy(orderby, spec);

  const filter = options.get('$filter');
  if (filter !== undefined) {
    const parsed = parseFilter(filter, spec);
    query.filter = parsed.node;
    advancedOperator = parsed.advanced;
  }

  const search = options.get('$search');
  if (search !== undefined) {
    query.search = parseSearch(search, spec);
    query.requiresEventualConsistency = true;
  }

  // Graph runs ne, not, and $filter combined with $orderby only as advanced queries: header and $count=true.
  const advanced =
    spec.advancedQueryRules !== false &&
    (advancedOperator || (query.filter !== undefined && query.orderBy !== undefined));
  if (advanced) {
    if (!query.count) {
      refuse(
        '$filter',
        advancedOperator
          ? 'ne and not need $count=true and the header ConsistencyLevel: eventual'
          : '$filter with $orderby needs $count=true and the header ConsistencyLevel: eventual',
      );
    }
    query.requiresEventualConsistency = true;
  }

  const skiptoken = options.get('$skiptoken');
  if (skiptoken !== undefined) {
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(skiptoken))
      refuse('$skiptoken', '$skiptoken is not a token this server issued');
    query.skiptoken = skiptoken;
  }
  return query;
}

function parseSelect(text: string, spec: ResourceSpec): string[] {
  const items = text.split(',').map((s) => s.trim());
  // `$select=*` (PowerShell's `-Property *`): every property.
  if (items.length === 1 && items[0] === '*') return [...spec.selectable];
  if (items.some((s) => s === '')) refuse('$select', '$select has an empty item');
  const unknown = items.filter((s) => canonicalName(s, spec.selectable) === undefined);
  if (unknown.length > 0) refuse('$select', `$select names unknown properties: ${unknown.join(', ')}`);
  return [...new Set(items.map((s) => canonicalName(s, spec.selectable)!))];
}

function parseOrderBy(text: string, spec: ResourceSpec): OrderBy {
  const items = text.split(',');
  if (items.length > 1) refuse('$orderby', '$orderby accepts one property');
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/i.exec(items[0]!);
  if (!m) refuse('$orderby', '$orderby must be a property name optionally followed by asc or desc');
  const sortable = Object.keys(spec.properties).filter((p) => spec.properties[p]!.orderBy);
  if (sortable.length === 0) refuse('$orderby', '$orderby is not supported on this collection');
  const property = canonicalName(m![1]!, sortable);
  if (!property) refuse('$orderby', `$orderby supports ${sortable.join(', ')}; not ${m![1]}`);
  return { property: property!, direction: (m![2]?.toLowerCase() ?? 'asc') as 'asc' | 'desc' };
}

/** `"displayName:jo"`, `"displayName:jo" AND "displayName:sm"`: each word is a prefix of some word of the value. */
function parseSearch(text: string, spec: ResourceSpec): SearchNode {
  const searchable = Object.keys(spec.properties).filter((p) => spec.properties[p]!.search);
  if (searchable.length === 0) refuse('$search', '$search is not supported on this collection');
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const clause = (): SearchNode => {
    skip();
    if (text[i] !== '"') refuse('$search', '$search clauses are quoted, as "displayName:word"');
    i++;
    let body = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < text.length) i++;
      body += text[i];
      i++;
    }
    if (i >= text.length) refuse('$search', '$search has an unclosed quote');
    i++;
    const colon = body.indexOf(':');
    if (colon < 0) refuse('$search', '$search clauses name a property, as "displayName:word"');
    const property = canonicalName(body.slice(0, colon).trim(), searchable);
    if (!property) refuse('$search', `$search supports ${searchable.join(', ')}; not ${body.slice(0, colon).trim()}`);
    const words = searchWords(body.slice(colon + 1));
    if (words.length === 0) refuse('$search', '$search has an empty term');
    return { op: 'term', property: property!, words };
  };
  let node = clause();
  let clauses = 1;
  for (;;) {
    skip();
    if (i >= text.length) return node;
    const m = /^(AND|OR)\s/.exec(text.slice(i, i + 4));
    if (!m) refuse('$search', '$search clauses are joined with AND or OR');
    i += m![1]!.length;
    if (++clauses > MAX_COMPARISONS) refuse('$search', `$search has more than ${MAX_COMPARISONS} clauses`);
    node = { op: m![1] === 'AND' ? 'and' : 'or', left: node, right: clause() };
  }
}

/** Graph tokenizes on spaces and punctuation; a search word matches the start of a token. */
export function searchWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[\s\-_.@,;:()'"]+/u)
    .filter((w) => w !== '');
}

/** The `@odata.nextLink` of a page: the request's own URL with its `$skiptoken` replaced. */
export function nextLink(requestUrl: string, skiptoken: string): string {
  const [path, search = ''] = requestUrl.split('?', 2) as [string, string?];
  const kept = search.split('&').filter((p) => p !== '' && !/^(\$|%24)skiptoken=/i.test(p));
  return `${path}?${[...kept, `$skiptoken=${skiptoken}`].join('&')}`;
}
