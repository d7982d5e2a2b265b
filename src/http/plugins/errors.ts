import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeError, type ErrorCode, SignetError } from '../../core/errors.ts';
import { renderErrorPage } from '../../web/pages/error.ts';

/** Our catalogue's code for any error that reaches the edge; a client's mistake is never a 500. */
export function toSignetError(err: unknown): SignetError {
  if (err instanceof SignetError) return err;
  const e = err as FastifyError;
  if (e?.validation) return new SignetError('REQUEST_INVALID', { reason: e.message }, { cause: err });
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  const byStatus: Record<number, ErrorCode> = {
    400: 'REQUEST_MALFORMED',
    404: 'ROUTE_NOT_FOUND',
    405: 'METHOD_NOT_ALLOWED',
    413: 'REQUEST_TOO_LARGE',
    414: 'REQUEST_MALFORMED',
    415: 'REQUEST_UNSUPPORTED_MEDIA_TYPE',
  };
  return new SignetError(byStatus[status] ?? 'INTERNAL_ERROR', {}, { cause: err });
}

/** The JSON shape of a refusal: Graph's `{error:{code,message,innerError}}` plus a remediation. */
export function errorBody(e: SignetError, requestId: string) {
  return {
    error: {
      code: e.code,
      message: e.message,
      remediation: describeError(e.code).remediation,
      innerError: { ...e.detail, 'request-id': requestId, date: new Date().toISOString() },
    },
  };
}

export function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown) {
  const e = toSignetError(err);
  // The request's one log line (written with the response, src/http/server.ts) carries the code; a 500 the error.
  req.refusal = e.code === 'INTERNAL_ERROR' ? { code: e.code, err } : { code: e.code };
  if (wantsHtml(req))
    return reply
      .status(e.status)
      .type('text/html; charset=utf-8')
      .send(renderErrorPage({ status: e.status, code: e.code, detail: e.detail, requestId: req.id }));
  return reply.status(e.status).type('application/json').send(errorBody(e, req.id));
}

/**
 * For a route that answers a browser's form post by re-rendering its page with the message: the refusal to
 * show, or the error rethrown when the request is not a navigation (a script's fetch gets its JSON) or the
 * failure is ours (a 500 goes to the error page, and to the log, through sendError).
 */
export function refusalForPage(req: FastifyRequest, err: unknown): SignetError {
  const e = toSignetError(err);
  if (e.code === 'INTERNAL_ERROR' || !wantsHtml(req)) throw err;
  req.refusal = { code: e.code }; // for the request's log line, as sendError does
  return e;
}

/**
 * A browser navigating (a link, the address bar, a form post) gets a page; scripts' fetch calls, OIDC clients
 * and JSON clients keep the JSON. Sec-Fetch-Mode: navigate says it outright; otherwise an Accept that prefers
 * HTML to JSON (a script's fetch sends *\/* unless it asks for more).
 */
export function wantsHtml(req: FastifyRequest): boolean {
  const mode = req.headers['sec-fetch-mode'];
  if (mode === 'navigate') return true;
  const accept = req.headers.accept;
  if (typeof accept !== 'string') return false;
  let html = 0;
  let json = 0;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((x) => x.trim()).find((x) => x.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) || 0 : 1;
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, q);
    else if (type === 'application/json' || type?.endsWith('+json')) json = Math.max(json, q);
  }
  return html > 0 && html >= json;
}

/**
 * No string in a request body may carry a NUL: PostgreSQL cannot store one, and no name, pass or credential
 * field has a use for it. Refused at the edge, the same on both engines.
 */
export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    if (containsNul(req.body, 0))
      throw new SignetError('REQUEST_INVALID', { reason: 'a text field contains a NUL character' });
  });
}

function containsNul(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return v.includes('\0');
  if (typeof v !== 'object' || v === null) return false;
  if (depth > 64) throw new SignetError('REQUEST_INVALID', { reason: 'nested too deeply' });
  for (const [k, x] of Object.entries(v)) if (k.includes('\0') || containsNul(x, depth + 1)) return true;
  return false;
}

export function errorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => sendError(req, reply, err));
  app.setNotFoundHandler((req, reply) => sendError(req, reply, new SignetError('ROUTE_NOT_FOUND')));
}
