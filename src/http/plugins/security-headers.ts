import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * oidc-provider's pages: no form-action limit (form_post answers post to the app's registered redirect URI),
 * and oidc-provider adds the hash of its one inline auto-submit script to script-src itself.
 */
const OIDC_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function headers(csp: string, https: boolean): Array<[string, string]> {
  const h: Array<[string, string]> = [
    ['content-security-policy', csp],
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'DENY'],
    // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on our own form posts.
    ['referrer-policy', 'same-origin'],
    ['cross-origin-opener-policy', 'same-origin'],
    ['permissions-policy', 'publickey-credentials-get=(self), publickey-credentials-create=(self)'],
  ];
  if (https) h.push(['strict-transport-security', 'max-age=63072000; includeSubDomains']);
  return h;
}

/** Strict headers on every response; pages carry no inline script or style, so the CSP needs no exceptions. */
export function securityHeaders(app: FastifyInstance, opts: { https: boolean }): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    for (const [k, v] of headers(CSP, opts.https)) reply.header(k, v);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}

/** For responses written by oidc-provider on the raw response (Fastify's hooks do not run for them). */
export function setOidcSecurityHeaders(res: ServerResponse, https: boolean): void {
  for (const [k, v] of headers(OIDC_CSP, https)) res.setHeader(k, v);
}
