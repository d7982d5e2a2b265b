// The one-time code pages as a browser without script uses them: a session cookie, page loads and form posts.
import { randomBytes } from 'node:crypto';
import { stepsFromLegacyAmr } from '../../src/core/session-steps.ts';
import { tokenId } from '../../src/flows/context.ts';
import { SESSION_LIFETIME_MS } from '../../src/flows/sessions.ts';
import { sessionCookieName } from '../../src/http/session-cookie.ts';
import { insertSession } from '../../src/store/sessions.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import type { TestServer } from './server.ts';

/**
 * A session as a sign-in leaves it, stored directly: `['pwd']` waits for its second factor (the password sign-in
 * is another flow); a strong one (`strongAuthAt` now) is as after a passkey or a TAP. The cookie that carries it.
 */
export async function sessionCookie(
  server: TestServer,
  tenant: Tenant,
  user: User,
  p: { amr: string[]; strong?: boolean },
): Promise<{ cookie: string; sessionId: string }> {
  const token = randomBytes(32).toString('base64url');
  const now = server.ctx.now();
  await insertSession(server.ctx.db, {
    id: tokenId(token),
    tenantId: tenant.id,
    userId: user.id,
    createdAt: now,
    authTime: now,
    amr: p.amr,
    strongAuthAt: p.strong ? now : null,
    expiresAt: now + SESSION_LIFETIME_MS,
    revokedAt: null,
    // As the session store reads a session that kept only its amr.
    steps: stepsFromLegacyAmr(p.amr, now, p.strong ? now : null),
  });
  return { cookie: `${sessionCookieName(server.ctx.config, tenant)}=${token}`, sessionId: tokenId(token) };
}

export interface PageAnswer {
  status: number;
  location: string | null;
  html: string;
  /** The cookies the answer set, as a browser would send them back (`name=value; …`), or undefined. */
  setCookie?: string;
}

const setCookieOf = (res: Response): { setCookie?: string } => {
  const set = res.headers.getSetCookie().map((c) => c.split(';')[0]);
  return set.length ? { setCookie: set.join('; ') } : {};
};

/** A page load, as a browser navigates. */
export async function load(server: TestServer, path: string, cookie?: string): Promise<PageAnswer> {
  const res = await fetch(`${server.url}${path}`, {
    redirect: 'manual',
    headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate', ...(cookie ? { cookie } : {}) },
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text(), ...setCookieOf(res) };
}

/** A form post without script (urlencoded, navigate), from the page's own origin. */
export async function submit(
  server: TestServer,
  path: string,
  fields: Record<string, string>,
  cookie?: string,
  headers: Record<string, string> = {},
): Promise<PageAnswer> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      accept: 'text/html',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-site': 'same-origin',
      origin: server.url,
      'content-type': 'application/x-www-form-urlencoded',
      ...(cookie ? { cookie } : {}),
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text(), ...setCookieOf(res) };
}

/** A refusal's `error` (read only after checking the status), or the answer's own fields. */
export type JsonAnswer = { error: { code: string; innerError: Record<string, string> } } & Record<string, unknown>;

/** A script's JSON call to a page route. */
export async function postJson(server: TestServer, path: string, body: unknown, cookie?: string) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.url, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : {}) as JsonAnswer,
  };
}

/** The catalogue code a page shows in its small print, if any. */
export const pageCode = (html: string) => /Error code: <code>([A-Z_]+)<\/code>/.exec(html)?.[1];

/** The authenticator key the set-up page shows, without its spaces. */
export const shownKey = (html: string) =>
  /<code id="totp-secret">([A-Z2-7 ]+)<\/code>/.exec(html)?.[1]?.replace(/ /g, '');
