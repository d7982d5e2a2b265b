import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { SignetError } from '../core/errors.ts';
import type { Ctx } from '../flows/context.ts';
import { type LiveSession, liveSessionOf } from '../flows/sessions.ts';
import type { Session } from '../store/sessions.ts';
import type { Tenant } from '../store/tenants.ts';

/** One cookie per tenant; `__Host-` (Secure, Path=/, no Domain) when served over https. */
export function sessionCookieName(config: Config, tenant: Tenant): string {
  return `${config.secureCookies ? '__Host-' : ''}signet-sid-${tenant.id}`;
}

export function setSessionCookie(reply: FastifyReply, config: Config, tenant: Tenant, token: string): void {
  reply.setCookie(sessionCookieName(config, tenant), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.secureCookies,
    maxAge: 12 * 3600,
  });
}

export function clearSessionCookie(reply: FastifyReply, config: Config, tenant: Tenant): void {
  reply.clearCookie(sessionCookieName(config, tenant), {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.secureCookies,
  });
}

export function sessionToken(req: FastifyRequest, config: Config, tenant: Tenant): string | undefined {
  return req.cookies[sessionCookieName(config, tenant)];
}

/** The request's live session, if any; a disabled user's sessions no longer count (VULN-09). */
export async function currentSession(ctx: Ctx, req: FastifyRequest, tenant: Tenant): Promise<Session | undefined> {
  return (await liveSessionOf(ctx, tenant.id, sessionToken(req, ctx.config, tenant)))?.session;
}

export async function requireSession(ctx: Ctx, req: FastifyRequest, tenant: Tenant): Promise<Session> {
  return (await requireLiveSession(ctx, req, tenant)).session;
}

/** The request's live session with its (enabled) user, or SESSION_REQUIRED. */
export async function requireLiveSession(ctx: Ctx, req: FastifyRequest, tenant: Tenant): Promise<LiveSession> {
  const live = await liveSessionOf(ctx, tenant.id, sessionToken(req, ctx.config, tenant));
  if (!live) throw new SignetError('SESSION_REQUIRED');
  return live;
}

/**
 * State-changing calls from pages must come from our own origin. Browsers always send Origin on such
 * requests (and Sec-Fetch-Site); a request from another site is refused before it is read.
 */
export function assertSameOrigin(req: FastifyRequest, config: Config): void {
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if (origin !== undefined && origin !== config.origin) throw new SignetError('CSRF_TOKEN_INVALID', { origin });
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    throw new SignetError('CSRF_TOKEN_INVALID', { site: String(site) });
}
