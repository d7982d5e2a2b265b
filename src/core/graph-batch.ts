// Graph JSON batching (`POST /$batch`): the batch body judged into steps a server can dispatch one by one, and the
// order dependsOn allows. Each step is a request as a client would send it alone below the version root; nothing
// here decides what a step may do (each is authorized on its own when dispatched). Every refusal is a catalogue
// code naming the request and the field; nothing here throws on bad input.
import type { ErrorCode } from './errors.ts';

/** Graph's limit of requests in one batch. */
export const BATCH_LIMIT = 20;
export const BATCH_METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;
export type BatchMethod = (typeof BATCH_METHODS)[number];
/** Set by the dispatcher on every inner request, so an inner request can never be a batch itself. */
export const INNER_REQUEST_HEADER = 'signet-batch-inner';

export interface BatchStep {
  id: string;
  method: BatchMethod;
  /** Path and query below the version root, percent-encoded: `/users?$filter=...`. */
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** What to send: JSON text for a JSON content type, the decoded bytes of a base64 body otherwise. */
  body?: string | Buffer;
  dependsOn: string[];
}

export type BatchRefusal = { ok: false; code: ErrorCode; detail: Record<string, string> };
export type BatchParse = { ok: true; steps: BatchStep[]; order: BatchStep[] } | BatchRefusal;

export interface BatchTarget {
  /** The version the batch was posted to; its steps are all of that version. */
  version: string;
  /** Every version the API has, so a step naming another one is refused rather than sent astray. */
  versions: readonly string[];
  /** This server's public origin: the only host an absolute url may name. */
  origin: string;
}

