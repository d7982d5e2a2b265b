// The Graph integration tests' common set-up: an app's token by the client credentials grant, one Graph request
// as a script sends it (Bearer token, JSON body), and the error code a refusal carries.
import { expect } from 'vitest';
import { createApp } from '../../src/flows/directory.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { clientCredentials } from './graph.ts';
import type { TestServer } from './server.ts';

type Json = Record<string, unknown>;

export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';

/**
 * A confidential app of the tenant granted `permissions`, and its app-only token (the grant must succeed).
 * `scope` is what the grant asks for (Graph's .default unless given).
 */
export async function appToken(
  server: TestServer,
  tenant: Tenant,
  permissions: string | string[],
  opts: { name?: string; scope?: string; redirectUris?: string[] } = {},
): Promise<{ appId: string; token: string; secret: string }> {
  const list = typeof permissions === 'string' ? [permissions] : permissions;
  const c = await createApp(server.ctx, tenant, {
    name: opts.name ?? `app-${list.join('-')}`,
    redirectUris: opts.redirectUris ?? [],
    publicClient: false,
    permissions: list,
  });
  const secret = c.clientSecret!;
  const r = await clientCredentials(server, tenant, { id: c.app.id, secret }, opts.scope ?? GRAPH_DEFAULT_SCOPE);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return { appId: c.app.id, token: String(r.body.access_token), secret };
}

export interface GraphRequest {
  /** The Bearer token; without one (and no default), no authorization header is sent. */
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, as JSON's content type (a malformed body). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface GraphAnswer<B> {
  status: number;
  headers: Headers;
  text: string;
  body: B;
}

/**
 * A `graph(method, path, request)` for the test's server (read when a request is sent, as it starts in beforeAll):
 * `path` below /graph/v1.0, or an absolute URL (a nextLink).
 * `token` gives the token a request without one is sent with; `empty` is the body an empty answer reads as;
 * `seen` is shown every answer's text (to look for secrets in it).
 */
export function graphClient<B = Json>(
  server: () => TestServer,
  opts: { token?: () => string | undefined; empty?: unknown; seen?: (text: string, method: string) => void } = {},
) {
  return async (method: string, path: string, req: GraphRequest = {}): Promise<GraphAnswer<B>> => {
    const token = req.token ?? opts.token?.();
    const sent = req.raw ?? (req.body === undefined ? undefined : JSON.stringify(req.body));
    const res = await fetch(path.startsWith('http') ? path : `${server().url}/graph/v1.0${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(sent === undefined ? {} : { 'content-type': 'application/json' }),
        ...req.headers,
      },
      ...(sent === undefined ? {} : { body: sent }),
    });
    const text = await res.text();
    opts.seen?.(text, method);
    return { status: res.status, headers: res.headers, text, body: (text ? JSON.parse(text) : opts.empty) as B };
  };
}

/** The code of a Graph refusal (`error.code`), undefined for an answer that is not one. */
export const errorCode = (r: { body?: unknown }) =>
  ((r.body as Json | undefined)?.error as { code?: string } | undefined)?.code;

/** A Graph refusal's error object, code and innerError ({} for an answer that is not one). */
export const errorOf = (r: { body?: unknown }) =>
  ((r.body as Json | undefined)?.error ?? {}) as { code: string; innerError: Record<string, string> };
