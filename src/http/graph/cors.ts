// CORS for the Graph API, because an app's page calls it from the app's own origin. The Graph routes take only a
// bearer token and never read a cookie, so any origin may call them (what a call may do is the token's alone),
// and credentials are never allowed: a browser does not attach Signet's cookies to these requests.
import type { FastifyInstance } from 'fastify';

export const GRAPH_CORS = {
  methods: 'GET, POST, PATCH, PUT, DELETE',
  allowHeaders: 'Authorization, Content-Type, ConsistencyLevel, client-request-id',
  exposeHeaders: 'request-id, client-request-id',
  /** Seconds a browser may keep a preflight's answer. */
  maxAge: '600',
} as const;

/** Registers the CORS headers on every answer of the Graph scope, and the answer to preflight requests. */
export function graphCors(scope: FastifyInstance): void {
  scope.addHook('onRequest', async (req, reply) => {
    if (req.headers.origin === undefined) return;
    reply.header('access-control-allow-origin', '*');
    reply.header('access-control-expose-headers', GRAPH_CORS.exposeHeaders);
  });
  // A preflight carries no token: it is answered for any path, and the actual request is authorized as usual.
  scope.options('/*', async (req, reply) => {
    if (req.headers['access-control-request-method'] !== undefined) {
      reply.header('access-control-allow-methods', GRAPH_CORS.methods);
      reply.header('access-control-allow-headers', GRAPH_CORS.allowHeaders);
      reply.header('access-control-max-age', GRAPH_CORS.maxAge);
    }
    return reply.status(204).send();
  });
}