// Headers an inner request may not set: the batch's own credentials and client address stand for every step, and
// framing is the dispatcher's.
const FORBIDDEN_HEADERS = new Set([
  'authorization',
  'cookie',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  INNER_REQUEST_HEADER,
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]{0,4096}$/;
const MAX_ID_LENGTH = 128;
const MAX_URL_LENGTH = 4096;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

class Refusal {
  readonly code: ErrorCode;
  readonly detail: Record<string, string>;
  constructor(code: ErrorCode, detail: Record<string, string>) {
    this.code = code;
    this.detail = detail;
  }
}
const malformed = (field: string, reason: string): never => {
  throw new Refusal('GRAPH_BATCH_MALFORMED', { field, reason });
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `application/json`, `application/merge-patch+json`, with or without parameters. */
export const isJsonContentType = (contentType: string): boolean =>
  /^application\/(?:[a-z0-9.!#$&^_-]+\+)?json(?:\s*;|$)/i.test(contentType.trim());

/** Parses the batch body and orders its steps; the order runs every step after the steps it depends on. */
export function parseBatch(body: unknown, target: BatchTarget): BatchParse {
  try {
    const steps = parseSteps(body, target);
    return { ok: true, steps, order: orderSteps(steps) };
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, code: e.code, detail: e.detail };
    throw e;
  }
}

function parseSteps(body: unknown, target: BatchTarget): BatchStep[] {
  if (!isObject(body)) return malformed('', 'the body must be a JSON object {"requests": [...]}');
  const unknown = Object.keys(body).filter((k) => k !== 'requests');
  if (unknown.length) return malformed(unknown[0]!, 'a batch has only the property requests');
  const { requests } = body;
  if (!Array.isArray(requests)) return malformed('requests', 'requests must be an array');
  if (requests.length === 0) return malformed('requests', 'a batch needs at least one request');
  if (requests.length > BATCH_LIMIT)
    throw new Refusal('GRAPH_BATCH_LIMIT_EXCEEDED', { limit: String(BATCH_LIMIT), count: String(requests.length) });
  const steps = requests.map((r, i) => parseStep(r, `requests[${i}]`, target));
  const seen = new Set<string>();
  for (const s of steps) {
    if (seen.has(s.id)) throw new Refusal('GRAPH_BATCH_DUPLICATE_ID', { id: s.id });
    seen.add(s.id);
  }
  for (const s of steps)
    for (const d of s.dependsOn) {
      if (d === s.id) throw new Refusal('GRAPH_BATCH_DEPENDENCY_INVALID', { id: s.id, reason: 'depends on itself' });
      if (!seen.has(d))
        throw new Refusal('GRAPH_BATCH_DEPENDENCY_INVALID', {
          id: s.id,
          dependsOn: d,
          reason: 'no request of the batch has this id',
        });
    }
  return steps;
}

function parseStep(r: unknown, field: string, target: BatchTarget): BatchStep {
  if (!isObject(r)) return malformed(field, 'each request must be an object');
  const known = new Set(['id', 'method', 'url', 'headers', 'body', 'dependsOn', 'atomicityGroup']);
  const extra = Object.keys(r).find((k) => !known.has(k));
  if (extra !== undefined) return malformed(`${field}.${extra}`, 'not a property of a batch request');
  // Graph has no atomicity groups: refused rather than ignored, so nobody relies on all-or-nothing.
  if (r.atomicityGroup !== undefined) return malformed(`${field}.atomicityGroup`, 'atomicity groups are not supported');
  const { id, method } = r;
  if (typeof id !== 'string' || id.trim() === '') return malformed(`${field}.id`, 'id must be a non-empty string');
  if (id.length > MAX_ID_LENGTH || !HEADER_VALUE.test(id))
    return malformed(`${field}.id`, `id must be at most ${MAX_ID_LENGTH} printable characters`);
  if (typeof method !== 'string') return malformed(`${field}.method`, 'method must be a string');
  const upper = method.toUpperCase();
  if (!(BATCH_METHODS as readonly string[]).includes(upper))
    return malformed(`${field}.method`, `method must be one of ${BATCH_METHODS.join(', ')}`);
  if (typeof r.url !== 'string' || r.url === '') return malformed(`${field}.url`, 'url must be a non-empty string');
  const path = batchPath(r.url, `${field}.url`, target);
  const headers = parseHeaders(r.headers, `${field}.headers`);
  const step: BatchStep = { id, method: upper as BatchMethod, path, headers, dependsOn: [] };
  if (r.body !== undefined) step.body = parseBody(r.body, headers['content-type'], `${field}.body`);
  if (r.dependsOn !== undefined) {
    if (!Array.isArray(r.dependsOn) || r.dependsOn.some((d) => typeof d !== 'string'))
      return malformed(`${field}.dependsOn`, 'dependsOn must be an array of request ids');
    step.dependsOn = [...new Set(r.dependsOn as string[])];
  }
  return step;
}

function parseHeaders(h: unknown, field: string): Record<string, string> {
  if (h === undefined) return {};
  if (!isObject(h)) return malformed(field, 'headers must be an object of header names and string values');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) {
    if (!TOKEN.test(name)) return malformed(`${field}.${name}`, 'not a valid header name');
    const lower = name.toLowerCase();
    if (FORBIDDEN_HEADERS.has(lower))
      return malformed(
        `${field}.${name}`,
        lower === 'authorization'
          ? "every request of a batch is sent with the batch's own Authorization header"
          : 'an inner request may not set this header',
      );
    if (typeof value !== 'string' || !HEADER_VALUE.test(value))
      return malformed(`${field}.${name}`, 'a header value must be a string of printable characters');
    if (Object.hasOwn(out, lower)) return malformed(`${field}.${name}`, 'header given twice');
    out[lower] = value;
  }
  return out;
}

function parseBody(body: unknown, contentType: string | undefined, field: string): string | Buffer {
  // Graph requires the content type of a body: JSON is sent as it is, anything else as base64.
  if (contentType === undefined) return malformed(field, 'a request with a body needs a Content-Type header');
  if (isJsonContentType(contentType)) return JSON.stringify(body);
  if (typeof body !== 'string' || !BASE64.test(body))
    return malformed(field, 'a body that is not JSON must be a base64 string');
  return Buffer.from(body, 'base64');
}

/**
 * The step's path and query below the version root. A relative url may start at the version root (`/users`,
 * `users`) or repeat it (`/v1.0/users`, `/graph/v1.0/users`, as the Graph SDK strips its host); an absolute url
 * must name this server's Graph API. Refused: another host or version, a nested `$batch`, dot segments.
 */
function batchPath(url: string, field: string, target: BatchTarget): string {
  if (url.length > MAX_URL_LENGTH) return malformed(field, 'url too long');
  if ([...url].some((c) => c < ' ' || c === '\x7f' || c === '\\' || c === '#'))
    return malformed(field, 'url has a control character, a backslash or a fragment');
  let rest = url.trim();
  if (rest.startsWith('//')) return malformed(field, 'url must be relative to the version root, or this server');
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(rest)) {
    let abs: URL;
    try {
      abs = new URL(rest);
    } catch {
      return malformed(field, 'not a valid url');
    }
    if (abs.origin !== target.origin || abs.username !== '' || abs.password !== '')
      throw new Refusal('GRAPH_BATCH_URL_INVALID', {
        field,
        reason: "an absolute url must name this server's Graph API",
      });
    // The raw path after the authority, so the checks below see what was sent (URL would resolve dot segments).
    const start = rest.indexOf('/', rest.indexOf('//') + 2);
    rest = start === -1 ? '/' : rest.slice(start);
    if (!rest.startsWith('/graph/'))
      throw new Refusal('GRAPH_BATCH_URL_INVALID', {
        field,
        reason: "an absolute url must name this server's Graph API",
      });
  }
  if (!rest.startsWith('/')) rest = `/${rest}`;
  const q = rest.indexOf('?');
  let path = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? '' : rest.slice(q);
  const segments = path.split('/');
  // The version root repeated: `/graph/{version}/…` or `/{version}/…`.
  const lead = segments[1] === 'graph' ? 2 : 1;
  const named = segments[lead];
  if (named !== undefined && target.versions.includes(named)) {
    if (named !== target.version)
      throw new Refusal('GRAPH_BATCH_URL_INVALID', {
        field,
        reason: `a batch posted to ${target.version} has only ${target.version} requests`,
      });
    path = `/${segments.slice(lead + 1).join('/')}`;
  } else if (lead === 2) throw new Refusal('GRAPH_BATCH_URL_INVALID', { field, reason: 'no version after /graph' });
  let decoded: string[];
  try {
    decoded = path.split('/').map((s) => decodeURIComponent(s));
  } catch {
    return malformed(field, 'url has a bad percent-encoding');
  }
  if (decoded.some((s) => s === '.' || s === '..' || s.includes('/') || s.includes('\\')))
    throw new Refusal('GRAPH_BATCH_URL_INVALID', { field, reason: 'url has dot segments or an encoded slash' });
  if (decoded.length === 2 && decoded[1] === '')
    throw new Refusal('GRAPH_BATCH_URL_INVALID', { field, reason: 'url names no resource' });
  if (decoded.some((s) => s.toLowerCase() === '$batch'))
    throw new Refusal('GRAPH_BATCH_URL_INVALID', { field, reason: 'a batch cannot contain a batch' });
  try {
    return encodeRaw(path) + encodeRaw(query);
  } catch {
    return malformed(field, 'url is not well-formed text');
  }
}

/** Spaces and other characters a URL cannot carry raw are percent-encoded; escapes already there are kept. */
const encodeRaw = (s: string) => encodeURI(s).replace(/%25([0-9A-Fa-f]{2})/g, '%$1');

/**
 * Every step after the steps it depends on; otherwise the order of the batch (Kahn's algorithm, taking the first
 * ready step each time). A cycle is refused.
 */
function orderSteps(steps: readonly BatchStep[]): BatchStep[] {
  const done = new Set<string>();
  const order: BatchStep[] = [];
  const pending = [...steps];
  while (pending.length) {
    const i = pending.findIndex((s) => s.dependsOn.every((d) => done.has(d)));
    if (i === -1)
      throw new Refusal('GRAPH_BATCH_DEPENDENCY_INVALID', {
        id: pending[0]!.id,
        reason: `dependsOn forms a cycle among ${pending.map((s) => s.id).join(', ')}`,
      });
    const [next] = pending.splice(i, 1);
    order.push(next!);
    done.add(next!.id);
  }
  return order;
}

/** The dependency of a step that did not succeed (its answer was not 2xx), or undefined when all did. */
export function failedDependency(step: BatchStep, statusById: ReadonlyMap<string, number>): string | undefined {
  return step.dependsOn.find((d) => {
    const status = statusById.get(d);
    return status === undefined || status < 200 || status >= 300;
  });
}
