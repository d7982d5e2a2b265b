// Fastify: `app.register(signetAuth, options)` once, then `{ preHandler: requireAuth({ acr, maxAge, amr, scopes }) }`
// on each route that needs a token. A thin layer: the decisions are authenticate()'s.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { type AuthFailure, authenticate, type SignetAuth } from './authenticate.ts';
import { type RequirementOptions, requirement } from './requirement.ts';
import { createVerifier, type Verifier, type VerifierOptions } from './verifier.ts';

export type SignetAuthOptions = (VerifierOptions | { verifier: Verifier }) & {
  /** Sent as the challenge's realm. */
  realm?: string;
  /** Called for every refused request, before the answer is sent (to log or count it); it should not throw. */
  onRefused?: (failure: AuthFailure, request: FastifyRequest) => void;
};

interface SignetDecoration {
  verifier: Verifier;
  realm: string | undefined;
  onRefused: SignetAuthOptions['onRefused'];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified token's facts once requireAuth let the request through; null before or elsewhere. */
    auth: SignetAuth | null;
  }
  interface FastifyInstance {
    signet: SignetDecoration;
  }
}

const plugin: FastifyPluginAsync<SignetAuthOptions> = async (app, o) => {
  const verifier = 'verifier' in o ? o.verifier : createVerifier(o);
  app.decorate('signet', { verifier, realm: o.realm, onRefused: o.onRefused } satisfies SignetDecoration);
  app.decorateRequest('auth', null);
};

/** Not encapsulated (what fastify-plugin does, by Fastify's own marker): the routes beside it see the decorations. */
export const signetAuth: FastifyPluginAsync<SignetAuthOptions> = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@signet-idp/resource-server',
});

/**
 * A preHandler that lets through only a valid token meeting the requirement, and otherwise answers 401 or 403 with
 * the RFC 6750 / RFC 9470 challenge (or 400 for a malformed header, 503 when the issuer's keys cannot be read).
 * The options are checked here, when the route is declared.
 */
export function requireAuth(o: RequirementOptions = {}): preHandlerAsyncHookHandler {
  const r = requirement(o);
  return async function signetRequireAuth(this: FastifyInstance, request, reply) {
    const signet = request.server.signet as SignetDecoration | undefined;
    if (!signet) throw new Error('requireAuth: register the signetAuth plugin before the routes that use it');
    const outcome = await authenticate(signet.verifier, request.headers.authorization, r, { realm: signet.realm });
    if (outcome.ok) {
      request.auth = outcome.auth;
      return;
    }
    signet.onRefused?.(outcome, request);
    if (outcome.wwwAuthenticate) reply.header('www-authenticate', outcome.wwwAuthenticate);
    reply.header('cache-control', 'no-store');
    await reply.code(outcome.status).send(outcome.body);
    return reply;
  };
}
