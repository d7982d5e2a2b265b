// POST /$batch (v1.0 and beta): Graph JSON batching. Each request of the batch is dispatched through this same
// server (Fastify's inject) with the batch's own Authorization header, so it is authenticated, authorized by the
// route table, logged and answered exactly as if it were sent alone; the batch adds only the order dependsOn asks
// for and the 424 of a request whose dependency failed. Requests run one after another, in that order.
import type { FastifyRequest } from 'fastify';
import { SignetError } from '../../core/errors.ts';
import {
  type BatchStep,
  failedDependency,
  INNER_REQUEST_HEADER,
  isJsonContentType,
  parseBatch,
} from '../../core/graph-batch.ts';
import { errorBody } from '../plugins/errors.ts';
import { EACH_INNER_REQUEST, type GraphRoute } from './route.ts';

const VERSIONS = ['v1.0', 'beta'] as const;
// The headers of an inner answer a client can use; the rest (security headers of a page, framing) stay out.
const ANSWER_HEADERS = [
  'location',
  'request-id',
  'client-request-id',
  'cache-control',
  'retry-after',
  'www-authenticate',
  'etag',
  'odata-version',
];

interface BatchAnswer {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

async function dispatch(req: FastifyRequest, version: string, step: BatchStep): Promise<BatchAnswer> {
  const outer = req.headers;
  const res = await req.server.inject({
    method: step.method,
    url: `/graph/${version}${step.path}`,
    headers: {
      // The batch's client-request-id and user agent, unless the request names its own.
      ...(typeof outer['client-request-id'] === 'string' ? { 'client-request-id': outer['client-request-id'] } : {}),
      ...(typeof outer['user-agent'] === 'string' ? { 'user-agent': outer['user-agent'] } : {}),
      ...step.headers,
      ...(typeof outer.authorization === 'string' ? { authorization: outer.authorization } : {}),
      [INNER_REQUEST_HEADER]: '1',
    },
    ...(step.body === undefined ? {} : { payload: step.body }),
    remoteAddress: req.ip,
  });
  const headers: Record<string, string> = {};
  const type = res.headers['content-type'];
  // Spelled as Graph does: the Graph SDK's BatchResponseContent reads `Content-Type` exactly.
  if (typeof type === 'string') headers['Content-Type'] = type;
  for (const name of ANSWER_HEADERS) {
    const value = res.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const answer: BatchAnswer = { id: step.id, status: res.statusCode, headers };
  if (res.rawPayload.length > 0) answer.body = bodyOf(res.payload, res.rawPayload, type);
  return answer;
}

/** A JSON answer as JSON, anything else as base64 (Graph's rule for batch answers). */
function bodyOf(text: string, raw: Buffer, type: unknown): unknown {
  if (typeof type === 'string' && isJsonContentType(type))
    try {
      return JSON.parse(text);
    } catch {
      // Not JSON after all: passed on as bytes.
    }
  return raw.toString('base64');
}

function failedDependencyAnswer(req: FastifyRequest, step: BatchStep, dependsOn: string): BatchAnswer {
  const e = new SignetError('GRAPH_BATCH_FAILED_DEPENDENCY', { id: step.id, dependsOn });
  return {
    id: step.id,
    status: e.status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'request-id': req.id },
    body: errorBody(e, req.id),
  };
}

export const batchRoutes: GraphRoute[] = [
  {
    method: 'POST',
    path: '/$batch',
    versions: VERSIONS,
    permission: EACH_INNER_REQUEST,
    handler: async ({ ctx, req, base }) => {
      // Belt and braces: the parser already refuses a url naming $batch.
      if (req.headers[INNER_REQUEST_HEADER] !== undefined)
        throw new SignetError('GRAPH_BATCH_URL_INVALID', { field: 'url', reason: 'a batch cannot contain a batch' });
      const version = base.slice(base.lastIndexOf('/') + 1);
      const parsed = parseBatch(req.body, { version, versions: VERSIONS, origin: ctx.config.origin });
      if (!parsed.ok) throw new SignetError(parsed.code, parsed.detail);
      const answers = new Map<string, BatchAnswer>();
      const statuses = new Map<string, number>();
      for (const step of parsed.order) {
        const failed = failedDependency(step, statuses);
        const answer =
          failed === undefined ? await dispatch(req, version, step) : failedDependencyAnswer(req, step, failed);
        answers.set(step.id, answer);
        statuses.set(step.id, answer.status);
      }
      return { body: { responses: parsed.steps.map((s) => answers.get(s.id)) } };
    },
  },
];
