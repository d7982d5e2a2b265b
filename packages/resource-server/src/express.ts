// Express: `app.use(signetAuth(options))` once, then `requireAuth({ acr, maxAge, amr, scopes })` before each handler
// that needs a token. A thin layer: the decisions are authenticate()'s.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type AuthFailure, authenticate, type SignetAuth } from './authenticate.ts';
import { type RequirementOptions, requirement } from './requirement.ts';
import { createVerifier, type Verifier, type VerifierOptions } from './verifier.ts';

export type SignetAuthOptions = (VerifierOptions | { verifier: Verifier }) & {
  /** Sent as the challenge's realm. */
  realm?: string;
  /** Called for every refused request, before the answer is sent (to log or count it); it should not throw. */
  onRefused?: (failure: AuthFailure, req: Request) => void;
};

interface SignetContext {
  verifier: Verifier;
  realm: string | undefined;
  onRefused: SignetAuthOptions['onRefused'];
}

const CONTEXT = Symbol.for('@signet-idp/resource-server');

declare global {
  namespace Express {
    interface Request {
      /** The verified token's facts once requireAuth let the request through. */
      auth?: SignetAuth;
    }
  }
}

/** Makes the verifier available to the requireAuth handlers after it; verifies nothing by itself. */
export function signetAuth(o: SignetAuthOptions): RequestHandler {
  const context: SignetContext = {
    verifier: 'verifier' in o ? o.verifier : createVerifier(o),
    realm: o.realm,
    onRefused: o.onRefused,
  };
  return (req, _res, next) => {
    (req as unknown as Record<symbol, SignetContext>)[CONTEXT] = context;
    next();
  };
}

/**
 * Lets through only a valid token meeting the requirement, and otherwise answers 401 or 403 with the RFC 6750 /
 * RFC 9470 challenge (or 400 for a malformed header, 503 when the issuer's keys cannot be read). The options are
 * checked here, when the route is declared.
 */
export function requireAuth(o: RequirementOptions = {}): RequestHandler {
  const r = requirement(o);
  return async (req: Request, res: Response, next: NextFunction) => {
    const signet = (req as unknown as Record<symbol, SignetContext | undefined>)[CONTEXT];
    if (!signet) return next(new Error('requireAuth: use signetAuth(options) before the routes that use it'));
    const outcome = await authenticate(signet.verifier, req.headers.authorization, r, { realm: signet.realm });
    if (outcome.ok) {
      req.auth = outcome.auth;
      return next();
    }
    signet.onRefused?.(outcome, req);
    if (outcome.wwwAuthenticate) res.set('WWW-Authenticate', outcome.wwwAuthenticate);
    res.set('Cache-Control', 'no-store');
    res.status(outcome.status).json(outcome.body);
  };
}
