import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeError, type ErrorCode, SignetError } from '../../core/errors.ts';

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
  if (e.code === 'INTERNAL_ERROR') req.log.error({ err }, 'unexpected error');
  else req.log.info({ code: e.code, detail: e.detail }, 'request refused');
  return reply.status(e.status).type('application/json').send(errorBody(e, req.id));
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
